/**
 * How a topology becomes Mininet objects on a kernel without bridge VLAN filtering — pure.
 *
 * - Every non-switch node is a Mininet host (a shell in fresh net + mount namespaces); its
 *   interfaces keep their topology names (eth0, eth1…), created directly inside it.
 * - A switch is realised as one Linux bridge PER VLAN it carries (`<id>b<sw>v<vid>`): with no
 *   vlan_filtering and no 802.1Q devices, separate bridges are what keeps VLANs apart. An
 *   access port is a veth whose root end (`<id>p<link>`) sits in its VLAN's bridge.
 * - A link between two switches carries every VLAN both ends pass: one veth pair per VLAN
 *   pair (`<id>t<link>v<vid>a|b`), each with an `ip link` alias naming the cable and VLAN.
 *   Tags are therefore never on the wire; the notes say so.
 * - A link between two hosts gets a two-port "wire" bridge in the middle (`<id>w<link>`), so
 *   that pulling the cable (admin-down of the root ends) removes carrier at BOTH hosts
 *   without touching their own interfaces, which would flush their routes.
 *
 * Every root-namespace name is `<id>` (5 chars) + kind letter + indexes, at most 15 chars,
 * validated here; `ends` maps each `node:iface` of the topology to what realises it.
 */
import type { Link, SwitchPort, Topology, TopoNode } from '../../model/types.ts';
import { checkIfName } from '../labs.ts';

/** A root-namespace bridge realising one VLAN of one switch (or the middle of a host-host cable). */
export interface PlannedBridge {
  readonly name: string;
  /** The switch it realises, or undefined for a wire bridge. */
  readonly switch?: string;
  /** The VLAN it carries (0 = a port with no VLAN its untagged frames can use). */
  readonly vlan?: number;
  /** The whole switch as one VLAN-filtering bridge (kernels with bridge vlan_filtering). */
  readonly vlanFiltering?: boolean;
  readonly link?: number;
}

/** One side of a veth: inside a host (topology iface name) or in the root namespace. */
export type VethEnd =
  | { readonly host: string; readonly ifname: string }
  | { readonly bridge: string; readonly ifname: string; readonly vlans?: PortVlanConfig };

/** A bridge port's VLANs where the bridge filters by VLAN: PVID (untagged) and tagged ids. */
export interface PortVlanConfig {
  readonly pvid?: number;
  readonly tagged: readonly number[];
}

/** One veth pair. */
export interface PlannedVeth {
  readonly link: number;
  readonly a: VethEnd;
  readonly b: VethEnd;
  /** MTU of the root ends (hosts set their own through setup commands). */
  readonly mtu: number;
  /** What the pair is, shown by `ip link` as the root ends' alias. */
  readonly alias: string;
}

/** How one topology link is realised and controlled. */
export interface LinkRealisation {
  readonly index: number;
  readonly endpoints: readonly [string, string];
  readonly veths: readonly PlannedVeth[];
  /** Root-namespace ends whose admin state is the cable's carrier. */
  readonly carrier: readonly string[];
  /** Ends whose egress carries netem: exactly one per direction of travel. */
  readonly shaping: readonly VethEnd[];
}

/** The whole realisation of a topology. */
export interface MininetPlan {
  readonly id: string;
  readonly hosts: readonly string[];
  readonly bridges: readonly PlannedBridge[];
  readonly links: readonly LinkRealisation[];
  /** Every root-namespace veth end (for the record). */
  readonly rootLinks: readonly string[];
  readonly notes: readonly string[];
}

/** Is this end in the root namespace? */
export function isRootEnd(e: VethEnd): e is Extract<VethEnd, { bridge: string }> {
  return 'bridge' in e;
}

/** The frames a switch port passes: its untagged VLAN and the VLANs it accepts tagged. */
interface PortVlans {
  readonly untagged?: number;
  readonly all: ReadonlySet<number>;
}

function portVlans(p: SwitchPort): PortVlans {
  if (p.mode === 'access') return { untagged: p.vlan, all: new Set([p.vlan]) };
  const all = new Set(p.vlans);
  if (p.native !== undefined) all.add(p.native);
  return { untagged: p.native, all };
}

/**
 * VLAN pairs (VLAN on side 1, VLAN on side 2) a cable between two switch ports joins: a frame
 * of VLAN v leaves untagged when v is the sender's untagged VLAN (and then lands in the
 * receiver's untagged VLAN), tagged otherwise (landing in v when the receiver accepts v). A
 * pair is kept when frames flow both ways, as a veth is bidirectional.
 */
export function trunkPairs(p1: SwitchPort, p2: SwitchPort): [number, number][] {
  const a = portVlans(p1);
  const b = portVlans(p2);
  const across = (from: PortVlans, to: PortVlans, v: number): number | undefined =>
    v === from.untagged ? to.untagged : to.all.has(v) ? v : undefined;
  const out: [number, number][] = [];
  for (const v of [...a.all].sort((x, y) => x - y)) {
    const w = across(a, b, v);
    if (w !== undefined && across(b, a, w) === v) out.push([v, w]);
  }
  return out;
}

function portConfig(p: SwitchPort): PortVlanConfig {
  if (p.mode === 'access') return { pvid: p.vlan, tagged: [] };
  return { pvid: p.native, tagged: p.vlans.filter((v) => v !== p.native) };
}

/**
 * Plans the realisation of a validated topology for lab id `id` (`pl` + 3 chars). With
 * `vlanFiltering` (the kernel has it) a switch is one VLAN-filtering bridge (`<id>b<sw>`)
 * configured per port as setup-commands.ts describes, and a trunk is one veth carrying tags.
 */
export function planMininet(topology: Topology, id: string, opts: { vlanFiltering?: boolean } = {}): MininetPlan {
  if (opts.vlanFiltering) return planFiltering(topology, id);
  const nodes = new Map(topology.nodes.map((n) => [n.name, n]));
  const switches = topology.nodes.filter((n) => n.kind === 'switch');
  const swIndex = new Map(switches.map((s, i) => [s.name, i]));
  const hosts = topology.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name);
  const bridges = new Map<string, PlannedBridge>();
  const notes: string[] = [];

  const vlanBridge = (sw: string, vlan: number): string => {
    const name = checkIfName(`${id}b${swIndex.get(sw)}v${vlan}`);
    if (!bridges.has(name)) bridges.set(name, { name, switch: sw, vlan });
    return name;
  };
  const port = (sw: TopoNode, iface: string): SwitchPort => {
    const p = sw.ports.find((x) => x.name === iface);
    if (!p) throw new Error(`${sw.name}:${iface} is cabled but has no port (topology not normalised?)`);
    return p;
  };

  const links = topology.links.map((l, i): LinkRealisation => {
    const { e1, e2, n1, n2, endpoints, mtu } = cableEnds(topology, nodes, l);
    const s1 = n1.kind === 'switch';
    const s2 = n2.kind === 'switch';
    if (s1 && s2) {
      const pairs = trunkPairs(port(n1, e1.iface), port(n2, e2.iface));
      const veths = pairs.map(([v, w]): PlannedVeth => ({
        link: i,
        a: { bridge: vlanBridge(n1.name, v), ifname: checkIfName(`${id}t${i}v${v}a`) },
        b: { bridge: vlanBridge(n2.name, w), ifname: checkIfName(`${id}t${i}v${w}b`) },
        mtu,
        alias: `${endpoints[0]} vlan ${v} <-> ${endpoints[1]} vlan ${w}`,
      }));
      if (port(n1, e1.iface).mode === 'trunk' || port(n2, e2.iface).mode === 'trunk') {
        notes.push(`${endpoints[0]} <-> ${endpoints[1]}: trunk realised as ${pairs.length} veth pair(s), one per VLAN (${pairs.map(([v, w]) => (v === w ? `${v}` : `${v}->${w}`)).join(', ')}); no 802.1Q tags on the wire`);
      }
      const ends = veths.flatMap((v) => [v.a, v.b]);
      return { index: i, endpoints, veths, carrier: ends.map((e) => e.ifname), shaping: ends };
    }
    if (!s1 && !s2) {
      const wire = checkIfName(`${id}w${i}`);
      bridges.set(wire, { name: wire, link: i });
      const r1 = checkIfName(`${id}p${i}a`);
      const r2 = checkIfName(`${id}p${i}b`);
      const veths: PlannedVeth[] = [
        { link: i, a: { host: e1.node, ifname: e1.iface }, b: { bridge: wire, ifname: r1 }, mtu, alias: `${endpoints[0]} cable to ${endpoints[1]}` },
        { link: i, a: { host: e2.node, ifname: e2.iface }, b: { bridge: wire, ifname: r2 }, mtu, alias: `${endpoints[1]} cable to ${endpoints[0]}` },
      ];
      return { index: i, endpoints, veths, carrier: [r1, r2], shaping: [veths[0]!.a, veths[1]!.a] };
    }
    // host <-> switch: the host end keeps its name; the switch end joins its VLAN's bridge.
    const [h, hIf, sw, swIf] = s1 ? [n2, e2.iface, n1, e1.iface] : [n1, e1.iface, n2, e2.iface];
    const p = port(sw, swIf);
    const untagged = portVlans(p).untagged;
    if (untagged === undefined) {
      notes.push(`${sw.name}:${swIf} is a trunk without a native VLAN: ${h.name}:${hIf}'s untagged frames go nowhere (its veth sits alone in bridge ${id}b${swIndex.get(sw.name)}v0)`);
    }
    const bridge = vlanBridge(sw.name, untagged ?? 0);
    const root = checkIfName(`${id}p${i}`);
    const hostEnd: VethEnd = { host: h.name, ifname: hIf };
    const rootEnd: VethEnd = { bridge, ifname: root };
    const veth: PlannedVeth = {
      link: i, a: hostEnd, b: rootEnd, mtu,
      alias: `${sw.name}:${swIf}${untagged ? ` vlan ${untagged}` : ''} <-> ${h.name}:${hIf}`,
    };
    return { index: i, endpoints, veths: [veth], carrier: [root], shaping: [hostEnd, rootEnd] };
  });

  const vlanSwitches = switches.filter((s) => new Set([...bridges.values()].filter((b) => b.switch === s.name).map((b) => b.vlan)).size > 1 || s.ports.some((p) => p.mode === 'trunk'));
  if (vlanSwitches.length > 0) {
    notes.unshift(`VLANs: this kernel has no bridge vlan_filtering, so each VLAN of a switch is its own Linux bridge (${id}b<switch>v<vlan>) and a trunk is one veth pair per VLAN; 802.1Q tags never appear on the wire (switches: ${vlanSwitches.map((s) => s.name).join(', ')})`);
  }
  const rootLinks = links.flatMap((l) => l.veths.flatMap((v) => [v.a, v.b].filter(isRootEnd).map((e) => e.ifname)));
  return { id, hosts, bridges: [...bridges.values()], links, rootLinks, notes };
}

/** The vlan_filtering realisation: one bridge per switch, tags on trunk wires. */
function planFiltering(topology: Topology, id: string): MininetPlan {
  const nodes = new Map(topology.nodes.map((n) => [n.name, n]));
  const switches = topology.nodes.filter((n) => n.kind === 'switch');
  const bridges: PlannedBridge[] = switches.map((s, i) => ({ name: checkIfName(`${id}b${i}`), switch: s.name, vlanFiltering: true }));
  const bridgeOf = new Map(switches.map((s, i) => [s.name, bridges[i]!.name]));
  const hosts = topology.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name);
  const switchEnd = (sw: TopoNode, iface: string, ifname: string): VethEnd => {
    const p = sw.ports.find((x) => x.name === iface);
    if (!p) throw new Error(`${sw.name}:${iface} is cabled but has no port (topology not normalised?)`);
    return { bridge: bridgeOf.get(sw.name)!, ifname: checkIfName(ifname), vlans: portConfig(p) };
  };
  const links = topology.links.map((l, i): LinkRealisation => {
    const { e1, e2, n1, n2, endpoints, mtu } = cableEnds(topology, nodes, l);
    const alias = `${endpoints[0]} <-> ${endpoints[1]}`;
    if (n1.kind === 'switch' && n2.kind === 'switch') {
      const v: PlannedVeth = { link: i, a: switchEnd(n1, e1.iface, `${id}t${i}a`), b: switchEnd(n2, e2.iface, `${id}t${i}b`), mtu, alias };
      return { index: i, endpoints, veths: [v], carrier: [v.a.ifname, v.b.ifname], shaping: [v.a, v.b] };
    }
    if (n1.kind !== 'switch' && n2.kind !== 'switch') {
      const wire = checkIfName(`${id}w${i}`);
      bridges.push({ name: wire, link: i });
      const a: VethEnd = { host: e1.node, ifname: e1.iface };
      const b: VethEnd = { host: e2.node, ifname: e2.iface };
      const veths: PlannedVeth[] = [
        { link: i, a, b: { bridge: wire, ifname: checkIfName(`${id}p${i}a`) }, mtu, alias: `${endpoints[0]} cable to ${endpoints[1]}` },
        { link: i, a: b, b: { bridge: wire, ifname: checkIfName(`${id}p${i}b`) }, mtu, alias: `${endpoints[1]} cable to ${endpoints[0]}` },
      ];
      return { index: i, endpoints, veths, carrier: veths.map((v) => v.b.ifname), shaping: [a, b] };
    }
    const [h, hIf, sw, swIf] = n1.kind === 'switch' ? [n2, e2.iface, n1, e1.iface] : [n1, e1.iface, n2, e2.iface];
    const hostEnd: VethEnd = { host: h.name, ifname: hIf };
    const rootEnd = switchEnd(sw, swIf, `${id}p${i}`);
    return { index: i, endpoints, veths: [{ link: i, a: hostEnd, b: rootEnd, mtu, alias }], carrier: [rootEnd.ifname], shaping: [hostEnd, rootEnd] };
  });
  const rootLinks = links.flatMap((l) => l.veths.flatMap((v) => [v.a, v.b].filter(isRootEnd).map((e) => e.ifname)));
  const notes = switches.some((s) => s.ports.some((p) => p.mode === 'trunk' || p.vlan !== 1))
    ? [`VLANs: each switch is one Linux bridge with vlan_filtering (${id}b<switch>); trunks carry 802.1Q tags on the wire`]
    : [];
  return { id, hosts, bridges, links, rootLinks, notes };
}

/** A cable as both planners start from it: its topology ends, their nodes, its `node:iface` names and its root ends' MTU. */
function cableEnds(topology: Topology, nodes: ReadonlyMap<string, TopoNode>, l: Link) {
  const [e1, e2] = l.endpoints;
  const endpoints = [`${e1.node}:${e1.iface}`, `${e2.node}:${e2.iface}`] as const;
  return { e1, e2, n1: nodes.get(e1.node)!, n2: nodes.get(e2.node)!, endpoints, mtu: linkMtu(topology, l) };
}

/** Root ends take the largest MTU a member interface uses, so the bridge never fragments it. */
function linkMtu(topology: Topology, l: Link): number {
  let mtu = l.mtu;
  for (const e of l.endpoints) {
    const n = topology.nodes.find((x) => x.name === e.node);
    const i = n?.interfaces.find((x) => x.name === e.iface);
    if (i && i.mtu > mtu) mtu = i.mtu;
  }
  return mtu;
}

/** The realisation of the link cabled at `node:iface`; throws naming the cabled ifaces when absent. */
export function linkAt(plan: MininetPlan, node: string, iface: string): LinkRealisation {
  const key = `${node}:${iface}`;
  const l = plan.links.find((x) => x.endpoints.includes(key));
  if (!l) {
    const here = plan.links.flatMap((x) => x.endpoints.filter((e) => e.startsWith(`${node}:`)));
    throw new Error(`no link at ${key}${here.length ? ` (cabled: ${here.join(', ')})` : ` (node '${node}' has no cabled interface)`}`);
  }
  return l;
}

/** The root-namespace device realising a switch port (one veth; trunks realised as one veth per VLAN have no single device). */
export function switchPortDevice(plan: MininetPlan, node: string, iface: string): string {
  const l = linkAt(plan, node, iface);
  const side = l.endpoints[0] === `${node}:${iface}` ? 'a' : 'b';
  const betweenSwitches = l.veths.every((v) => isRootEnd(v.a) && isRootEnd(v.b));
  const candidates = betweenSwitches ? l.veths.map((v) => v[side].ifname) : [...l.carrier];
  if (candidates.length !== 1) throw new Error(`${node}:${iface} is realised as ${candidates.length} veths, one per VLAN (${candidates.join(', ')}): capture on a node's interface instead`);
  return candidates[0]!;
}
