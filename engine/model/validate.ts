/**
 * Topology validation: text → YAML AST → raw located form → resolved and checked →
 * normalised `Topology`. Collects every problem instead of stopping at the first, and
 * returns a topology only when there is no error. Pure (the file is read by load.ts).
 */
import { formatIPv4 } from '../net/ip.ts';
import type { IPv4 } from '../net/ip.ts';
import { checkAddresses, checkNextHop } from './addressing.ts';
import { Problems, sortProblems } from './problems.ts';
import { readTopology } from './read.ts';
import { parseAddress, parseNetwork, resolve } from './resolve.ts';
import type { NodeDraft, Resolved } from './resolve.ts';
import { computeSegments, untaggedVlan } from './segments.ts';
import { Source } from './source.ts';
import { DEFAULT_MTU } from './types.ts';
import type { BgpPeer, Interface, LoadResult, Problem, RawTopology, StaticRoute, SwitchPort, TopoNode, Topology } from './types.ts';

/** Parses and validates topology text; `file` is only used in locations. */
export function parseTopology(text: string, file: string): LoadResult {
  const src = new Source(file, text);
  const raw = readTopology(src);
  const topology = src.problems.hasErrors() ? checkOnly(raw, src.problems) : validateRaw(raw, src.problems);
  const problems = sortProblems(src.problems.list);
  if (topology && !problems.some((x) => x.severity === 'error')) return { topology, problems };
  // What did parse, so the checks of later layers (Calico resources) still run in the same pass.
  const draft = { calico: raw.calico, nodes: raw.nodes.map((n) => ({ name: n.name.value, kind: n.kind.value })) };
  return { problems, draft };
}

/** All problems of a topology text (errors and warnings), in file order. */
export function validateTopologyText(text: string, file: string): Problem[] {
  return [...parseTopology(text, file).problems];
}

// Shape errors were found: still run the semantic checks over what did parse, so one run
// shows everything, but never build a topology from it.
function checkOnly(raw: RawTopology, p: Problems): undefined {
  if (raw.nodes.length > 0) validateRaw(raw, p);
  return undefined;
}

/** Semantic checks over the raw form; returns the normalised topology (caller checks for errors). */
export function validateRaw(raw: RawTopology, p: Problems): Topology | undefined {
  const r = resolve(raw, p);
  const switches = new Map<string, Map<string, SwitchPort>>();
  const ifaceKeys: string[] = [];
  for (const [name, n] of r.nodes) {
    if (n.raw.kind.value === 'switch') switches.set(name, n.ports);
    else for (const i of n.ifaces.keys()) ifaceKeys.push(`${name}:${i}`);
  }
  const { segments, segmentOf } = computeSegments({ switches, links: r.links, interfaces: ifaceKeys });
  warnUntaggedDrops(r, p);
  warnUncabledAddresses(raw, r, p);
  checkAddresses(r.nodes, segments, segmentOf, r.vlans, p);

  const nodes: TopoNode[] = [];
  for (const n of r.nodes.values()) {
    const node = normaliseNode(n, r, segmentOf, p);
    if (node) nodes.push(node);
  }
  warnUnknownPeers(nodes, p);
  warnMtuMismatch(nodes, r, p);
  if (!raw.name) return undefined;
  return {
    file: raw.file,
    name: raw.name.value,
    ...(raw.description ? { description: raw.description.value } : {}),
    nodes,
    links: r.links,
    vlans: r.vlans,
    segments,
    calico: raw.calico,
  };
}

// A host cabled to a trunk port without a native VLAN gets none of its frames through.
function warnUntaggedDrops(r: Resolved, p: Problems): void {
  for (const l of r.links) {
    const ports = l.endpoints.map((e) => r.nodes.get(e.node)?.ports.get(e.iface));
    l.endpoints.forEach((e, i) => {
      const port = ports[i];
      const other = ports[1 - i];
      if (port && !other && untaggedVlan(port) === undefined) {
        const peer = l.endpoints[1 - i]!;
        p.warn(l.loc, `${peer.node}:${peer.iface} is cabled to trunk port ${e.node}:${e.iface}, which has no native VLAN: its untagged frames are dropped`, 'add `native: N` to the trunk, or make the port access');
      }
    });
  }
}

// An address on an interface no link cables is almost always a forgotten `links:` entry:
// the interface exists but no frame ever leaves it, and the fabric silently misses that
// subnet. Loopback and dummy interfaces carry addresses without cables on purpose.
function warnUncabledAddresses(raw: RawTopology, r: Resolved, p: Problems): void {
  const written = new Set(raw.links.flatMap((l) => l.endpoints.value.map((e) => `${e.node}:${e.iface}`)));
  // A node named by a link that did not resolve already has an error there (often the cable
  // meant for this very interface, under a wrong name): no second message about it.
  const resolved = new Set(r.links.map((l) => l.loc));
  const brokenCable = new Set(raw.links.filter((l) => !resolved.has(l.loc)).flatMap((l) => l.endpoints.value.map((e) => e.node)));
  for (const [name, n] of r.nodes) {
    if (n.raw.kind.value === 'switch' || brokenCable.has(name)) continue;
    for (const i of n.ifaces.values()) {
      if (!i.address || i.link !== undefined || written.has(`${name}:${i.name}`) || /^(lo|dummy)/.test(i.name)) continue;
      p.warn(i.addressLoc ?? i.loc, `${name}:${i.name} has an address (${formatIPv4(i.address.addr)}/${i.address.len}) but no cable: nothing in links: connects it`, `add a link such as \`- endpoints: ["${name}:${i.name}", "OTHER:ethN"]\`, or remove the interface`);
    }
  }
}

function normaliseNode(n: NodeDraft, r: Resolved, segmentOf: ReadonlyMap<string, number>, p: Problems): TopoNode | undefined {
  const raw = n.raw;
  const name = raw.name.value;
  let ok = true;
  const interfaces: Interface[] = [...n.ifaces.values()].map((i) => {
    const link = i.link === undefined ? undefined : r.links[i.link];
    const seg = segmentOf.get(`${name}:${i.name}`);
    return {
      node: name,
      name: i.name,
      ...(i.address ? { address: i.address } : {}),
      mtu: i.mtu ?? link?.mtu ?? DEFAULT_MTU,
      ...(i.link !== undefined ? { link: i.link } : {}),
      ...(seg !== undefined ? { segment: seg } : {}),
      loc: i.loc,
    };
  });

  const routes: StaticRoute[] = [];
  let gateway: IPv4 | undefined;
  if (raw.gateway) {
    gateway = parseAddress(p, raw.gateway, `gateway of '${name}'`);
    if (gateway === undefined || !checkNextHop(n, gateway, raw.gateway, 'gateway', p)) ok = false;
    else routes.push({ to: { addr: 0, len: 0 }, via: gateway, loc: raw.gateway.loc });
  }
  for (const rr of raw.routes?.value ?? []) {
    const to = parseNetwork(p, rr.to, 'route destination');
    const via = parseAddress(p, rr.via, 'route next hop');
    if (!to || via === undefined || !checkNextHop(n, via, rr.via, 'route next hop', p)) {
      ok = false;
      continue;
    }
    if (gateway !== undefined && to.len === 0) {
      p.error(rr.to.loc, `'${name}' has both \`gateway:\` and a default route`, 'keep one of them');
      ok = false;
    }
    routes.push({ to, via, loc: rr.loc });
  }

  let routerId: IPv4 | undefined;
  if (raw.routerId) {
    routerId = parseAddress(p, raw.routerId, `routerId of '${name}'`);
    if (routerId === undefined) ok = false;
  } else if (raw.kind.value === 'router' || raw.kind.value === 'k8s-node') {
    routerId = interfaces.find((i) => i.address)?.address?.addr;
  }

  const peers: BgpPeer[] = [];
  for (const rp of raw.peers?.value ?? []) {
    const address = parseAddress(p, rp.address, 'peer address');
    if (address === undefined || !rp.asn) {
      ok = false;
      continue;
    }
    peers.push({
      address,
      asn: rp.asn.value,
      ...(rp.description ? { description: rp.description.value } : {}),
      passive: rp.passive?.value ?? false,
      rrClient: rp.rrClient?.value ?? false,
      loc: rp.loc,
    });
  }
  if (raw.peers && raw.peers.value.length > 0 && !raw.asn) {
    p.error(raw.name.loc, `router '${name}' has BGP peers but no asn`, `add \`asn:\` (e.g. 65001) to ${name}`);
    ok = false;
  }
  if (!ok) return undefined;
  return {
    name,
    kind: raw.kind.value,
    labels: raw.labels?.value ?? {},
    ...(raw.asn ? { asn: raw.asn.value } : {}),
    ...(routerId !== undefined ? { routerId } : {}),
    interfaces: raw.kind.value === 'switch' ? [] : interfaces,
    routes,
    ...(gateway !== undefined ? { gateway } : {}),
    peers,
    ports: [...n.ports.values()],
    ...(raw.rack ? { rack: raw.rack.value } : {}),
    ...(raw.floor ? { floor: raw.floor.value } : {}),
    ...(raw.image ? { image: raw.image.value } : {}),
    loc: raw.loc,
  };
}

// A peer address nobody in the fabric owns is usually a typo; it may also be an external
// speaker the user will attach later, so this only warns.
function warnUnknownPeers(nodes: readonly TopoNode[], p: Problems): void {
  const owned = new Set(nodes.flatMap((n) => n.interfaces.flatMap((i) => (i.address ? [i.address.addr] : []))));
  for (const n of nodes) {
    for (const peer of n.peers) {
      if (!owned.has(peer.address)) {
        p.warn(peer.loc, `BGP peer ${formatIPv4(peer.address)} of '${n.name}' is not an address of any interface in this topology`, 'check the address; an external speaker is fine');
      }
    }
  }
}

// Different MTUs at the two ends of a cable: the bigger side sends frames the smaller drops
// silently (a classic cause of "ping works, TCP hangs").
function warnMtuMismatch(nodes: readonly TopoNode[], r: Resolved, p: Problems): void {
  const byKey = new Map(nodes.flatMap((n) => n.interfaces.map((i) => [`${n.name}:${i.name}`, i] as const)));
  r.links.forEach((l, idx) => {
    const ends = l.endpoints.map((e) => byKey.get(`${e.node}:${e.iface}`));
    const [a, b] = ends;
    if (a && b && a.link === idx && a.mtu !== b.mtu) {
      p.warn(l.loc, `MTU differs across the link: ${a.node}:${a.name} has ${a.mtu}, ${b.node}:${b.name} has ${b.mtu}`, 'frames above the smaller MTU are dropped; give both ends the same mtu (or set it on the link)');
    }
  });
}
