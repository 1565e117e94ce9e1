/**
 * Builds the web UI with Vite's JS API when `web/dist` is missing or older than its sources,
 * so `npm start` on a fresh clone is one command. The build goes to a scratch directory and is
 * renamed into place, so a server reading `web/dist` never sees half a build.
 */
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where the built UI lives. */
export const UI_DIST = join(REPO_ROOT, 'web', 'dist');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    m = Math.max(m, newestMtime(join(path, e)));
  }
  return m;
}

/** Sources the bundle is made of: the web app, the engine modules it imports, the config. */
const SOURCES = [
  'web/src', 'web/index.html', 'vite.config.ts', 'engine/net', 'engine/model', 'engine/events.ts',
  'engine/server/api-types.ts', 'engine/server/api-views.ts', 'engine/server/recording-backend.ts', 'engine/scenario/recording.ts', 'engine/cli/shell-line.ts', 'engine/bgp/codec',
];

/** True when web/dist is missing or older than a source file. */
export function uiIsStale(): boolean {
  const index = join(UI_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(REPO_ROOT, s)) > built);
}

const LOCK = join(REPO_ROOT, 'web', '.build.lock');
/** A lock older than this is from a build that died. */
const LOCK_STALE_MS = 120_000;

/** Takes the build lock (other processes — parallel test files — may be building); resolves to a release function. */
async function lock(): Promise<() => void> {
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      return () => rmSync(LOCK, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(LOCK, { force: true });
      else await sleep(200);
    }
  }
}

/** Builds web/dist if it is stale (or always with `force`); resolves to true when it built. */
export async function ensureUiBuilt(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  if (!opts.force && !uiIsStale()) return false;
  const release = await lock();
  try {
    // Someone else may have built it while we waited.
    if (!opts.force && !uiIsStale()) return false;
    const log = opts.log ?? (() => {});
    log('podlab: building the web UI (vite)…');
    let build: typeof import('vite').build;
    try {
      ({ build } = await import('vite'));
    } catch {
      throw new Error('cannot build the web UI: vite is not installed (it is a devDependency: run `npm ci` without --omit=dev)');
    }
    const tmp = join(REPO_ROOT, 'web', `.dist-${process.pid}-${Date.now()}`);
    try {
      // Production React whoever builds: under vitest NODE_ENV is 'test', and Vite would
      // bundle React's development build (several times slower: it times every component).
      await build({
        configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production',
        define: { 'process.env.NODE_ENV': JSON.stringify('production') }, build: { outDir: tmp, emptyOutDir: true },
      });
      rmSync(UI_DIST, { recursive: true, force: true });
      renameSync(tmp, UI_DIST);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    log('podlab: web UI built');
    return true;
  } finally {
    release();
  }
}
