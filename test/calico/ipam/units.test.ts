import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  affinityKey, bgpHostKey, blockKey, handleKey, parseAffinityKey, parseResourceKey, resourceKey, BGP_GLOBAL,
} from '../../../engine/calico/datastore/index.ts';
import {
  IPAMAssignments, IpamError, assignAddress, assignFromBlock, basicSelector, blockAt, candidateBlocks, choosePools,
  fnv1_32, goUtcString, ipToOrdinal, newBlock, numBlocks, ordinalToIP, podAttributes, podHandle,
  releaseAddresses, releaseHandleFromBlock, startIndex, tunnelAttributes, tunnelHandle, type IPPool,
} from '../../../engine/calico/ipam/index.ts';

describe('FNV-1 32 and the candidate walk', () => {
  it('matches Go hash/fnv New32 golden values', () => {
    expect(fnv1_32('')).toBe(0x811c9dc5);
    expect(fnv1_32('a')).toBe(0x050c5d7e);
    expect(fnv1_32('ab')).toBe(0x70772d38);
    expect(fnv1_32('abc')).toBe(0x439c2f4b);
  });

  it('visits every block exactly once, starting at the host\'s index and wrapping', () => {
    const pool: IPPool = { name: 'p', spec: { cidr: '10.5.0.0/22' } };
    expect(numBlocks(pool)).toBe(16);
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }), (host) => {
      const walk = [...candidateBlocks(pool, host)];
      const start = startIndex(pool, host);
      expect(walk).toHaveLength(16);
      expect(new Set(walk).size).toBe(16);
      expect(walk[0]).toBe(blockAt(pool, start));
      expect(walk[15]).toBe(blockAt(pool, (start + 15) % 16));
    }));
  });

  it('is stable per host and spreads hosts over the pool', () => {
    const pool: IPPool = { name: 'p', spec: { cidr: '10.0.0.0/16' } };
    expect(startIndex(pool, 'node-a')).toBe(startIndex(pool, 'node-a'));
    const starts = new Set(Array.from({ length: 50 }, (_, i) => startIndex(pool, `node-${i}`)));
    expect(starts.size).toBeGreaterThan(40); // 1024 blocks: collisions among 50 hosts are rare
    expect(blockAt(pool, 0)).toBe('10.0.0.0/26');
    expect(blockAt(pool, 1023)).toBe('10.0.255.192/26');
  });
});

describe('allocation block', () => {
  it('assigns from the head of unallocated and appends released ordinals to the tail', () => {
    const b = newBlock('10.5.1.0/29', 'host:n1', 7);
    expect(b.unallocated).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(assignFromBlock(b, 3, 'h1', { pod: 'a' }, 'n1', true)).toEqual([0, 1, 2]);
    expect(assignFromBlock(b, 1, 'h2', { pod: 'b' }, 'n1', true)).toEqual([3]);
    expect(b.allocations).toEqual([0, 0, 0, 1, null, null, null, null]);
    expect(b.sequenceNumberForAllocation).toEqual({ 0: 7, 1: 7, 2: 7, 3: 7 });
    expect(releaseHandleFromBlock(b, 'h1')).toEqual([0, 1, 2]);
    // h1's attribute is dropped and h2's renumbered from 1 to 0.
    expect(b.attributes).toEqual([{ handle_id: 'h2', secondary: { pod: 'b' } }]);
    expect(b.allocations).toEqual([null, null, null, 0, null, null, null, null]);
    expect(b.unallocated).toEqual([4, 5, 6, 7, 0, 1, 2]);
    expect(releaseAddresses(b, ['10.5.1.3', '10.5.1.4'])).toEqual({ unallocated: ['10.5.1.4'], byHandle: new Map([['h2', 1]]) });
    expect(b.unallocated).toEqual([4, 5, 6, 7, 0, 1, 2, 3]);
  });

  it('strict affinity refuses someone else\'s block with Calico\'s text; non-strict borrows', () => {
    const b = newBlock('10.5.1.0/30', 'host:n1', 0);
    expect(() => assignFromBlock(b, 1, 'h', null, 'n2', true)).toThrow('Block affinity (host:n1) does not match provided (n2:host)');
    expect(assignFromBlock(b, 1, 'h', null, 'n2', false)).toEqual([0]);
  });

  it('assigns a specific address once and converts ordinals both ways', () => {
    const b = newBlock('10.5.1.64/26', 'host:n1', 0);
    assignAddress(b, '10.5.1.70', 'h', null, 'n1', false);
    expect(b.unallocated).not.toContain(6);
    expect(() => assignAddress(b, '10.5.1.70', 'h', null, 'n1', false)).toThrow('Address already assigned in block');
    expect(() => assignAddress(b, '10.5.2.1', 'h', null, 'n1', false)).toThrow('not in block');
    expect(ipToOrdinal(b, '10.5.1.127')).toBe(63);
    expect(ipToOrdinal(b, '10.5.1.128')).toBeUndefined();
    expect(ordinalToIP(b, 63)).toBe('10.5.1.127');
  });

  it('never hands out an address twice, whatever the sequence of assigns and releases', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant('a'), fc.integer({ min: 0, max: 15 })), { maxLength: 60 }), (ops) => {
      const b = newBlock('10.0.0.0/28', 'host:n', 0);
      const held = new Set<number>();
      let i = 0;
      for (const op of ops) {
        if (op === 'a') {
          for (const o of assignFromBlock(b, 1, `h${i++}`, null, 'n', true)) {
            expect(held.has(o)).toBe(false);
            held.add(o);
          }
        } else if (held.has(op)) {
          releaseAddresses(b, [ordinalToIP(b, op)]);
          held.delete(op);
        }
        expect(b.unallocated.length + held.size).toBe(16);
        expect(new Set(b.unallocated).size).toBe(b.unallocated.length);
      }
    }));
  });
});

describe('pools, names and messages', () => {
  const pools: IPPool[] = [
    { name: 'a', spec: { cidr: '10.1.0.0/16' } },
    { name: 'b', spec: { cidr: '10.2.0.0/16', nodeSelector: '!all()' } },
    { name: 'c', spec: { cidr: '10.3.0.0/16', disabled: true } },
    { name: 'd', spec: { cidr: '10.4.0.0/16', allowedUses: ['Tunnel'] } },
  ];

  it('chooses enabled pools that select the node and allow the use', () => {
    expect(choosePools(pools, undefined, 'n', {}, 'Workload', basicSelector).map((p) => p.name)).toEqual(['a']);
    expect(choosePools(pools, undefined, 'n', {}, 'Tunnel', basicSelector).map((p) => p.name)).toEqual(['a', 'd']);
    expect(choosePools(pools, ['10.2.0.0/16'], 'n', {}, 'Workload', basicSelector).map((p) => p.name)).toEqual(['b']);
    expect(() => choosePools(pools, ['10.3.0.0/16'], 'n', {}, 'Workload', basicSelector))
      .toThrow('the given pool (10.3.0.0/16) does not exist, or is not enabled');
    expect(() => choosePools([pools[1]!], undefined, 'n1', {}, 'Workload', basicSelector)).toThrow('no configured Calico pools for node n1');
    expect(() => choosePools([pools[3]!], undefined, 'n', {}, 'Workload', basicSelector))
      .toThrow('cannot find a qualified ippool, no pools match the required use (Workload)');
    const rack = (expr: string) => (l: Record<string, string>) => expr === "rack == 'r1'" && l['rack'] === 'r1';
    const sel: IPPool = { name: 'r', spec: { cidr: '10.5.0.0/16', nodeSelector: "rack == 'r1'" } };
    expect(choosePools([sel], undefined, 'n', { rack: 'r1' }, 'Workload', rack)).toHaveLength(1);
    expect(() => choosePools([sel], undefined, 'n', {}, 'Workload', basicSelector)).toThrow(IpamError);
  });

  it('uses Calico\'s handle and attribute names and Go\'s UTC time text', () => {
    expect(podHandle('abc123')).toBe('k8s-pod-network.abc123');
    expect(tunnelHandle('vxlan', 'node-1')).toBe('vxlan-tunnel-addr-node-1');
    expect(tunnelAttributes('ipip', 'node-1')).toEqual({ node: 'node-1', type: 'ipipTunnelAddress' });
    expect(goUtcString(new Date('2026-03-04T05:06:07Z'))).toBe('2026-03-04 05:06:07 +0000 UTC');
    expect(goUtcString(new Date('2026-03-04T05:06:07.120Z'))).toBe('2026-03-04 05:06:07.12 +0000 UTC');
    // The same instant again (the last text is kept), then another one.
    expect(goUtcString(new Date('2026-03-04T05:06:07.120Z'))).toBe('2026-03-04 05:06:07.12 +0000 UTC');
    expect(goUtcString(new Date('2026-03-04T05:06:07.121Z'))).toBe('2026-03-04 05:06:07.121 +0000 UTC');
    expect(podAttributes({ namespace: 'ns', pod: 'p', node: 'n', now: new Date(0) }))
      .toEqual({ namespace: 'ns', node: 'n', pod: 'p', timestamp: '1970-01-01 00:00:00 +0000 UTC' });
  });

  it('formats partial fulfilment like IPAMAssignments.PartialFulfillmentError', () => {
    const ia = new IPAMAssignments(2);
    ia.ips.push('10.0.0.1');
    ia.addMsg('No IPs available in pools: [10.0.0.0/30]');
    ia.addMsg('No IPs available in pools: [10.0.0.0/30]');
    expect(ia.partialFulfillmentError()!.message).toBe('Assigned 1 out of 2 requested IPv4 addresses; No IPs available in pools: [10.0.0.0/30]');
  });

  it('lays out keys like libcalico-go\'s etcdv3 model', () => {
    expect(blockKey('10.5.1.0/26')).toBe('/calico/ipam/v2/assignment/ipv4/block/10.5.1.0-26');
    expect(affinityKey('node-1', '10.5.1.0/26')).toBe('/calico/ipam/v2/host/node-1/ipv4/block/10.5.1.0-26');
    expect(parseAffinityKey('/calico/ipam/v2/host/node-1/ipv4/block/10.5.1.0-26')).toEqual({ host: 'node-1', cidr: '10.5.1.0/26' });
    expect(handleKey('k8s-pod-network.x')).toBe('/calico/ipam/v2/handle/k8s-pod-network.x');
    expect(BGP_GLOBAL.asNum).toBe('/calico/bgp/v1/global/as_num');
    expect(bgpHostKey('node-1', 'ip_addr_v4')).toBe('/calico/bgp/v1/host/node-1/ip_addr_v4');
    expect(resourceKey('IPPool', 'default-ipv4-ippool')).toBe('/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool');
    expect(resourceKey('NetworkPolicy', 'knp.default.x', 'default')).toBe('/calico/resources/v3/projectcalico.org/networkpolicies/default/knp.default.x');
    expect(() => resourceKey('WorkloadEndpoint', 'w')).toThrow('namespaced');
    expect(parseResourceKey('/calico/resources/v3/projectcalico.org/workloadendpoints/ns-1/node--1-k8s-name--1-eth0'))
      .toEqual({ plural: 'workloadendpoints', namespace: 'ns-1', name: 'node--1-k8s-name--1-eth0' });
  });
});
