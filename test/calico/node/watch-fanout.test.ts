/**
 * The shared calico-node watch: each change reaches the agents it concerns — cluster-wide
 * resources everyone, a node's endpoints and affinities that node, blocks and remote
 * endpoints only the agents that declared they read them (set as plain fields, at any time)
 * — in registration order; and Felix's syncer cache has the change before any agent hears of it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, affinityKey, blockKey, resourceKey } from '../../../engine/calico/datastore/index.ts';
import { nodeWatchFanout } from '../../../engine/calico/node/watch-fanout.ts';
import type { NodeChange } from '../../../engine/calico/node/watch-fanout.ts';

const wep = (node: string, pod: string) => ({
  metadata: { name: `${node}-k8s-${pod}-eth0`, namespace: 'default' },
  spec: { node, pod, interfaceName: `cali${pod}`, ipNetworks: ['10.5.1.2/32'] },
});

describe('nodeWatchFanout', () => {
  it('delivers each change to the agents it concerns, in registration order', async () => {
    const ds = new MemoryDatastore();
    const f = nodeWatchFanout(ds);
    const got: string[] = [];
    const sub = async (node: string) => f.subscribe(node, (c: NodeChange) => got.push(`${node}:${c.kind}`));
    const [n1, n2, n3] = [await sub('n1'), await sub('n2'), await sub('n3')];
    const step = async (write: () => Promise<unknown>): Promise<string[]> => {
      got.length = 0;
      await write();
      return [...got];
    };
    expect(await step(() => ds.put(resourceKey('IPPool', 'p'), { metadata: { name: 'p' }, spec: { cidr: '10.5.0.0/16' } }))).toEqual(['n1:pool', 'n2:pool', 'n3:pool']);
    expect(await step(() => ds.put(resourceKey('WorkloadEndpoint', 'a', 'default'), wep('n2', 'a')))).toEqual(['n2:endpoint']);
    expect(await step(() => ds.put(affinityKey('n1', '10.5.1.0/26'), { state: 'confirmed' }))).toEqual(['n1:affinity']);
    expect(await step(() => ds.put(blockKey('10.5.1.0/26'), { cidr: '10.5.1.0/26', affinity: 'host:n1' }))).toEqual([]);
    // Interests are plain fields the agent sets after a Felix pass.
    n3.interest.remoteEndpoints = true;
    n1.interest.blocks = true;
    expect(await step(() => ds.put(resourceKey('WorkloadEndpoint', 'b', 'default'), wep('n2', 'b')))).toEqual(['n2:endpoint', 'n3:endpoint']);
    expect(await step(() => ds.put(blockKey('10.5.1.64/26'), { cidr: '10.5.1.64/26', affinity: 'host:n2' }))).toEqual(['n1:block']);
    n3.interest.remoteEndpoints = false;
    n2.interest.all = true;
    expect(await step(() => ds.put(resourceKey('WorkloadEndpoint', 'c', 'default'), wep('n1', 'c')))).toEqual(['n1:endpoint', 'n2:endpoint']);
    expect(await step(() => ds.put('/calico/ipam/v2/handle/x', { block: {} }))).toEqual(['n2:other']);
    // The cache holds the endpoint before the agents hear of it.
    let seen = -1;
    const n4 = await f.subscribe('n4', () => { seen = f.felixCache!.localWorkloads('n4').length; });
    await ds.put(resourceKey('WorkloadEndpoint', 'd', 'default'), wep('n4', 'd'));
    expect(seen).toBe(1);
    n1.unsubscribe();
    expect(await step(() => ds.put(resourceKey('Node', 'n9'), { metadata: { name: 'n9' } }))).toEqual(['n2:node', 'n3:node']);
    n2.unsubscribe();
    n3.unsubscribe();
    n4.unsubscribe();
  });
});
