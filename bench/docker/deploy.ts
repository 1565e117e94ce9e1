/**
 * Bench: labs on Docker containers (`--runtime containerlab` without containerlab) —
 * deploy + Calico converged with one pod per k8s node, for scenarios/topologies/
 * two-nodes-vxlan.yaml and topologies/leaf-spine.yaml — against, in the same run, the bare
 * cost of the same number of containers (podlab's node image, `sleep infinity`, no network)
 * and veth pairs moved into them, created and removed through the same Docker API.
 * One JSON line per measurement, then medians and ratios. Root + dockerd.
 *
 * Run: sudo npx tsx bench/docker/deploy.ts [ROUNDS]
 *
 * Measured 2026-12-05 on the shared 2-core CI machine (1 round, other work running), with the
 * lab's own podlab-etcd container and the image's own programs: two-nodes-vxlan 23.0 s vs
 * bare 2.6 s (ratio 8.7), leaf-spine 60.7 s vs bare 4.6 s (ratio 13.2).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { loadTopology } from '../../engine/model/load.ts';
import type { Topology } from '../../engine/model/types.ts';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import { containerlabDeploy } from '../../engine/scenario/real-driver.ts';

const ROUNDS = Number(process.argv[2] ?? 2);
const repo = join(import.meta.dirname, '..', '..');
const docker = new Docker();

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The same number of containers and veths, with nothing podlab adds — counting, as podlab's
 * lab has them, the lab's etcd container (podlab-etcd) and its cable to every k8s node.
 */
async function bare(t: Topology, image: string, tag: string): Promise<number> {
  const k8s = t.nodes.filter((n) => n.kind === 'k8s-node').length;
  const calico = k8s > 0 && t.calico.length > 0;
  const nodes = [...t.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name), ...(calico ? ['podlab-etcd'] : [])];
  const t0 = performance.now();
  const containers = await Promise.all(nodes.map(async (n) => {
    const c = await docker.createContainer({ name: `plbench-${tag}-${n}`, Image: image, Cmd: ['sleep', 'infinity'], HostConfig: { NetworkMode: 'none', CapAdd: ['NET_ADMIN'] } });
    await c.start();
    return c;
  }));
  const pids = await Promise.all(containers.map(async (c) => (await c.inspect()).State.Pid));
  Array.from({ length: t.links.length + (calico ? k8s : 0) }, (_, i) => i).forEach((i) => {
    const [a, b] = [`pbv${tag}${i}a`, `pbv${tag}${i}b`];
    execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    execFileSync('ip', ['link', 'set', a, 'netns', String(pids[i % pids.length])]);
    execFileSync('ip', ['link', 'set', b, 'netns', String(pids[(i + 1) % pids.length])]);
  });
  const ms = performance.now() - t0;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/docker/deploy.ts needs root and dockerd');
  process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-bench-dk-'));
  const images = await ensureImages({ onProgress: () => undefined });
  const labs: [string, string][] = [['two-nodes-vxlan', join(repo, 'scenarios', 'topologies', 'two-nodes-vxlan.yaml')], ['leaf-spine', join(repo, 'topologies', 'leaf-spine.yaml')]];
  const summary: Record<string, unknown>[] = [];
  for (const [name, file] of labs) {
    const t = (await loadTopology(file)).topology!;
    const k8s = t.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name);
    const bareMs: number[] = [];
    const fullMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareMs.push(await bare(t, images.node, `${round}`));
      const etcd = t.calico.length > 0 ? t.nodes.filter((n) => n.kind === 'k8s-node').length : 0;
      emit({ bench: 'docker-bare', lab: name, round, containers: t.nodes.filter((n) => n.kind !== 'switch').length + (etcd ? 1 : 0), veths: t.links.length + etcd, ms: Math.round(bareMs[round]!) });
      const t0 = performance.now();
      const d = await containerlabDeploy(t, { lab: `bench-${name}-${round}` });
      const c = d.calico()!;
      for (const n of k8s) await c.addPod(n, 'default', `p-${n}`, { labels: {} });
      const r = await c.converge(300_000);
      fullMs.push(performance.now() - t0);
      await d.destroy();
      emit({ bench: 'podlab-containerlab', lab: name, round, converged: r.converged, ms: Math.round(fullMs[round]!) });
    }
    summary.push({ lab: name, bareMs: Math.round(median(bareMs)), podlabMs: Math.round(median(fullMs)), ratio: +(median(fullMs) / median(bareMs)).toFixed(1) });
  }
  emit({ bench: 'summary', rounds: ROUNDS, labs: summary });
}

await main();
