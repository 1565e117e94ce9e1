/** Bytes ⇄ hex for the packet bytes pane. */

/** Lower-case hex (no separators) → bytes; throws on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 || /[^0-9a-f]/i.test(hex)) throw new Error('not a hex byte string');
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}

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
