/**
 * The datastore conformance suite: one set of behaviours every backend must show, run
 * against each (the idea of Hono's runTest: one suite, many runtimes).
 *
 * Revisions are only compared relative to each other, so the suite also holds on an etcd
 * shared with other stores; `makeStore` must return a store whose keys are isolated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  KeyExists, NotFound, RevisionMismatch, isConflict,
  type Datastore, type WatchEvent,
} from '../../../engine/calico/datastore/index.ts';

/** Waits until `pred()` holds (watch delivery is asynchronous on real etcd). */
export async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function describeEvent(e: WatchEvent): string {
  return e.type === 'put' ? `put ${e.kv.key}=${JSON.stringify(e.kv.value)}` : `delete ${e.key}`;
}

/** Registers the conformance suite for one backend. */
export function runConformance(name: string, makeStore: () => Promise<Datastore>): void {
  describe(`datastore conformance: ${name}`, () => {
    const open: Datastore[] = [];
    const fresh = async (): Promise<Datastore> => {
      const s = await makeStore();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });

    it('put then get returns JSON values with etcd revisions', async () => {
      const s = await fresh();
      const before = await s.revision();
      const a = await s.put('/t/a', { cidr: '10.5.1.0/26', n: [1, null, 2] });
      expect(a.modRevision).toBe(before + 1);
      expect(a.createRevision).toBe(a.modRevision);
      expect(a.version).toBe(1);
      const b = await s.put('/t/a', 'second');
      expect(b.modRevision).toBe(a.modRevision + 1);
      expect(b.createRevision).toBe(a.createRevision);
      expect(b.version).toBe(2);
      const got = await s.get('/t/a');
      expect(got).toMatchObject({ key: '/t/a', value: 'second', modRevision: b.modRevision, version: 2 });
      expect(await s.get('/t/missing')).toBeUndefined();
      expect(await s.revision()).toBe(b.modRevision);
    });

    it('values are copied in and read-only out: mutating what was read throws (memory) or stays private (etcd)', async () => {
      const s = await fresh();
      const v = { list: [1, 2] };
      await s.put('/t/v', v);
      v.list.push(3);
      const got = await s.get('/t/v');
      expect(got!.value).toEqual({ list: [1, 2] });
      try { (got!.value as { list: number[] }).list.push(9); } catch (e) { expect(e).toBeInstanceOf(TypeError); }
      expect((await s.get('/t/v'))!.value).toEqual({ list: [1, 2] });
    });

    it('create (prevRevision 0) refuses an existing key with KeyExists', async () => {
      const s = await fresh();
      await s.put('/t/c', 1, { prevRevision: 0 });
      const err = await s.put('/t/c', 2, { prevRevision: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyExists);
      expect((err as KeyExists).current?.value).toBe(1);
      expect((await s.get('/t/c'))!.value).toBe(1);
    });

    it('compare-and-swap: stale revision → RevisionMismatch, gone key → NotFound', async () => {
      const s = await fresh();
      const first = await s.put('/t/cas', 'v1');
      const second = await s.put('/t/cas', 'v2', { prevRevision: first.modRevision });
      const err = await s.put('/t/cas', 'v3', { prevRevision: first.modRevision }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RevisionMismatch);
      expect((err as RevisionMismatch).actual).toBe(second.modRevision);
      expect(isConflict(err)).toBe(true);
      await s.delete('/t/cas');
      const gone = await s.put('/t/cas', 'v4', { prevRevision: second.modRevision }).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(NotFound);
      expect(await s.get('/t/cas')).toBeUndefined();
    });

    it('CAS race: of N writers holding the same revision exactly one wins', async () => {
      const s = await fresh();
      const base = await s.put('/t/race', { owner: null });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => s.put('/t/race', { owner: `w${i}` }, { prevRevision: base.modRevision })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const l of lost) expect((l as PromiseRejectedResult).reason).toBeInstanceOf(RevisionMismatch);
      const winner = (won[0] as PromiseFulfilledResult<{ value: unknown }>).value.value;
      expect((await s.get('/t/race'))!.value).toEqual(winner);
    });

    it('CAS race: of N creators exactly one creates', async () => {
      const s = await fresh();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => s.put('/t/create-race', i, { prevRevision: 0 })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(KeyExists);
      }
    });

    it('delete: NotFound when absent, guarded delete checks the revision', async () => {
      const s = await fresh();
      await expect(s.delete('/t/none')).rejects.toBeInstanceOf(NotFound);
      const kv = await s.put('/t/d', 1);
      await s.put('/t/d', 2);
      await expect(s.delete('/t/d', { prevRevision: kv.modRevision })).rejects.toBeInstanceOf(RevisionMismatch);
      const cur = (await s.get('/t/d'))!;
      const rev = await s.delete('/t/d', { prevRevision: cur.modRevision });
      expect(rev).toBe(cur.modRevision + 1);
      expect(await s.get('/t/d')).toBeUndefined();
      // Re-creating starts a new life: version 1, new createRevision.
      const again = await s.put('/t/d', 3);
      expect(again.version).toBe(1);
      expect(again.createRevision).toBe(again.modRevision);
    });

    it('list returns keys in byte order at one revision, isolated by prefix', async () => {
      const s = await fresh();
      for (const k of ['/p/b', '/p/a', '/p/c/x', '/pa/z', '/q/a']) await s.put(k, k);
      const res = await s.list('/p/');
      expect(res.kvs.map((kv) => kv.key)).toEqual(['/p/a', '/p/b', '/p/c/x']);
      expect(res.revision).toBe(await s.revision());
      expect((await s.list('/p')).kvs.map((kv) => kv.key)).toEqual(['/p/a', '/p/b', '/p/c/x', '/pa/z']);
      expect((await s.list('/nothing/')).kvs).toEqual([]);
    });

    it('watch delivers live puts and deletes in order, only under its prefix', async () => {
      const s = await fresh();
      const seen: WatchEvent[] = [];
      const cancel = await s.watch('/w/', undefined, (e) => seen.push(e));
      const a = await s.put('/w/a', 1);
      await s.put('/wx/ignored', 1);
      await s.put('/w/a', 2);
      await s.put('/w/b', 3);
      const delRev = await s.delete('/w/a');
      await until(() => seen.length >= 4, '4 watch events');
      expect(seen.map(describeEvent)).toEqual(['put /w/a=1', 'put /w/a=2', 'put /w/b=3', 'delete /w/a']);
      expect(seen[0]!.revision).toBe(a.modRevision);
      const revs = seen.map((e) => e.revision);
      expect([...revs].sort((x, y) => x - y)).toEqual(revs);
      const del = seen[3]!;
      expect(del.type === 'delete' && del.revision === delRev && del.prev?.value === 2).toBe(true);
      const upd = seen[1]!;
      expect(upd.type === 'put' && upd.prev?.value === 1).toBe(true);
      await cancel();
      await s.put('/w/c', 4);
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(4);
    });

    it('watch from an old revision replays history, then continues live', async () => {
      const s = await fresh();
      const first = await s.put('/h/k', 'one');
      await s.put('/h/k', 'two');
      await s.delete('/h/k');
      await s.put('/h/other', 'x');
      const seen: WatchEvent[] = [];
      const cancel = await s.watch('/h/', first.modRevision, (e) => seen.push(e));
      await until(() => seen.length >= 4, 'replayed history');
      await s.put('/h/k', 'three');
      await until(() => seen.length >= 5, 'live event after replay');
      expect(seen.map(describeEvent)).toEqual([
        'put /h/k="one"', 'put /h/k="two"', 'delete /h/k', 'put /h/other="x"', 'put /h/k="three"',
      ]);
      await cancel();
    });

    it('a watch from the revision of a list sees exactly the changes after it (list+watch)', async () => {
      const s = await fresh();
      await s.put('/lw/a', 1);
      const snap = await s.list('/lw/');
      await s.put('/lw/b', 2);
      const seen: WatchEvent[] = [];
      const cancel = await s.watch('/lw/', snap.revision + 1, (e) => seen.push(e));
      await until(() => seen.length >= 1, 'event after list');
      await new Promise((r) => setTimeout(r, 30));
      expect(seen.map(describeEvent)).toEqual(['put /lw/b=2']);
      await cancel();
    });

    it('leases: revoking deletes attached keys and the watch sees the deletes', async () => {
      const s = await fresh();
      const lease = await s.grantLease(60);
      const kv = await s.put('/l/a', 'x', { lease });
      expect(kv.lease).toBe(lease);
      await s.put('/l/b', 'y', { lease });
      await s.put('/l/keep', 'z');
      const seen: WatchEvent[] = [];
      const cancel = await s.watch('/l/', undefined, (e) => seen.push(e));
      await s.revokeLease(lease);
      await until(() => seen.length >= 2, 'lease deletes');
      expect(seen.map(describeEvent).sort()).toEqual(['delete /l/a', 'delete /l/b']);
      expect((await s.list('/l/')).kvs.map((k) => k.key)).toEqual(['/l/keep']);
      await cancel();
    });

    it('two watchers on nested prefixes each get their own ordered stream', async () => {
      const s = await fresh();
      const outer: string[] = [];
      const inner: string[] = [];
      const c1 = await s.watch('/n/', undefined, (e) => outer.push(describeEvent(e)));
      const c2 = await s.watch('/n/x/', undefined, (e) => inner.push(describeEvent(e)));
      for (let i = 0; i < 20; i++) await s.put(i % 2 ? '/n/x/k' : '/n/y/k', i);
      await until(() => outer.length >= 20 && inner.length >= 10, 'nested watch events');
      expect(inner).toEqual(Array.from({ length: 10 }, (_, i) => `put /n/x/k=${2 * i + 1}`));
      expect(outer.filter((e) => e.startsWith('put /n/x/'))).toEqual(inner);
      await c1();
      await c2();
    });
  });
}
