import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, assignPodAddress, getBorrowedIPs, putPool } from '../../../engine/calico/ipam/index.ts';
import { haveCommands } from '../../support/system.ts';
import { startEtcd, type EtcdServer } from '../datastore/etcd-server.ts';
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
});
