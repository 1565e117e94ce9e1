/**
 * The block claim (affinity pending → create block → affinity confirmed) under concurrent
 * IPAM processes, with the order of their datastore writes chosen by the test rather than
 * by machine load: scripted interleavings for the known races, then seeded random ones.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryDatastore, affinityPrefix, blockKey, blockPrefix, type Datastore,
} from '../../../engine/calico/datastore/index.ts';
import {
  IpamClient, assignPodAddress, blockAt, putPool, startIndex, type BlockAffinity, type IPPool,
} from '../../../engine/calico/ipam/index.ts';
import { Interleaver, type Op } from './interleave.ts';
import { AffinityHistory, claimProblems } from './invariants.ts';

const NOW = new Date(0);
const pool: IPPool = { name: 'p', spec: { cidr: '10.30.0.0/26', blockSize: 28 } };
/** node-a's first candidate block. */
const X = blockAt(pool, startIndex(pool, 'node-a'));

const pod = (ds: Datastore, node: string, n: number | string): Promise<string> =>
  assignPodAddress(new IpamClient(ds), { containerId: `${node}-${n}`, namespace: 'ns', pod: `p-${node}-${n}`, node, now: NOW });

const readsAffinity = (host: string) => (op: Op): boolean => op.kind === 'get' && op.key.startsWith(affinityPrefix(host));
const readsBlock = (cidr: string) => (op: Op): boolean => op.kind === 'get' && op.key === blockKey(cidr);
const createsBlock = (op: Op): boolean => op.kind === 'put' && op.key.startsWith(blockPrefix()) && op.prevRevision === 0;
const writesAffinity = (host: string, state: BlockAffinity['state']) => (op: Op): boolean =>
  op.kind === 'put' && op.key.startsWith(affinityPrefix(host)) && (op.value as unknown as BlockAffinity).state === state;

async function setup(): Promise<{ ds: MemoryDatastore; il: Interleaver; history: AffinityHistory }> {
  const ds = new MemoryDatastore();
  await putPool(ds, pool);
  return { ds, il: new Interleaver(ds), history: await AffinityHistory.start(ds) };
}

/** Two host names whose block walks start at the same block of `pool`. */
function sameStart(): [string, string] {
  const names = Array.from({ length: 40 }, (_, i) => `worker-${i}`);
  return names.filter((n) => startIndex(pool, n) === startIndex(pool, names[0]!)).slice(0, 2) as [string, string];
}

describe('block claims under scripted interleavings (memory store)', () => {
  it('a process that listed the blocks before its sibling claimed one leaves the sibling\'s confirmation alone, even if it dies', async () => {
    const { ds, il, history } = await setup();
    const a1 = il.agent('a1');
    const a2 = il.agent('a2');
    const p1 = a1.start((v) => pod(v, 'node-a', 1));
    void a2.start((v) => pod(v, 'node-a', 2));
    // a2 has seen no block and is about to look at its affinity for X …
    await a2.until('reading its affinity', readsAffinity('node-a'));
    // … while a1 claims X from start to finish and gets its address.
    a1.finish();
    const ip1 = await p1;
    // a2 resumes, and is killed (a CNI timeout, say) just before it reads block X.
    await a2.until(`reading block ${X}`, readsBlock(X));
    a2.crash();
    await history.stop();
    expect(history.problems()).toEqual([]);
    expect(history.of('node-a', X)).toEqual(['pending', 'confirmed']);
    expect(await claimProblems(new IpamClient(ds), ['node-a'], [ip1])).toEqual([]);
  });

  it('a confirm that loses to a sibling\'s confirmation takes it as its own, without un-confirming', async () => {
    const { ds, il, history } = await setup();
    const a1 = il.agent('a1');
    const a2 = il.agent('a2');
    const p1 = a1.start((v) => pod(v, 'node-a', 1));
    const p2 = a2.start((v) => pod(v, 'node-a', 2));
    await a1.until('creating the block', createsBlock); // a1 wrote the affinity pending
    await a2.until('creating the block', createsBlock); // a2 re-wrote it pending (CAS)
    a2.release(); // a2 creates X …
    await a2.until('confirming', writesAffinity('node-a', 'confirmed'));
    a2.finish(); // … confirms and assigns
    const ip2 = await p2;
    a1.finish(); // a1's create finds X, ours; its confirm CAS is stale
    const ip1 = await p1;
    await history.stop();
    expect(history.of('node-a', X)).toEqual(['pending', 'pending', 'confirmed']);
    expect([ip1, ip2].every((ip) => ip.startsWith('10.30.0.'))).toBe(true);
    expect(await claimProblems(new IpamClient(ds), ['node-a'], [ip1, ip2])).toEqual([]);
  });

  it('an affinity left pending by a claim that died after creating the block is confirmed by the host\'s next assignment', async () => {
    const { ds, il, history } = await setup();
    const a1 = il.agent('a1');
    void a1.start((v) => pod(v, 'node-a', 1));
    await a1.until('confirming', writesAffinity('node-a', 'confirmed'));
    a1.crash();
    expect((await new IpamClient(ds).store.getAffinity('node-a', X))?.value.state).toBe('pending');
    const ip = await pod(ds, 'node-a', 2);
    expect(ip).toBe(X.split('/')[0]); // the dead claim assigned nothing: ordinal 0 is still free
    await history.stop();
    expect(history.of('node-a', X)).toEqual(['pending', 'confirmed']);
    expect(await claimProblems(new IpamClient(ds), ['node-a'], [ip])).toEqual([]);
  });

  it('a host that loses the block withdraws its pending affinity even when a sibling re-wrote it', async () => {
    const [x, y] = sameStart();
    const first = blockAt(pool, startIndex(pool, x));
    const { ds, il, history } = await setup();
    const a = il.agent('a');
    const b1 = il.agent('b1');
    const b2 = il.agent('b2');
    const pa = a.start((v) => pod(v, x, 0));
    const pb1 = b1.start((v) => pod(v, y, 1));
    const pb2 = b2.start((v) => pod(v, y, 2));
    await a.until('creating the block', createsBlock);
    await b1.until('creating the block', createsBlock); // y's affinity for `first`: pending
    await b2.until('creating the block', createsBlock); // re-written pending: b1's revision is stale
    a.finish();
    const ipa = await pa;
    b1.finish(); // loses the create, its delete CAS is stale: it must still withdraw
    b2.finish();
    const ips = [ipa, await pb1, await pb2];
    await history.stop();
    expect(history.of(y, first).at(-1)).toBe('deleted');
    expect(await claimProblems(new IpamClient(ds), [x, y], ips)).toEqual([]);
    expect((await new IpamClient(ds).store.getBlock(first))!.value.affinity).toBe(`host:${x}`);
  });
});

describe('block claims under seeded random interleavings (memory store)', () => {
  // 3 hosts × 6 concurrent CNI ADDs over 8-address blocks: each host needs a block and a
  // half, two hosts start their walk at the same block, and siblings race for every claim.
  const small: IPPool = { name: 'small', spec: { cidr: '10.31.0.0/26', blockSize: 29 } };
  const [h1, h2] = (() => {
    const names = Array.from({ length: 40 }, (_, i) => `worker-${i}`);
    return names.filter((n) => startIndex(small, n) === startIndex(small, names[0]!)).slice(0, 2) as [string, string];
  })();
  const hosts = [h1, h2, 'node-c'];

  it('every schedule of 40 seeds ends with confirmed affinities, no leftovers and no duplicate address', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const ds = new MemoryDatastore();
      await putPool(ds, small);
      const history = await AffinityHistory.start(ds);
      const il = new Interleaver(ds);
      const tasks = hosts.flatMap((h) => Array.from({ length: 6 }, (_, i) => il.agent(`${h}#${i}`).start((v) => pod(v, h, i))));
      await il.runSeeded(seed);
      const ips = await Promise.all(tasks);
      await history.stop();
      const problems = [...history.problems(), ...(await claimProblems(new IpamClient(ds), hosts, ips))];
      if (problems.length > 0) failures.push(`seed ${seed}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });
});
