import { describe, expect, it } from 'vitest';
import { KeyExists, MemoryDatastore, blockPrefix, type Datastore, type JsonValue, type PutOptions } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, assignPodAddress, putPool, startIndex } from '../../../engine/calico/ipam/index.ts';
import { runIpamSuite } from './suite.ts';

runIpamSuite('the memory datastore', async () => new MemoryDatastore());

/** A memory store that counts lost block creations, to prove the race path ran. */
class CountingStore extends MemoryDatastore {
  lostBlockCreates = 0;
  override async put(key: string, value: JsonValue, opts?: PutOptions) {
    try {
      return await super.put(key, value, opts);
    } catch (e) {
      if (e instanceof KeyExists && key.startsWith(blockPrefix(4))) this.lostBlockCreates++;
      throw e;
    }
  }
}

describe('IPAM races on the memory datastore (deterministic interleaving)', () => {
  it('two nodes starting at the same block: the block create decides, the loser withdraws and claims the next', async () => {
    const ds = new CountingStore();
    const pool = { name: 'two', spec: { cidr: '10.8.0.0/25' } };
    await putPool(ds as Datastore, pool);
    const names = Array.from({ length: 40 }, (_, i) => `worker-${i}`);
    const [x, y] = names.filter((n) => startIndex(pool, n) === startIndex(pool, names[0]!)) as [string, string];
    const now = new Date(0);
    const a = new IpamClient(ds);
    const b = new IpamClient(ds);
    const [ix, iy] = await Promise.all([
      assignPodAddress(a, { containerId: 'x', namespace: 'ns', pod: 'px', node: x, now }),
      assignPodAddress(b, { containerId: 'y', namespace: 'ns', pod: 'py', node: y, now }),
    ]);
    expect(ds.lostBlockCreates).toBe(1);
    expect(new Set([ix, iy])).toEqual(new Set(['10.8.0.0', '10.8.0.64']));
    const affs = [...(await a.store.hostAffinities(x)), ...(await a.store.hostAffinities(y))];
    expect(affs.map((f) => f.state)).toEqual(['confirmed', 'confirmed']);
    expect(new Set(affs.map((f) => f.cidr)).size).toBe(2);
  });

  it('is deterministic: the same concurrent requests give the same addresses', async () => {
    const run = async (): Promise<string[]> => {
      const ds = new MemoryDatastore();
      await putPool(ds, { name: 'p', spec: { cidr: '10.9.0.0/24', blockSize: 28 } });
      const clients = ['n1', 'n2', 'n3'].map((n) => ({ n, c: new IpamClient(ds) }));
      return Promise.all(clients.flatMap(({ n, c }) => Array.from({ length: 6 }, (_, i) =>
        assignPodAddress(c, { containerId: `${n}-${i}`, namespace: 'ns', pod: `p${i}`, node: n, now: new Date(0) }))));
    };
    const first = await run();
    expect(await run()).toEqual(first);
  });
});
