/**
 * The memory store's chunked key index against a plain sorted array: random inserts and
 * removals of Calico-shaped keys (enough to split chunks many times and empty some), then
 * every prefix range, the size, and the order are the same.
 */
import { describe, expect, it } from 'vitest';
import { SortedKeys } from '../../../engine/calico/datastore/sorted-keys.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('SortedKeys', () => {
  it('keeps the order, the size and every prefix range of a sorted array through inserts and removals', () => {
    const r = rng(7);
    const keys = new SortedKeys();
    const ref = new Set<string>();
    const kinds = ['/calico/resources/v3/projectcalico.org/workloadendpoints/default/', '/calico/ipam/v2/handle/', '/calico/ipam/v2/host/', '/calico/resources/v3/projectcalico.org/nodes/'];
    for (let step = 0; step < 6000; step++) {
      const k = `${kinds[Math.floor(r() * kinds.length)]}n${Math.floor(r() * 900)}-p${Math.floor(r() * 9)}`;
      // Mostly inserts (chunks split), then a removal-heavy tail.
      const remove = step > 4000 ? r() < 0.8 : r() < 0.2;
      if (remove && ref.has(k)) { ref.delete(k); keys.remove(k); }
      else if (!remove && !ref.has(k)) { ref.add(k); keys.insert(k); }
    }
    // Whole ranges removed: chunks empty and go.
    for (const k of [...ref]) if (k.startsWith('/calico/ipam/v2/handle/') || k.includes('/n1')) { ref.delete(k); keys.remove(k); }
    const sorted = [...ref].sort();
    expect(keys.size).toBe(sorted.length);
    expect([...keys.withPrefix('')]).toEqual(sorted);
    for (const p of [...kinds, '/calico/ipam/', '/calico/resources/v3/projectcalico.org/workloadendpoints/default/n1', '/nothing/', '/calico/ipam/v2/handle/n899-p8', 'zzz']) {
      expect([...keys.withPrefix(p)], p).toEqual(sorted.filter((k) => k.startsWith(p)));
    }
    keys.remove('/not/there');
    expect(keys.size).toBe(sorted.length);
  });
});
