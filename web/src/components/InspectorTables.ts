/**
 * The inspector's structured views: each re-reads the text a real tool printed (ip, birdc,
 * calicoctl, iptables-save) into a table. Pure renderers of that text; no fetching here.
 */
import { h, Fragment } from './h.ts';
import { groupByProto, parseAddrs, parseNeighbours, parseRoutes, type RouteRow } from '../domain/iproute-parse.ts';
import { fromBgp, parseBirdProtocols, parseBirdRoutes, sessionUp } from '../domain/bird-parse.ts';
import { affineBlocks, parseIpamShow } from '../domain/calico-parse.ts';
import { calicoChains, parseIptablesSave } from '../domain/iptables-parse.ts';
import { parseBridgeVlans, parseFdb } from '../domain/bridge-parse.ts';
import { PAGE_ROWS, PagedRows } from './PagedRows.ts';

const grid = (cols: readonly string[], body: unknown) =>
  h('table', { className: 'grid' }, h('thead', null, h('tr', null, cols.map((c) => h('th', { key: c }, c)))), body as never);

/** Route text as the event stream and `ip route` agree on it (no trailing blanks). */
const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');

/** `ip route`, grouped by protocol; routes added in this step marked +, removed ones struck through. */
export function RoutesTable(p: { readonly text: string; readonly added?: readonly string[]; readonly removed?: readonly string[] }) {
  const added = new Set((p.added ?? []).map(norm));
  const gone = parseRoutes((p.removed ?? []).join('\n')).map((r) => ({ ...r, gone: true }));
  const rows: (RouteRow & { gone?: boolean })[] = [...parseRoutes(p.text), ...gone];
  const groups = groupByProto(rows);
  if (!groups.length) return h('p', { className: 'muted' }, 'no routes');
  const cell = (r: RouteRow & { gone?: boolean }) => {
    const mark = r.gone ? '−' : added.has(norm(r.line)) ? '+' : '';
    return h('tr', { key: `${r.gone ? '-' : ''}${r.line}`, title: r.line, className: r.gone ? 'removed' : mark ? 'changed' : '' },
      h('td', { className: 'chg' }, mark), h('td', null, r.type === 'unicast' ? r.dst : `${r.type} ${r.dst}`), h('td', null, r.via ?? ''), h('td', null, r.dev ?? ''),
      h('td', null, r.scope ?? ''), h('td', null, r.src ?? ''), h('td', null, r.metric ?? ''), h('td', null, r.flags.join(' ')));
  };
  return grid(['', 'destination', 'via', 'dev', 'scope', 'src', 'metric', 'flags'], groups.map((g) => h('tbody', { key: g.proto },
    h('tr', { className: 'group-row' }, h('td', { colSpan: 8 }, `proto ${g.proto} (${(g.rows as (RouteRow & { gone?: boolean })[]).filter((r) => !r.gone).length})`)),
    // A group longer than a page lists the step's changes first, so paging never hides them.
    h(PagedRows<RouteRow & { gone?: boolean }>, { items: g.rows.length > PAGE_ROWS ? changesFirst(g.rows as (RouteRow & { gone?: boolean })[], (r) => !!r.gone || added.has(norm(r.line))) : g.rows, row: cell, colSpan: 8 }))));
}

/** The rows `marked` says changed, then the others, each in their order. */
function changesFirst<T>(rows: readonly T[], marked: (r: T) => boolean): T[] {
  return [...rows.filter(marked), ...rows.filter((r) => !marked(r))];
}

/** `ip addr`. */
export function AddrsTable(p: { readonly text: string }) {
  return grid(['if', 'state', 'mtu', 'mac', 'inet'], h('tbody', null, parseAddrs(p.text).map((a) => h('tr', { key: a.name },
    h('td', null, a.link ? `${a.name}@${a.link}` : a.name), h('td', { className: a.state === 'DOWN' ? 'bad' : '' }, a.state ?? ''),
    h('td', null, a.mtu ?? ''), h('td', null, a.mac ?? ''), h('td', null, a.inet.join(' '))))));
}

/** `ip neigh`. */
export function NeighTable(p: { readonly text: string }) {
  const rows = parseNeighbours(p.text);
  if (!rows.length) return h('p', { className: 'muted' }, 'no neighbours yet (nothing resolved)');
  return grid(['address', 'dev', 'lladdr', 'state'], h('tbody', null, h(PagedRows<(typeof rows)[number]>, { items: rows, colSpan: 4, row: (r, i) => h('tr', { key: i },
    h('td', null, r.addr), h('td', null, r.dev ?? ''), h('td', null, r.lladdr ?? ''), h('td', { className: r.state === 'FAILED' ? 'bad' : '' }, r.state)) })));
}

/** `birdc show protocols`. */
export function BgpTable(p: { readonly text: string }) {
  const rows = parseBirdProtocols(p.text);
  return grid(['protocol', 'proto', 'state', 'since', 'info'], h('tbody', null, h(PagedRows<(typeof rows)[number]>, { items: rows, colSpan: 5, row: (r) => h('tr', { key: r.name, className: r.proto === 'BGP' ? (sessionUp(r) ? 'good' : 'bad') : 'muted' },
    h('td', null, r.name), h('td', null, r.proto), h('td', null, r.state), h('td', null, r.since), h('td', null, r.info)) })));
}

/** `birdc show route`: routes from BGP sessions first, then the node's own (kernel, direct, static). */
export function BirdRoutesTable(p: { readonly text: string }) {
  const rows = parseBirdRoutes(p.text);
  const bgp = rows.filter(fromBgp);
  const own = rows.filter((r) => !fromBgp(r));
  const body = (list: typeof rows, title: string) => h('tbody', { key: title },
    h('tr', { className: 'group-row' }, h('td', { colSpan: 5 }, `${title} (${list.length})`)),
    h(PagedRows<(typeof rows)[number]>, { items: list, colSpan: 5, row: (r, i) => h('tr', { key: i, className: r.best ? '' : 'muted', title: r.best ? 'selected (*)' : 'not selected' },
      h('td', null, r.prefix), h('td', null, r.nexthop), h('td', null, r.protocol), h('td', null, `${r.best ? '* ' : ''}${r.pref}`), h('td', null, r.extra)) }));
  if (!rows.length) return h('p', { className: 'muted' }, 'no routes in BIRD');
  return grid(['prefix', 'next hop', 'from', 'pref', 'attrs'], [body(bgp, 'received over BGP'), body(own, 'originated here (kernel, direct, static)')]);
}

/** `calicoctl ipam show --show-blocks`, cut to the blocks this node owns when its routes tell (blackhole … proto bird). */
export function IpamTable(p: { readonly text: string; readonly routesText: string }) {
  const rows = parseIpamShow(p.text);
  const mine = affineBlocks(p.routesText);
  const blocks = rows.filter((r) => r.grouping === 'Block');
  const affine = blocks.filter((r) => mine.has(r.cidr));
  const shown = affine.length ? [...rows.filter((r) => r.grouping !== 'Block'), ...affine] : rows;
  return h(Fragment, null,
    h('p', { className: 'muted' }, affine.length
      ? `${affine.length} of ${blocks.length} blocks are affine to this node (its blackhole routes for them); the other nodes own the rest`
      : 'every block of the cluster (this node owns none: it has no blackhole route for a block)'),
    grid(['grouping', 'cidr', 'IPs total', 'in use', 'free'], h('tbody', null, h(PagedRows<(typeof rows)[number]>, { items: shown, colSpan: 5, row: (r) => h('tr', { key: `${r.grouping} ${r.cidr}`, className: mine.has(r.cidr) ? 'mine' : '' },
      h('td', null, r.grouping), h('td', null, r.cidr), h('td', null, Number.isFinite(r.total) ? r.total : ''), h('td', null, r.inUse), h('td', null, r.free)) }))));
}

/** `iptables-save -c`, Calico's chains: chain → rules with packet counts; rules that matched something stand out. */
export function PolicyChains(p: { readonly text: string }) {
  const tables = calicoChains(parseIptablesSave(p.text));
  if (!tables.length) return h('p', { className: 'muted' }, 'no cali-* chains on this node');
  return h('div', { className: 'chains' }, tables.map((t) => h('div', { key: t.name, className: 'ipt-table' },
    h('h4', null, `table ${t.name}`),
    t.chains.map((c) => h('details', { key: c.name, className: 'chain', open: c.rules.some((r) => r.packets > 0) && !c.name.startsWith('cali-') },
      h('summary', null, h('code', null, c.name), c.policy !== '-' ? ` policy ${c.policy} [${c.packets} pkts]` : '',
        ` · ${c.rules.length} rules · ${c.rules.reduce((n, r) => n + r.packets, 0)} rule hits`),
      grid(['pkts', 'bytes', 'match', 'target', 'comment'], h('tbody', null, c.rules.map((r, i) => h('tr', { key: i, className: r.packets > 0 ? 'hit' : 'muted', title: r.line },
        h('td', null, r.packets), h('td', null, r.bytes), h('td', null, r.match), h('td', null, r.target ? `${r.goto ? 'goto ' : ''}${r.target}` : ''),
        h('td', null, r.comments.join(' · ')))))))))));
}

/** `bridge fdb show`: the switch's MAC table — learned addresses first (who is behind which port), then the bridge's own. */
export function FdbTable(p: { readonly text: string }) {
  const rows = parseFdb(p.text);
  if (!rows.length) return h('p', { className: 'muted' }, 'no entries');
  const order = { learned: 0, static: 1, permanent: 2 } as const;
  const sorted = [...rows].sort((a, b) => order[a.state] - order[b.state] || a.dev.localeCompare(b.dev) || (a.vlan ?? 0) - (b.vlan ?? 0));
  return grid(['MAC', 'port', 'VLAN', 'entry'], h('tbody', null, h(PagedRows<(typeof sorted)[number]>, { items: sorted, colSpan: 4, row: (r) => h('tr', { key: r.line, title: r.line, className: r.state === 'learned' ? 'hit' : 'muted' },
    h('td', null, r.mac), h('td', null, r.dev), h('td', null, r.vlan ?? ''), h('td', null, r.state === 'permanent' ? 'permanent (own port)' : r.state)) })));
}

/** `bridge vlan show`: each port's VLANs — the PVID one is where untagged frames go; a port with several is a trunk. */
export function VlanTable(p: { readonly text: string }) {
  const ports = parseBridgeVlans(p.text);
  if (!ports.length) return h('p', { className: 'muted' }, 'no VLANs');
  return grid(['port', 'mode', 'VLANs'], h('tbody', null, ports.map((x) => h('tr', { key: x.port },
    h('td', null, x.port), h('td', null, x.vlans.length > 1 ? 'trunk' : 'access'),
    h('td', null, x.vlans.map((v) => `${v.id}${v.pvid ? ' PVID' : ''}${v.untagged ? ' untagged' : ' tagged'}`).join(', '))))));
}
