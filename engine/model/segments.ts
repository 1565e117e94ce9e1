/**
 * L2 segments (broadcast domains): which interfaces hear each other's ARP. Computed with a
 * union-find over two kinds of points — an L3 interface (`node:iface`) and a switch VLAN
 * (`switch#vid`) — joined the way frames actually travel:
 *   - a cable between two non-switch interfaces joins them;
 *   - a cable into a switch port joins the interface to the port's untagged VLAN
 *     (access VLAN, or a trunk's native VLAN; a trunk without native drops untagged frames);
 *   - a cable between two switch ports joins their untagged VLANs and every VLAN both sides
 *     carry tagged. Untagged VLANs join even when their ids differ, as real cables do.
 * Pure: takes resolved ports and links, returns segments in a deterministic order.
 */
import type { Endpoint, Segment, SwitchPort } from './types.ts';

/** What the segment walk needs to know about the fabric. */
export interface L2Input {
  /** Switch name → its ports by name. */
  readonly switches: ReadonlyMap<string, ReadonlyMap<string, SwitchPort>>;
  readonly links: readonly { readonly endpoints: readonly [Endpoint, Endpoint] }[];
  /** Every non-switch interface as `node:iface` (linked or not). */
  readonly interfaces: readonly string[];
}

/** Result: the segments, and each interface's segment index. */
export interface L2Result {
  readonly segments: Segment[];
  readonly segmentOf: Map<string, number>;
}

/** The VLAN a port puts untagged frames in, if any. */
export function untaggedVlan(p: SwitchPort): number | undefined {
  return p.mode === 'access' ? p.vlan : p.native;
}

/** True when the port carries VLAN `vid` (tagged or untagged). */
export function portCarries(p: SwitchPort, vid: number): boolean {
  return p.mode === 'access' ? p.vlan === vid : p.native === vid || p.vlans.includes(vid);
}

/** Computes the L2 segments of a fabric. */
export function computeSegments(input: L2Input): L2Result {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const add = (k: string): void => {
    if (!parent.has(k)) parent.set(k, k);
  };
  const union = (a: string, b: string): void => {
    add(a);
    add(b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const sw = (name: string, vid: number): string => `${name}#${vid}`;
  const portOf = (e: Endpoint): SwitchPort | undefined => input.switches.get(e.node)?.get(e.iface);

  for (const i of input.interfaces) add(i);
  for (const link of input.links) {
    const [a, b] = link.endpoints;
    const pa = portOf(a);
    const pb = portOf(b);
    if (!pa && !pb) {
      union(`${a.node}:${a.iface}`, `${b.node}:${b.iface}`);
    } else if (pa && pb) {
      const ua = untaggedVlan(pa);
      const ub = untaggedVlan(pb);
      if (ua !== undefined && ub !== undefined) union(sw(a.node, ua), sw(b.node, ub));
      if (pa.mode === 'trunk' && pb.mode === 'trunk') {
        for (const v of pa.vlans) if (pb.vlans.includes(v)) union(sw(a.node, v), sw(b.node, v));
      }
    } else {
      const [port, swEnd, host] = pa ? [pa, a, b] : [pb!, b, a];
      const u = untaggedVlan(port);
      if (u !== undefined) union(`${host.node}:${host.iface}`, sw(swEnd.node, u));
    }
  }

  // Group by root; keep only groups with at least one L3 interface.
  const groups = new Map<string, { members: string[]; switches: { node: string; vlan: number }[] }>();
  for (const k of parent.keys()) {
    const r = find(k);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = { members: [], switches: [] }));
    // Interface keys contain ':'; switch-VLAN keys never do (switch names are DNS labels).
    if (k.includes(':')) g.members.push(k);
    else {
      const hash = k.lastIndexOf('#');
      g.switches.push({ node: k.slice(0, hash), vlan: Number(k.slice(hash + 1)) });
    }
  }
  const live = [...groups.values()].filter((g) => g.members.length > 0);
  for (const g of live) {
    g.members.sort();
    g.switches.sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : x.vlan - y.vlan));
  }
  live.sort((x, y) => (x.members[0]! < y.members[0]! ? -1 : 1));
  const segments: Segment[] = [];
  const segmentOf = new Map<string, number>();
  live.forEach((g, id) => {
    const vlan = g.switches[0]?.vlan;
    segments.push({ id, ...(vlan !== undefined ? { vlan } : {}), members: g.members, switches: g.switches });
    for (const m of g.members) segmentOf.set(m, id);
  });
  return { segments, segmentOf };
}
