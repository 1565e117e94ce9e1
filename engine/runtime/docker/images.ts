/**
 * podlab's container images without Docker Hub: a Debian 12 base made with debootstrap and
 * `docker import`, then podlab/node and podlab/router built FROM it (docker/<image>/Dockerfile)
 * through the Docker API. Every image is tagged with a content hash of what it is made from,
 * so asking again with nothing changed does nothing; the results are also tagged with the
 * names the containerlab generator writes (NODE_IMAGE, ROUTER_IMAGE).
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { PODLAB_IMAGE_TAG } from '../containerlab/images.ts';
import { machineMirror, makeBaseTar } from './images-base.ts';
import { nodeContext, routerContext } from './images-context.ts';
import type { BuildContext } from './images-context.ts';
import { buildImage, imageId, importRootfs, pruneOlderBuilds, tagImage } from './images-docker.ts';
import { withLock } from './images-lock.ts';
import { baseHash } from './images-recipe.ts';
import type { ImageName } from './images-recipe.ts';

export type { ImageName } from './images-recipe.ts';

/** One progress line: which image, what it is doing, seconds since ensureImages began. */
export interface ImageProgress {
  readonly image: ImageName | 'all';
  readonly step: string;
  readonly elapsedS: number;
}

/** Options of ensureImages. */
export interface EnsureImagesOptions {
  readonly onProgress?: (p: ImageProgress) => void;
  /** Rebuild everything from scratch: debootstrap again, no Docker layer cache. */
  readonly force?: boolean;
  /** Repository prefix (default `podlab`: podlab/base, podlab/node, podlab/router). */
  readonly repo?: string;
  /** Base tars, logs and the build lock (default $PODLAB_CACHE_DIR or /var/cache/podlab). */
  readonly cacheDir?: string;
  /** The Docker client (default: DOCKER_HOST or /var/run/docker.sock). */
  readonly docker?: Docker;
}

/** The images ensured: content-hashed refs, whether anything was built, and the build's log. */
export interface EnsuredImages {
  readonly node: string;
  readonly router: string;
  readonly base: string;
  readonly built: boolean;
  /** The log of this build (undefined when nothing was built). */
  readonly logFile?: string;
}

/** Where base tars, logs and the lock live unless told otherwise. */
export function defaultCacheDir(): string {
  return process.env.PODLAB_CACHE_DIR ?? '/var/cache/podlab';
}

/** Seconds between "still running" lines while one step takes long (apt, debootstrap). */
const HEARTBEAT_S = 15;

/** Progress with elapsed time and a heartbeat for long steps. */
class Progress {
  private readonly t0 = Date.now();
  private readonly current = new Map<ImageProgress['image'], { step: string; since: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: ((p: ImageProgress) => void) | undefined) {}

  elapsed(): number {
    return Math.round((Date.now() - this.t0) / 100) / 10;
  }

  say(image: ImageProgress['image'], step: string, running = false): void {
    if (running) this.current.set(image, { step, since: Date.now() });
    else this.current.delete(image);
    this.sink?.({ image, step, elapsedS: this.elapsed() });
    if (this.current.size > 0 && !this.timer && this.sink) {
      this.timer = setInterval(() => {
        for (const [img, c] of this.current) this.sink?.({ image: img, step: `${c.step} (running ${Math.round((Date.now() - c.since) / 1000)} s)`, elapsedS: this.elapsed() });
      }, HEARTBEAT_S * 1000);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** What one ensure run shares between its images. */
interface Run {
  readonly docker: Docker;
  readonly repo: string;
  readonly cacheDir: string;
  readonly force: boolean;
  readonly progress: Progress;
  /** Opened on the first thing actually built. */
  log(): WriteStream;
  logFile?: string;
}

async function ensureBase(run: Run): Promise<{ ref: string; built: boolean }> {
  const hash = baseHash();
  const ref = `${run.repo}/base:${hash}`;
  if (!run.force && (await imageId(run.docker, ref))) {
    run.progress.say('base', `${ref} up to date`);
    return { ref, built: false };
  }
  const tarFile = join(run.cacheDir, 'base', `${hash}.tar`);
  if (run.force || !existsSync(tarFile)) {
    if (process.getuid?.() !== 0) throw new Error(`making ${ref} runs debootstrap, which needs root: run sudo podlab images build`);
    if (!onPath('debootstrap')) throw new Error('debootstrap is not installed: apt-get install debootstrap (it makes the Debian base without Docker Hub)');
    const mirror = machineMirror();
    run.progress.say('base', `debootstrap --variant=minbase bookworm from ${mirror}`, true);
    await makeBaseTar({ tarFile, mirror, log: run.log() });
  }
  run.progress.say('base', `docker import ${tarFile} as ${ref}`, true);
  await importRootfs(run.docker, tarFile, `${run.repo}/base`, hash, run.log());
  run.progress.say('base', `${ref} ready`);
  return { ref, built: true };
}

async function ensureBuilt(run: Run, image: 'node' | 'router', ctx: BuildContext, baseRef: string): Promise<{ ref: string; built: boolean }> {
  const ref = `${run.repo}/${image}:${ctx.hash}`;
  const alias = `${run.repo}/${image}:${PODLAB_IMAGE_TAG}`;
  const id = run.force ? undefined : await imageId(run.docker, ref);
  if (id) {
    // The alias may still name an older build (or have been removed): point it here.
    if ((await imageId(run.docker, alias)) !== id) await tagImage(run.docker, ref, `${run.repo}/${image}`, PODLAB_IMAGE_TAG);
    run.progress.say(image, `${ref} up to date (also ${alias})`);
    return { ref, built: false };
  }
  run.progress.say(image, `docker build docker/${image}/Dockerfile FROM ${baseRef}`, true);
  await buildImage(run.docker, {
    ctx, ref, baseRef, nocache: run.force, log: run.log(),
    labels: { 'podlab.image': image, 'podlab.hash': ctx.hash },
    onStep: (s) => run.progress.say(image, `step ${s.n}/${s.of}: ${s.what}`, true),
  });
  await tagImage(run.docker, ref, `${run.repo}/${image}`, PODLAB_IMAGE_TAG);
  // Every source change makes a new node build; drop the superseded ones no container uses.
  const pruned = await pruneOlderBuilds(run.docker, `${run.repo}/${image}`, ref);
  run.progress.say(image, `${ref} built (also ${alias})${pruned.length ? `; removed older ${pruned.join(', ')}` : ''}`);
  return { ref, built: true };
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((d) => d && existsSync(join(d, cmd)));
}

/** Checks dockerd answers; the error says how to start it. */
async function ping(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES') throw new Error(`no permission on the Docker socket (${e.message}): run as root (sudo podlab images build)`);
    throw new Error(`Docker does not answer (${e.message}): start dockerd ` +
      `(systemctl start docker, or as root: dockerd >/var/log/dockerd.log 2>&1 &) and retry`);
  }
}

/**
 * Makes sure podlab/node and podlab/router exist for the current sources, building what is
 * missing (base, then node and router side by side). A second call with nothing changed
 * only inspects three images. Throws with an actionable message (dockerd down, not root,
 * debootstrap missing, a failed step with the end of its log).
 */
export async function ensureImages(opts: EnsureImagesOptions = {}): Promise<EnsuredImages> {
  const docker = opts.docker ?? new Docker();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const progress = new Progress(opts.onProgress);
  await ping(docker);
  try {
    return await withLock(join(cacheDir, 'images.lock'), (pid) => progress.say('all', `waiting for the image build of process ${pid}`), async () => {
      let log: WriteStream | undefined;
      const run: Run = {
        docker, cacheDir, progress, repo: opts.repo ?? 'podlab', force: opts.force ?? false,
        log() {
          if (!log) {
            mkdirSync(join(cacheDir, 'logs'), { recursive: true });
            pruneLogs(join(cacheDir, 'logs'));
            run.logFile = join(cacheDir, 'logs', `images-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
            log = createWriteStream(run.logFile);
            progress.say('all', `building; full log in ${run.logFile}`);
          }
          return log;
        },
      };
      try {
        const base = await ensureBase(run).catch((err: Error) => { throw withLog(err, run); });
        const [node, router] = await Promise.all([
          ensureBuilt(run, 'node', nodeContext(base.ref), base.ref),
          ensureBuilt(run, 'router', routerContext(base.ref), base.ref),
        ]).catch((err: Error) => { throw withLog(err, run); });
        const built = base.built || node.built || router.built;
        progress.say('all', built ? `images ready in ${progress.elapsed()} s` : 'nothing to build: images up to date');
        return { node: node.ref, router: router.ref, base: base.ref, built, ...(run.logFile ? { logFile: run.logFile } : {}) };
      } finally {
        if (log) await new Promise((r) => log!.end(r));
      }
    });
  } finally {
    progress.close();
  }
}

/** Build logs kept (the newest); a machine that rebuilds on every source change would collect thousands. */
const KEEP_LOGS = 20;

function pruneLogs(dir: string): void {
  const logs = readdirSync(dir).filter((f) => /^images-.*\.log$/.test(f)).sort();
  for (const f of logs.slice(0, Math.max(0, logs.length - (KEEP_LOGS - 1)))) rmSync(join(dir, f), { force: true });
}

function withLog(err: Error, run: Run): Error {
  return run.logFile ? new Error(`${err.message}\n(full log: ${run.logFile})`) : err;
}
