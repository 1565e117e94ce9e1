/**
 * The compiled default-rule lookup (the packet path's) must answer exactly what the table
 * walk answers — local, then main, then default, longest prefix, first route of a prefix in
 * dump order — on random tables with nested, overlapping-table and duplicate prefixes, at
 * random addresses and at every block's edges, and again after routes change.
 */
import { describe, expect, it } from 'vitest';
import { FibIndex, RT_TABLE_DEFAULT, compareRoutes, insertRoute } from '../../engine/sim/fib.ts';
import { Kernel } from '../../engine/sim/kernel.ts';
import { Rng } from '../../engine/sim/clock.ts';
import { maskOf } from '../../engine/net/ip.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN, RTPROT_BIRD, type Route } from '../../engine/sim/types.ts';

function randomRoutes(rng: Rng, n: number): Route[] {
  const tables = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_MAIN, RT_TABLE_MAIN, RT_TABLE_DEFAULT];
  // A few base networks so prefixes nest and collide often; /0 and /32 included.
  const bases = Array.from({ length: 6 }, () => rng.nextU32());
  const routes: Route[] = [];
  for (let i = 0; i < n; i++) {
    const len = [0, 1, 8, 16, 24, 24, 28, 30, 31, 32, 32][Math.floor(rng.next() * 11)]!;
    const base = rng.next() < 0.8 ? bases[Math.floor(rng.next() * bases.length)]! ^ (rng.nextU32() & 0xff) : rng.nextU32();
    const r: Route = {
      table: tables[Math.floor(rng.next() * tables.length)]!, type: rng.next() < 0.2 ? 'local' : 'unicast',
      dst: { addr: (base & maskOf(len)) >>> 0, len }, ifindex: 2 + i, protocol: 3, scope: 'global', metric: Math.floor(rng.next() * 3), onlink: false,
    };
    insertRoute(routes, r);
  }
  return routes;
}

/** The reference: the per-table walk with an always-false filter, which takes the uncompiled path. */
function walk(fib: FibIndex, routes: readonly Route[], version: number, dst: number): Route | undefined {
  return fib.lookup(routes, version, dst, { skip: () => false });
}

describe('compiled FIB lookup', () => {
  it('matches the table walk on random tables, inside blocks and at their edges', () => {
    const rng = new Rng(7);
    let checked = 0;
    for (let round = 0; round < 60; round++) {
      const routes = randomRoutes(rng, 1 + Math.floor(rng.next() * 40));
      const fib = new FibIndex();
      const probes: number[] = [0, 0xffffffff];
      for (const r of routes) {
        const end = r.dst.addr + 2 ** (32 - r.dst.len) - 1;
        probes.push(r.dst.addr, end, (r.dst.addr - 1) >>> 0, (end + 1) >>> 0, r.dst.addr + Math.floor(rng.next() * (end - r.dst.addr + 1)));
      }
      for (let i = 0; i < 50; i++) probes.push(rng.nextU32());
      for (const dst of probes) {
        expect(fib.lookup(routes, round, dst), `round ${round} dst ${dst}`).toBe(walk(fib, routes, round, dst));
        expect(fib.lookupTable(RT_TABLE_LOCAL, dst), `local, round ${round} dst ${dst}`).toBe(fib.lookupTable(RT_TABLE_LOCAL, dst, { skip: () => false }));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('recompiles after a route change', () => {
    const routes: Route[] = [];
    const fib = new FibIndex();
    const r24: Route = { table: RT_TABLE_MAIN, type: 'unicast', dst: { addr: 0x0a000100, len: 24 }, ifindex: 2, protocol: 3, scope: 'global', metric: 0, onlink: false };
    insertRoute(routes, r24);
    expect(fib.lookup(routes, 1, 0x0a000105)).toBe(r24);
    const r32: Route = { ...r24, dst: { addr: 0x0a000105, len: 32 }, ifindex: 3 };
    insertRoute(routes, r32);
    expect(fib.lookup(routes, 2, 0x0a000105)).toBe(r32);
    expect(fib.lookup(routes, 2, 0x0a000106)).toBe(r24);
    routes.splice(routes.indexOf(r24), 1);
    expect(fib.lookup(routes, 3, 0x0a000106)).toBeUndefined();
    expect(fib.lookup(routes, 3, 0x0a000105)).toBe(r32);
  });
});

describe('FIB index kept current by single route changes', () => {
  it('answers what an index rebuilt from the route list answers, after every random add, replace and delete', () => {
    const rng = new Rng(11);
    const k = new Kernel({ node: 'n' });
    const tables = [RT_TABLE_MAIN, RT_TABLE_MAIN, RT_TABLE_DEFAULT, 100];
    const bases = Array.from({ length: 4 }, () => rng.nextU32());
    const live: { table: number; dst: { addr: number; len: number } }[] = [];
    let checked = 0;
    for (let op = 0; op < 800; op++) {
      const len = [0, 8, 16, 24, 24, 26, 32, 32][Math.floor(rng.next() * 8)]!;
      const dst = { addr: ((bases[Math.floor(rng.next() * bases.length)]! ^ (rng.nextU32() & 0x3ff)) & maskOf(len)) >>> 0, len };
      const table = tables[Math.floor(rng.next() * tables.length)]!;
      const roll = rng.next();
      if (roll < 0.3 && live.length > 0) {
        const victim = live.splice(Math.floor(rng.next() * live.length), 1)[0]!;
        try { k.delRoute({ dst: victim.dst, table: victim.table }); } catch { /* a replace may have merged two of ours */ }
      } else {
        const mode = roll < 0.45 ? 'replace' : 'add';
        try {
          k.addRoute({ table, type: rng.next() < 0.5 ? 'blackhole' : 'unreachable', dst, protocol: rng.next() < 0.5 ? RTPROT_BIRD : 80, scope: 'global', metric: Math.floor(rng.next() * 2), onlink: false }, mode);
          live.push({ table, dst });
        } catch (e) {
          expect((e as Error).message).toBe('RTNETLINK answers: File exists');
        }
      }
      // The list stays in dump order, and every lookup form agrees with a fresh index.
      let sorted = true;
      for (let i = 1; i < k.routes.length; i++) if (compareRoutes(k.routes[i - 1]!, k.routes[i]!) > 0) sorted = false;
      if (!sorted) expect.fail(`op ${op}: the route list left dump order`);
      const fresh = new FibIndex();
      const notBird = (r: Route): boolean => r.protocol === RTPROT_BIRD;
      for (let p = 0; p < 6; p++) {
        const probe = p < 3 ? (dst.addr + Math.floor(rng.next() * 4)) >>> 0 : rng.nextU32();
        if (k.route(probe) !== fresh.lookup(k.routes, 0, probe) || k.route(probe, { skip: notBird }) !== fresh.lookup(k.routes, 0, probe, { skip: notBird })) {
          expect.fail(`op ${op}: lookup of ${probe} differs from a rebuilt index`);
        }
        checked++;
      }
    }
    expect(k.routes.length).toBeGreaterThan(50);
    expect(checked).toBe(4800);
  });

  it('counts changes to proto bird routes apart from everyone else\'s (BIRD\'s kernel protocol reads both)', () => {
    const k = new Kernel({ node: 'n' });
    const bird0 = k.birdRoutesVersion;
    const other0 = k.foreignRoutesVersion;
    k.addRoute({ table: RT_TABLE_MAIN, type: 'blackhole', dst: { addr: 0x0a000000, len: 24 }, protocol: RTPROT_BIRD, scope: 'global', metric: 0, onlink: false }, 'add');
    expect([k.birdRoutesVersion - bird0, k.foreignRoutesVersion - other0]).toEqual([1, 0]);
    k.addRoute({ table: RT_TABLE_MAIN, type: 'blackhole', dst: { addr: 0x0a000100, len: 24 }, protocol: 80, scope: 'global', metric: 0, onlink: false }, 'add');
    expect([k.birdRoutesVersion - bird0, k.foreignRoutesVersion - other0]).toEqual([1, 1]);
    // Another protocol's route over ours: both counters move (ours is gone, theirs is new).
    k.addRoute({ table: RT_TABLE_MAIN, type: 'blackhole', dst: { addr: 0x0a000000, len: 24 }, protocol: 80, scope: 'global', metric: 0, onlink: false }, 'replace');
    expect([k.birdRoutesVersion - bird0, k.foreignRoutesVersion - other0]).toEqual([2, 2]);
  });
});
