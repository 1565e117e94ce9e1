/**
 * The build contexts of podlab's images: which files go in, their content hash, and the tar
 * stream `docker build` reads. The node image carries this machine's Node binary, podlab's
 * sources and its production node_modules; the router image only its Dockerfile.
 *
 * The hash reads the sources' bytes but, for node_modules, the lockfile entries of the
 * copied packages (the lockfile pins their content by integrity) and, for Node, its version:
 * hashing 100 MB on every `ensureImages()` would make the no-op path slow.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { contentHash, lockDigestText, productionPackagePaths } from './images-recipe.ts';
import type { Lockfile } from './images-recipe.ts';

/** podlab's checkout (or install): the directory holding package.json, bin/ and engine/. */
export const PODLAB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The recipes: docker/<image>/Dockerfile. */
export const RECIPE_DIR = join(PODLAB_ROOT, 'docker');

/** A build context: a directory's Dockerfile plus members taken from elsewhere. */
export interface BuildContext {
  /** Content hash of everything the image is made from (the base's tag included). */
  readonly hash: string;
  /** Directory holding the Dockerfile. */
  readonly recipeDir: string;
  /** The Node binary copied in as `node`, if the image carries one. */
  readonly nodeBinary?: string;
  /** Paths relative to `root` copied in under the same names. */
  readonly members: readonly string[];
  readonly root: string;
}

/** Source directories whose bytes go into the node image (and into its hash). */
const SOURCE_DIRS = ['bin', 'engine'];
const SOURCE_FILES = ['package.json', 'package-lock.json'];

function walk(root: string, dir: string, out: string[]): void {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) walk(root, rel, out);
    else if (e.isFile()) out.push(rel);
  }
}

/** Every source file that goes into the node image, sorted (stable order for the hash). */
export function sourceFiles(root: string = PODLAB_ROOT): string[] {
  const out: string[] = [];
  for (const d of SOURCE_DIRS) walk(root, d, out);
  return out.concat(SOURCE_FILES).sort();
}

/** The node image's context: recipe, sources, production node_modules present on disk, Node. */
export function nodeContext(baseRef: string, root: string = PODLAB_ROOT, nodeBinary: string = process.execPath): BuildContext {
  const recipeDir = join(RECIPE_DIR, 'node');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages = productionPackagePaths(lock).filter((p) => existsSync(join(root, p)));
  const files = sourceFiles(root);
  const parts: (string | Uint8Array)[] = ['podlab-node', baseRef, readFileSync(join(recipeDir, 'Dockerfile'))];
  for (const f of files) parts.push(f, readFileSync(join(root, f)));
  parts.push(lockDigestText(lock, packages));
  // Same version + size is the same official build; a locally built node differs in size.
  parts.push(`${process.version} ${process.arch} ${statSync(nodeBinary).size}`);
  return { hash: contentHash(parts), recipeDir, nodeBinary, members: [...SOURCE_DIRS, ...SOURCE_FILES, ...packages], root };
}

/** The router image's context: its Dockerfile only. */
export function routerContext(baseRef: string): BuildContext {
  const recipeDir = join(RECIPE_DIR, 'router');
  return { hash: contentHash(['podlab-router', baseRef, readFileSync(join(recipeDir, 'Dockerfile'))]), recipeDir, members: [], root: recipeDir };
}

/**
 * GNU tar's argv for the context: the Dockerfile, Node as `node`, then the members. Owners
 * are zeroed so files in the image belong to root whoever built it.
 */
export function contextTarArgv(ctx: BuildContext): string[] {
  const argv = ['-c', '-f', '-', '--owner=0', '--group=0', '--numeric-owner', '-C', ctx.recipeDir, 'Dockerfile'];
  if (ctx.nodeBinary) {
    const name = basename(ctx.nodeBinary);
    // --transform applies to every member; anchored on the whole name it only renames this one.
    if (name !== 'node') argv.push(`--transform=s,^${name.replace(/[^A-Za-z0-9_-]/g, (c) => `\\${c}`)}$,node,`);
    argv.push('-C', dirname(ctx.nodeBinary), name);
  }
  if (ctx.members.length > 0) argv.push('-C', ctx.root, ...ctx.members.map((m) => relative(ctx.root, join(ctx.root, m))));
  return argv;
}

/** A running tar of a context: its output, and its exit (rejects with tar's message). */
export interface ContextTar {
  readonly stream: Readable;
  readonly finished: Promise<void>;
}

/**
 * The context as a tar stream (GNU tar). A tar that fails midway still ends its stream
 * cleanly, so the caller must also await `finished` before trusting what was built.
 */
export function contextTar(ctx: BuildContext): ContextTar {
  const child = spawn('tar', contextTarArgv(ctx), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`tar: ${err.message} (is GNU tar installed?)`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`tar exited ${code} while packing the build context of ${ctx.recipeDir}: ${stderr.trim().slice(0, 500)}`));
    });
  });
  finished.catch(() => { /* the caller awaits it; this only keeps an early failure from being unhandled */ });
  return { stream: child.stdout, finished };
}
