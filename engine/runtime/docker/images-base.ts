/**
 * The Debian base of podlab's images, made without any registry: `debootstrap
 * --variant=minbase` from the machine's own Debian mirror into a scratch directory, a few
 * container tweaks, then a tar kept under the cache directory by content hash (a removed
 * image is re-imported in seconds, without debootstrapping again).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { BASE_SPEC, debianMirror } from './images-recipe.ts';
import type { BaseSpec } from './images-recipe.ts';

/** Runs argv, appending its output to the log; rejects with the output's last lines. */
export function runLogged(argv: readonly string[], log: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    log.write(`$ ${argv.join(' ')}\n`);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const take = (d: Buffer): void => {
      log.write(d);
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} failed (${signal ?? `exit ${code}`}); last output:\n${tail.split('\n').slice(-12).join('\n')}`));
    });
  });
}

/** The mirror apt uses on this machine (/etc/apt/sources.list and sources.list.d), or $PODLAB_DEBIAN_MIRROR. */
export function machineMirror(suite: string = BASE_SPEC.suite): string {
  if (process.env.PODLAB_DEBIAN_MIRROR) return process.env.PODLAB_DEBIAN_MIRROR;
  const texts: string[] = [];
  const read = (f: string): void => {
    try { texts.push(readFileSync(f, 'utf8')); } catch { /* absent */ }
  };
  read('/etc/apt/sources.list');
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) read(join('/etc/apt/sources.list.d', f));
    }
  } catch { /* no directory */ }
  return debianMirror(texts, suite);
}

/** Mount points at or under `dir` (deepest first), from /proc/self/mounts. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try { text = readFileSync('/proc/self/mounts', 'utf8'); } catch { return []; }
  return text.split('\n').map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`)).sort().reverse();
}

/**
 * Removes a scratch rootfs. A debootstrap that died midway can leave /proc or /sys mounted
 * inside it; those are unmounted first and rm stays on one filesystem, so a removal can
 * never reach into the host's.
 */
export async function removeRootfs(dir: string, log: WriteStream): Promise<void> {
  if (!existsSync(dir)) return;
  for (const m of mountsUnder(dir)) await runLogged(['umount', '-l', m], log).catch(() => undefined);
  await runLogged(['rm', '-rf', '--one-file-system', dir], log);
}

/** The container tweaks (see BASE_TWEAKS_VERSION): no service starts, no apt caches. */
function tweakRootfs(dir: string): void {
  const policy = join(dir, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\n# podlab: a container has no init; package scripts must not start services.\nexit 101\n');
  chmodSync(policy, 0o755);
  for (const d of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
    const p = join(dir, d);
    if (!existsSync(p)) continue;
    for (const e of readdirSync(p)) {
      if (e !== 'partial' && e !== 'lock') rmSync(join(p, e), { recursive: true, force: true });
    }
  }
  for (const f of ['var/cache/apt/pkgcache.bin', 'var/cache/apt/srcpkgcache.bin']) rmSync(join(dir, f), { force: true });
}

/** What makeBaseTar needs. */
export interface BaseTarRequest {
  readonly spec?: BaseSpec;
  /** Where the tar goes (and its scratch rootfs beside it). */
  readonly tarFile: string;
  readonly mirror: string;
  readonly log: WriteStream;
}

/** debootstraps the base and writes it as a tar to `tarFile` (atomically: a partial tar never has the final name). */
export async function makeBaseTar(req: BaseTarRequest): Promise<void> {
  const spec = req.spec ?? BASE_SPEC;
  const rootfs = `${req.tarFile}.rootfs`;
  const partial = `${req.tarFile}.partial`;
  mkdirSync(join(req.tarFile, '..'), { recursive: true });
  await removeRootfs(rootfs, req.log);
  try {
    await runLogged(['debootstrap', `--variant=${spec.variant}`, `--arch=${spec.arch}`, spec.suite, rootfs, req.mirror], req.log);
    tweakRootfs(rootfs);
    // Docker provides /dev, /proc and /sys at run time; their contents stay out of the image.
    await runLogged(['tar', '-c', '-f', partial, '--numeric-owner', '-C', rootfs,
      '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '.'], req.log);
    renameSync(partial, req.tarFile);
  } finally {
    rmSync(partial, { force: true });
    await removeRootfs(rootfs, req.log);
  }
}
