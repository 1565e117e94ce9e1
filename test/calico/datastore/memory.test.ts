import { describe, expect, it } from 'vitest';
import { Compacted, MemoryDatastore, type WatchEvent } from '../../../engine/calico/datastore/index.ts';
import { runConformance } from './conformance.ts';

runConformance('memory', async () => new MemoryDatastore());

describe('memory datastore specifics', () => {
  it('starts at revision 1 like a fresh etcd; the first write is revision 2', async () => {
    const s = new MemoryDatastore();
    expect(await s.revision()).toBe(1);
    expect((await s.put('/a', 1)).modRevision).toBe(2);
  });

  it('delivers watch events synchronously, and a write made inside a callback after the current event', async () => {
    const s = new MemoryDatastore();
    const order: string[] = [];
    await s.watch('/x/', undefined, (e: WatchEvent) => {
      const k = e.type === 'put' ? e.kv.key : e.key;
      order.push(`A:${k}`);
      if (k === '/x/1') s.putSync('/x/2', 2);
    });
    await s.watch('/x/', undefined, (e: WatchEvent) => order.push(`B:${e.type === 'put' ? e.kv.key : e.key}`));
    s.putSync('/x/1', 1);
    // Both watchers see /x/1 before either sees /x/2, even though A wrote /x/2 while handling /x/1.
    expect(order).toEqual(['A:/x/1', 'B:/x/1', 'A:/x/2', 'B:/x/2']);
  });

  it('is deterministic: the same calls give the same revisions and events', async () => {
    const run = async (): Promise<string[]> => {
      const s = new MemoryDatastore();
      const log: string[] = [];
      await s.watch('/', 1, (e) => log.push(`${e.revision}:${e.type}`));
      await s.put('/a', 1);
      await s.put('/b', 2, { prevRevision: 0 });
      await s.delete('/a');
      return log;
    };
    expect(await run()).toEqual(await run());
    expect(await run()).toEqual(['2:put', '3:put', '4:delete']);
  });

  it('watching from before a compaction fails with Compacted', async () => {
    const s = new MemoryDatastore();
    await s.put('/a', 1);
    await s.put('/a', 2);
    s.compact(2);
    await expect(s.watch('/', 2, () => undefined)).rejects.toBeInstanceOf(Compacted);
    const seen: number[] = [];
    await s.watch('/', 3, (e) => seen.push(e.revision));
    expect(seen).toEqual([3]);
  });
});

describe('memory datastore history', () => {
  it('keeps the last historyRevisions revisions for watches from the past, as etcd revision auto-compaction', async () => {
    const s = new MemoryDatastore({ historyRevisions: 3 });
    for (let i = 0; i < 10; i++) s.putSync('/a', i); // revisions 2..11
    // Compacted when 6 were held (revision 7, down to 4), then holds 5..11 at most.
    await expect(s.watch('/', 4, () => undefined)).rejects.toBeInstanceOf(Compacted);
    const seen: number[] = [];
    await s.watch('/', 9, (e) => seen.push(e.revision));
    expect(seen).toEqual([9, 10, 11]);
    const open: number[] = [];
    await s.watch('/', undefined, (e) => open.push(e.revision));
    for (let i = 0; i < 10; i++) s.putSync('/b', i);
    expect(open).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    await expect(s.watch('/', 15, () => undefined)).rejects.toBeInstanceOf(Compacted);
  });
});

describe('memory datastore cached listings', () => {
  it('a write drops exactly the cached listings it changes, whatever their prefix ends with', () => {
    const s = new MemoryDatastore();
    s.putSync('/calico/a/x1', 1);
    s.putSync('/calico/b/y1', 2);
    const keys = (p: string) => s.listSync(p).kvs.map((kv) => kv.key);
    const prefixes = ['', '/calico/', '/calico/a/', '/calico/a/x', '/calico/b/', '/calico/b/y1', '/calico/a/x1/'];
    const before = new Map(prefixes.map((p) => [p, s.listSync(p).kvs]));
    s.putSync('/calico/a/x2', 3);
    for (const p of prefixes) {
      const changed = '/calico/a/x2'.startsWith(p);
      expect(s.listSync(p).kvs === before.get(p), p).toBe(!changed);
      expect(keys(p), p).toEqual(['/calico/a/x1', '/calico/a/x2', '/calico/b/y1'].filter((k) => k.startsWith(p)));
    }
    s.deleteSync('/calico/b/y1');
    expect(keys('/calico/b/y1')).toEqual([]);
    expect(keys('/calico/b/')).toEqual([]);
    expect(keys('')).toEqual(['/calico/a/x1', '/calico/a/x2']);
  });

  it("stores what etcd's JSON would give back, frozen; a value rebuilt from a stored one shares its unchanged parts", () => {
    const s = new MemoryDatastore();
    const value = { a: [1, undefined, NaN, -0, { b: undefined, c: 'x' }], d: undefined, e: new Date(0), f: { g: [true] } };
    const kv = s.putSync('/k', value as never);
    expect(kv.value).toEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.keys(kv.value as object)).toEqual(['a', 'e', 'f']);
    expect(Object.is((kv.value as { a: number[] }).a[3], 0)).toBe(true);
    (value.f.g as boolean[]).push(false);
    expect((kv.value as unknown as typeof value).f.g).toEqual([true]);
    const stored = kv.value as { a: unknown[]; f: { g: boolean[] } };
    expect(Object.isFrozen(stored.f.g) && Object.isFrozen(stored.a[4])).toBe(true);
    const next = s.putSync('/k', { ...stored, h: [2] } as never).value as typeof stored & { h: number[] };
    expect(next.f).toBe(stored.f);
    expect(next.a).toBe(stored.a);
    expect(Object.isFrozen(next) && Object.isFrozen(next.h)).toBe(true);
    expect(() => { (next.h as number[]).push(3); }).toThrow();
    // A copy made from a stored value (spread, Object.assign, structuredClone) is a new value,
    // copied on the way in even when frozen by its writer; what it holds of the stored one is shared.
    const mine = Object.freeze({ ...stored.f, u: undefined, g2: [...stored.f.g] });
    const third = s.putSync('/k2', { f: mine, a: structuredClone(stored.a), o: Object.assign({}, stored) } as never).value as { f: object; a: unknown[]; o: { f: object } };
    expect(third.f).not.toBe(mine);
    expect(Object.keys(third.f)).toEqual(['g', 'g2']);
    expect((third.f as { g: unknown }).g).toBe(stored.f.g);
    expect(third.a).not.toBe(stored.a);
    expect(third.o).not.toBe(stored);
    expect(third.o.f).toBe(stored.f);
    // The store's mark shows nowhere: keys, JSON and a clone are those of the plain value.
    expect(JSON.stringify(third)).toBe(JSON.stringify(JSON.parse(JSON.stringify(third))));
    expect(Reflect.ownKeys(structuredClone(third))).toEqual(['f', 'a', 'o']);
  });
});
