/**
 * What calico-node's startup and allocateip write before Felix and BIRD run, and what
 * `calicoctl apply` writes for a topology's manifests:
 *
 * - every manifest of a kind the datastore keeps (IPPool, BGPConfiguration, BGPPeer,
 *   FelixConfiguration, IPAMConfig, ClusterInformation) under its v3 key, defaults filled;
 * - per k8s-node a Node resource as startup.go writes it: `bgp.ipv4Address` = the address
 *   autodetected first-found (eth0 first, else the first addressed interface) WITH its
 *   prefix, `asNumber` from the topology node, kubelet's labels plus the topology's; a Node
 *   manifest of the same name adds to it (routeReflectorClusterID, labels, an explicit AS);
 * - the IPIP / VXLAN tunnel addresses from IPAM (allocateip, node/allocateip.ts, which each
 *   calico-node also runs whenever pools or its Node change) written back to the Node.
 */
import { formatIPv4 } from '../../net/ip.ts';
import type { TopoNode } from '../../model/types.ts';
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { resourceKey } from '../datastore/index.ts';
import { putPool } from '../ipam/index.ts';
import type { IpamClient } from '../ipam/index.ts';
import type { CalicoNode, ResourceSet } from '../resources/index.ts';
import { reconcileTunnelAddresses } from '../node/allocateip.ts';

/** The address calico-node autodetects (first-found, eth0 preferred), with its prefix length. */
export function autodetectAddress(n: TopoNode): string | undefined {
  const withAddr = n.interfaces.filter((i) => i.address);
  const i = withAddr.find((x) => x.name === 'eth0') ?? withAddr[0];
  return i?.address ? `${formatIPv4(i.address.addr)}/${i.address.len}` : undefined;
}

/** Labels kubelet puts on its Node plus the topology's, as calico-node copies them. */
export function nodeLabels(n: TopoNode, manifest?: CalicoNode): Record<string, string> {
  return { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels, ...(manifest?.meta.labels ?? {}) };
}

/** The Node resource calico-node's startup writes for a topology k8s-node. */
export function nodeResource(n: TopoNode, manifest?: CalicoNode): Record<string, unknown> {
  const m = manifest?.spec.bgp;
  const ipv4Address = m?.ipv4Address ?? autodetectAddress(n);
  const asNumber = m?.asNumber ?? n.asn;
  const bgp: Record<string, unknown> = {
    ...(ipv4Address ? { ipv4Address } : {}),
    ...(asNumber !== undefined ? { asNumber } : {}),
    ...(m?.routeReflectorClusterID ? { routeReflectorClusterID: m.routeReflectorClusterID } : {}),
  };
  return {
    apiVersion: 'projectcalico.org/v3', kind: 'Node',
    metadata: { name: n.name, labels: nodeLabels(n, manifest) },
    spec: { bgp, orchRefs: [{ nodeName: n.name, orchestrator: 'k8s' }] },
  };
}

const STORED_KINDS = new Set(['BGPConfiguration', 'BGPPeer', 'FelixConfiguration', 'ClusterInformation']);

/** Writes the topology's Calico resources (not Nodes, not Pods) to the datastore, as `calicoctl apply` would. */
export async function applyManifests(ds: Datastore, set: ResourceSet, manifests: readonly { kind: string; name?: string; manifest: Record<string, unknown> }[]): Promise<void> {
  for (const p of set.ipPools) {
    const s = p.spec;
    await putPool(ds, {
      name: p.meta.name,
      spec: { cidr: s.cidr, blockSize: s.blockSize, ipipMode: s.ipipMode, vxlanMode: s.vxlanMode, natOutgoing: s.natOutgoing, disabled: s.disabled, nodeSelector: s.nodeSelector, disableBGPExport: s.disableBGPExport,
        allowedUses: s.allowedUses.filter((u): u is 'Workload' | 'Tunnel' => u !== 'LoadBalancer'), assignmentMode: s.assignmentMode },
    });
  }
  for (const m of manifests) {
    if (!STORED_KINDS.has(m.kind) || !m.name) continue;
    await ds.put(resourceKey(m.kind, m.name), m.manifest as JsonValue);
  }
}

/** Writes a Node and allocates its tunnel addresses (allocateip); returns the stored Node. */
export async function startupNode(ds: Datastore, ipam: IpamClient, set: ResourceSet, n: TopoNode): Promise<Record<string, unknown>> {
  const manifest = set.nodes.find((x) => x.meta.name === n.name);
  const key = resourceKey('Node', n.name);
  await ds.put(key, nodeResource(n, manifest) as JsonValue);
  await reconcileTunnelAddresses(ds, ipam, n.name);
  return (await ds.get(key))!.value as Record<string, unknown>;
}
