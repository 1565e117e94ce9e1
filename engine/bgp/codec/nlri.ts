/**
 * NLRI prefix lists (RFC 4271 §4.3, RFC 4760, RFC 7911 ADD-PATH).
 *
 * Each entry is [path id (4 bytes, ADD-PATH only)] + length in bits + the fewest bytes that
 * hold the prefix. Bits past the prefix length are written as zero and ignored (cleared) on
 * receipt, as RFC 4271 says they are irrelevant; so a peer that sends junk host bits decodes
 * to the clean prefix, and re-encoding that is the one place NLRI bytes are not reproduced.
 */
import { maskOf } from '../../net/ip.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { formatIPv6Bytes, parseIPv6Bytes } from './ipv6.ts';
import type { Nlri4, Nlri6 } from './types.ts';

/** A decoded list, or the reason it could not be parsed (an NLRI error means session reset). */
export type NlriResult<T> = { ok: true; value: T[] } | { ok: false; reason: string };

/** Writes IPv4 prefixes; `addPath` adds each entry's path id (0 when it has none). */
export function writeNlri4(w: ByteWriter, list: readonly Nlri4[], addPath: boolean): void {
  for (const p of list) {
    if (p.len < 0 || p.len > 32) throw new RangeError(`IPv4 prefix length ${p.len} out of 0..32`);
    const n = writeEntryHeader(w, p, addPath);
    const a = (p.addr & maskOf(p.len)) >>> 0;
    for (let i = 0; i < n; i++) w.u8(a >>> (24 - 8 * i));
  }
}

/** Reads IPv4 prefixes filling [r.pos, r.end). */
export function readNlri4(r: ByteReader, addPath: boolean): NlriResult<Nlri4> {
  return readEntries(r, addPath, 32, 'IPv4', (n, len) => {
    let a = 0;
    for (let i = 0; i < 4; i++) a = a * 256 + (i < n ? r.u8() : 0);
    return (a & maskOf(len)) >>> 0;
  });
}

/** Writes IPv6 prefixes; throws on an unparseable address (a programming error). */
export function writeNlri6(w: ByteWriter, list: readonly Nlri6[], addPath: boolean): void {
  for (const p of list) {
    if (p.len < 0 || p.len > 128) throw new RangeError(`IPv6 prefix length ${p.len} out of 0..128`);
    const b = parseIPv6Bytes(p.addr);
    if (!b) throw new RangeError(`'${p.addr}' is not an IPv6 address`);
    clearHostBits(b, p.len);
    const n = writeEntryHeader(w, p, addPath);
    w.bytes(b.subarray(0, n));
  }
}

/** Reads IPv6 prefixes filling [r.pos, r.end). */
export function readNlri6(r: ByteReader, addPath: boolean): NlriResult<Nlri6> {
  return readEntries(r, addPath, 128, 'IPv6', (n, len) => {
    const b = new Uint8Array(16);
    b.set(r.bytes(n));
    clearHostBits(b, len);
    return formatIPv6Bytes(b);
  });
}

/** Writes an entry's [path id] + length; returns how many prefix bytes must follow. */
function writeEntryHeader(w: ByteWriter, p: { readonly len: number; readonly pathId?: number }, addPath: boolean): number {
  if (addPath) w.u32(p.pathId ?? 0);
  w.u8(p.len);
  return (p.len + 7) >> 3;
}

/**
 * The entry walk both families share; `readAddr` consumes the `n` prefix bytes (known to be
 * there) and returns the address with its host bits cleared.
 */
function readEntries<A>(r: ByteReader, addPath: boolean, maxLen: number, family: string, readAddr: (n: number, len: number) => A): NlriResult<{ addr: A; len: number; pathId?: number }> {
  const out: { addr: A; len: number; pathId?: number }[] = [];
  while (r.remaining > 0) {
    let pathId: number | undefined;
    if (addPath) {
      if (r.remaining < 4) return { ok: false, reason: 'truncated ADD-PATH path identifier' };
      pathId = r.u32();
    }
    if (r.remaining < 1) return { ok: false, reason: 'missing prefix length' };
    const len = r.u8();
    if (len > maxLen) return { ok: false, reason: `${family} prefix length ${len} > ${maxLen}` };
    const n = (len + 7) >> 3;
    if (r.remaining < n) return { ok: false, reason: `prefix /${len} needs ${n} bytes, ${r.remaining} left` };
    const addr = readAddr(n, len);
    out.push(pathId === undefined ? { addr, len } : { addr, len, pathId });
  }
  return { ok: true, value: out };
}

/** The canonical form of an IPv6 prefix (host bits cleared, canonical text). */
export function normalizePrefix6(p: Nlri6): Nlri6 {
  const b = parseIPv6Bytes(p.addr);
  if (!b) throw new RangeError(`'${p.addr}' is not an IPv6 address`);
  clearHostBits(b, p.len);
  const addr = formatIPv6Bytes(b);
  return p.pathId === undefined ? { addr, len: p.len } : { addr, len: p.len, pathId: p.pathId };
}

function clearHostBits(b: Uint8Array, len: number): void {
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, len - 8 * i));
    b[i] = b[i]! & ((0xff00 >> keep) & 0xff);
  }
}
