/**
 * What the topology's overlays draw, from the run's events at the timeline cursor: BGP
 * sessions (the `calico.bgp-session` events, state per end; iBGP vs eBGP from the AS numbers;
 * route reflector → client, roles from the topology and the `calico.resource` events), and IPIP/VXLAN tunnels (node pairs that exchanged encapsulated
 * packets, or whose routes send a peer's block through tunl0 / vxlan.calico). Pure.
 */
import type { PodlabEvent, RouteEntry } from '../../../engine/events.ts';
import type { Topology } from '../../../engine/model/types.ts';
import { formatIPv4 } from '../../../engine/net/ip.ts';
import type { HopEvent } from '../../../engine/server/api-types.ts';
import { parseRoutes } from './iproute-parse.ts';
import type { RouteLog } from './route-log.ts';

/** How a session is doing: Established; on its way (Connect, Active, OpenSent, OpenConfirm); or Idle. */
export type SessionHealth = 'up' | 'connecting' | 'down';

export interface SessionView {
  /** `a~b`, names sorted. */
  readonly id: string;
  readonly a: string;
  readonly b: string;
  /** The worse of the two ends' states. */
  readonly health: SessionHealth;
  /** Each end's last reported state (an end that reported nothing is absent). */
  readonly states: Readonly<Record<string, string>>;
  /** BIRD's protocol names for it (Mesh_…, Node_…, Global_…). */
  readonly names: readonly string[];
  /** True when the two ends' AS numbers differ; undefined when one is unknown. */
  readonly ebgp?: boolean;
  /** The end that reflects routes to the other, when one does. */
  readonly reflector?: string;
}

export interface TunnelView {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly kind: 'ipip' | 'vxlan';
  /** Packets were wrapped at one end and unwrapped at the other. */
  readonly traffic: boolean;
  /** A route sends the other end's block into the tunnel device. */
  readonly route: boolean;
}

/** Health of one BGP FSM state. */
export function healthOf(state: string): SessionHealth {
  if (state === 'Established') return 'up';
  if (state === 'Connect' || state === 'Active' || state === 'OpenSent' || state === 'OpenConfirm') return 'connecting';
  return 'down';
}

const RANK: Record<SessionHealth, number> = { down: 0, connecting: 1, up: 2 };
const pairId = (x: string, y: string): [string, string, string] => {
  const [a, b] = x < y ? [x, y] : [y, x];
  return [`${a}~${b}`, a, b];
};

/** Which node holds each interface address of the topology. */
export function addressOwners(t: Topology): Map<string, string> {
  const m = new Map<string, string>();
  for (const n of t.nodes) for (const i of n.interfaces) if (i.address) m.set(formatIPv4(i.address.addr), n.name);
  return m;
}

interface BgpRoles {
  readonly asn: ReadonlyMap<string, number>;
  /** Route reflector cluster id per reflecting node. */
  readonly clusterId: ReadonlyMap<string, string>;
  /** Router → the nodes it treats as `rr client`. */
  readonly rrClients: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * AS numbers and reflector roles from the topology: routers' own, Calico's Node and
 * BGPConfiguration resources (default AS 64512, as Calico's) — those of the topology file,
 * then the `calico.resource` events up to `seq` (steps that patch a Node into a reflector,
 * apply a BGPConfiguration, delete a Node…), so roles are the ones at the cursor.
 */
export function bgpRoles(t: Topology, events: readonly PodlabEvent[] = [], seq = -1): BgpRoles {
  const owners = addressOwners(t);
  let defaultAsn = 64512;
  const nodeAsn = new Map<string, number>();
  const clusterId = new Map<string, string>();
  const take = (kind: string, name: string, spec: Record<string, unknown> | undefined): void => {
    if (kind === 'BGPConfiguration' && name === 'default') defaultAsn = typeof spec?.asNumber === 'number' ? spec.asNumber : 64512;
    if (kind === 'Node') {
      // A Node written again replaces its old fields: a patch that drops the cluster ID ends the role.
      nodeAsn.delete(name);
      clusterId.delete(name);
      const bgp = (spec?.bgp ?? {}) as Record<string, unknown>;
      if (typeof bgp.asNumber === 'number') nodeAsn.set(name, bgp.asNumber);
      if (typeof bgp.routeReflectorClusterID === 'string') clusterId.set(name, bgp.routeReflectorClusterID);
    }
  };
  for (const m of t.calico) if (m.name) take(m.kind, m.name, (m.manifest.spec ?? {}) as Record<string, unknown>);
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'calico.resource') continue;
    take(e.kind, e.name, e.action === 'deleted' ? undefined : ((e.manifest?.spec ?? {}) as Record<string, unknown>));
  }
  const asn = new Map<string, number>();
  const rrClients = new Map<string, Set<string>>();
  for (const n of t.nodes) {
    const a = n.asn ?? nodeAsn.get(n.name) ?? (n.kind === 'k8s-node' ? defaultAsn : undefined);
    if (a !== undefined) asn.set(n.name, a >>> 0);
    for (const p of n.peers) {
      const peer = owners.get(formatIPv4(p.address));
      if (p.rrClient && peer) (rrClients.get(n.name) ?? rrClients.set(n.name, new Set()).get(n.name)!).add(peer);
      if (peer && !asn.has(peer) && t.nodes.find((x) => x.name === peer)?.kind !== 'k8s-node') asn.set(peer, p.asn >>> 0);
    }
  }
  return { asn, clusterId, rrClients };
}

/** The BGP sessions after every event up to `seq`. */
export function bgpSessionsAt(events: readonly PodlabEvent[], seq: number, t: Topology): SessionView[] {
  const owners = addressOwners(t);
  const roles = bgpRoles(t, events, seq);
  const ends = new Map<string, { a: string; b: string; states: Record<string, string>; names: Set<string> }>();
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'calico.bgp-session') continue;
    const x = e as unknown as { node: string; peer: string; name: string; to: string };
    const peer = owners.get(x.peer) ?? x.peer;
    const [id, a, b] = pairId(x.node, peer);
    const s = ends.get(id) ?? ends.set(id, { a, b, states: {}, names: new Set() }).get(id)!;
    s.states[x.node] = x.to;
    s.names.add(x.name);
  }
  return [...ends.entries()].map(([id, s]) => {
    const health = Object.values(s.states).map(healthOf).reduce((w, h) => (RANK[h] < RANK[w] ? h : w), 'up' as SessionHealth);
    const asA = roles.asn.get(s.a);
    const asB = roles.asn.get(s.b);
    const reflector = reflectorOf(s.a, s.b, roles) ?? reflectorOf(s.b, s.a, roles);
    return {
      id, a: s.a, b: s.b, health, states: s.states, names: [...s.names].sort(),
      ...(asA !== undefined && asB !== undefined ? { ebgp: asA !== asB } : {}), ...(reflector ? { reflector } : {}),
    };
  });
}

/** `x` when x reflects routes to y: x is a reflector and y is not one of the same cluster, or x is a router with y as rr client. */
function reflectorOf(x: string, y: string, roles: BgpRoles): string | undefined {
  const cx = roles.clusterId.get(x);
  if (cx !== undefined && roles.clusterId.get(y) !== cx) return x;
  return roles.rrClients.get(x)?.has(y) ? x : undefined;
}

/**
 * Every node's routes after every `routes` event up to `seq`, in one pass. A node with no
 * `routes` events (a live lab that runs no scenario) gets the routes BIRD programmed, from
 * the `calico.route` events (by destination: BIRD replaces a route in place) — those in
 * `events`, and those the store folded into `log`.
 */
export function allRoutesAt(events: readonly PodlabEvent[], seq: number, log?: RouteLog): Map<string, RouteEntry[]> {
  const m = new Map<string, Map<string, RouteEntry>>();
  const bird = new Map<string, Map<string, RouteEntry>>();
  // The store keeps calico.route events in a RouteLog, not in `events`.
  const logged = log?.routesAt(seq);
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type === 'routes') {
      const n = m.get(e.node) ?? m.set(e.node, new Map()).get(e.node)!;
      for (const r of e.removed) n.delete(`${r.table} ${r.text}`);
      for (const r of e.added) n.set(`${r.table} ${r.text}`, r);
    } else if (e.type === 'calico.route') {
      const x = e as unknown as { node: string; action: string; route: string };
      const r = parseRoutes(x.route)[0];
      if (!r) continue;
      const n = bird.get(x.node) ?? bird.set(x.node, new Map()).get(x.node)!;
      if (x.action === 'add' || x.action === 'replace') {
        n.set(r.dst, { table: 254, type: r.type, dst: r.dst, proto: r.proto, scope: r.scope ?? 'global', metric: r.metric ?? 0, text: x.route, onlink: r.flags.includes('onlink'), ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}) });
      } else if (x.action === 'delete') n.delete(r.dst);
    }
  }
  for (const [node, v] of bird) if (!m.has(node)) m.set(node, v);
  const out = new Map([...m].map(([k, v]) => [k, [...v.values()]]));
  if (logged) for (const [node, list] of logged) if (!m.has(node)) out.set(node, list);
  return out;
}

/** Who installs Calico's block blackholes: BIRD (`proto bird`, IPIP/BGP pools) or Felix (`proto 80`, VXLAN pools). */
const CALICO_PROTOS = new Set(['bird', '80']);

const TUNNEL_DEVS: Record<string, 'ipip' | 'vxlan'> = { tunl0: 'ipip', 'vxlan.calico': 'vxlan' };

/**
 * Tunnels at the cursor: from routes (a node's route into tunl0/vxlan.calico towards a block
 * another node owns — the owner holds its `blackhole <block>` route (proto bird, or 80 from
 * Felix for VXLAN pools) — or towards
 * the node whose address is the next hop) and from traffic (hops from `tFrom` to `tMax`, the
 * cursor's step: an encap at one node and the decap of the same packet at another).
 */
export function tunnelsAt(events: readonly PodlabEvent[], seq: number, hops: readonly HopEvent[], tMax: number, t: Topology, tFrom = Number.NEGATIVE_INFINITY, log?: RouteLog, fromRoutes?: RouteTunnels): TunnelView[] {
  const out = new Map<string, { a: string; b: string; kind: 'ipip' | 'vxlan'; traffic: boolean; route: boolean }>();
  const mark = (x: string, y: string, kind: 'ipip' | 'vxlan', how: 'traffic' | 'route'): void => {
    if (x === y) return;
    const [id0, a, b] = pairId(x, y);
    const id = `${id0}~${kind}`;
    const v = out.get(id) ?? out.set(id, { a, b, kind, traffic: false, route: false }).get(id)!;
    v[how] = true;
  };
  if (!fromRoutes) {
    const pass = routeTunnelPass(allRoutesAt(events, seq, log), addressOwners(t));
    while (!pass.next().done);
    fromRoutes = pass.result;
  }
  const open = new Map<string, HopEvent>();
  for (const h of hops) {
    if (h.t > tMax) break;
    // Only the cursor's own window: a tunnel that carried packets steps ago and has no route
    // into it now is gone (encapsulation turned off), not drawn from history.
    if (h.t < tFrom || !h.key || !h.tunnel) continue;
    if (h.hop === 'encap') open.set(h.key, h);
    else if (h.hop === 'decap') {
      const from = open.get(h.key);
      if (from) mark(from.node, h.node, h.tunnel, 'traffic');
    }
  }
  // The route tunnels as they are (the same array while no traffic: nothing to redraw), those
  // that also carried traffic patched, traffic-only ones after them.
  if (!out.size) return fromRoutes.list as TunnelView[];
  const list = fromRoutes.list.slice();
  for (const [id, v] of out) {
    const i = fromRoutes.index.get(id);
    if (i === undefined) list.push({ id, ...v });
    else list[i] = { ...list[i]!, traffic: true };
  }
  return list;
}

/** The tunnels a set of routing tables implies, and each one's place in the list by id. */
export interface RouteTunnels {
  readonly list: readonly TunnelView[];
  readonly index: ReadonlyMap<string, number>;
}

/**
 * Tunnels from routes, one node at a time: a generator the store can run in slices (a
 * converged 1,000-node fabric's tables hold a million routes; one pass over them in a single
 * task froze the page), done at once here for a cursor in the past. `result` once done.
 */
export function routeTunnelPass(routes: ReadonlyMap<string, Iterable<RouteEntry>>, owners: ReadonlyMap<string, string>): Generator<void, void, void> & { readonly result: RouteTunnels } {
  const list: TunnelView[] = [];
  const index = new Map<string, number>();
  function* run(): Generator<void, void, void> {
    const blockOwner = new Map<string, string>();
    for (const [node, table] of routes) {
      for (const r of table) if (r.type === 'blackhole' && CALICO_PROTOS.has(r.proto)) blockOwner.set(r.dst, node);
      yield;
    }
    for (const [node, table] of routes) {
      for (const r of table) {
        const kind = r.dev ? TUNNEL_DEVS[r.dev] : undefined;
        if (!kind || r.type !== 'unicast') continue;
        const far = blockOwner.get(r.dst) ?? (r.via ? owners.get(r.via) : undefined);
        if (!far || far === node) continue;
        const [id0, a, b] = pairId(node, far);
        const id = `${id0}~${kind}`;
        if (!index.has(id)) index.set(id, list.push({ id, a, b, kind, traffic: false, route: true }) - 1);
      }
      yield;
    }
  }
  return Object.assign(run(), { result: { list, index } });
}
