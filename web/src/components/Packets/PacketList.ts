/**
 * Wireshark's packet list: one row per captured frame (No., time, where, direction,
 * protocol, tcpdump's line), windowed so tens of thousands of rows stay cheap.
 */
import { useEffect, useRef, useState } from 'react';
import { h } from '../h.ts';
import { formatTime, type PacketRow } from '../../domain/packet-view.ts';

const ROW = 20;

export interface PacketListProps {
  readonly rows: readonly PacketRow[];
  readonly selected?: number;
  readonly onSelect: (no: number) => void;
  /** Keep the newest row in view while the user has not scrolled up. */
  readonly follow: boolean;
}

/** The packet list. */
export function PacketList(p: PacketListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(300);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight || 300);
    if (p.follow) el.scrollTop = el.scrollHeight;
  }, [p.rows.length, p.follow]);
  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const last = Math.min(p.rows.length, Math.ceil((top + height) / ROW) + 10);
  const visible = p.rows.slice(first, last);
  // ↑/↓ move the selection like Wireshark's list, keeping the row in view.
  const onKey = (ev: { key: string; preventDefault(): void }): void => {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    ev.preventDefault();
    const at = p.rows.findIndex((r) => r.rec.no === p.selected);
    const next = Math.max(0, Math.min(p.rows.length - 1, at < 0 ? 0 : at + (ev.key === 'ArrowDown' ? 1 : -1)));
    const row = p.rows[next];
    if (!row) return;
    p.onSelect(row.rec.no);
    const el = box.current;
    if (el && (next * ROW < el.scrollTop + ROW || (next + 2) * ROW > el.scrollTop + el.clientHeight)) el.scrollTop = Math.max(0, next * ROW - el.clientHeight / 2);
  };
  return h('div', {
    className: 'packet-list', ref: box, tabIndex: 0, onKeyDown: onKey,
    onScroll: (ev: { currentTarget: HTMLDivElement }) => setTop(ev.currentTarget.scrollTop), 'data-testid': 'packet-list',
  },
    h('div', { className: 'packet-head' }, ['No.', 'Time', 'Where', 'Dir', 'Protocol', 'Info'].map((c) => h('span', { key: c }, c))),
    h('div', { style: { height: p.rows.length * ROW, position: 'relative' } },
      visible.map((r, i) => h('div', {
        key: r.rec.no,
        className: `packet-row proto-${r.proto.replace(/\W+/g, '').toLowerCase()}${p.selected === r.rec.no ? ' selected' : ''}`,
        style: { top: (first + i) * ROW },
        onClick: () => p.onSelect(r.rec.no),
        'data-no': r.rec.no,
      },
      h('span', null, r.rec.no), h('span', null, formatTime(r.rec.t)), h('span', null, `${r.rec.node}:${r.rec.iface}`),
      h('span', null, r.rec.dir === 'in' ? 'In' : r.rec.dir === 'out' ? 'Out' : ''), h('span', null, r.proto), h('span', { className: 'info' }, r.line)))));
}
