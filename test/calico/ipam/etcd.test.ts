import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, assignPodAddress, getBorrowedIPs, putPool } from '../../../engine/calico/ipam/index.ts';
import { haveCommands } from '../../support/system.ts';
import { startEtcd, type EtcdServer } from '../datastore/etcd-server.ts';
import { AffinityHistory, claimProblems } from './invariants.ts';
import { runIpamSuite } from './suite.ts';

const ok = haveCommands('etcd');

describe.skipIf(!ok)('IPAM against a real etcd (CAS through etcd transactions)', () => {
  let server: EtcdServer | undefined;
  let n = 0;
  beforeAll(async () => {
    server = await startEtcd('ipam');
  });
  afterAll(async () => {
    await server?.stop();
  });
  runIpamSuite('etcd', async () => new EtcdDatastore({ endpoints: [server!.clientUrl], root: `/ipam-${n++}` }));

  it('three agents on three etcd connections assign concurrently without duplicates', async () => {
    const root = `/ipam-agents-${n++}`;
    const conns = [0, 1, 2].map(() => new EtcdDatastore({ endpoints: [server!.clientUrl], root }));
    try {
      await putPool(conns[0]!, { name: 'p', spec: { cidr: '10.20.0.0/25', blockSize: 28 } });
      const nodes = ['node-a', 'node-b', 'node-c'];
      const ips = await Promise.all(nodes.flatMap((node, k) => {
        const ipam = new IpamClient(conns[k]!);
        return Array.from({ length: 8 }, (_, i) =>
          assignPodAddress(ipam, { containerId: `${node}-${i}`, namespace: 'ns', pod: `p${i}`, node, now: new Date(0) }));
      }));
      expect(new Set(ips).size).toBe(24);
      const ipam = new IpamClient(conns[0]!);
      const blocks = await ipam.store.listBlocks();
      for (const b of blocks) {
        const owner = b.value.affinity!.slice(5);
        // Every block's affinity record agrees with the block.
        expect((await ipam.store.getAffinity(owner, b.value.cidr))?.value.state).toBe('confirmed');
      }
      const inUse = blocks.reduce((s, b) => s + b.value.allocations.filter((a) => a !== null).length, 0);
      expect(inUse).toBe(24);
      expect((await getBorrowedIPs(ipam)).unclassified).toBe(0);
    } finally {
      for (const c of conns) await c.close();
    }
  });

  // The claim race is timing-dependent on a real store: many rounds of many siblings per
  // host make the interleavings that lost confirmations under load happen on an idle machine.
  it('stress: 8 rounds of 4 hosts × 10 concurrent assignments keep every claim confirmed', async () => {
    const hosts = ['node-a', 'node-b', 'node-c', 'node-d'];
    const failures: string[] = [];
    for (let round = 0; round < 8; round++) {
      const root = `/ipam-stress-${n++}`;
      const conns = hosts.map(() => new EtcdDatastore({ endpoints: [server!.clientUrl], root }));
      try {
        // /28 blocks: 10 pods per host need a block each, and hosts may share a start block.
        await putPool(conns[0]!, { name: 'p', spec: { cidr: '10.21.0.0/25', blockSize: 28 } });
        const history = await AffinityHistory.start(conns[0]!);
        const ips = await Promise.all(hosts.flatMap((node, k) => {
          const ipam = new IpamClient(conns[k]!);
          return Array.from({ length: 10 }, (_, i) =>
            assignPodAddress(ipam, { containerId: `${node}-${i}`, namespace: 'ns', pod: `p${i}`, node, now: new Date(0) }));
        }));
        await history.stop();
        const problems = [...history.problems(), ...(await claimProblems(new IpamClient(conns[0]!), hosts, ips))];
        if (problems.length > 0) failures.push(`round ${round}: ${problems.join('; ')}`);
      } finally {
        for (const c of conns) await c.close();
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
