/**
 * The topology as the UI draws it: nodes with a role and a tier (spine → ToR/router →
 * switch → k8s node/host → pod), links with their interface names and L2 segment, and the
 * groups nodes belong to (floor, rack, VLAN segment). Pure data; no React, no DOM.
 */
import type { Topology, TopoNode } from '../../../engine/model/types.ts';
import type { AttachedNamespace } from '../../../engine/server/api-types.ts';
import { formatPrefix4 } from '../../../engine/net/ip.ts';

/** What a node is in the fabric, top to bottom. */
export type Role = 'superspine' | 'spine' | 'tor' | 'switch' | 'node' | 'pod';

/** Tier index of each role (rows of the drawing). */
export const ROLE_TIER: Record<Role, number> = { superspine: 0, spine: 1, tor: 2, switch: 3, node: 4, pod: 5 };

export interface ViewIface {
  readonly name: string;
  readonly address?: string;
  readonly mtu: number;
}

export interface ViewNode {
  readonly id: string;
  /** What the box says when the id is long: a pod's kubectl name (`pod-a`, `ns/pod`), not its namespace's `pod-a.default.master-01`. */
  readonly label?: string;
  readonly kind: string;
  readonly role: Role;
  readonly tier: number;
  readonly rack?: string;
  readonly floor?: string;
  /** The placement group: rack, else floor, else none. */
  readonly group?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly asn?: number;
  readonly ifaces: readonly ViewIface[];
}

export interface ViewLink {
  /** `a:aIf--b:bIf`. */
  readonly id: string;
  readonly a: string;
  readonly aIf: string;
  readonly b: string;
  readonly bIf: string;
  /** Index into `segments` of the L2 domain the link carries (the non-switch end's). */
  readonly segment?: number;
  readonly vlan?: number;
  readonly mtu: number;
}

export interface ViewSegment {
  readonly id: number;
  readonly vlan?: number;
  /** The VLAN's name and subnet from `vlans:`, when declared. */
  readonly name?: string;
  readonly subnet?: string;
  readonly members: readonly string[];
  /** Switches the segment crosses. */
  readonly switches?: readonly string[];
}

export interface ViewModel {
  readonly name: string;
  readonly nodes: readonly ViewNode[];
  readonly links: readonly ViewLink[];
  readonly segments: readonly ViewSegment[];
}

const ROLE_LABELS = ['podlab.io/role', 'role', 'tier'];
const ROLE_WORDS: Record<string, Role> = {
  superspine: 'superspine', 'super-spine': 'superspine', spine: 'spine', core: 'spine', leaf: 'tor', tor: 'tor', router: 'tor',
  switch: 'switch', access: 'switch', node: 'node', server: 'node', host: 'node', pod: 'pod',
};

/** A node's role: an explicit role label wins; else kind, and for routers the name or the wiring decides spine vs ToR. */
export function roleOf(n: Pick<TopoNode, 'name' | 'kind' | 'labels'>, neighbourKinds: readonly string[]): Role {
  for (const l of ROLE_LABELS) {
    const r = ROLE_WORDS[(n.labels[l] ?? '').toLowerCase()];
    if (r) return r;
  }
  switch (n.kind) {
    // A switch that only joins routers is a transit/core segment: it sits above the ToRs it joins.
    case 'switch': return neighbourKinds.length > 1 && neighbourKinds.every((k) => k === 'router') ? 'spine' : 'switch';
    case 'k8s-node': case 'host': return 'node';
    case 'router': {
      if (/super-?spine/i.test(n.name)) return 'superspine';
      if (/spine|core/i.test(n.name)) return 'spine';
      if (/leaf|tor/i.test(n.name)) return 'tor';
      // A router wired only to routers sits above the ones that serve racks.
      return neighbourKinds.length > 0 && neighbourKinds.every((k) => k === 'router') ? 'spine' : 'tor';
    }
    default: return n.kind === 'pod' ? 'pod' : 'node';
  }
}

/** Builds the view model of a validated topology, plus the namespaces (pods) attached to its nodes. */
export function viewModel(t: Topology, namespaces: readonly AttachedNamespace[] = []): ViewModel {
  const kindOf = new Map(t.nodes.map((n) => [n.name, n.kind as string]));
  const neighbours = new Map<string, string[]>();
  for (const l of t.links) {
    const [a, b] = l.endpoints;
    (neighbours.get(a.node) ?? neighbours.set(a.node, []).get(a.node)!).push(kindOf.get(b.node) ?? '');
    (neighbours.get(b.node) ?? neighbours.set(b.node, []).get(b.node)!).push(kindOf.get(a.node) ?? '');
  }
  const nodes: ViewNode[] = t.nodes.map((n) => {
    const role = roleOf(n, neighbours.get(n.name) ?? []);
    const group = n.rack ? `rack:${n.rack}` : n.floor ? `floor:${n.floor}` : undefined;
    return {
      id: n.name, kind: n.kind, role, tier: ROLE_TIER[role], labels: n.labels,
      ...(n.rack ? { rack: n.rack } : {}), ...(n.floor ? { floor: n.floor } : {}), ...(group ? { group } : {}),
      ...(n.asn !== undefined ? { asn: n.asn } : {}),
      ifaces: n.interfaces.map((i) => ({ name: i.name, mtu: i.mtu, ...(i.address ? { address: formatPrefix4(i.address) } : {}) })),
    };
  });
  const segOf = new Map<string, number>();
  for (const n of t.nodes) for (const i of n.interfaces) if (i.segment !== undefined) segOf.set(`${n.name}:${i.name}`, i.segment);
  const links: ViewLink[] = t.links.map((l) => {
    const [a, b] = l.endpoints;
    const seg = segOf.get(`${a.node}:${a.iface}`) ?? segOf.get(`${b.node}:${b.iface}`);
    const vlan = l.vlan ?? (seg !== undefined ? t.segments[seg]?.vlan : undefined);
    return {
      id: `${a.node}:${a.iface}--${b.node}:${b.iface}`, a: a.node, aIf: a.iface, b: b.node, bIf: b.iface, mtu: l.mtu,
      ...(seg !== undefined ? { segment: seg } : {}), ...(vlan !== undefined ? { vlan } : {}),
    };
  });
  const vlanById = new Map((t.vlans ?? []).map((v) => [v.id, v]));
  const segments = t.segments.map((s): ViewSegment => {
    const v = s.vlan !== undefined ? vlanById.get(s.vlan) : undefined;
    return {
      id: s.id, members: s.members, switches: [...new Set((s.switches ?? []).map((w) => w.node))],
      ...(s.vlan !== undefined ? { vlan: s.vlan } : {}), ...(v ? { name: v.name } : {}), ...(v?.subnet ? { subnet: formatPrefix4(v.subnet) } : {}),
    };
  });
  // Pods sit in their node's rack/floor column, one tier below it.
  const byName = new Map(nodes.map((n) => [n.id, n]));
  for (const ns of namespaces) {
    if (byName.has(ns.name)) continue;
    const host = ns.host !== undefined ? byName.get(ns.host) : undefined;
    const label = podLabel(ns.name, ns.host);
    nodes.push({
      id: ns.name, ...(label ? { label } : {}), kind: 'pod', role: 'pod', tier: ROLE_TIER.pod, labels: {},
      ...(host?.rack ? { rack: host.rack } : {}), ...(host?.floor ? { floor: host.floor } : {}), ...(host?.group ? { group: host.group } : {}),
      ifaces: ns.iface ? [{ name: ns.iface, mtu: 1500, ...(ns.addresses[0] ? { address: ns.addresses[0] } : {}) }] : [],
    });
    if (host && ns.hostIface && ns.iface) {
      links.push({ id: `${host.id}:${ns.hostIface}--${ns.name}:${ns.iface}`, a: host.id, aIf: ns.hostIface, b: ns.name, bIf: ns.iface, mtu: 1500 });
    }
  }
  return { name: t.name, nodes, links, segments };
}

/** `pod-a.default.master-01` on master-01 → `pod-a`; `web.shop.worker-01` → `shop/web` (kubectl's words); other names → undefined. */
export function podLabel(name: string, host: string | undefined): string | undefined {
  if (!host || !name.endsWith(`.${host}`)) return undefined;
  const rest = name.slice(0, -host.length - 1);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ns = rest.slice(dot + 1);
  return ns === 'default' ? rest.slice(0, dot) : `${ns}/${rest.slice(0, dot)}`;
}

const COLLATOR = new Intl.Collator("en", { numeric: true });

/** Natural order for names with numbers (node-2 before node-10). */
export function naturalCompare(a: string, b: string): number {
  return COLLATOR.compare(a, b);
}
