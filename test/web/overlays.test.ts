/**
 * Topology overlays from real runs: BGP sessions (state at the cursor, iBGP vs eBGP, the ToR
 * that reflects to its rack's nodes), tunnels from routes and from traffic, and the arcs'
 * geometry (pure numbers).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadScenario, runScenario, type RunResult } from '../../engine/scenario/index.ts';
import { runScenarioLive } from '../../engine/cli/ui-serve.ts';
import { buildTimeline } from '../../web/src/domain/timeline.ts';
import { bgpRoles, bgpSessionsAt, healthOf, tunnelsAt } from '../../web/src/domain/overlays.ts';
import { mergePatch } from '../../engine/calico/cluster/cluster.ts';
import type { PodlabEvent } from '../../engine/events.ts';
import { arcGeometry, boxExit } from '../../web/src/layout/overlays.ts';
import type { HopEvent } from '../../engine/server/api-types.ts';

async function run(file: string): Promise<RunResult> {
  const l = await loadScenario(file);
  if (!l.scenario) throw new Error(JSON.stringify(l.problems));
  return runScenario(l.scenario, l.topology);
}

describe('BGP session overlay', () => {
  it('follows the session through its states, worst end first', async () => {
    const r = await run('scenarios/ipip-vs-bgp.yaml');
    const firstEvent = r.events.find((e) => e.type === 'calico.bgp-session')!;
    const early = bgpSessionsAt(r.events, firstEvent.seq, r.topology);
    // master-01 went Idle → Active first; worker-01 has not reported yet.
    expect(early).toEqual([expect.objectContaining({ a: 'master-01', b: 'worker-01', health: 'connecting', states: { 'master-01': 'Active' }, ebgp: false })]);
    const end = bgpSessionsAt(r.events, Infinity, r.topology);
    expect(end).toEqual([expect.objectContaining({ id: 'master-01~worker-01', health: 'up', states: { 'master-01': 'Established', 'worker-01': 'Established' }, names: ['Mesh_10_30_200_1', 'Mesh_10_30_200_2'] })]);
    expect(end[0]!.reflector).toBeUndefined();
    expect([healthOf('Idle'), healthOf('Connect'), healthOf('OpenConfirm'), healthOf('Established')]).toEqual(['down', 'connecting', 'connecting', 'up']);
  });

  it('tells eBGP from iBGP and the ToR that reflects to its rack (AS per rack)', async () => {
    const r = await run('scenarios/tor-peering.yaml');
    const s = bgpSessionsAt(r.events, Infinity, r.topology);
    const byId = new Map(s.map((x) => [x.id, x]));
    expect(byId.get('leaf1~node-1a')).toMatchObject({ health: 'up', ebgp: false, reflector: 'leaf1' });
    expect(byId.get('leaf1~spine1')).toMatchObject({ health: 'up', ebgp: true });
    expect(byId.get('leaf1~spine1')!.reflector).toBeUndefined();
  });

  it('shows a stopped reflector\'s sessions as not Established', async () => {
    const r = await run('scenarios/route-reflectors.yaml');
    const s = bgpSessionsAt(r.events, Infinity, r.topology);
    const rr1 = s.filter((x) => x.a === 'rr-01' || x.b === 'rr-01');
    expect(rr1.length).toBeGreaterThan(0);
    expect(rr1.every((x) => x.health !== 'up')).toBe(true);
    expect(s.filter((x) => x.b === 'rr-02' && x.a.startsWith('node-')).every((x) => x.health === 'up')).toBe(true);
  });
});

describe('route reflectors made at run time (calico.resource events)', () => {
  it('draws reflector → client arrows only from the step that patched the Nodes on', async () => {
    const r = await run('scenarios/route-reflectors.yaml');
    const tl = buildTimeline(r.events);
    const end = (title: string) => tl.steps.find((s) => s.title === title)!.lastSeq;
    // Before the patches: no reflector anywhere (the topology file has none).
    expect(bgpRoles(r.topology, r.events, end('A pod on node-04')).clusterId.size).toBe(0);
    expect(bgpSessionsAt(r.events, end('A pod on node-04'), r.topology).some((x) => x.reflector)).toBe(false);
    // After the first patch: rr-01 alone.
    expect([...bgpRoles(r.topology, r.events, end('Make rr-01 a route reflector')).clusterId]).toEqual([['rr-01', '244.0.0.1']]);
    const both = new Map(bgpSessionsAt(r.events, end('Both kinds of session are up'), r.topology).map((x) => [x.id, x]));
    expect(both.get('node-01~rr-01')).toMatchObject({ health: 'up', reflector: 'rr-01' });
    expect(both.get('node-04~rr-02')).toMatchObject({ health: 'up', reflector: 'rr-02' });
    expect(both.get('node-01~node-04')!.reflector).toBeUndefined(); // still the mesh
    expect(both.get('rr-01~rr-02')!.reflector).toBeUndefined(); // same cluster ID: peers, not clients
    // The same sessions with the topology's roles alone have no arrows: the events made them.
    const roleless = bgpSessionsAt(r.events.filter((e) => e.type !== 'calico.resource'), end('Both kinds of session are up'), r.topology);
    expect(roleless.some((x) => x.reflector)).toBe(false);
  });

  it('ends a reflector role when a later patch drops the cluster ID or the Node is deleted', async () => {
    const r = await run('scenarios/route-reflectors.yaml');
    const patched = r.events.find((e) => e.type === 'calico.resource' && e.name === 'rr-01')!;
    if (patched.type !== 'calico.resource') throw new Error('unreachable');
    const last = r.events.at(-1)!.seq;
    const later = (body: Record<string, unknown>): PodlabEvent[] => [...r.events, { ...body, seq: last + 1, t: r.events.at(-1)!.t, step: 0 } as unknown as PodlabEvent];
    const dropped = mergePatch(patched.manifest, { spec: { bgp: { routeReflectorClusterID: null } } });
    const afterDrop = bgpRoles(r.topology, later({ type: 'calico.resource', kind: 'Node', name: 'rr-01', action: 'patched', manifest: dropped }), Infinity);
    expect([...afterDrop.clusterId.keys()]).toEqual(['rr-02']);
    const afterDelete = bgpRoles(r.topology, later({ type: 'calico.resource', kind: 'Node', name: 'rr-01', action: 'deleted' }), Infinity);
    expect([...afterDelete.clusterId.keys()]).toEqual(['rr-02']);
    expect([...bgpRoles(r.topology, r.events, Infinity).clusterId.keys()].sort()).toEqual(['rr-01', 'rr-02']);
  });
});

describe('tunnel overlay', () => {
  it('draws IPIP from the routes once BIRD learned the block, from traffic during the ping, and not once IPIP is off', async () => {
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const live = await runScenarioLive(l.scenario!, l.topology!);
    const hops: HopEvent[] = live.feed.hopsSince(0, 1e6);
    const tl = buildTimeline(live.result.events);
    const at = (title: string) => tl.steps.find((s) => s.title === title)!;
    const t = (title: string) => tunnelsAt(live.result.events, at(title).lastSeq, hops, at(title).tEnd, live.result.topology, at(title).tStart);
    expect(t('The routes on master-01 (IPIP Always)')).toEqual([{ id: 'master-01~worker-01~ipip', a: 'master-01', b: 'worker-01', kind: 'ipip', traffic: false, route: true }]);
    expect(t('Pod to pod, wrapped in IPIP')).toEqual([expect.objectContaining({ kind: 'ipip', traffic: true, route: true })]);
    expect(t('Turn encapsulation off')).toEqual([]);
    expect(t('The same ping, unencapsulated')).toEqual([]);
    expect(tunnelsAt(live.result.events, at('The routes on master-01 (IPIP Always)').lastSeq, [], 0, live.result.topology)[0]!.traffic).toBe(false);
    live.feed.close();
  });

  it('finds VXLAN peers through the blocks Felix blackholes (the next hop is a VTEP address, not a node address)', async () => {
    const r = await run('scenarios/vxlan.yaml');
    expect(tunnelsAt(r.events, Infinity, [], Infinity, r.topology)).toEqual([{ id: 'master-01~worker-01~vxlan', a: 'master-01', b: 'worker-01', kind: 'vxlan', traffic: false, route: true }]);
  });
});

describe('overlay arcs', () => {
  it('leave and enter the node boxes at their edges', () => {
    expect(boxExit({ x: 0, y: 0 }, { x: 100, y: 0 }, 64, 22)).toEqual({ x: 64, y: 0 });
    expect(boxExit({ x: 0, y: 0 }, { x: 0, y: -100 }, 64, 22)).toEqual({ x: 0, y: -22 });
    expect(boxExit({ x: 0, y: 0 }, { x: 10, y: 5 }, 64, 22)).toEqual({ x: 10, y: 5 }); // target inside the box
    const g = arcGeometry({ x: 0, y: 0 }, { x: 400, y: 0 }, 0.2, 64, 22);
    expect(g.d.startsWith('M')).toBe(true);
    expect(g.mid.y).toBeGreaterThan(0); // bowed to the left of a→b (SVG y grows downwards)
    expect(arcGeometry({ x: 0, y: 0 }, { x: 400, y: 0 }, -0.2, 64, 22).mid.y).toBeLessThan(0);
  });

  it('always start on the edge of box a and end on the edge of box b (property)', () => {
    const pt = fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -2000, max: 2000 }) });
    fc.assert(fc.property(pt, pt, fc.double({ min: -0.4, max: 0.4, noNaN: true }), (a, b, bend) => {
      fc.pre(Math.abs(a.x - b.x) > 140 || Math.abs(a.y - b.y) > 50); // boxes apart
      const g = arcGeometry(a, b, bend, 64, 22);
      const onEdge = (c: { x: number; y: number }, p: { x: number; y: number }) =>
        Math.abs(Math.max(Math.abs(p.x - c.x) / 64, Math.abs(p.y - c.y) / 22) - 1) < 1e-9;
      return onEdge(a, g.start) && onEdge(b, g.end);
    }));
  });
});
