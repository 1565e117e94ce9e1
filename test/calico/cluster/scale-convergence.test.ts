/**
 * The incremental control plane on a generated route-reflector fabric (bench/scale/fabric.ts):
 * the convergence counters agree with the all-pairs scan at every simulated event
 * (checkConvergence), every node learns every other node's block as a `proto bird` route on
 * tunl0, and a pod added later reaches Felix on its own node only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalicoCluster } from '../../../engine/calico/cluster/cluster.ts';
import { scanConverged } from '../../../engine/calico/cluster/convergence.ts';
import { affinityPrefix, parseAffinityKey } from '../../../engine/calico/datastore/index.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../../engine/runtime/sim/calico.ts';
import { generateRrFabric, nodeName, podPlacement } from '../../../bench/scale/fabric.ts';

const N = 60;

describe(`a ${N}-node route-reflector fabric`, () => {
  let lab: SimLab;
  let c: CalicoCluster;
  let conv: { converged: boolean };
  const reports: { pendingSessions: number; missingRoutes: number; virtualMs: number }[] = [];
  const before = CalicoCluster.checkConvergence;
  beforeAll(async () => {
    CalicoCluster.checkConvergence = true;
    lab = SimLab.deploy(generateRrFabric(N), { captureAll: false });
    c = await startCalico(lab);
    for (const [node, pod] of podPlacement(N, N)) await c.addPod(node, 'default', pod, { app: pod });
    conv = c.converge(120_000, (p) => reports.push(p), 0);
  }, 120_000);
  afterAll(() => { CalicoCluster.checkConvergence = before; });

  it('converges, and the counters say so exactly when the all-pairs scan does', () => {
    expect(conv.converged).toBe(true);
    expect(scanConverged([...c.agents.values()], [...c.routers.values()].map((r) => r.speaker))).toBe(true);
  });

  it('reports its progress while converging (what podlab up prints for big fabrics)', () => {
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[0]!.pendingSessions + reports[0]!.missingRoutes).toBeGreaterThan(0);
    for (const r of reports) expect(r.pendingSessions >= 0 && r.missingRoutes >= 0 && r.missingRoutes <= N * (N - 1)).toBe(true);
    expect(reports.map((r) => r.virtualMs)).toEqual([...reports.map((r) => r.virtualMs)].sort((a, b) => a - b));
  });

  it("every node routes every other node's block via its address on tunl0 (BIRD's routes)", async () => {
    const blocks = new Map<string, string>();
    for (let i = 0; i < N; i++) {
      const n = nodeName(i);
      const r = await c.ds.list(affinityPrefix(n, 4));
      for (const kv of r.kvs) blocks.set(parseAffinityKey(kv.key)!.cidr, n);
    }
    expect(blocks.size).toBeGreaterThanOrEqual(N);
    for (const i of [0, 2, N - 1]) {
      const me = nodeName(i);
      const routes = lab.exec(me, 'ip route').stdout;
      for (const [cidr, owner] of blocks) {
        if (owner === me) continue;
        const ip = (lab.topology.nodes.find((x) => x.name === owner)!.interfaces[0]!.address!);
        const addr = `${ip.addr >>> 24}.${(ip.addr >>> 16) & 255}.${(ip.addr >>> 8) & 255}.${ip.addr & 255}`;
        expect(routes).toContain(`${cidr} via ${addr} dev tunl0 proto bird onlink`);
      }
    }
  });

  it('a pod added on one node runs Felix there and nowhere else; confd runs nowhere (the block was claimed)', async () => {
    const seen = new Map<string, Set<string>>();
    const off = c.on((e) => {
      if (e.type !== 'felix' && e.type !== 'confd') return;
      if (!seen.has(e.type)) seen.set(e.type, new Set());
      seen.get(e.type)!.add(e.node);
    });
    await c.addPod(nodeName(5), 'default', 'late', { app: 'late' });
    off();
    expect([...(seen.get('felix') ?? [])]).toEqual([nodeName(5)]);
    expect(seen.get('confd')).toBeUndefined();
    expect(c.converge(10_000).converged).toBe(true);
  });
});
