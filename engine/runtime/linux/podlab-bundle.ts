/**
 * How a real node runs podlab (`podlab agent`, `podlab cni`) without paying tsx's start-up:
 * the CLI's TypeScript bundled once by esbuild (tsx's own dependency, so always installed)
 * into `node_modules/.cache/podlab/node-<hash>/`, split per subcommand so `podlab cni` loads
 * only the plugin, npm packages left external (they resolve from the repository's
 * node_modules). The hash covers every engine source, so an edit rebuilds it and a stale
 * bundle never runs. Built by the engine before any node starts (a container sees the
 * repository read-only); where it cannot be built, bin/podlab.js (tsx) is the fallback.
 *
 * kubelet spawns the CNI plugin for every pod and calico-node runs for hours: with tsx each
 * start transpiles ~300 files (1–2 s, several under load), bundled it is a module load.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sourceHash as hashSources } from '../../../bin/source-hash.mjs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TSX_ENTRY = join(REPO, 'bin', 'podlab.js');

/** A content hash of the engine's sources and the lockfile (12 hex); bin/podlab.js computes the same. */
export function sourceHash(): string {
  return hashSources(REPO);
}

/** Where the bundle for the current sources lives (it may not be built yet). */
export function bundleEntry(): string {
  return join(REPO, 'node_modules', '.cache', 'podlab', `node-${sourceHash()}`, 'podlab.mjs');
}

// Sources find files next to themselves through import.meta.url (the UI's dist, package.json,
// the Mininet helper); in a bundle that URL is the chunk's. Each file's import.meta.url is
// rewritten to its own source path, relative to the bundle directory so a repository mounted
// elsewhere (a container) still resolves.
function sourceUrlPlugin(outdir: string): import('esbuild').Plugin {
  return {
    name: 'podlab-source-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = relative(outdir, args.path).split(sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

/**
 * The argv prefix that runs podlab on a node: `[node, <bundle>/podlab.mjs]`, building the
 * bundle when it is missing; `[node, bin/podlab.js]` (tsx) when it cannot be built.
 */
export async function nodePodlabArgv(onProgress: (msg: string) => void = () => undefined): Promise<string[]> {
  const entry = bundleEntry();
  const dir = join(entry, '..');
  if (existsSync(entry)) {
    touch(dir);
    return [process.execPath, entry];
  }
  try {
    const t0 = Date.now();
    const esbuild = await import('esbuild');
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await esbuild.build({
      entryPoints: { main: join(REPO, 'engine', 'cli', 'main.ts') }, bundle: true, splitting: true, format: 'esm', platform: 'node',
      target: 'node20', packages: 'external', outdir: tmp, logLevel: 'silent', plugins: [sourceUrlPlugin(dir)],
    });
    writeFileSync(join(tmp, 'podlab.mjs'), "import { main } from './main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
    // Another engine may have built it meanwhile: either copy is the same.
    if (existsSync(entry)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, dir);
    prune(dir);
    onProgress(`bundled podlab for the nodes in ${((Date.now() - t0) / 1000).toFixed(1)} s (${relative(REPO, dir)})`);
    return [process.execPath, entry];
  } catch (e) {
    onProgress(`could not bundle podlab for the nodes (${(e as Error).message.split('\n')[0]}); nodes run it through tsx`);
    return [process.execPath, TSX_ENTRY];
  }
}

/**
 * Bundles one script (a bench's child) as the CLI is bundled: one ESM file in `outdir`, npm
 * packages external, each source's import.meta.url kept. A bench measures what users run —
 * bin/podlab.js runs this bundle, not tsx, whose keepNames wraps every closure it creates.
 */
export async function bundleScript(entry: string, outdir: string): Promise<string> {
  const esbuild = await import('esbuild');
  mkdirSync(outdir, { recursive: true });
  const out = join(outdir, 'main.mjs');
  await esbuild.build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
    outfile: out, logLevel: 'silent', plugins: [sourceUrlPlugin(outdir)],
  });
  return out;
}

/** Marks a bundle as in use now (prune keeps what was used recently). */
function touch(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch { /* removed meanwhile: the next start rebuilds it */ }
}

/** A bundle used within this long may still run: a lab's agents and CNI plugin load its chunks on demand. */
const IN_USE_MS = 12 * 3600_000;

/**
 * Removes bundles of older sources, keeping the newest three and every one used in the last
 * 12 hours: in a checkout whose sources change often, three newer bundles can appear while a
 * lab deployed from an older one still runs (its CLI, agents and CNI plugin import chunks
 * lazily, and a deleted chunk fails them mid-run).
 */
function prune(keep: string): void {
  const root = join(keep, '..');
  const all = readdirSync(root).filter((n) => n.startsWith('node-') && !n.includes('.tmp-')).map((n) => join(root, n));
  const cutoff = Date.now() - IN_USE_MS;
  const withTime = all.filter((d) => d !== keep).map((d) => ({ d, t: statSync(d).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { d, t } of withTime.slice(2)) if (t < cutoff) rmSync(d, { recursive: true, force: true });
}
