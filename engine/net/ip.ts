/**
 * IPv4 addresses and prefixes.
 *
 * An IPv4 address is a plain `number` holding the unsigned 32-bit value (never negative:
 * every operation ends in `>>> 0`). Plain numbers keep the simulator's hot path free of
 * allocations and make FIB lookups integer compares. A prefix is `{ addr, len }` with the
 * host bits of `addr` cleared by the parser unless the caller keeps them on purpose
 * (an interface address `10.0.0.2/24` keeps its host part; use `networkOf` for the subnet).
 *
 * Pure code: no Node APIs, so the browser bundle uses it too.
 */

/** An IPv4 address as an unsigned 32-bit integer. */
export type IPv4 = number;

/** An IPv4 prefix; `addr` may carry host bits when it names an interface address. */
export interface Prefix4 {
  readonly addr: IPv4;
  readonly len: number;
}

/** Thrown for text that is not an address or prefix; `message` says what was expected. */
export class AddressError extends Error {
  override name = 'AddressError';
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad text ("10.0.0.1"); throws AddressError on anything else. */
export function parseIPv4(text: string): IPv4 {
  const m = DOTTED.exec(text);
  if (!m) throw new AddressError(`'${text}' is not an IPv4 address (expected a.b.c.d)`);
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') {
      throw new AddressError(`'${text}' has a leading zero in '${part}' (ambiguous octal)`);
    }
    const n = Number(part);
    if (n > 255) throw new AddressError(`'${text}': octet ${n} is larger than 255`);
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** True when `text` parses as an IPv4 address. */
export function isIPv4(text: string): boolean {
  try {
    parseIPv4(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats an address as dotted quad. */
export function formatIPv4(a: IPv4): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The netmask of a prefix length, as an address (len 0 → 0, len 32 → 255.255.255.255). */
export function maskOf(len: number): IPv4 {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The prefix with host bits cleared. */
export function networkOf(p: Prefix4): Prefix4 {
  return { addr: (p.addr & maskOf(p.len)) >>> 0, len: p.len };
}

/** The directed broadcast address of a prefix. */
export function broadcastOf(p: Prefix4): IPv4 {
  return (p.addr | ~maskOf(p.len)) >>> 0;
}

/** True when address `a` lies inside prefix `p`. */
export function prefixContains(p: Prefix4, a: IPv4): boolean {
  return ((a ^ p.addr) & maskOf(p.len)) === 0;
}

/** True when the two prefixes share at least one address. */
export function prefixesOverlap(a: Prefix4, b: Prefix4): boolean {
  const len = Math.min(a.len, b.len);
  return ((a.addr ^ b.addr) & maskOf(len)) === 0;
}

/** True when `inner` lies entirely inside `outer`. */
export function prefixCovers(outer: Prefix4, inner: Prefix4): boolean {
  return inner.len >= outer.len && prefixContains(outer, inner.addr);
}

/**
 * Parses "a.b.c.d/len" (or a bare address, taken as /32). Host bits are kept; callers
 * that need the network call `networkOf`. Throws AddressError with the reason.
 */
export function parsePrefix4(text: string): Prefix4 {
  const slash = text.indexOf('/');
  if (slash < 0) return { addr: parseIPv4(text), len: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText) || Number(lenText) > 32) {
    throw new AddressError(`'${text}': prefix length must be 0..32`);
  }
  return { addr: parseIPv4(text.slice(0, slash)), len: Number(lenText) };
}

/** Formats "a.b.c.d/len". */
export function formatPrefix4(p: Prefix4): string {
  return `${formatIPv4(p.addr)}/${p.len}`;
}

/** True when the prefix has no host bits set. */
export function isNetworkPrefix(p: Prefix4): boolean {
  return (p.addr & ~maskOf(p.len)) === 0;
}

/** Adds `n` to an address, wrapping at 2^32. */
export function addIPv4(a: IPv4, n: number): IPv4 {
  return (a + n) >>> 0;
}

/** Number of addresses in a prefix (2^(32-len)). */
export function prefixSize(p: Prefix4): number {
  return 2 ** (32 - p.len);
}
