/**
 * BIRD's kernel protocol as calico-node runs it: recursive next-hop resolution through the
 * kernel's table (never through BIRD's own routes), and programming that only touches its
 * own routes, reports what the kernel refuses and retries it on the next sync.
 */
import { describe, expect, it } from 'vitest';
import { runTool } from '../../../engine/sim/tools/index.ts';
import { birdRouteText, desiredKernelRoutes, resolveNextHop, syncKernelRoutes } from '../../../engine/calico/node/index.ts';
import type { BirdKernelRoute } from '../../../engine/calico/node/index.ts';
import { routeNode, learnedRoute } from '../../support/route-node.ts';

describe('resolveNextHop (gateway recursive)', () => {
  it('a connected next hop is used as is; one behind the default route resolves to its gateway', () => {
    const k = routeNode();
    expect(resolveNextHop(k.state, '10.1.1.12')).toEqual({ gateway: '10.1.1.12', dev: 'eth0' });
    expect(resolveNextHop(k.state, '10.0.1.0')).toEqual({ gateway: '10.1.1.1', dev: 'eth0' });
  });

  it('never resolves through proto bird routes (BIRD does not recurse through its own table)', () => {
    const k = routeNode();
    expect(runTool(k, 'ip route add 10.0.1.0/31 via 10.1.1.99 dev eth0 proto bird').code).toBe(0);
    expect(resolveNextHop(k.state, '10.0.1.0')).toEqual({ gateway: '10.1.1.1', dev: 'eth0' });
    expect(runTool(k, 'ip route del default').code).toBe(0);
    expect(resolveNextHop(k.state, '10.0.1.0')).toBeUndefined();
  });
});

describe('desiredKernelRoutes + syncKernelRoutes', () => {
  it('a router (no Calico intent) installs learned routes with resolved gateways, and withdraws them', () => {
    const k = routeNode();
    const installed = new Map<string, BirdKernelRoute>();
    const want = desiredKernelRoutes(k.state, undefined, [learnedRoute('10.5.1.0/26', '10.1.1.12'), learnedRoute('10.5.2.0/26', '10.0.2.0')]);
    const ch = syncKernelRoutes(k, installed, want);
    expect(ch.map((c) => c.action)).toEqual(['add', 'add']);
    const text = runTool(k, 'ip route').stdout;
    expect(text).toContain('10.5.1.0/26 via 10.1.1.12 dev eth0 proto bird');
    expect(text).toContain('10.5.2.0/26 via 10.1.1.1 dev eth0 proto bird');
    // Same state again: nothing to do.
    expect(syncKernelRoutes(k, installed, want)).toEqual([]);
    // Withdrawn: removed, and a hand-made route of another protocol stays.
    expect(runTool(k, 'ip route add 192.0.2.0/24 via 10.1.1.1').code).toBe(0);
    expect(syncKernelRoutes(k, installed, new Map()).map((c) => c.action)).toEqual(['delete', 'delete']);
    expect(runTool(k, 'ip route').stdout).not.toContain('10.5.');
    expect(runTool(k, 'ip route').stdout).toContain('192.0.2.0/24 via 10.1.1.1 dev eth0');
  });

  it('a route the kernel refuses (tunl0 not created yet) is reported and installed by a later sync', () => {
    const k = routeNode();
    const installed = new Map<string, BirdKernelRoute>();
    const r: BirdKernelRoute = { dst: '10.5.3.0/26', type: 'unicast', gateway: '10.1.1.13', dev: 'tunl0', onlink: true, reason: 'IPIP pool' };
    const want = new Map([[r.dst, r]]);
    const first = syncKernelRoutes(k, installed, want);
    expect(first[0]!.action).toBe('error');
    expect(installed.size).toBe(0);
    expect(runTool(k, 'ip tunnel add tunl0 mode ipip').code).toBe(0);
    expect(runTool(k, 'ip link set tunl0 up').code).toBe(0);
    expect(syncKernelRoutes(k, installed, want).map((c) => c.action)).toEqual(['add']);
    expect(runTool(k, 'ip route').stdout).toContain('10.5.3.0/26 via 10.1.1.13 dev tunl0 proto bird onlink');
  });
});

describe('birdRouteText', () => {
  it('prints each route as ip route does, also when the text was made before for equal fields', () => {
    const via = (dst: string, gateway: string, onlink: boolean): BirdKernelRoute => ({ dst, type: 'unicast', gateway, dev: onlink ? 'tunl0' : 'eth0', onlink, reason: 'r' });
    const a = birdRouteText(via('10.244.1.0/26', '10.1.1.12', true));
    expect(a).toBe('10.244.1.0/26 via 10.1.1.12 dev tunl0 proto bird onlink');
    // Built again from other objects (another node installing the same block): the remembered text.
    expect(birdRouteText(via(`10.244.1.0/${26}`, `10.1.1.${12}`, true))).toBe(a);
    expect(birdRouteText(via('10.244.1.0/26', '10.1.1.12', false))).toBe('10.244.1.0/26 via 10.1.1.12 dev eth0 proto bird');
    expect(birdRouteText(via('10.244.1.0/26', '10.1.1.13', true))).toBe('10.244.1.0/26 via 10.1.1.13 dev tunl0 proto bird onlink');
    expect(birdRouteText({ dst: '10.244.1.0/26', type: 'blackhole', onlink: false, reason: 'r' })).toBe('blackhole 10.244.1.0/26 proto bird');
  });
});
