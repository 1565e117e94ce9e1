/**
 * Pods created together (CalicoCluster.addPods, a batch()): CNI ADD of each, then one settle.
 * The result must be the one of adding them one by one — every namespace's routes, every
 * node's filter table — while each Felix programs its node's new endpoints in one pass
 * instead of one pass per pod.
 */
import { describe, expect, it } from 'vitest';
import type { CalicoCluster } from '../../../engine/calico/cluster/cluster.ts';
import { formatIPv4 } from '../../../engine/net/ip.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../../engine/runtime/sim/calico.ts';
import { generateRrFabric, podPlacement } from '../../../bench/scale/fabric.ts';

const N = 6;
const PODS = 24;

/** Every namespace's routes and every k8s node's iptables-save, as text. */
function state(lab: SimLab, c: CalicoCluster): string {
  const out: string[] = [];
  for (const name of lab.world.nodeNames().sort()) {
    const k = lab.world.node(name);
    out.push(`## ${name}`, ...k.routes.map((r) => `${r.table} ${r.type} ${formatIPv4(r.dst.addr)}/${r.dst.len} ${r.gateway === undefined ? '-' : formatIPv4(r.gateway)} ${r.ifindex ?? '-'} ${r.protocol}`).sort());
  }
  for (const n of c.agents.keys()) out.push(`## ${n} iptables`, lab.exec(n, 'iptables-save -t filter').stdout.replace(/^#.*$/gm, ''));
  return out.join('\n');
}

async function run(batch: boolean): Promise<{ state: string; felixPasses: number; ips: string[] }> {
  const lab = SimLab.deploy(generateRrFabric(N), { captureAll: false });
  const c = await startCalico(lab);
  let felixPasses = 0;
  c.on((e) => { if (e.type === 'felix') felixPasses++; });
  const pods = podPlacement(N, PODS).map(([node, name]) => ({ node, namespace: 'default', name, labels: { app: name } }));
  const added = batch ? await c.addPods(pods) : await (async () => {
    const out = [];
    for (const p of pods) out.push(await c.addPod(p.node, p.namespace, p.name, p.labels));
    return out;
  })();
  expect(c.converge(60_000).converged).toBe(true);
  return { state: state(lab, c), felixPasses, ips: added.map((p) => p.ip) };
}

describe('CalicoCluster.addPods', () => {
  it('programs what adding the pods one by one programs, with one Felix pass per node instead of one per pod', async () => {
    const one = await run(false);
    const batch = await run(true);
    expect(batch.ips).toEqual(one.ips);
    expect(batch.state).toBe(one.state);
    expect(one.felixPasses).toBeGreaterThanOrEqual(PODS);
    expect(batch.felixPasses).toBeLessThanOrEqual(N);
  }, 120_000);

  it('batch() defers settle to its end: inside it, no Felix has programmed the new pod yet', async () => {
    const lab = SimLab.deploy(generateRrFabric(2), { captureAll: false });
    const c = await startCalico(lab);
    const node = [...c.agents.keys()][0]!;
    let inside = '';
    const p = await c.batch(async () => {
      const pod = await c.addPod(node, 'default', 'a', { app: 'a' });
      inside = lab.exec(node, 'iptables-save -t filter').stdout;
      return pod;
    });
    expect(inside).not.toContain(`cali-tw-${p.hostIface}`);
    expect(lab.exec(node, 'iptables-save -t filter').stdout).toContain(`cali-tw-${p.hostIface}`);
  }, 60_000);
});
