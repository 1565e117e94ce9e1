/** Wireshark's packet details: the layered tree; selecting a line highlights its bytes. */
import { useEffect, useRef, useState } from 'react';
import { h } from '../h.ts';
import type { Field } from '../../domain/dissect.ts';

export interface PacketDetailProps {
  readonly tree: readonly Field[];
  readonly selected?: Field;
  readonly onSelect: (f: Field) => void;
}

/** The detail tree. Layers start expanded except the frame summary. */
export function PacketDetail(p: PacketDetailProps) {
  const [closed, setClosed] = useState<Set<number>>(new Set([0]));
  const box = useRef<HTMLDivElement>(null);
  // A field chosen from the bytes pane scrolls into view (and its layer opens).
  useEffect(() => {
    const i = p.tree.findIndex((l) => l === p.selected || l.children?.includes(p.selected!));
    if (i >= 0 && closed.has(i)) setClosed((s) => { const n = new Set(s); n.delete(i); return n; });
    box.current?.querySelector('.line.selected')?.scrollIntoView({ block: 'nearest' });
  }, [p.selected]);
  return h('div', { className: 'packet-detail', 'data-testid': 'packet-detail', ref: box },
    p.tree.map((layer, i) => h('div', { key: i, className: `layer layer-${layer.layer ?? 'x'}` },
      h('div', {
        className: `line top${p.selected === layer ? ' selected' : ''}`,
        onClick: () => {
          p.onSelect(layer);
          setClosed((s) => { const n = new Set(s); if (n.has(i)) n.delete(i); else n.add(i); return n; });
        },
      }, h('span', { className: 'twisty' }, layer.children ? (closed.has(i) ? '▸' : '▾') : ' '), layer.label),
      layer.children && !closed.has(i) && layer.children.map((c, j) => h('div', {
        key: j, className: `line field${p.selected === c ? ' selected' : ''}`, onClick: () => p.onSelect(c),
      }, c.label)))));
}
