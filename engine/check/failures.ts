/**
 * Which single failures a check runs: every link, every router or switch, every k8s node,
 * every route reflector — and which endpoints each failure takes out by itself (the stopped
 * node; a node or host whose own cable, or its rack's only cable to the router, was pulled). Those are "cut off by the failure",
 * expected; everything else that breaks is a design flaw. Pure: topology in, cases out.
 */
import type { Topology } from '../model/types.ts';
import type { FailureCase, FailureClass } from './types.ts';

const endpointText = (e: { node: string; iface: string }): string => `${e.node}:${e.iface}`;

/** The failure cases of a class, in topology order (links, then routers, then nodes, then reflectors). */
export function failureCases(t: Topology, cls: FailureClass, reflectors: readonly string[]): FailureCase[] {
  const want = (c: Exclude<FailureClass, 'none' | 'all'>): boolean => cls === 'all' || cls === c;
  const out: FailureCase[] = [];
  if (want('link')) {
    for (const l of t.links) {
      const [a, b] = l.endpoints.map(endpointText) as [string, string];
      out.push({ kind: 'link', id: `link ${a}↔${b}`, a, b, text: `link ${a} ↔ ${b} down` });
    }
  }
  if (want('router')) {
    for (const n of t.nodes) {
      if (n.kind === 'router' || n.kind === 'switch') out.push({ kind: 'router', id: `${n.kind} ${n.name}`, node: n.name, text: `${n.kind} ${n.name} down` });
    }
  }
  if (want('node')) {
    for (const n of t.nodes) if (n.kind === 'k8s-node') out.push({ kind: 'node', id: `node ${n.name}`, node: n.name, text: `node ${n.name} down` });
  }
  if (want('rr')) {
    // With `all`, a reflector that is a router or a node was already stopped once above.
    const done = new Set(out.flatMap((c) => (c.kind === 'link' ? [] : [c.node])));
    for (const r of reflectors) if (!done.has(r)) out.push({ kind: 'rr', id: `rr ${r}`, node: r, text: `route reflector ${r} down` });
  }
  return out;
}

/** Route reflectors the topology itself declares: routers with `rrClient` peers, nodes with a Calico routeReflectorClusterID. */
export function topologyReflectors(t: Topology): string[] {
  const out = new Set<string>();
  for (const n of t.nodes) if (n.kind === 'router' && n.peers.some((p) => p.rrClient)) out.add(n.name);
  for (const m of t.calico) {
    if (m.kind !== 'Node') continue;
    const spec = m.manifest.spec as { bgp?: { routeReflectorClusterID?: string } } | undefined;
    if (spec?.bgp?.routeReflectorClusterID && m.name) out.add(m.name);
  }
  return [...out];
}

/**
 * Topology nodes a failure takes out by itself: a stopped node; for a link, the k8s nodes and
 * hosts whose access it is — its own cable, or any cable of the L2 segment (rack) it hangs
 * off, which is that rack's only way to its router. Losing those is "cut off by the failure";
 * anything else lost is a design flaw.
 */
export function excusedNodes(t: Topology, f: FailureCase): string[] {
  if (f.kind !== 'link') return f.kind === 'router' ? [] : [f.node];
  const byName = new Map(t.nodes.map((n) => [n.name, n]));
  const split = (e: string): [string, string] => [e.slice(0, e.lastIndexOf(':')), e.slice(e.lastIndexOf(':') + 1)];
  const ends = [split(f.a), split(f.b)];
  const access = (n: string): boolean => byName.get(n)?.kind === 'k8s-node' || byName.get(n)?.kind === 'host';
  const out = new Set(ends.map(([n]) => n).filter(access));
  const switches = ends.filter(([n]) => byName.get(n)?.kind === 'switch').map(([n]) => n);
  if (switches.length) {
    const segs = new Set<number>();
    for (const [n, i] of ends) {
      const seg = byName.get(n)?.interfaces.find((x) => x.name === i)?.segment;
      if (seg !== undefined) segs.add(seg);
    }
    for (const s of t.segments) if (s.switches.some((x) => switches.includes(x.node))) segs.add(s.id);
    for (const s of t.segments) {
      if (!segs.has(s.id)) continue;
      for (const m of s.members) {
        const n = m.slice(0, m.lastIndexOf(':'));
        if (access(n)) out.add(n);
      }
    }
  }
  return [...out];
}

/**
 * Why a link failure isolates something, from the topology alone: an endpoint router with no
 * other link to a router ("leaf3 has no other uplink"). Undefined when both ends have another path.
 */
export function singleUplink(t: Topology, f: FailureCase): string | undefined {
  if (f.kind !== 'link') return undefined;
  const kind = new Map(t.nodes.map((n) => [n.name, n.kind]));
  const nodeOf = (e: string): string => e.slice(0, e.lastIndexOf(':'));
  const [a, b] = [nodeOf(f.a), nodeOf(f.b)];
  for (const [me, other] of [[a, b], [b, a]] as const) {
    if (kind.get(me) !== 'router' || kind.get(other) !== 'router') continue;
    const others = t.links.filter((l) => {
      const ns = l.endpoints.map((e) => e.node);
      if (!ns.includes(me)) return false;
      const peer = ns[0] === me ? ns[1]! : ns[0]!;
      const ends = l.endpoints.map(endpointText);
      return kind.get(peer) === 'router' && !(ends.includes(f.a) && ends.includes(f.b));
    });
    if (others.length === 0) return `${me} has no other uplink`;
  }
  return undefined;
}
