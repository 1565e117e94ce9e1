/**
 * The pure half of `podlab images build`: what goes into each image and the content hashes
 * that name them. Everything here is a function of its inputs (file texts, the lockfile), so
 * the same sources always give the same tags and a second build can tell it has nothing to do.
 */
import { createHash } from 'node:crypto';

/** The images podlab builds, in build order (the base first: the others are FROM it). */
export type ImageName = 'base' | 'node' | 'router';

/** What the base image is made of: `debootstrap --variant=<variant> <suite>` on `arch`. */
export interface BaseSpec {
  readonly suite: string;
  readonly variant: string;
  readonly arch: string;
}

/** Debian's name for a Node `process.arch` (x64 → amd64, arm64 → arm64, …). */
export function debianArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** Debian 12, the smallest variant that still has apt, for this machine's architecture. */
export const BASE_SPEC: BaseSpec = { suite: 'bookworm', variant: 'minbase', arch: debianArch(process.arch) };

/**
 * What the base gets after debootstrap, before it is tarred. Part of the base hash, so
 * changing it renames the base. policy-rc.d stops package scripts from starting services
 * (there is no init in a container); the apt lists and caches are dead weight.
 */
export const BASE_TWEAKS_VERSION = 1;

/** The Debian mirror used when the machine's apt sources name none for `suite`. */
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** Length of the hex hashes in tags: 12, as Docker's short ids — enough to never collide here. */
const HASH_LEN = 12;

/** sha256 over the parts (each length-prefixed, so ['ab','c'] ≠ ['a','bc']), first 12 hex digits. */
export function contentHash(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    h.update(`${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest('hex').slice(0, HASH_LEN);
}

/** Tag of the base: the hash of its spec and tweaks (the mirror is left out: any mirror gives the same Debian). */
export function baseHash(spec: BaseSpec = BASE_SPEC): string {
  return contentHash(['podlab-base', spec.suite, spec.variant, spec.arch, String(BASE_TWEAKS_VERSION)]);
}

/**
 * The Debian mirror apt uses on this machine for `suite`, read from the texts of
 * /etc/apt/sources.list (one-line `deb URI suite comps`) and sources.list.d/*.sources
 * (deb822 `URIs:`/`Suites:` stanzas). Users behind a mirror get their mirror; security and
 * third-party repositories (other suites) are skipped.
 */
export function debianMirror(sourceTexts: readonly string[], suite: string = BASE_SPEC.suite): string {
  for (const text of sourceTexts) {
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (m && m[2] === suite) return trimSlash(m[1]!);
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string): string[] => {
        const m = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza);
        return m ? m[1]!.trim().split(/\s+/) : [];
      };
      if (!field('Types').includes('deb') || field('Enabled')[0]?.toLowerCase() === 'no') continue;
      const uri = field('URIs')[0];
      if (uri && field('Suites').includes(suite)) return trimSlash(uri);
    }
  }
  return DEFAULT_DEBIAN_MIRROR;
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}

/** The parts of package-lock.json (lockfileVersion 2/3) this module reads. */
export interface Lockfile {
  readonly lockfileVersion?: number;
  readonly packages?: Readonly<Record<string, { readonly dev?: boolean; readonly devOptional?: boolean; readonly optional?: boolean; readonly version?: string; readonly integrity?: string }>>;
}

/**
 * The node_modules directories the production install holds, outermost only (a nested
 * `a/node_modules/b` travels inside `a`), sorted. Dev-only packages are left out; optional
 * ones are listed and the caller keeps those present on disk (esbuild's one platform binary).
 */
export function productionPackagePaths(lock: Lockfile): string[] {
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 needed): run npm install with npm 7 or later');
  }
  const prod = Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev && !meta.devOptional)
    .map(([path]) => path)
    .sort();
  const kept: string[] = [];
  for (const p of prod) {
    // Sorted order puts a parent directly before its nested packages.
    const parent = kept[kept.length - 1];
    if (parent && p.startsWith(`${parent}/`)) continue;
    kept.push(p);
  }
  return kept;
}

/** The lockfile entries of the given paths, as stable text: what the copied node_modules contain. */
export function lockDigestText(lock: Lockfile, paths: readonly string[]): string {
  const all = Object.entries(lock.packages ?? {}).filter(([p]) => paths.some((k) => p === k || p.startsWith(`${k}/`)));
  return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, m]) => `${p} ${m.version ?? ''} ${m.integrity ?? ''}`).join('\n');
}

/** One step of `docker build`'s output: `Step 3/9 : RUN …` → {n: 3, of: 9, what: 'RUN …'}. */
export interface BuildStep {
  readonly n: number;
  readonly of: number;
  readonly what: string;
}

/** The step a line of the classic builder's stream announces, if it announces one. */
export function parseBuildStep(line: string): BuildStep | undefined {
  const m = /^Step (\d+)\/(\d+) : (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const what = m[3]!.replace(/\s+/g, ' ');
  return { n: Number(m[1]), of: Number(m[2]), what: what.length > 70 ? `${what.slice(0, 67)}...` : what };
}

/**
 * Splits Docker's JSON-lines progress stream. Feed chunks; get back the complete objects and
 * the unfinished tail to prepend to the next chunk. A line that is not JSON (a proxy's error
 * page) is returned as `{ stream: line }` so it still reaches the log.
 */
export function splitJsonLines(pending: string, chunk: string): { readonly objects: Record<string, unknown>[]; readonly rest: string } {
  const text = pending + chunk;
  const lines = text.split(/\r?\n/);
  const rest = lines.pop() ?? '';
  const objects: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      objects.push(v && typeof v === 'object' ? (v as Record<string, unknown>) : { stream: line });
    } catch {
      objects.push({ stream: `${line}\n` });
    }
  }
  return { objects, rest };
}

/** The error a Docker progress object reports (`{error}` or `{errorDetail: {message}}`), if any. */
export function progressError(o: Record<string, unknown>): string | undefined {
  if (typeof o.error === 'string') return o.error;
  const d = o.errorDetail;
  if (d && typeof d === 'object' && typeof (d as { message?: unknown }).message === 'string') return (d as { message: string }).message;
  return undefined;
}
