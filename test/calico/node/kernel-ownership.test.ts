/**
 * BIRD's kernel protocol owns exactly `proto bird` routes: after a pool switch Felix's
 * `proto 80` blackhole for the same block must survive BIRD withdrawing its own; BIRD never
 * overwrites another protocol's route; a stale `proto bird` route (a previous BIRD's) is
 * BIRD's to remove. And `learn`: alien routes the export filter lets out (a borrowed /32 on a
 * cali device) are what the node exports, its own pods' /32s are not.
 */
import { describe, expect, it } from 'vitest';
import { runTool } from '../../../engine/sim/tools/index.ts';
import { learnedExports, syncKernelRoutes } from '../../../engine/calico/node/index.ts';
import type { BirdKernelRoute } from '../../../engine/calico/node/index.ts';
import { computeBgpIntent, confdInputFromResources } from '../../../engine/calico/confd/index.ts';
import { buildResourceSet } from '../../../engine/calico/resources/index.ts';
import { routeNode } from '../../support/route-node.ts';

const sh = (k: ReturnType<typeof routeNode>, c: string): string => {
  const r = runTool(k, c);
  if (r.code !== 0) throw new Error(`${c}: ${r.stderr}`);
  return r.stdout;
};

const blackhole = (dst: string): BirdKernelRoute => ({ dst, type: 'blackhole', onlink: false, reason: 'static blackhole' });

describe('kernel protocol: owns proto bird, nothing else', () => {
  it('IPIP → VXLAN: BIRD withdrawing its blackhole leaves Felix\'s proto 80 one alone', () => {
    const k = routeNode();
    const installed = new Map<string, BirdKernelRoute>();
    const want = new Map([['10.5.1.0/26', blackhole('10.5.1.0/26')]]);
    expect(syncKernelRoutes(k, installed, want).map((c) => c.action)).toEqual(['add']);
    expect(sh(k, 'ip route')).toContain('blackhole 10.5.1.0/26 proto bird');
    // The pool turns VXLAN: Felix programs its blackhole first (same prefix, replaces BIRD's)…
    sh(k, 'ip route replace blackhole 10.5.1.0/26 proto 80');
    // …then BIRD's filter rejects VXLAN pools: its route goes, and it is not BIRD's any more.
    expect(syncKernelRoutes(k, installed, new Map())).toEqual([]);
    expect(sh(k, 'ip route')).toContain('blackhole 10.5.1.0/26 proto 80');
    expect(installed.size).toBe(0);
  });

  it('never overwrites another protocol\'s route: the add fails (File exists) and is retried', () => {
    const k = routeNode();
    sh(k, 'ip route add 10.5.2.0/26 via 10.1.1.12 dev eth0 proto 80 onlink');
    const installed = new Map<string, BirdKernelRoute>();
    const r: BirdKernelRoute = { dst: '10.5.2.0/26', type: 'unicast', gateway: '10.1.1.13', dev: 'eth0', onlink: false, reason: 'learned' };
    const ch = syncKernelRoutes(k, installed, new Map([[r.dst, r]]));
    expect(ch.map((c) => c.action)).toEqual(['error']);
    expect(ch[0]!.error).toMatch(/File exists/);
    expect(sh(k, 'ip route')).toContain('10.5.2.0/26 via 10.1.1.12 dev eth0 proto 80 onlink');
    sh(k, 'ip route del 10.5.2.0/26');
    expect(syncKernelRoutes(k, installed, new Map([[r.dst, r]])).map((c) => c.action)).toEqual(['add']);
    expect(sh(k, 'ip route')).toContain('10.5.2.0/26 via 10.1.1.13 dev eth0 proto bird');
  });

  it('a proto bird route it did not install in this run (a previous BIRD\'s) is removed', () => {
    const k = routeNode();
    sh(k, 'ip route add 10.5.3.0/26 via 10.1.1.12 dev eth0 proto bird');
    sh(k, 'ip route add 10.5.4.0/26 via 10.1.1.12 dev eth0 proto static');
    const ch = syncKernelRoutes(k, new Map(), new Map());
    expect(ch.map((c) => `${c.action} ${c.route.dst}`)).toEqual(['delete 10.5.3.0/26']);
    expect(sh(k, 'ip route')).not.toContain('10.5.3.0/26');
    expect(sh(k, 'ip route')).toContain('10.5.4.0/26 via 10.1.1.12 dev eth0 proto static');
  });
});

describe('kernel protocol: learn', () => {
  it('a borrowed /32 on a cali device is exported; own pods, tunnel routes and BGP-carried prefixes are not', () => {
    const k = routeNode();
    for (const dev of ['cali0000000001', 'cali0000000002']) {
      sh(k, `ip link add ${dev} type veth peer name p${dev.slice(-2)}`);
      sh(k, `ip link set ${dev} up`);
    }
    sh(k, 'ip link add vxlan.calico type vxlan id 4096 dstport 4789 dev eth0');
    sh(k, 'ip link set vxlan.calico up');
    sh(k, 'ip route add 10.5.0.5/32 dev cali0000000001 scope link'); // own block: aggregated
    sh(k, 'ip route add 10.5.0.70/32 dev cali0000000002 scope link'); // borrowed from another node's block
    sh(k, 'ip route add 10.5.0.128/26 via 10.5.0.128 dev vxlan.calico onlink'); // Felix's VXLAN route
    sh(k, 'ip route add 10.5.0.200/32 dev cali0000000002 scope link'); // BGP also carries it
    const yaml = [
      { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', name: 'p', manifest: { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.5.0.0/16' } }, loc: { file: 't', line: 1, col: 1 } },
      { apiVersion: 'projectcalico.org/v3', kind: 'Node', name: 'n1', manifest: { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'n1' }, spec: { bgp: { ipv4Address: '10.1.1.11/24' } } }, loc: { file: 't', line: 1, col: 1 } },
    ];
    const { set } = buildResourceSet(yaml);
    const intent = computeBgpIntent(confdInputFromResources(set, { blocks: { n1: [{ cidr: '10.5.0.0/26', state: 'confirmed' }] } }), 'n1');
    const learned = learnedExports(k.state, intent, (p) => p === '10.5.0.200/32');
    expect([...learned]).toEqual([['10.5.0.70/32', 'cali0000000002']]);
  });
});
