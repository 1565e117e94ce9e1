/**
 * A bounded map keyed by byte content: what the codec decoded from some bytes, handed out
 * again when the same bytes come back. A route reflector sends every client the same UPDATE
 * bytes, so in a fabric the same few hundred bytes are decoded once per client; decoding is a
 * pure function of the bytes (and the session options, mixed in as `salt`), so the first
 * result can serve them all.
 *
 * Keyed by a 30-bit FNV-1a hash of the bytes (a small integer: no string is built per
 * lookup) with the bytes themselves compared on a hit, so a collision only costs a miss.
 * Bounded by clearing when full: caching is a saving, never a meaning.
 */

interface Entry<V> {
  readonly bytes: Uint8Array;
  readonly salt: number;
  readonly value: V;
  next: Entry<V> | undefined;
}

/**
 * FNV-1a over buf[start, end) after `salt`, four bytes a step (a quarter of the multiplies:
 * this runs on every received UPDATE), folded to 30 bits (a V8 small integer).
 */
export function hashBytes(buf: Uint8Array, start: number, end: number, salt: number): number {
  let h = (0x811c9dc5 ^ salt) | 0;
  let i = start;
  for (; i + 4 <= end; i += 4) h = Math.imul(h ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)), 0x01000193);
  for (; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** Values by byte content (+ salt); at most `max` entries. */
export class BytesCache<V> {
  private readonly table = new Map<number, Entry<V>>();
  private count = 0;

  constructor(private readonly max: number) {}

  /** The value stored for exactly these bytes and salt, if any; `hash` from hashBytes. */
  get(hash: number, buf: Uint8Array, start: number, end: number, salt: number): V | undefined {
    for (let e = this.table.get(hash); e; e = e.next) if (e.salt === salt && sameBytes(e.bytes, buf, start, end)) return e.value;
    return undefined;
  }

  /** Stores a value for a copy of the bytes (the caller's buffer may be reused or large). */
  set(hash: number, buf: Uint8Array, start: number, end: number, salt: number, value: V): void {
    if (this.count >= this.max) {
      this.table.clear();
      this.count = 0;
    }
    this.table.set(hash, { bytes: buf.slice(start, end), salt, value, next: this.table.get(hash) });
    this.count++;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }
}
