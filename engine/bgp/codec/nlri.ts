/**
 * NLRI prefix lists (RFC 4271 §4.3, RFC 4760, RFC 7911 ADD-PATH).
 *
 * Each entry is [path id (4 bytes, ADD-PATH only)] + length in bits + the fewest bytes that
 * hold the prefix. Bits past the prefix length are written as zero and ignored (cleared) on
 * receipt, as RFC 4271 says they are irrelevant; so a peer that sends junk host bits decodes
 * to the clean prefix, and re-encoding that is the one place NLRI bytes are not reproduced.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { formatIPv6Bytes, parseIPv6Bytes } from './ipv6.ts';
import type { Nlri4, Nlri6 } from './types.ts';

/** A decoded list, or the reason it could not be parsed (an NLRI error means session reset). */
export type NlriResult<T> = { ok: true; value: T[] } | { ok: false; reason: string };

/** Writes IPv4 prefixes; `addPath` adds each entry's path id (0 when it has none). */
export function writeNlri4(w: ByteWriter, list: readonly Nlri4[], addPath: boolean): void {
  for (const p of list) {
    if (p.len < 0 || p.len > 32) throw new RangeError(`IPv4 prefix length ${p.len} out of 0..32`);
    if (addPath) w.u32(p.pathId ?? 0);
    w.u8(p.len);
    const n = (p.len + 7) >> 3;
    const mask = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
    const a = (p.addr & mask) >>> 0;
    for (let i = 0; i < n; i++) w.u8(a >>> (24 - 8 * i));
  }
}

/** Reads IPv4 prefixes filling [r.pos, r.end). */
export function readNlri4(r: ByteReader, addPath: boolean): NlriResult<Nlri4> {
  const out: Nlri4[] = [];
  while (r.remaining > 0) {
    let pathId: number | undefined;
    if (addPath) {
      if (r.remaining < 4) return { ok: false, reason: 'truncated ADD-PATH path identifier' };
      pathId = r.u32();
    }
    if (r.remaining < 1) return { ok: false, reason: 'missing prefix length' };
    const len = r.u8();
    if (len > 32) return { ok: false, reason: `IPv4 prefix length ${len} > 32` };
    const n = (len + 7) >> 3;
    if (r.remaining < n) return { ok: false, reason: `prefix /${len} needs ${n} bytes, ${r.remaining} left` };
    let a = 0;
    for (let i = 0; i < 4; i++) a = a * 256 + (i < n ? r.u8() : 0);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const addr = (a & mask) >>> 0;
    out.push(pathId === undefined ? { addr, len } : { addr, len, pathId });
  }
  return { ok: true, value: out };
}

/** Writes IPv6 prefixes; throws on an unparseable address (a programming error). */
export function writeNlri6(w: ByteWriter, list: readonly Nlri6[], addPath: boolean): void {
  for (const p of list) {
    if (p.len < 0 || p.len > 128) throw new RangeError(`IPv6 prefix length ${p.len} out of 0..128`);
    const b = parseIPv6Bytes(p.addr);
    if (!b) throw new RangeError(`'${p.addr}' is not an IPv6 address`);
    if (addPath) w.u32(p.pathId ?? 0);
    w.u8(p.len);
    const n = (p.len + 7) >> 3;
    clearHostBits(b, p.len);
    w.bytes(b.subarray(0, n));
  }
}

/** Reads IPv6 prefixes filling [r.pos, r.end). */
export function readNlri6(r: ByteReader, addPath: boolean): NlriResult<Nlri6> {
  const out: Nlri6[] = [];
  while (r.remaining > 0) {
    let pathId: number | undefined;
    if (addPath) {
      if (r.remaining < 4) return { ok: false, reason: 'truncated ADD-PATH path identifier' };
      pathId = r.u32();
    }
    if (r.remaining < 1) return { ok: false, reason: 'missing prefix length' };
    const len = r.u8();
    if (len > 128) return { ok: false, reason: `IPv6 prefix length ${len} > 128` };
    const n = (len + 7) >> 3;
    if (r.remaining < n) return { ok: false, reason: `prefix /${len} needs ${n} bytes, ${r.remaining} left` };
    const b = new Uint8Array(16);
    b.set(r.bytes(n));
    clearHostBits(b, len);
    const addr = formatIPv6Bytes(b);
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
