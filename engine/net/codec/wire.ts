/**
 * Shared plumbing for the codecs: the one error type decoders throw, decode options, and
 * big-endian field access on plain Uint8Arrays (no DataView per packet: these are called for
 * every header of every captured frame).
 */

/** What a decoder found wrong, and where (byte offset from the start of the buffer it was given). */
export class DecodeError extends Error {
  override name = 'DecodeError';
  /** Byte offset of the offending field within the buffer passed to the top-level decoder. */
  readonly offset: number;
  /** What was wrong, without the offset (e.g. "IPv4 header checksum 0x1234, expected 0xabcd"). */
  readonly reason: string;
  constructor(offset: number, reason: string) {
    super(`${reason} (at byte ${offset})`);
    this.offset = offset;
    this.reason = reason;
  }
}

/** Options every decoder accepts. */
export interface DecodeOptions {
  /**
   * Verify IPv4 header, ICMP, UDP and TCP checksums (default true). Turn off for captures
   * taken on the sending host with checksum offload, where the kernel leaves only the
   * pseudo-header sum in the TCP/UDP checksum field.
   */
  readonly verifyChecksums?: boolean;
}

/** Throws DecodeError unless `[off, off+n)` lies within `end`. */
export function need(end: number, off: number, n: number, what: string): void {
  if (off + n > end) throw new DecodeError(off, `truncated ${what}: need ${n} bytes, have ${Math.max(0, end - off)}`);
}

/** Reads a big-endian 16-bit field. */
export function get16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** Reads a big-endian unsigned 32-bit field. */
export function get32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Writes a big-endian 16-bit field. */
export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

/** Writes a big-endian 32-bit field. */
export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** Throws a RangeError naming the field when an encoder is handed an out-of-range value. */
export function checkRange(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} is outside 0..${max}`);
}

/** Throws a RangeError unless raw option bytes are a multiple of 4 and at most 40 bytes. */
export function checkOptions(o: Uint8Array | undefined, what: string): number {
  if (!o) return 0;
  if (o.length % 4 !== 0 || o.length > 40) {
    throw new RangeError(`${what} options must be a multiple of 4 bytes, at most 40 (got ${o.length})`);
  }
  return o.length;
}

/** Four hex digits, for checksum values in error messages. */
export function hex16(v: number): string {
  return v.toString(16).padStart(4, '0');
}
