/**
 * The IPAM behaviour suite, run against every datastore backend (memory always, real etcd
 * when available) so the compare-and-swap paths are proven against etcd's transactions too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { affinityKey, blockKey, handleKey, type Datastore } from '../../../engine/calico/datastore/index.ts';
import {
  IpamClient, IpamError, assignPodAddress, blockAt, ensureTunnelAddress, getBorrowedIPs, ipamShow, putPool,
  startIndex, type IPPool,
} from '../../../engine/calico/ipam/index.ts';

const NOW = new Date('2026-01-02T03:04:05.678Z');

/** Registers the IPAM suite for one backend; `makeStore` must give an empty, isolated store. */
export function runIpamSuite(name: string, makeStore: () => Promise<Datastore>): void {
  describe(`IPAM on ${name}`, () => {
    const open: Datastore[] = [];
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });
    const setup = async (...pools: IPPool[]): Promise<{ ds: Datastore; ipam: IpamClient }> => {
      const ds = await makeStore();
      open.push(ds);
      for (const p of pools) await putPool(ds, p);
      return { ds, ipam: new IpamClient(ds, { clock: () => NOW }) };
    };
    const pod = (ipam: IpamClient, node: string, n: number | string): Promise<string> =>
      assignPodAddress(ipam, { containerId: `c-${node}-${n}`, namespace: 'default', pod: `web-${node}-${n}`, node, now: NOW });

    const big: IPPool = { name: 'default-ipv4-ippool', spec: { cidr: '10.5.0.0/16', ipipMode: 'Always' } };
    const tiny: IPPool = { name: 'tiny', spec: { cidr: '10.5.0.0/28', blockSize: 29 } };

    it('tunnel address first takes the block base, the first pod gets .1; records have Calico shapes', async () => {
      const { ds, ipam } = await setup(big);
      const block = blockAt(big, startIndex(big, 'node-a'));
      const base = block.split('/')[0]!;
      const [a, b, c] = base.split('.').map(Number) as [number, number, number, number];
      const tunnel = await ensureTunnelAddress(ipam, 'node-a', 'ipip');
      expect(tunnel).toBe(base);
      expect(await pod(ipam, 'node-a', 0)).toBe(`${a}.${b}.${c}.${Number(base.split('.')[3]) + 1}`);
      expect(await ensureTunnelAddress(ipam, 'node-a', 'ipip')).toBe(tunnel); // kept, not re-assigned

      const stored = (await ds.get(blockKey(block)))!.value as Record<string, unknown>;
      expect(stored).toMatchObject({
        cidr: block, affinity: 'host:node-a', deleted: false,
        attributes: [
          { handle_id: 'ipip-tunnel-addr-node-a', secondary: { node: 'node-a', type: 'ipipTunnelAddress' } },
          { handle_id: 'k8s-pod-network.c-node-a-0',
            secondary: { namespace: 'default', node: 'node-a', pod: 'web-node-a-0', timestamp: '2026-01-02 03:04:05.678 +0000 UTC' } },
        ],
      });
      const allocations = stored['allocations'] as Array<number | null>;
      expect(allocations.slice(0, 3)).toEqual([0, 1, null]);
      expect(allocations).toHaveLength(64);
      expect(stored['unallocated']).toEqual(Array.from({ length: 62 }, (_, i) => i + 2));
      expect((await ds.get(affinityKey('node-a', block)))!.value).toEqual({ state: 'confirmed', deleted: false });
      expect((await ds.get(handleKey('k8s-pod-network.c-node-a-0')))!.value).toEqual({ block: { [block]: 1 }, deleted: false });
    });

    it('a node keeps filling its affine block, then claims a second one from its walk', async () => {
      const pool: IPPool = { name: 'p', spec: { cidr: '10.6.0.0/24', blockSize: 29 } };
      const { ipam } = await setup(pool);
      const first = blockAt(pool, startIndex(pool, 'node-a'));
      const second = blockAt(pool, (startIndex(pool, 'node-a') + 1) % 32);
      const ips: string[] = [];
      for (let i = 0; i < 10; i++) ips.push(await pod(ipam, 'node-a', i));
      const prefix = (cidr: string): string => cidr.split('/')[0]!.split('.').slice(0, 3).join('.');
      const last = (cidr: string): number => Number(cidr.split('/')[0]!.split('.')[3]);
      expect(ips.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => `${prefix(first)}.${last(first) + i}`));
      expect(ips.slice(8)).toEqual([`${prefix(second)}.${last(second)}`, `${prefix(second)}.${last(second) + 1}`]);
    });

    it('two nodes racing for the only block: one owns it, the other borrows from it', async () => {
      const one: IPPool = { name: 'one', spec: { cidr: '10.7.0.0/26' } };
      const { ds, ipam } = await setup(one);
      const other = new IpamClient(ds, { clock: () => NOW });
      const [ia, ib] = await Promise.all([pod(ipam, 'node-a', 0), pod(other, 'node-b', 0)]);
      expect(ia).not.toBe(ib);
      const blocks = await ipam.store.listBlocks();
      expect(blocks).toHaveLength(1);
      const owner = blocks[0]!.value.affinity!.slice('host:'.length);
      const loser = owner === 'node-a' ? 'node-b' : 'node-a';
      expect(await ipam.store.hostAffinities(owner)).toEqual([{ cidr: '10.7.0.0/26', state: 'confirmed' }]);
      expect(await ipam.store.hostAffinities(loser)).toEqual([]); // the pending claim was withdrawn
      const { borrowed } = await getBorrowedIPs(ipam);
      expect(borrowed).toEqual([{
        ip: loser === 'node-a' ? ia : ib, borrowingNode: loser, block: '10.7.0.0/26', blockOwner: owner,
        type: 'pod', allocatedTo: `default/web-${loser}-0`,
      }]);
    });

    it('two nodes whose walks start at the same block end up with different blocks', async () => {
      const two: IPPool = { name: 'two', spec: { cidr: '10.8.0.0/25' } };
      const names = Array.from({ length: 40 }, (_, i) => `worker-${i}`);
      const [x, y] = names.filter((n) => startIndex(two, n) === startIndex(two, names[0]!)) as [string, string];
      const { ds, ipam } = await setup(two);
      const other = new IpamClient(ds, { clock: () => NOW });
      const [ix, iy] = await Promise.all([pod(ipam, x, 0), pod(other, y, 0)]);
      const owners = new Map((await ipam.store.listBlocks()).map((b) => [b.value.cidr, b.value.affinity]));
      expect(owners.size).toBe(2);
      expect(new Set(owners.values())).toEqual(new Set([`host:${x}`, `host:${y}`]));
      expect(ix.endsWith('.0') || ix.endsWith('.64')).toBe(true);
      expect(iy.endsWith('.0') || iy.endsWith('.64')).toBe(true);
      expect((await getBorrowedIPs(ipam)).borrowed).toEqual([]);
    });

    it('many concurrent assignments never hand out an address twice and keep handles consistent', async () => {
      const pool: IPPool = { name: 'p', spec: { cidr: '10.9.0.0/24', blockSize: 28 } };
      const { ds, ipam } = await setup(pool);
      const clients = ['n1', 'n2', 'n3', 'n4'].map((n) => ({ n, c: new IpamClient(ds, { clock: () => NOW }) }));
      const all = await Promise.all(clients.flatMap(({ n, c }) => Array.from({ length: 12 }, (_, i) => pod(c, n, i))));
      expect(new Set(all).size).toBe(48);
      const blocks = await ipam.store.listBlocks();
      const inUse = blocks.reduce((s, b) => s + b.value.allocations.filter((a) => a !== null).length, 0);
      expect(inUse).toBe(48);
      for (const { n } of clients) {
        for (let i = 0; i < 12; i++) expect(await ipam.ipsByHandle(`k8s-pod-network.c-${n}-${i}`)).toHaveLength(1);
      }
    });

    it('borrowing: a full node takes a free address from another node\'s block (so it must advertise a /32)', async () => {
      const { ipam } = await setup(tiny);
      const aIps: string[] = [];
      for (let i = 0; i < 6; i++) aIps.push(await pod(ipam, 'node-a', i));
      const aBlock = (await ipam.store.hostAffinities('node-a'))[0]!.cidr;
      for (let i = 0; i < 2; i++) aIps.push(await pod(ipam, 'node-a', `x${i}`));
      expect(await pod(ipam, 'node-b', 0)).toBe(aBlock === '10.5.0.0/29' ? '10.5.0.8' : '10.5.0.0');
      const bBlock = (await ipam.store.hostAffinities('node-b'))[0]!.cidr;
      const borrowedIp = await pod(ipam, 'node-a', 'borrow');
      expect(borrowedIp).toBe(bBlock === '10.5.0.8/29' ? '10.5.0.9' : '10.5.0.1');
      // The borrower's blackhole covers only its own /29, and the owner's /29 route points at
      // the owner: the borrower must export borrowedIp/32 for traffic to reach the pod.
      expect((await ipam.getAssignmentAttributes(borrowedIp))!.attrs['node']).toBe('node-a');
      expect(await ipamShow(ipam, { showBorrowed: true })).toContain(`| ${borrowedIp} | node-a         | ${bBlock} | node-b      | pod  | default/web-node-a-borrow |`);
    });

    it('exhausting a tiny pool gives Calico\'s error and IPS FREE 0 (0%)', async () => {
      const { ipam } = await setup(tiny);
      for (let i = 0; i < 8; i++) await pod(ipam, 'node-a', i);
      for (let i = 0; i < 8; i++) await pod(ipam, 'node-b', i);
      const ia = await ipam.autoAssign({ num4: 1, hostname: 'node-c', intendedUse: 'Workload', handleId: 'k8s-pod-network.c3' });
      expect(ia.ips).toEqual([]);
      expect(ia.partialFulfillmentError()!.message).toBe('Assigned 0 out of 1 requested IPv4 addresses; No IPs available in pools: [10.5.0.0/28]');
      await expect(pod(ipam, 'node-a', 'late')).rejects.toThrow(
        'failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses; No IPs available in pools: [10.5.0.0/28]');
      expect(await ipamShow(ipam)).toContain('| IP Pool  | 10.5.0.0/28 |        16 | 16 (100%)  | 0 (0%)   |');
      expect(await ipam.store.getHandle('k8s-pod-network.c3')).toBeUndefined();
    });

    it('strictAffinity: no borrowing, Calico\'s error instead', async () => {
      const { ipam } = await setup(tiny);
      await ipam.setIPAMConfig({ strictAffinity: true });
      for (let i = 0; i < 8; i++) await pod(ipam, 'node-a', i);
      await pod(ipam, 'node-b', 0);
      await expect(pod(ipam, 'node-a', 'more')).rejects.toThrow(
        'failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict affinity enabled');
      expect((await getBorrowedIPs(ipam)).borrowed).toEqual([]);
    });

    it('maxBlocksPerHost: the configured limit and the safeguard of 20', async () => {
      const pool: IPPool = { name: 'small-blocks', spec: { cidr: '10.10.0.0/24', blockSize: 30 } };
      const { ipam } = await setup(pool);
      for (let i = 0; i < 80; i++) await pod(ipam, 'node-a', i); // 20 blocks of 4
      expect(await ipam.store.hostAffinities('node-a')).toHaveLength(20);
      const err = await pod(ipam, 'node-a', 80).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpamError);
      expect((err as IpamError).message).toBe('Need to allocate an IPAM block but could not - limit of 20 blocks reached for this node');
      await ipam.setIPAMConfig({ strictAffinity: true, maxBlocksPerHost: 2 });
      for (let i = 0; i < 8; i++) await pod(ipam, 'node-b', i);
      await expect(pod(ipam, 'node-b', 8)).rejects.toThrow('limit of 2 blocks reached for this node');
    });

    it('release by handle: freed ordinals go to the tail and come back last', async () => {
      const { ipam } = await setup(tiny);
      const t = await ensureTunnelAddress(ipam, 'node-a', 'vxlan');
      const ips = [t];
      for (let i = 1; i <= 5; i++) ips.push(await pod(ipam, 'node-a', i));
      const base = Number(t.split('.')[3]);
      expect(ips.map((ip) => Number(ip.split('.')[3]) - base)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await ipam.releaseByHandle('k8s-pod-network.c-node-a-4')).toEqual([ips[4]]);
      expect(await ipam.releaseByHandle('k8s-pod-network.c-node-a-2')).toEqual([ips[2]]);
      await expect(ipam.releaseByHandle('k8s-pod-network.c-node-a-2')).rejects.toThrow('resource does not exist');
      expect(await ipam.store.getHandle('k8s-pod-network.c-node-a-2')).toBeUndefined();
      const next: string[] = [];
      for (let i = 6; i <= 9; i++) next.push(await pod(ipam, 'node-a', i));
      expect(next.map((ip) => Number(ip.split('.')[3]) - base)).toEqual([6, 7, 4, 2]);
    });

    it('an emptied block without affinity is deleted; an emptied affine block stays', async () => {
      const { ipam } = await setup(tiny);
      const a = await pod(ipam, 'node-a', 0);
      const cidr = (await ipam.store.hostAffinities('node-a'))[0]!.cidr;
      expect(await ipam.releaseIPs([a, '10.99.0.1'])).toEqual(['10.99.0.1']);
      expect(await ipam.store.getBlock(cidr)).toBeDefined(); // still affine to node-a
      const b = await pod(ipam, 'node-a', 1);
      expect(await ipam.releaseHostAffinities('node-a')).toEqual([cidr]);
      expect((await ipam.store.getBlock(cidr))!.value.affinity).toBeNull();
      expect(await ipam.releaseByHandle('k8s-pod-network.c-node-a-1')).toEqual([b]);
      expect(await ipam.store.getBlock(cidr)).toBeUndefined();
    });

    it('a pool that stops selecting the node gives back its empty blocks; busy ones stay', async () => {
      const a: IPPool = { name: 'a', spec: { cidr: '10.11.0.0/24' } };
      const { ipam } = await setup(a);
      const first = await pod(ipam, 'node-a', 0);
      await pod(ipam, 'node-b', 0);
      const aBlock = (await ipam.store.hostAffinities('node-a'))[0]!.cidr;
      const bBlock = (await ipam.store.hostAffinities('node-b'))[0]!.cidr;
      await ipam.releaseByHandle('k8s-pod-network.c-node-a-0');
      await putPool(ipam.ds, { name: 'a', spec: { cidr: '10.11.0.0/24', nodeSelector: '!all()' } });
      await putPool(ipam.ds, { name: 'b', spec: { cidr: '10.12.0.0/24' } });
      expect(await pod(ipam, 'node-a', 1)).toMatch(/^10\.12\.0\./);
      expect(await pod(ipam, 'node-b', 1)).toMatch(/^10\.12\.0\./);
      expect(await ipam.store.getBlock(aBlock)).toBeUndefined(); // empty: released
      expect(await ipam.store.getAffinity('node-a', aBlock)).toBeUndefined();
      expect((await ipam.store.getBlock(bBlock))!.value.affinity).toBe('host:node-b'); // still holds a pod
      expect(first.startsWith('10.11.0.')).toBe(true);
    });

    it('show: utilisation, blocks, --ip and borrowed tables as calicoctl prints them', async () => {
      const one: IPPool = { name: 'one', spec: { cidr: '10.5.1.0/26' } };
      const { ipam } = await setup(one);
      await ensureTunnelAddress(ipam, 'node-a', 'ipip');
      for (let i = 0; i < 4; i++) await pod(ipam, 'node-a', i);
      expect(await ipamShow(ipam)).toBe([
        '+----------+-------------+-----------+------------+----------+',
        '| GROUPING |    CIDR     | IPS TOTAL | IPS IN USE | IPS FREE |',
        '+----------+-------------+-----------+------------+----------+',
        '| IP Pool  | 10.5.1.0/26 |        64 | 5 (8%)     | 59 (92%) |',
        '+----------+-------------+-----------+------------+----------+',
        ''].join('\n'));
      expect(await ipamShow(ipam, { showBlocks: true })).toBe([
        '+----------+-------------+-----------+------------+----------+',
        '| GROUPING |    CIDR     | IPS TOTAL | IPS IN USE | IPS FREE |',
        '+----------+-------------+-----------+------------+----------+',
        '| IP Pool  | 10.5.1.0/26 |        64 | 5 (8%)     | 59 (92%) |',
        '| Block    | 10.5.1.0/26 |        64 | 5 (8%)     | 59 (92%) |',
        '+----------+-------------+-----------+------------+----------+',
        ''].join('\n'));
      expect(await ipamShow(ipam, { ip: '10.5.1.1' })).toBe([
        'IP 10.5.1.1 is in use', 'Attributes:', '  namespace: default', '  node: node-a', '  pod: web-node-a-0',
        '  timestamp: 2026-01-02 03:04:05.678 +0000 UTC', ''].join('\n'));
      expect(await ipamShow(ipam, { ip: '10.5.1.0' })).toBe('IP 10.5.1.0 is in use\nAttributes:\n  node: node-a\n  type: ipipTunnelAddress\n');
      expect(await ipamShow(ipam, { ip: '10.5.1.60' })).toBe('10.5.1.60 is not assigned\n');
      expect(await ipamShow(ipam, { showBorrowed: true })).toBe([
        '+----+----------------+-------+-------------+------+--------------+',
        '| IP | BORROWING-NODE | BLOCK | BLOCK OWNER | TYPE | ALLOCATED-TO |',
        '+----+----------------+-------+-------------+------+--------------+',
        '+----+----------------+-------+-------------+------+--------------+',
        ''].join('\n'));
    });
  });
}
