/**
 * Network namespaces of a lab that the topology file does not name — pods, in practice: the
 * CNI plugin creates one per pod and cables it to its node with a veth pair. The UI draws
 * them under the node that holds the other end of their veth, without knowing who made them.
 */
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { formatPrefix4 } from '../net/ip.ts';
import type { AttachedNamespace } from './api-types.ts';

/** Every namespace of the lab's world outside the topology, with the veth that attaches it to a topology node. */
export function attachedNamespaces(lab: SimLab): AttachedNamespace[] {
  const inTopology = new Set(lab.topology.nodes.map((n) => n.name));
  const extras = lab.world.nodeNames().filter((n) => !inTopology.has(n)).sort();
  if (!extras.length) return [];
  const attach = new Map<string, { host: string; hostIface: string; peerIfindex?: number }>();
  for (const n of lab.topology.nodes) {
    const k = lab.world.kernel(n.name);
    if (!k) continue;
    for (const d of k.state.devices.values()) {
      if (d.kind === 'veth' && d.peerNode && !inTopology.has(d.peerNode) && !attach.has(d.peerNode)) {
        attach.set(d.peerNode, { host: n.name, hostIface: d.name, ...(d.peerIfindex !== undefined ? { peerIfindex: d.peerIfindex } : {}) });
      }
    }
  }
  return extras.map((name) => {
    const k = lab.world.kernel(name)!;
    const a = attach.get(name);
    const dev = a?.peerIfindex !== undefined ? k.state.devices.get(a.peerIfindex) : undefined;
    const addresses = k.state.addresses.filter((x) => x.scope === 'global').map((x) => formatPrefix4(x.prefix));
    return { name, addresses, ...(a ? { host: a.host, hostIface: a.hostIface } : {}), ...(dev ? { iface: dev.name } : {}) };
  });
}
