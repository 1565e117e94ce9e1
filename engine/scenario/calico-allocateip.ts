/**
 * calico-node's tunnel-address reconciliation (node/pkg/allocateip), run after a scenario
 * changes IP pools: a node selected by an IPIP pool holds an IPIP tunnel address, one
 * selected by a VXLAN pool a VXLAN tunnel address, and an address whose pools are gone is
 * released and removed from the Node. Real calico-node runs this loop on every pool change;
 * the cluster in engine/calico does it only at startup, so switching IPIP → VXLAN at run time
 * needs it here. (WORKAROUND: belongs in engine/calico/cluster once the agent watches pools.)
 */
import type { CalicoCluster } from '../calico/cluster/cluster.ts';
import { resourceKey } from '../calico/datastore/index.ts';
import type { JsonValue } from '../calico/datastore/index.ts';
import { ensureTunnelAddress, tunnelHandle } from '../calico/ipam/index.ts';
import { calicoSelectorMatcher } from '../calico/confd/index.ts';

type NodeDoc = { metadata: { labels?: Record<string, string> }; spec: { bgp?: Record<string, unknown>; ipv4VXLANTunnelAddr?: string } };

/** Brings every calico-node's IPIP/VXLAN tunnel address in line with the pools that select it. */
export async function reconcileTunnelAddresses(c: CalicoCluster): Promise<void> {
  await c.settle();
  const pools = c.view?.set.ipPools ?? [];
  const match = calicoSelectorMatcher();
  for (const name of c.agents.keys()) {
    const key = resourceKey('Node', name);
    const kv = await c.ds.get(key);
    if (!kv) continue;
    const node = structuredClone(kv.value) as unknown as NodeDoc;
    const labels = node.metadata.labels ?? {};
    const selecting = pools.filter((p) => !p.spec.disabled && p.spec.family === 4 && match(p.spec.nodeSelector, labels));
    const ipip = selecting.filter((p) => p.spec.ipipMode !== 'Never').map((p) => p.spec.cidr);
    const vxlan = selecting.filter((p) => p.spec.vxlanMode !== 'Never').map((p) => p.spec.cidr);
    const bgp = (node.spec.bgp ??= {});
    const before = JSON.stringify(node);
    if (ipip.length > 0) bgp.ipv4IPIPTunnelAddr = await ensureTunnelAddress(c.ipam, name, 'ipip', ipip, labels);
    else if (bgp.ipv4IPIPTunnelAddr !== undefined) {
      await c.ipam.releaseByHandle(tunnelHandle('ipip', name));
      delete bgp.ipv4IPIPTunnelAddr;
    }
    if (vxlan.length > 0) node.spec.ipv4VXLANTunnelAddr = await ensureTunnelAddress(c.ipam, name, 'vxlan', vxlan, labels);
    else if (node.spec.ipv4VXLANTunnelAddr !== undefined) {
      await c.ipam.releaseByHandle(tunnelHandle('vxlan', name));
      delete node.spec.ipv4VXLANTunnelAddr;
    }
    if (JSON.stringify(node) !== before) await c.ds.put(key, node as unknown as JsonValue);
  }
  await c.settle();
}
