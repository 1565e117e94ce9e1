/**
 * readAffinities: a few nodes' affinities are listed per node; many nodes' in one listing of
 * every host (a real etcd serving a thousand parallel lists trips its client's circuit
 * breaker). Both ways must give each node its IPv4 blocks in key order, deleted ones left out.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore } from '../../../engine/calico/datastore/memory.ts';
import { affinityKey } from '../../../engine/calico/datastore/keys.ts';
import { readAffinities } from '../../../engine/calico/node/datastore-view.ts';

async function lab(hosts: number): Promise<{ ds: MemoryDatastore; names: string[] }> {
  const ds = new MemoryDatastore();
  const names = Array.from({ length: hosts }, (_, i) => `node-${i}`);
  for (const [i, n] of names.entries()) {
    await ds.put(affinityKey(n, `10.${i}.0.0/26`), { state: 'confirmed', deleted: false });
    await ds.put(affinityKey(n, `10.${i}.0.64/26`), { state: 'pending', deleted: false });
    await ds.put(affinityKey(n, `10.${i}.0.128/26`), { state: 'confirmed', deleted: true });
    await ds.put(affinityKey(n, `fd00:${i}::/122`), { state: 'confirmed', deleted: false });
  }
  // A host nobody asks about.
  await ds.put(affinityKey('other', '10.250.0.0/26'), { state: 'confirmed', deleted: false });
  return { ds, names };
}

describe('readAffinities', () => {
  it('lists per node for a few nodes and once for many, with the same answer', async () => {
    for (const hosts of [3, 40]) {
      const { ds, names } = await lab(hosts);
      const got = await readAffinities(ds, names);
      expect(Object.keys(got).sort()).toEqual([...names].sort());
      for (const [i, n] of names.entries()) {
        expect(got[n], `${hosts} hosts, ${n}`).toEqual([
          { cidr: `10.${i}.0.0/26`, state: 'confirmed' },
          { cidr: `10.${i}.0.64/26`, state: 'pending' },
        ]);
      }
    }
  });

  it('gives a node without affinities an empty list', async () => {
    const { ds, names } = await lab(20);
    const got = await readAffinities(ds, [...names, 'node-new']);
    expect(got['node-new']).toEqual([]);
    expect(got.other).toBeUndefined();
  });
});
