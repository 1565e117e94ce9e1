/**
 * Growable byte writer and bounds-checked reader for the codec.
 *
 * The reader never throws on its own: callers check `remaining` before reading, because a
 * short buffer is a protocol error the decoder must turn into an RFC 7606 outcome, not an
 * exception. The writer grows geometrically so that encoding a 4 KiB UPDATE costs a couple
 * of allocations.
 */

/** Appends big-endian integers and byte strings; `finish()` returns the written bytes. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Overwrites a 16-bit value already written (for length fields filled in afterwards). */
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v & 0xffff);
  }

  /** Overwrites an 8-bit value already written. */
  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Reads big-endian integers from a window of a byte array; callers check `remaining`. */
export class ByteReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    return this.buf[this.pos++]!;
  }

  u16(): number {
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(): number {
    return ((this.u16() * 0x10000) + this.u16()) >>> 0;
  }

  /** A copy (not a view) so decoded messages never alias the receive buffer. */
  bytes(n: number): Uint8Array {
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Reads a big-endian u16 at an offset. */
export function getU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Reads a big-endian u32 at an offset, unsigned. */
export function getU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Lower-case hex of a byte array, no separators. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Parses hex text (whitespace ignored) into bytes; throws on odd length or bad digits. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`not hex: '${text.slice(0, 40)}'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
