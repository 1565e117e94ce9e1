/**
 * The packets panel: tcpdump-syntax filter (podlab's own compiler, with tcpdump's error and
 * the column it points at), the list, the detail tree and the bytes, and pcap downloads
 * per captured interface.
 */
import { useMemo, useState } from 'react';
import { h } from '../h.ts';
import { filterRows, type PacketRow } from '../../domain/packet-view.ts';
import { dissectFrame, fieldAt, type Field } from '../../domain/dissect.ts';
import { PacketList } from './PacketList.ts';
import { PacketDetail } from './PacketDetail.ts';
import { HexPane } from './HexPane.ts';
import { PacketPath } from './PacketPath.ts';
import type { HopEvent } from '../../../../engine/server/api-types.ts';

export interface PacketsProps {
  readonly rows: readonly PacketRow[];
  readonly selected?: number;
  readonly onSelect: (no: number | undefined) => void;
  /** Downloads the pcap of one captured interface. */
  readonly onDownload: (node: string, iface: string) => void;
  /** The selected packet's hops and the routes responsible for them (see useRouteNow). */
  readonly path?: readonly HopEvent[];
  readonly routes?: ReadonlyMap<string, string>;
  readonly live?: boolean;
}

/** The packets panel. */
export function Packets(p: PacketsProps) {
  const [expr, setExpr] = useState('');
  const [inner, setInner] = useState(false);
  const [field, setField] = useState<Field | undefined>(undefined);
  const result = useMemo(() => filterRows(p.rows, expr, inner), [p.rows, expr, inner]);
  const shown = result.ok ? result.rows : [];
  const sel = p.rows.find((r) => r.rec.no === p.selected) as PacketRow | undefined;
  const tree = useMemo(() => (sel ? dissectFrame(sel.bytes) : []), [sel]);
  const captures = useMemo(() => [...new Set(p.rows.map((r) => `${r.rec.node}/${r.rec.iface}`))].sort(), [p.rows]);

  return h('div', { className: 'packets' },
    h('div', { className: 'packet-bar' },
      h('input', {
        className: `filter${result.ok ? (expr.trim() ? ' valid' : '') : ' invalid'}`, value: expr, placeholder: 'tcpdump filter: icmp, host 10.30.200.2, proto 4, udp port 4789 …',
        onChange: (ev: { target: { value: string } }) => setExpr(ev.target.value), spellCheck: false, 'data-testid': 'packet-filter',
      }),
      h('label', { title: 'also match packets inside IPIP/VXLAN' }, h('input', { type: 'checkbox', checked: inner, onChange: () => setInner(!inner) }), ' inner'),
      h('span', { className: 'count' }, `${shown.length} / ${p.rows.length}`),
      h('select', {
        value: '', 'aria-label': 'download pcap',
        onChange: (ev: { target: { value: string } }) => {
          const [node, iface] = ev.target.value.split('/');
          if (node && iface) p.onDownload(node, iface);
        },
      }, h('option', { value: '' }, 'download pcap…'), captures.map((c) => h('option', { key: c, value: c }, c.replace('/', ':'))))),
    !result.ok && h('div', { className: 'filter-error', 'data-testid': 'filter-error' },
      h('pre', null, `${expr}\n${' '.repeat(Math.max(0, result.column - 1))}^`), h('span', null, `${result.message} (column ${result.column})`)),
    h('div', { className: 'packet-panes' },
      h(PacketList, { rows: shown, selected: p.selected, onSelect: (no) => { setField(undefined); p.onSelect(no); }, follow: p.selected === undefined }),
      sel ? h('div', { className: 'packet-inspect' },
        h(PacketDetail, { tree, selected: field, onSelect: setField }),
        p.path && h(PacketPath, { path: p.path, routes: p.routes ?? new Map(), live: p.live ?? false }),
        h(HexPane, { bytes: sel.bytes, range: field ?? undefined, onByte: (i) => setField(fieldAt(tree, i)) }))
        : h('div', { className: 'packet-inspect muted' }, 'select a packet: its layers, its bytes, and its path on the topology')));
}
