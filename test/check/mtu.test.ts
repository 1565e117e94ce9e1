/** The MTU search's pure parts: the binary search and the black hole's words. */
import { describe, it, expect } from 'vitest';
import { blackHoleText, largestPassing } from '../../engine/check/mtu.ts';

describe('largestPassing', () => {
  it('finds the boundary of a monotone path in log2 probes', async () => {
    for (const limit of [0, 1, 700, 1351, 1451]) {
      const tried: number[] = [];
      const r = await largestPassing(1452, async (s) => (tried.push(s), s <= limit));
      expect(r).toBe(limit);
      expect(tried.length).toBeLessThanOrEqual(13);
    }
  });
  it('is undefined when even an empty payload is dropped', async () => {
    expect(await largestPassing(1452, async () => false)).toBeUndefined();
  });
});

describe('blackHoleText', () => {
  it('names the encapsulation, the link and the pod MTU that fits', () => {
    expect(blackHoleText(1450, 1350, { node: 'tor', dev: 'eth1', mtu: 1400, len: 1500, overhead: 50, encap: 'VXLAN' }))
      .toBe('VXLAN black hole: pods send up to 1450 bytes, VXLAN adds 50 (1500 on the wire), but tor:eth1 carries 1400; the largest packet that passes is 1350 bytes; a pod MTU of 1350 would fit (FelixConfiguration vxlanMTU)');
    expect(blackHoleText(1500, 1400, { node: 'tor', dev: 'eth1', mtu: 1400, len: 1500, overhead: 0 }))
      .toBe('path MTU below the pod MTU: tor:eth1 carries 1400, pods send up to 1500; the largest packet that passes is 1400 bytes');
  });
});
