/**
 * AgentInputs, the real calico-node's caches (engine/runtime/linux/agent-inputs.ts): which
 * component each datastore change wakes on one node, and that the caches answer what a full
 * read of the datastore would. Pure (a MemoryDatastore stands in for etcd; the etcd-backed
 * agent is test/runtime/agent-incremental.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, affinityKey, blockKey, resourceKey } from '../../engine/calico/datastore/index.ts';
import type { JsonValue, WatchEvent } from '../../engine/calico/datastore/index.ts';
import { readSnapshot } from '../../engine/calico/felix/index.ts';
import { readResourceSet, readResourceSetSync } from '../../engine/calico/node/datastore-view.ts';
import { k8sPodKey, policyKey } from '../../engine/calico/node/k8s-objects.ts';
import { AgentInputs } from '../../engine/runtime/linux/agent-inputs.ts';

const node = (name: string, ip: string): JsonValue => ({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name }, spec: { bgp: { ipv4Address: `${ip}/24` } } });
const wep = (n: string, pod: string, ip: string, labels: Record<string, string> = {}): JsonValue => ({
  apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: `${n}-k8s-${pod}-eth0`, namespace: 'default', labels },
  spec: { node: n, pod, interfaceName: `cali${pod}`, ipNetworks: [`${ip}/32`], endpoint: 'eth0' },
});
const wepKey = (n: string, pod: string): string => resourceKey('WorkloadEndpoint', `${n}-k8s-${pod}-eth0`, 'default');

async function setup(): Promise<{ ds: MemoryDatastore; inputs: AgentInputs; events: WatchEvent[] }> {
  const ds = new MemoryDatastore();
  await ds.put(resourceKey('IPPool', 'p'), { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', blockSize: 26 } });
  for (const [n, i] of [['a', 1], ['b', 2]] as const) {
    await ds.put(resourceKey('Node', n), node(n, `192.168.0.${i}`));
    await ds.put(blockKey(`10.0.${i}.0/26`), { cidr: `10.0.${i}.0/26`, affinity: `host:${n}`, allocations: [], unallocated: [], attributes: [] });
    await ds.put(affinityKey(n, `10.0.${i}.0/26`), { state: 'confirmed' });
    await ds.put(wepKey(n, `p${i}`), wep(n, `p${i}`, `10.0.${i}.1`));
  }
  const inputs = await AgentInputs.load(ds, 'a');
  const events: WatchEvent[] = [];
  await ds.watch('/', inputs.seenRev + 1, (e) => events.push(e));
  return { ds, inputs, events };
}

describe('AgentInputs: one node\'s caches, fed by the watch', () => {
  it('wakes only the components a change concerns on this node', async () => {
    const { ds, inputs, events } = await setup();
    const needs = async (write: () => Promise<unknown>): Promise<string> => {
      events.length = 0;
      await write();
      const n = events.map((e) => inputs.apply(e)).reduce((x, y) => ({ alloc: x.alloc || y.alloc, felix: x.felix || y.felix, confd: x.confd || y.confd }));
      return (['alloc', 'felix', 'confd'] as const).filter((k) => n[k]).join('+') || 'none';
    };
    expect(await needs(() => ds.put(wepKey('a', 'p9'), wep('a', 'p9', '10.0.1.9')))).toBe('felix');
    expect(await needs(() => ds.put(wepKey('b', 'p8'), wep('b', 'p8', '10.0.2.8')))).toBe('none');
    // A write that leaves Felix's view of the endpoint as it was is not news.
    expect(await needs(() => ds.put(wepKey('a', 'p9'), wep('a', 'p9', '10.0.1.9')))).toBe('none');
    expect(await needs(() => ds.put(affinityKey('a', '10.0.5.0/26'), { state: 'confirmed' }))).toBe('confd');
    expect(await needs(() => ds.put(affinityKey('b', '10.0.6.0/26'), { state: 'confirmed' }))).toBe('none');
    expect(await needs(() => ds.put(resourceKey('BGPPeer', 'x'), { apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'x' }, spec: { peerIP: '192.0.2.1', asNumber: 65001 } }))).toBe('confd');
    expect(await needs(() => ds.put(resourceKey('FelixConfiguration', 'default'), { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: {} }))).toBe('felix+confd');
    expect(await needs(() => ds.put(resourceKey('Node', 'a'), { ...(node('a', '192.168.0.1') as object), metadata: { name: 'a', labels: { x: 'y' } } } as JsonValue))).toBe('alloc+felix+confd');
    expect(await needs(() => ds.put(resourceKey('Node', 'b'), { ...(node('b', '192.168.0.7') as object) } as JsonValue))).toBe('felix+confd');
    expect(await needs(() => ds.put(policyKey('GlobalNetworkPolicy', 'deny'), { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny' }, spec: { selector: 'all()' } }))).toBe('felix');
    expect(await needs(() => ds.put(k8sPodKey('default', 'p9'), { kind: 'Pod' }))).toBe('none');
    // An allocation inside a block is IPAM's bookkeeping; its CIDR and affinity are Felix's only with VXLAN.
    expect(await needs(() => ds.put(blockKey('10.0.2.0/26'), { cidr: '10.0.2.0/26', affinity: 'host:b', allocations: [0], unallocated: [], attributes: [] }))).toBe('none');
    inputs.interest.remoteEndpoints = true;
    expect(await needs(() => ds.delete(wepKey('b', 'p8')))).toBe('felix');
  });

  it('answers what a full read of the datastore answers', async () => {
    const { ds, inputs, events } = await setup();
    await ds.put(wepKey('a', 'p7'), wep('a', 'p7', '10.0.1.7', { app: 'web' }));
    await ds.delete(wepKey('b', 'p2'));
    await ds.put(resourceKey('Node', 'c'), node('c', '192.168.0.3'));
    for (const e of events) inputs.apply(e);
    const extras = { nodeName: 'a', hostInterfaces: [] };
    const full = await readSnapshot(ds, extras);
    const cached = inputs.felix.snapshot(extras);
    expect({ pools: cached.pools, nodes: cached.nodes, blocks: cached.blocks, workloads: cached.workloads, local: cached.localWorkloads })
      .toEqual({ pools: full.pools, nodes: full.nodes, blocks: full.blocks, workloads: full.workloads, local: full.workloads.filter((w) => w.node === 'a') });
    expect(readResourceSetSync(inputs.replica).set.nodes.map((n) => n.meta.name)).toEqual((await readResourceSet(ds)).set.nodes.map((n) => n.meta.name));
    expect(inputs.seenRev).toBe(await ds.revision());
  });
});
