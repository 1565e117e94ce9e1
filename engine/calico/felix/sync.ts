/**
 * Felix's syncer, reduced to one read: the datastore keys Felix watches (IP pools, Calico
 * Nodes, IPAM blocks, WorkloadEndpoints) turned into a FelixSnapshot. Policies, tiers and
 * namespaces come from the policy model (the caller passes them), host interfaces from the
 * node's own kernel. The only I/O of this module is the datastore list.
 */
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { blockPrefix, resourcePrefix } from '../datastore/index.ts';
import type { Namespace, Policy, Tier } from '../policy/index.ts';
import type { FelixConfig, FelixNode, FelixPool, FelixSnapshot, FelixWorkload, HostInterface } from './types.ts';

/** A stored WorkloadEndpoint (projectcalico.org/v3) as Felix reads it. */
export function felixWorkloadFromResource(v: JsonValue): FelixWorkload {
  const r = v as { metadata: { namespace: string; labels?: Record<string, string> }; spec: { node: string; pod: string; interfaceName: string; ipNetworks: string[]; mac?: string; serviceAccountName?: string; profiles?: string[]; ports?: { name: string; protocol?: string | number; port: number }[] } };
  // The projectcalico.org/* labels are re-derived by the policy model (effectiveLabels).
  const labels = Object.fromEntries(Object.entries(r.metadata.labels ?? {}).filter(([k]) => !k.startsWith('projectcalico.org/')));
  return {
    node: r.spec.node, namespace: r.metadata.namespace, pod: r.spec.pod, iface: r.spec.interfaceName,
    ips: r.spec.ipNetworks.map((n) => n.split('/')[0]!), labels,
    ...(r.spec.mac ? { mac: r.spec.mac } : {}), ...(r.spec.serviceAccountName ? { serviceAccount: r.spec.serviceAccountName } : {}),
    ...(r.spec.profiles ? { profiles: r.spec.profiles } : {}),
    // spec.ports: the pod's named container ports, what named-port rules resolve against.
    ...(r.spec.ports?.length ? { ports: r.spec.ports.map((p) => ({ name: p.name, port: p.port, ...(p.protocol !== undefined ? { protocol: p.protocol } : {}) })) } : {}),
  };
}

/** A stored Calico Node as Felix reads it. */
export function felixNodeFromResource(v: JsonValue): FelixNode {
  const r = v as { metadata: { name: string; labels?: Record<string, string> }; spec?: { bgp?: { ipv4Address?: string; ipv4IPIPTunnelAddr?: string }; ipv4VXLANTunnelAddr?: string; vxlanTunnelMACAddr?: string } };
  const s = r.spec ?? {};
  return {
    name: r.metadata.name, labels: r.metadata.labels ?? {},
    ...(s.bgp?.ipv4Address ? { ipv4Address: s.bgp.ipv4Address } : {}),
    ...(s.bgp?.ipv4IPIPTunnelAddr ? { ipv4IPIPTunnelAddr: s.bgp.ipv4IPIPTunnelAddr } : {}),
    ...(s.ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr: s.ipv4VXLANTunnelAddr } : {}),
    ...(s.vxlanTunnelMACAddr ? { vxlanTunnelMACAddr: s.vxlanTunnelMACAddr } : {}),
  };
}

/** A stored IPPool with Calico's defaults filled in. */
export function felixPoolFromResource(v: JsonValue): FelixPool {
  const r = v as { metadata: { name: string }; spec: Partial<FelixPool> & { cidr: string } };
  const s = r.spec;
  return {
    name: r.metadata.name, cidr: s.cidr, blockSize: s.blockSize ?? 26, ipipMode: s.ipipMode ?? 'Never', vxlanMode: s.vxlanMode ?? 'Never',
    natOutgoing: s.natOutgoing ?? false, disabled: s.disabled ?? false, nodeSelector: s.nodeSelector ?? 'all()',
  };
}

/** What the datastore does not hold (or podlab keeps elsewhere). */
export interface SnapshotExtras {
  readonly nodeName: string;
  readonly hostInterfaces: readonly HostInterface[];
  readonly namespaces?: readonly Namespace[];
  readonly policies?: readonly Policy[];
  readonly tiers?: readonly Tier[];
  readonly config?: FelixConfig;
}

/** Reads everything Felix needs from the datastore into a snapshot. */
export async function readSnapshot(ds: Datastore, x: SnapshotExtras): Promise<FelixSnapshot> {
  const [pools, nodes, blocks, weps] = await Promise.all([
    ds.list(resourcePrefix('IPPool')), ds.list(resourcePrefix('Node')), ds.list(blockPrefix(4)), ds.list(resourcePrefix('WorkloadEndpoint')),
  ]);
  const workloads = weps.kvs.map((kv) => felixWorkloadFromResource(kv.value));
  const nsNames = new Set([...(x.namespaces ?? []).map((n) => n.name), ...workloads.map((w) => w.namespace)]);
  const namespaces = [...nsNames].sort().map((n) => x.namespaces?.find((m) => m.name === n) ?? { name: n, labels: {} });
  return {
    nodeName: x.nodeName,
    pools: pools.kvs.map((kv) => felixPoolFromResource(kv.value)),
    nodes: nodes.kvs.map((kv) => felixNodeFromResource(kv.value)),
    blocks: blocks.kvs.map((kv) => {
      const b = kv.value as { cidr: string; affinity: string | null; deleted?: boolean };
      return { cidr: b.cidr, ...(b.affinity?.startsWith('host:') ? { affinity: b.affinity.slice(5) } : {}) };
    }),
    workloads,
    namespaces,
    policies: x.policies ?? [],
    ...(x.tiers ? { tiers: x.tiers } : {}),
    ...(x.config ? { config: x.config } : {}),
    hostInterfaces: x.hostInterfaces,
  };
}
