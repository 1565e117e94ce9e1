/**
 * The speaker's own view of a route's path attributes: decoded, AS4-merged, and immutable.
 * The wire codec's types are mapped to and from this shape at the session edge, so the RIB
 * and decision process never depend on the encoding (2- vs 4-octet AS, MP_REACH vs NEXT_HOP).
 * Attribute sets are interned: 100k prefixes from one UPDATE share one object, which keeps
 * memory per route small and lets export policy cache per attribute set.
 */

/** AS_PATH segment types (RFC 4271 §4.3, RFC 5065). */
export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;

/** One AS_PATH segment; ASNs are unsigned 32-bit. */
export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

/** ORIGIN values. */
export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;

/** An attribute the speaker does not interpret, kept to pass on (optional transitive). */
export interface RawAttr {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/** Path attributes of a route, as the RIB sees them. */
export interface PathAttrs {
  readonly origin: number;
  readonly asPath: readonly AsPathSegment[];
  /** Next hop as text (IPv4 dotted quad or IPv6). */
  readonly nextHop: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly as: number; readonly address: string };
  /** Standard communities as unsigned 32-bit values (asn << 16 | value). */
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  readonly originatorId?: number;
  readonly clusterList?: readonly number[];
  readonly unknown?: readonly RawAttr[];
}

/** AS_PATH length for the decision process: a set counts 1, confederation segments 0. */
export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AS_SET) n += 1;
  }
  return n;
}

/** True when `asn` appears anywhere in the path (loop detection, §9.1.2). */
export function asPathContains(path: readonly AsPathSegment[], asn: number): boolean {
  for (const s of path) if (s.asns.includes(asn)) return true;
  return false;
}

/** The neighbouring AS: the first AS of a leading AS_SEQUENCE, or undefined (local/iBGP-originated). */
export function neighbourAs(path: readonly AsPathSegment[]): number | undefined {
  const first = path[0];
  return first && first.type === AS_SEQUENCE && first.asns.length > 0 ? first.asns[0] : undefined;
}

/** The path with `asn` prepended `times` times (eBGP export, RFC 4271 §5.1.2). */
export function prependAs(path: readonly AsPathSegment[], asn: number, times = 1): AsPathSegment[] {
  const add = new Array<number>(times).fill(asn >>> 0);
  const first = path[0];
  // A segment holds at most 255 ASNs; start a new one when the first is a set or full.
  if (first && first.type === AS_SEQUENCE && first.asns.length + times <= 255) {
    return [{ type: AS_SEQUENCE, asns: [...add, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AS_SEQUENCE, asns: add }, ...path];
}

/** Formats the path as BIRD does ("64513 64512", sets in braces). */
export function formatAsPath(path: readonly AsPathSegment[]): string {
  return path
    .map((s) => (s.type === AS_SET || s.type === AS_CONFED_SET ? `{${s.asns.join(' ')}}` : s.asns.join(' ')))
    .filter((x) => x.length > 0)
    .join(' ');
}

/** Attribute sets are immutable: each one's key is built once. */
const KEYS = new WeakMap<PathAttrs, string>();

/** A stable text key of an attribute set (interning, grouping prefixes into one UPDATE). */
export function attrsKey(a: PathAttrs): string {
  let k = KEYS.get(a);
  if (k === undefined) KEYS.set(a, (k = buildAttrsKey(a)));
  return k;
}

function buildAttrsKey(a: PathAttrs): string {
  let k = `${a.origin}|${a.asPath.map((s) => `${s.type}:${s.asns.join(',')}`).join(';')}|${a.nextHop}|${a.med ?? ''}|${a.localPref ?? ''}|${a.atomicAggregate ? 1 : 0}`;
  if (a.aggregator) k += `|ag${a.aggregator.as}@${a.aggregator.address}`;
  if (a.communities?.length) k += `|c${a.communities.join(',')}`;
  if (a.largeCommunities?.length) k += `|l${a.largeCommunities.map((l) => l.join(':')).join(',')}`;
  if (a.originatorId !== undefined) k += `|o${a.originatorId}`;
  if (a.clusterList?.length) k += `|cl${a.clusterList.join(',')}`;
  if (a.unknown?.length) k += `|u${a.unknown.map((u) => `${u.flags}.${u.code}.${Array.from(u.value).join('.')}`).join(',')}`;
  return k;
}

/** Each attribute set seen by internAttrs → its canonical object. */
const CANONICAL = new WeakMap<PathAttrs, PathAttrs>();
/** Canonical sets by key, held weakly: a set no route, batch or cache holds any more is forgotten. */
const BY_KEY = new Map<string, WeakRef<PathAttrs>>();
const FORGET = new FinalizationRegistry<string>((k) => {
  if (BY_KEY.get(k)?.deref() === undefined) BY_KEY.delete(k);
});

/**
 * The canonical object equal to `a` (compare attribute sets with ===). One table for the
 * process rather than one per speaker: every speaker of a fabric holds the same few
 * thousand sets (a thousand clients each kept a map of every reflected set: ~50 B per pair of
 * nodes), and a set is found again by its object before its key text is looked up.
 */
export function internAttrs(a: PathAttrs): PathAttrs {
  const known = CANONICAL.get(a);
  if (known) return known;
  const k = attrsKey(a);
  let c = BY_KEY.get(k)?.deref();
  if (!c) {
    c = a;
    BY_KEY.set(k, new WeakRef(a));
    FORGET.register(a, k);
  }
  CANONICAL.set(a, c);
  return c;
}

/** Formats a community "asn:value". */
export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

/** Parses "asn:value" into the 32-bit form; throws on bad text. */
export function parseCommunity(text: string): number {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) throw new Error(`'${text}' is not a community (expected asn:value, each 0..65535)`);
  return ((Number(m[1]) << 16) | Number(m[2])) >>> 0;
}
