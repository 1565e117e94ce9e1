/**
 * Lookups over a normalised Topology (kept out of the data so it stays plain JSON).
 */
import type { Interface, TopoNode, Topology } from './types.ts';

/** The node called `name`, if any. */
export function nodeByName(t: Topology, name: string): TopoNode | undefined {
  return t.nodes.find((n) => n.name === name);
}

/** The interface `iface` of node `node`, if any. */
export function ifaceOf(t: Topology, node: string, iface: string): Interface | undefined {
  return nodeByName(t, node)?.interfaces.find((i) => i.name === iface);
}

/** Every interface of the topology, in node order. */
export function allInterfaces(t: Topology): Interface[] {
  return t.nodes.flatMap((n) => [...n.interfaces]);
}
