/**
 * The internet checksum (RFC 1071): the one's complement of the one's-complement sum of
 * 16-bit big-endian words.
 *
 * Split in two steps so callers can accumulate: `sum16` adds a byte range to a running sum
 * (a plain JS number: it cannot overflow before 2^53, so carries are folded only once at the
 * end), `finishChecksum` folds and complements. TCP/UDP start from `pseudoHeaderSum`.
 * `adjustChecksum` is RFC 1624's incremental update, for a router that rewrites one 16-bit
 * word (a TTL decrement) without re-summing the header, as Linux's `csum_replace2` does.
 */
import type { IPv4 } from '../ip.ts';

/**
 * Adds the bytes `[start, end)` of `b` to `acc` as big-endian 16-bit words. A trailing odd
 * byte is padded with zero. When summing a message in pieces, every piece but the last must
 * have an even length.
 */
export function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < end) s += b[i]! << 8;
  return s;
}

/** Folds the carries of a running sum into 16 bits (not complemented). */
export function foldSum(acc: number): number {
  let s = acc;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Folds and complements a running sum: the value to put in a checksum field. */
export function finishChecksum(acc: number): number {
  return ~foldSum(acc) & 0xffff;
}

/** The internet checksum of `b[start, end)`; 0 over a buffer whose checksum field is correct. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length): number {
  return finishChecksum(sum16(b, start, end));
}

/** Sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768) for TCP/UDP checksums. */
export function pseudoHeaderSum(src: IPv4, dst: IPv4, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes from
 * `oldWord` to `newWord`, without touching the rest of the data.
 */
export function adjustChecksum(checksum: number, oldWord: number, newWord: number): number {
  return ~foldSum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}
