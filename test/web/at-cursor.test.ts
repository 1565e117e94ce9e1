/**
 * The lab at the timeline cursor from a real run's events: the pods that existed then, the
 * tools' outputs then; and a bare topology (`podlab up TOPOLOGY`) gets Calico's own events,
 * so its BGP sessions and IPIP tunnels are drawn.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../engine/scenario/index.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { labEvents } from '../../engine/server/lab-events.ts';
import { buildTimeline } from '../../web/src/domain/timeline.ts';
import { podsAt, recordsLabState, snapshotsAt } from '../../web/src/domain/at-cursor.ts';
import { bgpSessionsAt, tunnelsAt } from '../../web/src/domain/overlays.ts';
import { podLabel, viewModel } from '../../web/src/domain/view-model.ts';

describe('the lab at the cursor', () => {
  it('has no pod at step 1, pod-a from step 2, both from step 3, and the inspector texts of each step', async () => {
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const r = await runScenario(l.scenario!, l.topology!, { snapshots: true });
    expect(recordsLabState(r.events)).toBe(true);
    const steps = buildTimeline(r.events).steps;
    expect(podsAt(r.events, steps[0]!.lastSeq)).toEqual([]);
    expect(podsAt(r.events, steps[1]!.lastSeq).map((p) => [p.name, p.host, p.iface])).toEqual([['pod-a.default.master-01', 'master-01', 'eth0']]);
    expect(podsAt(r.events, steps[2]!.lastSeq).map((p) => p.name)).toEqual(['pod-a.default.master-01', 'pod-b.default.worker-01']);
    expect(podsAt(r.events, Infinity)).toHaveLength(2); // a replay's end: the pods of the recording
    // Drawn under their node by their kubectl name, not cut off as `pod-a.default.mas…`.
    const pods = viewModel(r.topology, podsAt(r.events, Infinity)).nodes.filter((n) => n.role === 'pod');
    expect(pods.map((n) => [n.id, n.label])).toEqual([['pod-a.default.master-01', 'pod-a'], ['pod-b.default.worker-01', 'pod-b']]);
    expect(podLabel('web.shop.worker-01', 'worker-01')).toBe('shop/web');
    expect(podLabel('netns-1', 'worker-01')).toBeUndefined();
    const at1 = snapshotsAt(r.events, 'master-01', steps[0]!.lastSeq);
    expect(at1.get('ip addr')!.text).not.toContain('cali');
    expect(at1.get('birdc show protocols')!.text).toMatch(/Mesh_10_30_200_2 .*Established/);
    expect(snapshotsAt(r.events, 'master-01', steps[1]!.lastSeq).get('ip addr')!.text).toContain('cali');
  });

  it('gives a bare topology its BGP sessions and IPIP tunnels from Calico\'s events', async () => {
    const t = (await loadTopology('topologies/two-nodes.yaml')).topology!;
    const lab = SimLab.deploy(t);
    const c = await startCalico(lab);
    c.converge();
    const feed = labEvents(lab);
    try {
      expect(bgpSessionsAt(feed.events, Infinity, t)).toEqual([expect.objectContaining({ id: 'master-01~worker-01', health: 'up' })]);
      expect(tunnelsAt(feed.events, Infinity, [], Infinity, t)).toEqual([expect.objectContaining({ id: 'master-01~worker-01~ipip', route: true })]);
    } finally {
      feed.close();
    }
  });
});
