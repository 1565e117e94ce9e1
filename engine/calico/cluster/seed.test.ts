import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, resourceKey } from '../datastore/index.ts';
import { loadTopology } from '../../model/load.ts';
import type { Topology } from '../../model/types.ts';
import { ClusterConfigError } from './cluster.ts';
import { SEEDED_KEY, seedCluster, waitSeeded } from './seed.ts';

async function fabric(): Promise<Topology> {
  const r = await loadTopology(join(import.meta.dirname, '..', '..', '..', 'test', 'runtime', 'docker', 'small-fabric.yaml'));
  return r.topology!;
}

describe('seedCluster', () => {
  it('writes resources, one Node per k8s node, then the marker; a second run changes nothing', async () => {
    const t = await fabric();
    const ds = new MemoryDatastore();
    await expect(waitSeeded(ds, 300)).rejects.toThrow(/not seeded within/);
    await seedCluster(ds, t);
    for (const n of ['node-1a', 'node-1b', 'node-2a']) expect(await ds.get(resourceKey('Node', n)), n).toBeDefined();
    expect(await ds.get(resourceKey('Node', 'leaf1'))).toBeUndefined();
    expect(await ds.get(resourceKey('BGPPeer', 'rack1-tor'))).toBeDefined();
    expect(await ds.get(resourceKey('BGPConfiguration', 'default'))).toBeDefined();
    expect((await ds.get(SEEDED_KEY))?.value).toEqual({ topology: 'small-fabric', nodes: 3 });
    await waitSeeded(ds, 300);
    const before = (await ds.list('/')).kvs;
    await seedCluster(ds, t);
    const after = (await ds.list('/')).kvs;
    expect(after.map((kv) => [kv.key, kv.value])).toEqual(before.map((kv) => [kv.key, kv.value]));
  });

  it('refuses resources that cannot make a cluster, before writing anything', async () => {
    const t = await fabric();
    const bad: Topology = { ...t, calico: [...t.calico, { ...t.calico[1]!, name: 'bad', manifest: { ...t.calico[1]!.manifest, metadata: { name: 'bad' }, spec: { peerIP: 'not-an-ip', asNumber: 65001 } } }] };
    const ds = new MemoryDatastore();
    await expect(seedCluster(ds, bad)).rejects.toBeInstanceOf(ClusterConfigError);
    expect(await ds.get(SEEDED_KEY)).toBeUndefined();
  });
});
