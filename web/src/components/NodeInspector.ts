/**
 * A node's interfaces, routing table, neighbours, BGP sessions and routes, IPAM blocks and
 * policy chains, read by running the real tools' commands on the node through the API —
 * the text they print, with a toggle to tables re-read from that same text.
 *
 * Every section follows the timeline cursor: at a past step (or in a replay) the routing
 * table is the one the run's `routes` events give at that point, with the step's changes
 * marked, and the other sections are what the tools printed at the end of that step (the
 * run's `lab.snapshot` events); at the end of a live run it is the node now. Each section
 * says which it shows.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { h } from './h.ts';
import { execOnNode } from '../data/client.ts';
import type { ViewNode } from '../domain/view-model.ts';
import type { RouteEntry } from '../../../engine/events.ts';
import { AddrsTable, BgpTable, BirdRoutesTable, FdbTable, IpamTable, NeighTable, PolicyChains, RoutesTable, VlanTable } from './InspectorTables.ts';

const COMMANDS = {
  addrs: 'ip addr', routes: 'ip route', neigh: 'ip neigh', bgp: 'birdc show protocols', bgpRoutes: 'birdc show route',
  ipam: 'calicoctl ipam show --show-blocks', policy: 'iptables-save -c', fdb: 'bridge fdb show', vlans: 'bridge vlan show',
} as const;
type Section = keyof typeof COMMANDS;

/** The routing table the recorded events give at the timeline cursor. */
export interface RoutesAtCursor {
  readonly routes: readonly RouteEntry[];
  /** Routes added / removed during the cursor's step (highlighted). */
  readonly added: readonly RouteEntry[];
  readonly removed: readonly RouteEntry[];
  /** Says where the table is from (`step 4 · from the run's route events`). */
  readonly label: string;
}

export interface NodeInspectorProps {
  readonly node: ViewNode;
  /** Changes when the lab may have changed (commands ran, packets flowed): re-read. */
  readonly version: number;
  /** True when commands can run on the node now (a live lab); false for a recording. */
  readonly live: boolean;
  /** The routes at the timeline cursor; absent = read the node now. */
  readonly at?: RoutesAtCursor;
  /** The other sections at the cursor: tool outputs by command (from the run's snapshots); absent = read the node now. */
  readonly snapshot?: { readonly texts: ReadonlyMap<string, { readonly text: string; readonly step: number }>; readonly label: string };
}

const NOT_RECORDED = 'not in the recording (a replay shows the route changes the run recorded)\n';

/** Reads every section of a node; BGP, IPAM and policy only where the node has them, the MAC table and VLANs on switches. */
async function readNode(node: string, kind: string): Promise<Partial<Record<Section, string>>> {
  const run = async (k: Section) => execOnNode(node, COMMANDS[k], { quiet: true });
  const out: Partial<Record<Section, string>> = {};
  if (kind === 'switch') {
    for (const k of ['fdb', 'vlans'] as const) {
      const r = await run(k);
      if (r.code === 0) out[k] = r.stdout;
    }
  }
  for (const k of ['addrs', 'routes', 'neigh'] as const) {
    const r = await run(k);
    out[k] = r.stdout + r.stderr;
  }
  // BGP only where a BGP daemon answers (Calico nodes, BGP routers); calicoctl on Calico nodes.
  const bgp = await run('bgp');
  if (bgp.code === 0) {
    out.bgp = bgp.stdout;
    const routes = await run('bgpRoutes');
    if (routes.code === 0) out.bgpRoutes = routes.stdout;
    if (/^(Mesh|Node|Global)_/m.test(bgp.stdout)) {
      const ipam = await run('ipam');
      if (ipam.code === 0) out.ipam = ipam.stdout;
    }
  }
  const ipt = await run('policy');
  if (ipt.code === 0 && /^:cali-/m.test(ipt.stdout)) out.policy = ipt.stdout;
  return out;
}

/** The inspector panel of one node. */
export function NodeInspector(p: NodeInspectorProps) {
  const [text, setText] = useState<Partial<Record<Section, string>>>({});
  const [raw, setRaw] = useState(false);
  const [reloads, setReloads] = useState(0);
  // Declared first: on a node change the old text goes, then the new read fills in.
  useEffect(() => setText({}), [p.node.id]);
  const snap = p.snapshot;
  useEffect(() => {
    if (snap) {
      // At the cursor: what the run recorded then, never the node now.
      const out: Partial<Record<Section, string>> = {};
      for (const k of Object.keys(COMMANDS) as Section[]) {
        const t = snap.texts.get(COMMANDS[k]);
        if (t) out[k] = t.text;
      }
      out.addrs ??= NOT_RECORDED;
      out.neigh ??= NOT_RECORDED;
      setText(out);
      return;
    }
    if (!p.live) {
      setText({ addrs: NOT_RECORDED, neigh: NOT_RECORDED });
      return;
    }
    // A slower read of the previously selected node must not land on this one.
    let current = true;
    void readNode(p.node.id, p.node.kind).then((out) => { if (current) setText(out); });
    return () => { current = false; };
  }, [p.node.id, p.live, p.version, reloads, snap]);

  const at = p.at;
  const routesText = at ? at.routes.filter((r) => r.table === 254).map((r) => `${r.text}\n`).join('') : text.routes;
  const when = (k: Section): string => {
    if (k === 'routes' && at) return at.label;
    if (snap) {
      const t = snap.texts.get(COMMANDS[k]);
      return t ? `${snap.label}${t.step > 0 ? ` at the end of step ${t.step}` : ' at deploy'}` : `${snap.label.replace(/ · .*/, '')} · not recorded`;
    }
    return p.live ? 'live now' : 'not recorded';
  };

  // Keyed by node too: another node's tables start again at their first page of rows (PagedRows).
  const section = (k: Section, title: string, body: string | undefined, table: () => ReactNode) =>
    h('section', { className: `inspect-${k}`, 'data-testid': `inspect-${k}`, key: `${p.node.id} ${k}` },
      h('h3', null, title, h('code', null, `$ ${COMMANDS[k]}`), h('span', { className: `when${(k === 'routes' && at) || snap?.texts.has(COMMANDS[k]) ? ' recorded' : ''}`, 'data-testid': `${k}-when` }, when(k))),
      body === undefined ? h('p', { className: 'muted' }, 'loading…')
        : raw || body === NOT_RECORDED ? h('pre', { className: 'cmd-out' }, body || '(empty)') : table());

  const n = p.node;
  return h('div', { className: 'inspector', 'data-testid': 'inspector' },
    h('header', null,
      h('h2', null, n.id), h('span', { className: `badge kind-${n.kind}` }, n.kind), h('span', { className: 'muted' }, ` ${n.role}${n.rack ? ` · ${n.rack}` : ''}${n.floor ? ` · floor ${n.floor}` : ''}${n.asn !== undefined ? ` · AS ${n.asn}` : ''}`),
      h('label', { className: 'toggle' }, h('input', { type: 'checkbox', checked: raw, onChange: () => setRaw(!raw), 'data-testid': 'raw-toggle' }), ' command output'),
      p.live && h('button', { onClick: () => setReloads((x) => x + 1) }, 'refresh')),
    Object.keys(n.labels).length > 0 && h('p', { className: 'labels' }, Object.entries(n.labels).map(([k, v]) => h('code', { key: k }, v ? `${k}=${v}` : k))),
    text.fdb !== undefined && section('fdb', 'MAC table', text.fdb, () => h(FdbTable, { text: text.fdb ?? '' })),
    text.vlans !== undefined && section('vlans', 'VLANs', text.vlans, () => h(VlanTable, { text: text.vlans ?? '' })),
    section('addrs', 'Interfaces', text.addrs, () => h(AddrsTable, { text: text.addrs ?? '' })),
    section('routes', 'Routing table', routesText, () => h(RoutesTable, { text: routesText ?? '', ...(at ? { added: at.added.map((r) => r.text), removed: at.removed.map((r) => r.text) } : {}) })),
    section('neigh', 'Neighbours', text.neigh, () => h(NeighTable, { text: text.neigh ?? '' })),
    text.bgp !== undefined && section('bgp', 'BGP sessions', text.bgp, () => h(BgpTable, { text: text.bgp ?? '' })),
    text.bgpRoutes !== undefined && section('bgpRoutes', 'BGP routes', text.bgpRoutes, () => h(BirdRoutesTable, { text: text.bgpRoutes ?? '' })),
    text.ipam !== undefined && section('ipam', 'IPAM blocks', text.ipam, () => h(IpamTable, { text: text.ipam ?? '', routesText: routesText ?? '' })),
    text.policy !== undefined && section('policy', 'Policy chains', text.policy, () => h(PolicyChains, { text: text.policy ?? '' })));
}
