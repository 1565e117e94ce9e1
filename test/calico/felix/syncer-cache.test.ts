/**
 * Felix's syncer cache against the one-shot read: after any sequence of writes and deletes,
 * the snapshot the cache (fed only by the watch) gives equals what readSnapshot lists, and
 * computeDesired gives the same dataplane from either; a node's local list is its own
 * endpoints, and the cluster-wide list is not built for a pass that does not read it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, blockKey, resourceKey } from '../../../engine/calico/datastore/index.ts';
import type { JsonValue } from '../../../engine/calico/datastore/index.ts';
import { FelixSyncerCache, computeDesired, readSnapshot } from '../../../engine/calico/felix/index.ts';
import { felixWorkloadOf } from '../../../engine/calico/felix/sync.ts';
import type { FelixSnapshot } from '../../../engine/calico/felix/index.ts';
import { parsePolicyManifests } from '../../../engine/calico/policy/index.ts';

const hostInterfaces = [{ name: 'eth0', mtu: 1500, up: true, addresses: ['10.0.0.1/24'] }];

function wep(node: string, ns: string, pod: string, ip: string, labels: Record<string, string> = {}): JsonValue {
  return {
    apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint',
    metadata: { name: `${node}-k8s-${pod}-eth0`, namespace: ns, labels: { ...labels, 'projectcalico.org/namespace': ns } },
    spec: { node, pod, interfaceName: `cali${pod.padEnd(11, '0')}`, ipNetworks: [`${ip}/32`], mac: '0a:00:00:00:00:01', profiles: [`kns.${ns}`] },
  };
}

function plain(s: FelixSnapshot): unknown {
  return { pools: s.pools, nodes: s.nodes, blocks: s.blocks, workloads: s.workloads, namespaces: s.namespaces };
}

async function setup(): Promise<{ ds: MemoryDatastore; cache: FelixSyncerCache }> {
  const ds = new MemoryDatastore();
  await ds.put(resourceKey('IPPool', 'p'), { metadata: { name: 'p' }, spec: { cidr: '10.5.0.0/16', vxlanMode: 'Always' } });
  for (const n of ['n1', 'n2']) {
    await ds.put(resourceKey('Node', n), { metadata: { name: n }, spec: { bgp: { ipv4Address: n === 'n1' ? '10.0.0.1/24' : '10.0.0.2/24' }, ipv4VXLANTunnelAddr: n === 'n1' ? '10.5.1.0' : '10.5.2.0' } });
  }
  const { cache, revision } = await FelixSyncerCache.load(ds);
  await ds.watch('/calico/', revision + 1, (e) => { cache.apply(e); });
  return { ds, cache };
}

describe('FelixSyncerCache', () => {
  it('gives the snapshot readSnapshot lists, through puts, updates and deletes, and the same dataplane', async () => {
    const { ds, cache } = await setup();
    await ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: 'host:n1', allocations: [0] });
    await ds.put(blockKey('10.5.2.0/26'), { cidr: '10.5.2.0/26', affinity: 'host:n2', allocations: [] });
    await ds.put(resourceKey('WorkloadEndpoint', 'b', 'default'), wep('n1', 'default', 'b', '10.5.1.2'));
    await ds.put(resourceKey('WorkloadEndpoint', 'a', 'other'), wep('n2', 'other', 'a', '10.5.2.2'));
    // A borrowed address: n2's pod in n1's block (a VXLAN /32 route on n1).
    await ds.put(resourceKey('WorkloadEndpoint', 'c', 'default'), wep('n2', 'default', 'c', '10.5.1.9'));
    await ds.put(resourceKey('WorkloadEndpoint', 'b', 'default'), wep('n1', 'default', 'b', '10.5.1.2', { app: 'x' }));
    await ds.delete(resourceKey('WorkloadEndpoint', 'a', 'other'));
    for (const node of ['n1', 'n2']) {
      const x = { nodeName: node, hostInterfaces };
      const fromCache = cache.snapshot(x);
      const listed = await readSnapshot(ds, x);
      expect(plain(fromCache)).toEqual(plain(listed));
      expect(fromCache.localWorkloads).toEqual(listed.workloads.filter((w) => w.node === node));
      expect(computeDesired(fromCache)).toEqual(computeDesired(listed));
    }
    expect(cache.snapshot({ nodeName: 'n1', hostInterfaces }).namespaces.map((n) => n.name)).toEqual(['default']);
  });

  it('keeps list identities across writes Felix does not see (an allocation inside a block), and drops them on real changes', async () => {
    const { ds, cache } = await setup();
    await ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: 'host:n1', allocations: [0] });
    const before = cache.snapshot({ nodeName: 'n1', hostInterfaces });
    await ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: 'host:n1', allocations: [0, 1] });
    await ds.put(resourceKey('WorkloadEndpoint', 'a', 'default'), wep('n2', 'default', 'a', '10.5.2.2'));
    const after = cache.snapshot({ nodeName: 'n1', hostInterfaces });
    expect(after.blocks).toBe(before.blocks);
    expect(after.nodes).toBe(before.nodes);
    // n2's pod is not n1's news: n1's local list is the same array.
    expect(after.localWorkloads).toBe(before.localWorkloads);
    await ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: null, allocations: [] });
    expect(cache.snapshot({ nodeName: 'n1', hostInterfaces }).blocks).not.toBe(before.blocks);
  });

  it('does not build the cluster-wide endpoint list for a pass that reads only local endpoints (IPIP, no selector sets)', async () => {
    const ds = new MemoryDatastore();
    await ds.put(resourceKey('IPPool', 'p'), { metadata: { name: 'p' }, spec: { cidr: '10.5.0.0/16', ipipMode: 'Always' } });
    await ds.put(resourceKey('Node', 'n1'), { metadata: { name: 'n1' }, spec: { bgp: { ipv4Address: '10.0.0.1/24' } } });
    await ds.put(resourceKey('WorkloadEndpoint', 'a', 'default'), wep('n1', 'default', 'a', '10.5.1.2'));
    const { cache } = await FelixSyncerCache.load(ds);
    let read = 0;
    const s = cache.snapshot({ nodeName: 'n1', hostInterfaces });
    const spy = new Proxy(s, { get: (t, k) => { if (k === 'workloads') read++; return Reflect.get(t, k); } });
    const d = computeDesired(spy);
    expect(d.routes.some((r) => r.dst === '10.5.1.2/32')).toBe(true);
    expect(read).toBe(0);
  });

  it('selector IP set members follow the endpoints: shared by the nodes of one state, recomputed after a relabel', async () => {
    const { ds, cache } = await setup();
    await ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: 'host:n1', allocations: [] });
    await ds.put(blockKey('10.5.2.0/26'), { cidr: '10.5.2.0/26', affinity: 'host:n2', allocations: [] });
    await ds.put(resourceKey('WorkloadEndpoint', 'a', 'default'), wep('n1', 'default', 'a', '10.5.1.2', { app: 'web' }));
    await ds.put(resourceKey('WorkloadEndpoint', 'b', 'default'), wep('n2', 'default', 'b', '10.5.2.2', { app: 'db' }));
    const { policies } = parsePolicyManifests([{ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'from-web' },
      spec: { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }] } }]);
    const sets = async (node: string) => {
      const x = { nodeName: node, hostInterfaces, policies };
      const d = computeDesired(cache.snapshot(x));
      expect(d).toEqual(computeDesired(await readSnapshot(ds, x)));
      return d.ipsets.filter((i) => i.name.startsWith('cali40s:')).map((i) => i.members);
    };
    expect(await sets('n1')).toEqual([['10.5.1.2/32']]);
    expect(await sets('n2')).toEqual([['10.5.1.2/32']]);
    await ds.put(resourceKey('WorkloadEndpoint', 'b', 'default'), wep('n2', 'default', 'b', '10.5.2.2', { app: 'web' }));
    expect(await sets('n1')).toEqual([['10.5.1.2/32', '10.5.2.2/32']]);
    expect(await sets('n2')).toEqual([['10.5.1.2/32', '10.5.2.2/32']]);
  });

  it('shares one projection of a stored endpoint with whoever projects the same stored value; a value that is not frozen is projected anew', async () => {
    const { ds, cache } = await setup();
    const kv = await ds.put(resourceKey('WorkloadEndpoint', 'n1-k8s-a-eth0', 'default'), wep('n1', 'default', 'a', '10.5.1.2'));
    const fromCache = cache.localWorkloads('n1')[0]!;
    expect(felixWorkloadOf(kv.value)).toBe(fromCache);
    const copy = structuredClone(kv.value);
    expect(felixWorkloadOf(copy)).not.toBe(fromCache);
    expect(felixWorkloadOf(copy)).toEqual(fromCache);
    // A relabel stores a new value: a new projection, which the cache holds.
    const next = await ds.put(kv.key, wep('n1', 'default', 'a', '10.5.1.2', { app: 'x' }));
    expect(felixWorkloadOf(next.value)).toBe(cache.localWorkloads('n1')[0]);
    expect(cache.localWorkloads('n1')[0]!.labels).toEqual({ app: 'x' });
  });
});
