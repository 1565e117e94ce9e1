/**
 * A node's interfaces, routing table (grouped by protocol) and neighbours, read by running
 * `ip addr`, `ip route` and `ip neigh` on the node through the API — the text the real tools
 * print, with a toggle to a table re-read from that same text.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { h } from './h.ts';
import { execOnNode } from '../data/client.ts';
import { groupByProto, parseAddrs, parseNeighbours, parseRoutes } from '../domain/iproute-parse.ts';
import { parseBirdProtocols, sessionUp } from '../domain/bird-parse.ts';
import type { ViewNode } from '../domain/view-model.ts';
import type { RouteEntry } from '../../../engine/events.ts';

const NOT_RECORDED = 'not in the recording (a replay shows the route changes the run recorded)\n';

const COMMANDS = { addrs: 'ip addr', routes: 'ip route', neigh: 'ip neigh', bgp: 'birdc show protocols' } as const;
type Section = keyof typeof COMMANDS;

export interface NodeInspectorProps {
  readonly node: ViewNode;
  /** Changes when the lab may have changed (commands ran, packets flowed): re-read. */
  readonly version: number;
  /** A replay: the routes the recording's route events give at the cursor (nothing can run). */
  readonly recordedRoutes?: readonly RouteEntry[];
}

/** The inspector panel of one node. */
export function NodeInspector(p: NodeInspectorProps) {
  const [text, setText] = useState<Partial<Record<Section, string>>>({});
  const [raw, setRaw] = useState(false);
  const recorded = p.recordedRoutes;
  const [reloads, setReloads] = useState(0);
  // Declared first: on a node change the old text goes, then the new read (or recording) fills in.
  useEffect(() => setText({}), [p.node.id]);
  useEffect(() => {
    if (recorded) {
      setText({ addrs: NOT_RECORDED, neigh: NOT_RECORDED, routes: recorded.filter((r) => r.table === 254).map((r) => `${r.text}\n`).join('') });
      return;
    }
    // A slower read of the previously selected node must not land on this one.
    let current = true;
    void (async () => {
      const out: Partial<Record<Section, string>> = {};
      for (const k of Object.keys(COMMANDS) as Section[]) {
        const r = await execOnNode(p.node.id, COMMANDS[k], { quiet: true });
        // BGP only where a BGP daemon answers (Calico nodes, BGP routers); elsewhere no section.
        if (k === 'bgp' && r.code !== 0) continue;
        out[k] = r.stdout + r.stderr;
      }
      if (current) setText(out);
    })();
    return () => { current = false; };
  }, [p.node.id, recorded, p.version, reloads]);
  const section = (k: Section, title: string, table: () => ReactNode) =>
    h('section', { className: `inspect-${k}`, 'data-testid': `inspect-${k}` },
      h('h3', null, title, h('code', null, `$ ${COMMANDS[k]}`)),
      text[k] === undefined ? h('p', { className: 'muted' }, 'loading…')
        : raw || (recorded && k !== 'routes') ? h('pre', { className: 'cmd-out' }, text[k] || '(empty)') : table());

  const routes = () => {
    const groups = groupByProto(parseRoutes(text.routes ?? ''));
    if (!groups.length) return h('p', { className: 'muted' }, 'no routes');
    return h('table', { className: 'grid' },
      h('thead', null, h('tr', null, ['destination', 'via', 'dev', 'scope', 'src', 'metric', 'flags'].map((c) => h('th', { key: c }, c)))),
      groups.map((g) => h('tbody', { key: g.proto },
        h('tr', { className: 'group-row' }, h('td', { colSpan: 7 }, `proto ${g.proto} (${g.rows.length})`)),
        g.rows.map((r, i) => h('tr', { key: i, title: r.line },
          h('td', null, r.type === 'unicast' ? r.dst : `${r.type} ${r.dst}`), h('td', null, r.via ?? ''), h('td', null, r.dev ?? ''),
          h('td', null, r.scope ?? ''), h('td', null, r.src ?? ''), h('td', null, r.metric ?? ''), h('td', null, r.flags.join(' ')))))));
  };
  const addrs = () => h('table', { className: 'grid' },
    h('thead', null, h('tr', null, ['if', 'state', 'mtu', 'mac', 'inet'].map((c) => h('th', { key: c }, c)))),
    h('tbody', null, parseAddrs(text.addrs ?? '').map((a) => h('tr', { key: a.name },
      h('td', null, a.link ? `${a.name}@${a.link}` : a.name), h('td', { className: a.state === 'DOWN' ? 'bad' : '' }, a.state ?? ''),
      h('td', null, a.mtu ?? ''), h('td', null, a.mac ?? ''), h('td', null, a.inet.join(' '))))));
  const neigh = () => {
    const rows = parseNeighbours(text.neigh ?? '');
    if (!rows.length) return h('p', { className: 'muted' }, 'no neighbours yet (nothing resolved)');
    return h('table', { className: 'grid' },
      h('thead', null, h('tr', null, ['address', 'dev', 'lladdr', 'state'].map((c) => h('th', { key: c }, c)))),
      h('tbody', null, rows.map((r, i) => h('tr', { key: i },
        h('td', null, r.addr), h('td', null, r.dev ?? ''), h('td', null, r.lladdr ?? ''), h('td', { className: r.state === 'FAILED' ? 'bad' : '' }, r.state)))));
  };

  const bgp = () => {
    const rows = parseBirdProtocols(text.bgp ?? '');
    return h('table', { className: 'grid' },
      h('thead', null, h('tr', null, ['protocol', 'proto', 'state', 'since', 'info'].map((c) => h('th', { key: c }, c)))),
      h('tbody', null, rows.map((r) => h('tr', { key: r.name, className: r.proto === 'BGP' ? (sessionUp(r) ? 'good' : 'bad') : 'muted' },
        h('td', null, r.name), h('td', null, r.proto), h('td', null, r.state), h('td', null, r.since), h('td', null, r.info)))));
  };

  const n = p.node;
  return h('div', { className: 'inspector', 'data-testid': 'inspector' },
    h('header', null,
      h('h2', null, n.id), h('span', { className: `badge kind-${n.kind}` }, n.kind), h('span', { className: 'muted' }, ` ${n.role}${n.rack ? ` · ${n.rack}` : ''}${n.floor ? ` · floor ${n.floor}` : ''}${n.asn !== undefined ? ` · AS ${n.asn}` : ''}`),
      h('label', { className: 'toggle' }, h('input', { type: 'checkbox', checked: raw, onChange: () => setRaw(!raw), 'data-testid': 'raw-toggle' }), ' command output'),
      h('button', { onClick: () => setReloads((n) => n + 1) }, 'refresh')),
    Object.keys(n.labels).length > 0 && h('p', { className: 'labels' }, Object.entries(n.labels).map(([k, v]) => h('code', { key: k }, v ? `${k}=${v}` : k))),
    section('addrs', 'Interfaces', addrs),
    section('routes', 'Routing table', routes),
    section('neigh', 'Neighbours', neigh),
    text.bgp !== undefined && section('bgp', 'BGP', bgp));
}
