/**
 * IPv4 and IPv6 addresses and prefixes.
 *
 * An IPv4 address is a plain `number` holding the unsigned 32-bit value (never negative:
 * every operation ends in `>>> 0`). Plain numbers keep the simulator's hot path free of
 * allocations and make FIB lookups integer compares. A prefix is `{ addr, len }` with the
 * host bits of `addr` cleared by the parser unless the caller keeps them on purpose
 * (an interface address `10.0.0.2/24` keeps its host part; use `networkOf` for the subnet).
 *
 * An IPv6 address is a `bigint` (128 bits, never negative), prefixes `{ addr, len }` the
 * same way. IPv6 is off the simulator's hot path (BGP MP_REACH, manifests), so bigint's
 * allocation is acceptable there. Text follows RFC 4291 on input (`::`, embedded IPv4) and
 * RFC 5952 on output (lower case, longest zero run compressed, `::ffff:a.b.c.d` for mapped).
 * `parseIp` / `parsePrefix` accept either family and return a union tagged with `family`.
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
 * The prefix length after the one '/' of `text`, strictly: decimal digits only, no sign,
 * exponent, hex or leading zero, at most `max`. Every prefix parser goes through here, so
 * `1.2.3.4/` is never /0 and `/99` never reaches a mask computation.
 */
function prefixLength(text: string, lenText: string, max: number): number {
  if (lenText === '') throw new AddressError(`'${text}': the prefix length after '/' is missing (expected 0..${max})`);
  if (lenText.includes('/')) throw new AddressError(`'${text}': more than one '/' (expected address/length)`);
  if (!/^\d+$/.test(lenText)) throw new AddressError(`'${text}': prefix length '${lenText}' is not a decimal number 0..${max}`);
  if (lenText.length > 1 && lenText[0] === '0') throw new AddressError(`'${text}': prefix length '${lenText}' has a leading zero`);
  const len = Number(lenText);
  if (len > max) throw new AddressError(`'${text}': prefix length ${lenText} is larger than ${max}`);
  return len;
}

/**
 * Parses "a.b.c.d/len" (or a bare address, taken as /32). Host bits are kept; callers
 * that need the network call `networkOf`. Throws AddressError saying what is wrong.
 */
export function parsePrefix4(text: string): Prefix4 {
  const slash = text.indexOf('/');
  if (slash < 0) return { addr: parseIPv4(text), len: 32 };
  const len = prefixLength(text, text.slice(slash + 1), 32);
  return { addr: parseIPv4(text.slice(0, slash)), len };
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

// ---------------------------------------------------------------------------------------
// IPv6

/** An IPv6 address as an unsigned 128-bit bigint. */
export type IPv6 = bigint;

/** An IPv6 prefix; `addr` may carry host bits when it names an interface address. */
export interface Prefix6 {
  readonly addr: IPv6;
  readonly len: number;
}

const ALL128 = (1n << 128n) - 1n;
const HEXGROUP = /^[0-9a-fA-F]{1,4}$/;

function parseGroups(text: string, whole: string, allowV4Tail: boolean): number[] {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4(p);
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (HEXGROUP.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      throw new AddressError(`'${whole}' is not an IPv6 address: bad group '${p}'`);
    }
  }
  return out;
}

/** Parses IPv6 text ("2001:db8::1", "::ffff:10.0.0.1"); throws AddressError on anything else. */
export function parseIPv6(text: string): IPv6 {
  if (text.includes('%')) throw new AddressError(`'${text}': zone indices (%…) are not accepted here`);
  const dbl = text.indexOf('::');
  let groups: number[];
  if (dbl < 0) {
    groups = parseGroups(text, text, true);
    if (groups.length !== 8) throw new AddressError(`'${text}' is not an IPv6 address: expected 8 groups, found ${groups.length}`);
  } else {
    if (text.indexOf('::', dbl + 1) >= 0) throw new AddressError(`'${text}' is not an IPv6 address: '::' appears twice`);
    const head = parseGroups(text.slice(0, dbl), text, false);
    const tail = parseGroups(text.slice(dbl + 2), text, true);
    if (head.length + tail.length > 7) throw new AddressError(`'${text}' is not an IPv6 address: too many groups around '::'`);
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** True when `text` parses as an IPv6 address. */
export function isIPv6(text: string): boolean {
  try {
    parseIPv6(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats per RFC 5952: lower case, no leading zeros, the longest (first on ties) run of ≥2 zero groups as '::'. */
export function formatIPv6(a: IPv6): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(((g[6]! << 16) | g[7]!) >>> 0)}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** The 16 network-order bytes of an address (BGP MP_REACH next hops, IPv6 headers). */
export function ipv6ToBytes(a: IPv6, b: Uint8Array = new Uint8Array(16), off = 0): Uint8Array {
  for (let i = 15; i >= 0; i--) {
    b[off + i] = Number((a >> BigInt((15 - i) * 8)) & 0xffn);
  }
  return b;
}

/** The address held in 16 network-order bytes of `b` at `off`. */
export function ipv6FromBytes(b: Uint8Array, off = 0): IPv6 {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[off + i]!);
  return v;
}

/** The netmask of an IPv6 prefix length (0..128), as an address. */
export function maskOf6(len: number): IPv6 {
  return len === 0 ? 0n : (ALL128 << BigInt(128 - len)) & ALL128;
}

/** The IPv6 prefix with host bits cleared. */
export function networkOf6(p: Prefix6): Prefix6 {
  return { addr: p.addr & maskOf6(p.len), len: p.len };
}

/** True when address `a` lies inside IPv6 prefix `p`. */
export function prefix6Contains(p: Prefix6, a: IPv6): boolean {
  return ((a ^ p.addr) & maskOf6(p.len)) === 0n;
}

/** True when the two IPv6 prefixes share at least one address. */
export function prefixes6Overlap(a: Prefix6, b: Prefix6): boolean {
  return ((a.addr ^ b.addr) & maskOf6(Math.min(a.len, b.len))) === 0n;
}

/** True when IPv6 prefix `inner` lies entirely inside `outer`. */
export function prefix6Covers(outer: Prefix6, inner: Prefix6): boolean {
  return inner.len >= outer.len && prefix6Contains(outer, inner.addr);
}

/** True when the IPv6 prefix has no host bits set. */
export function isNetworkPrefix6(p: Prefix6): boolean {
  return (p.addr & ~maskOf6(p.len) & ALL128) === 0n;
}

/** Parses "addr/len" (or a bare address, taken as /128); host bits are kept. Throws AddressError. */
export function parsePrefix6(text: string): Prefix6 {
  const slash = text.indexOf('/');
  if (slash < 0) return { addr: parseIPv6(text), len: 128 };
  const len = prefixLength(text, text.slice(slash + 1), 128);
  return { addr: parseIPv6(text.slice(0, slash)), len };
}

/** Formats "addr/len" with the address per RFC 5952. */
export function formatPrefix6(p: Prefix6): string {
  return `${formatIPv6(p.addr)}/${p.len}`;
}

// ---------------------------------------------------------------------------------------
// Either family

/** An address of either family, tagged. */
export type IpAddress = { readonly family: 4; readonly addr: IPv4 } | { readonly family: 6; readonly addr: IPv6 };

/** A prefix of either family, tagged; each arm is also a Prefix4 / Prefix6. */
export type IpPrefix =
  | { readonly family: 4; readonly addr: IPv4; readonly len: number }
  | { readonly family: 6; readonly addr: IPv6; readonly len: number };

/** Parses an IPv4 or IPv6 address (a colon means IPv6); throws AddressError. */
export function parseIp(text: string): IpAddress {
  return text.includes(':') ? { family: 6, addr: parseIPv6(text) } : { family: 4, addr: parseIPv4(text) };
}

/**
 * Parses an IPv4 or IPv6 prefix (bare address = host prefix); host bits are kept. Throws
 * AddressError saying what is wrong. The one parser for prefixes users type (files, stdin).
 */
export function parsePrefix(text: string): IpPrefix {
  if (text.includes(':')) {
    const p = parsePrefix6(text);
    return { family: 6, addr: p.addr, len: p.len };
  }
  const p = parsePrefix4(text);
  return { family: 4, addr: p.addr, len: p.len };
}

/** Formats an address of either family. */
export function formatIp(a: IpAddress): string {
  return a.family === 4 ? formatIPv4(a.addr) : formatIPv6(a.addr);
}

/** Formats a prefix of either family as "addr/len". */
export function formatPrefix(p: IpPrefix): string {
  return p.family === 4 ? formatPrefix4(p) : formatPrefix6(p);
}

/** True when `a` lies inside `p` (always false across families). */
export function ipPrefixContains(p: IpPrefix, a: IpAddress): boolean {
  if (p.family === 4) return a.family === 4 && prefixContains(p, a.addr);
  return a.family === 6 && prefix6Contains(p, a.addr);
}

/** True when the prefixes share an address (always false across families). */
export function ipPrefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family === 4) return b.family === 4 && prefixesOverlap(a, b);
  return b.family === 6 && prefixes6Overlap(a, b);
}

/** The prefix with host bits cleared, family kept. */
export function ipNetworkOf(p: IpPrefix): IpPrefix {
  return p.family === 4 ? { family: 4, ...networkOf(p) } : { family: 6, ...networkOf6(p) };
}
