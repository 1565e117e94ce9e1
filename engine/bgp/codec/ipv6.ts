/**
 * IPv6 addresses as canonical text for the BGP codec.
 *
 * engine/net/ip.ts covers IPv4 only; BGP carries IPv6 next hops and prefixes, so the codec
 * keeps its own small converter. Text is the RFC 5952 canonical form (lower case, longest run
 * of two or more zero groups compressed, leftmost on ties) so that equal addresses compare
 * equal as strings.
 */
import type { IPv6 } from './types.ts';

/** Formats 16 bytes as canonical RFC 5952 text. */
export function formatIPv6Bytes(b: Uint8Array, off = 0): IPv6 {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  // Find the longest run of zero groups (length >= 2), leftmost on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Parses IPv6 text (with optional embedded IPv4 tail) into 16 bytes; null when invalid. */
export function parseIPv6Bytes(text: string): Uint8Array | null {
  let s = text.toLowerCase();
  const groups: number[] = [];
  // An embedded dotted-quad tail ("::ffff:10.0.0.1") is rewritten as two hex groups.
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.slice(lastColon + 1));
    if (lastColon < 0 || !m) return null;
    const o = m.slice(1).map(Number);
    if (o.some((x) => x > 255)) return null;
    s = `${s.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const h of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(h)) return null;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (!head) return null;
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (!rest) return null;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups.push(...head, ...new Array<number>(fill).fill(0), ...rest);
  } else {
    groups.push(...head);
    if (groups.length !== 8) return null;
  }
  const b = new Uint8Array(16);
  groups.forEach((x, i) => {
    b[2 * i] = x >> 8;
    b[2 * i + 1] = x & 0xff;
  });
  return b;
}

/** Parses IPv6 text into canonical text; throws on invalid input. */
export function parseIPv6(text: string): IPv6 {
  const b = parseIPv6Bytes(text);
  if (!b) throw new Error(`'${text}' is not an IPv6 address`);
  return formatIPv6Bytes(b);
}

/** True for fe80::/10 link-local addresses. */
export function isLinkLocalIPv6(a: IPv6): boolean {
  const b = parseIPv6Bytes(a);
  return b !== null && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}
