/** Test helper: hand-built BGP bytes (for malformed messages the encoder would never write). */

/** Concatenates byte arrays / byte lists. */
export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A message: marker, length, type, body. */
export function msg(type: number, body: Uint8Array | number[], lengthOverride?: number): Uint8Array {
  const len = lengthOverride ?? 19 + body.length;
  return cat(new Array<number>(16).fill(0xff), [len >> 8, len & 0xff, type], body);
}

/** One attribute with a 1-byte length (or 2 when `ext`). */
export function attr(flags: number, code: number, value: number[] | Uint8Array, ext = false): Uint8Array {
  const v = Array.from(value);
  return ext ? cat([flags | 0x10, code, v.length >> 8, v.length & 0xff], v) : cat([flags, code, v.length], v);
}

/** An UPDATE from raw withdrawn, attribute and NLRI bytes. */
export function update(withdrawn: number[] | Uint8Array, attrs: Uint8Array, nlri: number[] | Uint8Array): Uint8Array {
  return msg(2, cat([withdrawn.length >> 8, withdrawn.length & 0xff], withdrawn, [attrs.length >> 8, attrs.length & 0xff], attrs, nlri));
}

export const ORIGIN_IGP = attr(0x40, 1, [0]);
export const AS_PATH_64512_2B = attr(0x40, 2, [2, 1, 0xfc, 0x00]);
export const AS_PATH_64512_4B = attr(0x40, 2, [2, 1, 0, 0, 0xfc, 0x00]);
export const NEXT_HOP_10_0_0_1 = attr(0x40, 3, [10, 0, 0, 1]);
/** 10.1.0.0/16 */
export const NLRI_10_1 = [16, 10, 1];
