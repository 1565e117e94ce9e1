/** Bytes ⇄ hex for the packet bytes pane. */

/** Lower-case hex (no separators) → bytes; throws on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2) throw new Error('not a hex byte string');
  // By char code through a table: the page decodes every packet it lists (50,000 on a large
  // live lab), and a regex test plus a parseInt of a slice per byte was most of that time.
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 * i)] ?? 16;
    const lo = NIBBLE[hex.charCodeAt(2 * i + 1)] ?? 16;
    if ((hi | lo) > 15) throw new Error('not a hex byte string');
    b[i] = (hi << 4) | lo;
  }
  return b;
}

/** Char code → hex digit value (16: not one). */
const NIBBLE = (() => {
  const t = new Uint8Array(128).fill(16);
  for (let d = 0; d < 10; d++) t[48 + d] = d;
  for (let d = 0; d < 6; d++) t[65 + d] = t[97 + d] = 10 + d;
  return t;
})();

export interface HexRow {
  readonly offset: number;
  readonly bytes: readonly number[];
}

/** Rows of 16 bytes, Wireshark's bytes pane layout. */
export function hexRows(b: Uint8Array, width = 16): HexRow[] {
  const rows: HexRow[] = [];
  for (let o = 0; o < b.length; o += width) rows.push({ offset: o, bytes: [...b.subarray(o, Math.min(b.length, o + width))] });
  return rows;
}

/** Printable ASCII or '.', as the bytes pane shows a byte. */
export function asciiOf(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
}
