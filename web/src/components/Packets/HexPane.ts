/** Wireshark's bytes pane: offset | hex | ASCII, the selected field's bytes highlighted. */
import { h } from '../h.ts';
import { asciiOf, hexRows } from '../../domain/hex.ts';

export interface HexPaneProps {
  readonly bytes: Uint8Array;
  /** Highlighted byte range [start, end). */
  readonly range?: { readonly start: number; readonly end: number };
  /** Clicking a byte asks for the field that holds it. */
  readonly onByte?: (offset: number) => void;
}

/** The bytes pane. */
export function HexPane(p: HexPaneProps) {
  const inRange = (i: number): boolean => p.range !== undefined && i >= p.range.start && i < p.range.end;
  return h('div', { className: 'hex-pane', 'data-testid': 'hex-pane' },
    hexRows(p.bytes).map((row) => h('div', { key: row.offset, className: 'hex-row' },
      h('span', { className: 'off' }, row.offset.toString(16).padStart(4, '0')),
      h('span', { className: 'hex' }, row.bytes.map((b, i) => h('span', {
        key: i, className: inRange(row.offset + i) ? 'hl' : undefined, onClick: () => p.onByte?.(row.offset + i),
      }, b.toString(16).padStart(2, '0')))),
      h('span', { className: 'ascii' }, row.bytes.map((b, i) => h('span', { key: i, className: inRange(row.offset + i) ? 'hl' : undefined }, asciiOf(b)))))));
}
