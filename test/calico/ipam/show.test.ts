/**
 * The `ipam show` views judged against real calicoctl output: the table below was printed by
 * calicoctl v3.x on an etcd cluster (projectcalico/calico issue #6206). We rebuild the same
 * allocation state through assignIP and require byte-identical text.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, goG5, goRound0, ipamShow, putPool, renderTable } from '../../../engine/calico/ipam/index.ts';

const REAL_6206 = `+----------+-------------------+-----------+------------+--------------+
| GROUPING |       CIDR        | IPS TOTAL | IPS IN USE |   IPS FREE   |
+----------+-------------------+-----------+------------+--------------+
| IP Pool  | 10.244.0.0/16     |     65536 | 41 (0%)    | 65495 (100%) |
| Block    | 10.244.0.192/26   |        64 | 1 (2%)     | 63 (98%)     |
| Block    | 10.244.129.128/26 |        64 | 2 (3%)     | 62 (97%)     |
| Block    | 10.244.137.192/26 |        64 | 1 (2%)     | 63 (98%)     |
| Block    | 10.244.158.192/26 |        64 | 6 (9%)     | 58 (91%)     |
| Block    | 10.244.31.64/26   |        64 | 16 (25%)   | 48 (75%)     |
| Block    | 10.244.32.0/26    |        64 | 15 (23%)   | 49 (77%)     |
+----------+-------------------+-----------+------------+--------------+
`;

const REAL_6206_BORROWED_EMPTY = `+----+----------------+-------+-------------+------+--------------+
| IP | BORROWING-NODE | BLOCK | BLOCK OWNER | TYPE | ALLOCATED-TO |
+----+----------------+-------+-------------+------+--------------+
+----+----------------+-------+-------------+------+--------------+
`;

describe('calicoctl ipam show against real output', () => {
  it('reproduces issue #6206\'s --show-blocks table and its empty --show-borrowed table', async () => {
    const ds = new MemoryDatastore();
    await putPool(ds, { name: 'default-ipv4-ippool', spec: { cidr: '10.244.0.0/16' } });
    const ipam = new IpamClient(ds);
    const usage: Array<[string, number, string]> = [
      ['10.244.0.192', 1, 'k8s-90'], ['10.244.129.128', 2, 'k8s-91'], ['10.244.137.192', 1, 'k8s-92'],
      ['10.244.158.192', 6, 'k8s-93'], ['10.244.31.64', 16, 'k8s-94'], ['10.244.32.0', 15, 'k8s-95'],
    ];
    for (const [base, n, node] of usage) {
      const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
      for (let i = 0; i < n; i++) {
        await ipam.assignIP({ ip: `${a}.${b}.${c}.${d + i}`, hostname: node, handleId: `h-${node}-${i}`, attrs: { node } });
      }
    }
    expect(await ipamShow(ipam, { showBlocks: true })).toBe(REAL_6206);
    expect(await ipamShow(ipam, { showBorrowed: true })).toBe(REAL_6206_BORROWED_EMPTY);
    // Without --show-blocks the CIDR column shrinks to the pool's CIDR.
    expect(await ipamShow(ipam)).toBe([
      '+----------+---------------+-----------+------------+--------------+',
      '| GROUPING |     CIDR      | IPS TOTAL | IPS IN USE |   IPS FREE   |',
      '+----------+---------------+-----------+------------+--------------+',
      '| IP Pool  | 10.244.0.0/16 |     65536 | 41 (0%)    | 65495 (100%) |',
      '+----------+---------------+-----------+------------+--------------+',
      ''].join('\n'));
  });

  it('assignIP refuses a taken address and an address outside every pool with Calico\'s texts', async () => {
    const ds = new MemoryDatastore();
    await putPool(ds, { name: 'p', spec: { cidr: '10.244.0.0/16' } });
    const ipam = new IpamClient(ds);
    await ipam.assignIP({ ip: '10.244.1.5', hostname: 'n1' });
    await expect(ipam.assignIP({ ip: '10.244.1.5', hostname: 'n1' })).rejects.toThrow('Address already assigned in block');
    await expect(ipam.assignIP({ ip: '10.9.9.9', hostname: 'n1' })).rejects.toThrow('The provided IP address is not in a configured pool');
    // The block was claimed for n1 even though the address is in its middle.
    expect(await ipam.store.hostAffinities('n1')).toEqual([{ cidr: '10.244.1.0/26', state: 'confirmed' }]);
  });
});

describe('Go number formatting used by calicoctl', () => {
  it('%.5g: integers as is up to 5 digits, then mantissa/exponent like Go', () => {
    expect(goG5(0)).toBe('0');
    expect(goG5(64)).toBe('64');
    expect(goG5(65536)).toBe('65536');
    expect(goG5(65495)).toBe('65495');
    expect(goG5(131072)).toBe('1.3107e+05');
    expect(goG5(1048576)).toBe('1.0486e+06');
    expect(goG5(16777216)).toBe('1.6777e+07');
    expect(goG5(100000)).toBe('1e+05');
    expect(goG5(4194304)).toBe('4.1943e+06');
  });

  it('%.f rounds halves to even, as strconv does', () => {
    expect(goRound0(12.5)).toBe('12');
    expect(goRound0(13.5)).toBe('14');
    expect(goRound0(0.5)).toBe('0');
    expect(goRound0(1.5625)).toBe('2');
    expect(goRound0(99.9374)).toBe('100');
    expect(goRound0(0.0625)).toBe('0');
  });

  it('tables right-align numeric cells only and centre headers with the odd space on the right', () => {
    expect(renderTable(['A', 'LONGER'], [['1234', 'x'], ['ab', '7']])).toBe([
      '+------+--------+', '|  A   | LONGER |', '+------+--------+',
      '| 1234 | x      |', '| ab   |      7 |', '+------+--------+', ''].join('\n'));
  });
});
