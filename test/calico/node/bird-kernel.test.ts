/**
 * The incremental kernel protocol (bird-kernel.ts) must leave the kernel exactly as a full
 * pass over the whole Loc-RIB would (desiredKernelRoutes + syncKernelRoutes, the definition),
 * after any mix of best-path changes, next-hop resolution changes (other routes added and
 * removed), hand deletions of its routes and refusals — while touching only what changed.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/sim/clock.ts';
import { runTool } from '../../../engine/sim/tools/index.ts';
import type { Route as BgpRoute } from '../../../engine/bgp/index.ts';
import { BirdKernelProtocol } from '../../../engine/calico/node/bird-kernel.ts';
import type { BestPaths } from '../../../engine/calico/node/bird-kernel.ts';
import { desiredKernelRoutes, syncKernelRoutes } from '../../../engine/calico/node/index.ts';
import type { BirdKernelRoute } from '../../../engine/calico/node/index.ts';
import { RTPROT_BIRD } from '../../../engine/sim/types.ts';
import { kernelDecision } from '../../../engine/calico/confd/filters.ts';
import type { BgpIntent, KernelRule } from '../../../engine/calico/confd/types.ts';
import type { Kernel } from '../../../engine/sim/kernel.ts';
import { routeNode, learnedRoute } from '../../support/route-node.ts';

/** A Loc-RIB stand-in: prefix → best path. */
class Rib implements BestPaths {
  readonly best = new Map<string, BgpRoute>();
  get(prefix: string): { best: BgpRoute | undefined } | undefined {
    const b = this.best.get(prefix);
    return b ? { best: b } : undefined;
  }
  *destinations(): Iterable<{ prefix: string; best: BgpRoute | undefined }> {
    for (const [prefix, best] of this.best) yield { prefix, best };
  }
}

function birdRoutes(k: Kernel): string[] {
  return runTool(k, 'ip route show proto bird').stdout.split('\n').filter(Boolean).sort();
}

describe('BIRD kernel protocol, incremental', () => {
  it('matches a full pass after every random step, and a quiet pass changes nothing', () => {
    const rng = new Rng(5);
    const k = routeNode();
    const ref = routeNode();
    const rib = new Rib();
    const bk = new BirdKernelProtocol(k);
    const refInstalled = new Map<string, BirdKernelRoute>();
    const nextHops = ['10.1.1.12', '10.1.1.13', '10.0.2.1', '10.0.3.1', '10.9.0.1'];
    const foreign = ['10.0.2.0/24 via 10.1.1.2', '10.0.3.0/24 via 10.1.1.3', '10.9.0.0/16 via 10.1.1.4'];
    let incrementalChanges = 0;
    for (let step = 0; step < 300; step++) {
      const roll = rng.next();
      if (roll < 0.6) {
        // A best path changes (or goes).
        const prefix = `10.5.${Math.floor(rng.next() * 40)}.0/26`;
        if (rng.next() < 0.25) rib.best.delete(prefix);
        else rib.best.set(prefix, learnedRoute(prefix, nextHops[Math.floor(rng.next() * nextHops.length)]!));
        bk.routeChanged(prefix);
      } else if (roll < 0.85) {
        // Another protocol's route appears or goes: next hops behind it resolve differently.
        const f = foreign[Math.floor(rng.next() * foreign.length)]!;
        for (const x of [k, ref]) {
          const has = runTool(x, `ip route show ${f.split(' ')[0]}`).stdout.trim() !== '';
          runTool(x, has ? `ip route del ${f.split(' ')[0]}` : `ip route add ${f} dev eth0`);
        }
      } else if (roll < 0.93) {
        // Someone deletes one of BIRD's routes by hand.
        const mine = k.routes.find((r) => r.protocol === RTPROT_BIRD);
        if (mine) {
          const dst = `${mine.dst.addr >>> 24}.${(mine.dst.addr >>> 16) & 255}.${(mine.dst.addr >>> 8) & 255}.${mine.dst.addr & 255}/${mine.dst.len}`;
          expect(runTool(k, `ip route del ${dst} proto bird`).code).toBe(0);
        }
      }
      const changes = bk.sync(undefined, rib);
      incrementalChanges += changes.length;
      syncKernelRoutes(ref, refInstalled, desiredKernelRoutes(ref.state, undefined, [...rib.best.values()]));
      // The reference never saw the hand deletions: bring it back in line with the same full pass.
      const want = birdRoutes(ref);
      expect(birdRoutes(k), `step ${step}`).toEqual(want);
      expect([...bk.installed.keys()].sort()).toEqual([...refInstalled.keys()].sort());
      expect(bk.sync(undefined, rib)).toEqual([]);
    }
    expect(incrementalChanges).toBeGreaterThan(100);
    expect(k.routes.filter((r) => r.protocol === RTPROT_BIRD).length).toBeGreaterThan(10);
  });

  it('a pass after one best-path change touches that prefix only', () => {
    const k = routeNode();
    const rib = new Rib();
    const bk = new BirdKernelProtocol(k);
    for (let i = 0; i < 50; i++) rib.best.set(`10.5.${i}.0/26`, learnedRoute(`10.5.${i}.0/26`, '10.1.1.12'));
    expect(bk.sync(undefined, rib)).toHaveLength(50);
    const before = k.routesVersion;
    rib.best.set('10.5.7.0/26', learnedRoute('10.5.7.0/26', '10.0.3.1'));
    bk.routeChanged('10.5.7.0/26');
    const ch = bk.sync(undefined, rib);
    expect(ch.map((c) => [c.action, c.route.dst, c.route.gateway])).toEqual([['replace', '10.5.7.0/26', '10.1.1.1']]);
    expect(k.routesVersion - before).toBe(1);
  });

  it('a route the kernel refuses is reported and retried by the next pass', () => {
    const k = routeNode();
    const rib = new Rib();
    const bk = new BirdKernelProtocol(k);
    // Another protocol's route holds the prefix: BIRD's add fails with EEXIST.
    expect(runTool(k, 'ip route add 10.5.1.0/26 via 10.1.1.9 dev eth0 proto 80').code).toBe(0);
    rib.best.set('10.5.1.0/26', learnedRoute('10.5.1.0/26', '10.1.1.12'));
    bk.routeChanged('10.5.1.0/26');
    expect(bk.sync(undefined, rib).map((c) => [c.action, c.error])).toEqual([['error', 'RTNETLINK answers: File exists']]);
    expect(runTool(k, 'ip route del 10.5.1.0/26').code).toBe(0);
    expect(bk.sync(undefined, rib).map((c) => c.action)).toEqual(['add']);
    expect(birdRoutes(k)).toEqual([expect.stringMatching(/^10\.5\.1\.0\/26 via 10\.1\.1\.12 dev eth0 proto bird/)]);
  });

  it('nodes whose kernel rules differ decide apart; nodes whose rules are alike share the route', () => {
    // Decisions are shared across nodes by their kernel rules: the same prefix and next hop
    // must still get each node's own decision (in-subnet CrossSubnet, a plain pool, VXLAN).
    const intentOf = (kernelRules: KernelRule[]): BgpIntent =>
      ({ blackholes: [], pools: [], communities: [], blocks: [], staticRoutes: [], rrLoadBalancerIPs: [], kernelRules }) as unknown as BgpIntent;
    const cross = (): BgpIntent => intentOf([{ cidr: '10.5.0.0/16', action: 'cross-subnet', network: '10.1.1.0/24', tunnel: 'tunl0' }]);
    const intents = [
      cross(),
      intentOf([{ cidr: '10.5.0.0/16', action: 'tunnel', tunnel: '' }]),
      intentOf([{ cidr: '10.5.0.0/16', action: 'reject-vxlan' }]),
      cross(),
    ];
    const rib = new Rib();
    for (let i = 0; i < 5; i++) rib.best.set(`10.5.${i}.0/26`, learnedRoute(`10.5.${i}.0/26`, '10.1.1.12'));
    const changes = intents.map((intent) => {
      const k = routeNode();
      const ch = new BirdKernelProtocol(k).sync(intent, rib);
      const ref = routeNode();
      syncKernelRoutes(ref, new Map(), desiredKernelRoutes(ref.state, intent, [...rib.best.values()]));
      expect(birdRoutes(k)).toEqual(birdRoutes(ref));
      return ch;
    });
    for (const [n, intent] of intents.entries()) {
      const want = kernelDecision(intent, '10.5.3.0/26', '10.1.1.12');
      expect(changes[n]!.map((c) => c.route.reason)).toEqual(want.install ? Array(5).fill(want.reason) : []);
    }
    expect(changes[0]![0]!.route.reason).toMatch(/^CrossSubnet pool 10\.5\.0\.0\/16: next hop 10\.1\.1\.12 is in/);
    expect(changes[1]![0]!.route.reason).toBe('pool 10.5.0.0/16 without IPIP');
    // Alike rules from another intent object: the very same route.
    expect(changes[3]![2]!.route).toBe(changes[0]![2]!.route);
  });
});
