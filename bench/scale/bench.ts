/**
 * Bench: deploy + converge generated Calico fabrics of growing size on the simulator —
 * issue 11's goal (1,000 nodes + 10,000 pods ≤ 15 s and ≤ 2 GB on 2 cores, cost 100 → 1,000
 * nodes ≤ 12×, 5,000 nodes completes, ≤ 1 MB per calico-node).
 *
 * Each size runs in its own child process (peak RSS per size, a time limit per size):
 * SimLab.deploy of the generated fabric (fabric.ts: route-reflector or leaf-spine), Calico
 * started, P pods per node through CNI (one batch: CalicoCluster.addPods), the clock run until converged. Then, outside the
 * timing, a check that every k8s node's kernel holds a BIRD route to every other node's block
 * (read from the datastore's affinities) — a size that converges to the wrong routes fails.
 *
 * Reference in the same run: the first size (100 nodes by default). `ratio` = this size's
 * wall / the reference's wall, `cpuRatio` the same for CPU time (user + system of the child:
 * on a shared machine wall time also counts the time other processes held the cores);
 * `nodeRatio` = the node-count ratio (linear cost would match it).
 * `rssPerNodeMB` = (peak RSS − RSS before the fabric was generated) / nodes.
 *
 * Run: npx tsx bench/scale/bench.ts [--fabric rr|leaf-spine] [--pods P] [--limit S] [--tsx] [N ...]
 * Profile one size as users run it: node --cpu-prof $(npx tsx bench/scale/bench.ts --bundle-only) --one rr 500 10
 * (defaults: rr, 10 pods per node, 600 s per size, sizes 100 250 500 1000 5000).
 */
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { bundleScript } from '../../engine/runtime/linux/podlab-bundle.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { affinityPrefix, parseAffinityKey } from '../../engine/calico/datastore/index.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import { RTPROT_BIRD } from '../../engine/sim/types.ts';
import { fabricNodeName, generateFabric, podPlacement } from './fabric.ts';
import type { FabricKind } from './fabric.ts';

const DEFAULT_SIZES = [100, 250, 500, 1000, 5000];

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** Nodes missing at least one other node's block as a BIRD route, and how many routes are missing in all. */
async function missingRoutes(lab: SimLab, c: Awaited<ReturnType<typeof startCalico>>, names: readonly string[]): Promise<{ nodes: number; routes: number; blocks: number }> {
  const blocks: [cidr: string, owner: string][] = [];
  for (const n of names) for (const kv of (await c.ds.list(affinityPrefix(n, 4))).kvs) blocks.push([parseAffinityKey(kv.key)!.cidr, n]);
  let nodes = 0;
  let routes = 0;
  for (const me of names) {
    const have = new Set<string>();
    for (const r of lab.kernel(me).routes) if (r.protocol === RTPROT_BIRD && r.type === 'unicast') have.add(`${formatIPv4(r.dst.addr)}/${r.dst.len}`);
    let miss = 0;
    for (const [cidr, owner] of blocks) if (owner !== me && !have.has(cidr)) miss++;
    if (miss > 0) nodes++;
    routes += miss;
  }
  return { nodes, routes, blocks: blocks.length };
}

/** User + system CPU of a process.cpuUsage() difference, in ms. */
function ms(u: NodeJS.CpuUsage): number {
  return Math.round((u.user + u.system) / 1000);
}

/** One size, in this process. */
async function one(kind: FabricKind, n: number, perNode: number): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Each phase reported on stderr as it ends: a size killed at its time limit still says how far it got.
  const progress = (phase: string): void => {
    const m = process.memoryUsage();
    process.stderr.write(`${JSON.stringify({ progress: phase, nodes: n, ms: Math.round(performance.now() - t0), cpuMs: ms(process.cpuUsage(cpu0)), rssMB: Math.round(m.rss / 2 ** 20), heapMB: Math.round(m.heapUsed / 2 ** 20) })}\n`);
  };
  const lab = SimLab.deploy(generateFabric(kind, n), { captureAll: false });
  const tDeploy = performance.now();
  const cpuDeploy = process.cpuUsage(cpu0);
  progress('deployed');
  const c = await startCalico(lab);
  const tStart = performance.now();
  const cpuStart = process.cpuUsage(cpu0);
  progress('calico started');
  // Created together, as a controller's pods are: CNI ADD of each, then one settle.
  await c.addPods(podPlacement(n, n * perNode, kind).map(([node, pod]) => ({ node, namespace: 'default', name: pod, labels: { app: pod } })));
  const tPods = performance.now();
  const cpuPods = process.cpuUsage(cpu0);
  progress('pods added');
  const conv = c.converge(600_000);
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const names = Array.from({ length: n }, (_, i) => fabricNodeName(kind, i));
  const miss = await missingRoutes(lab, c, names);
  emit({
    bench: 'scale', fabric: kind, nodes: n, pods: n * perNode, converged: conv.converged, virtualMs: +conv.virtualMs.toFixed(1),
    wallMs: Math.round(t1 - t0), cpuMs: Math.round((cpu.user + cpu.system) / 1000), deployMs: Math.round(tDeploy - t0), startMs: Math.round(tStart - tDeploy), podsMs: Math.round(tPods - tStart), convergeMs: Math.round(t1 - tPods),
    // CPU per phase: on a shared machine the wall split also counts other processes' turns.
    startCpuMs: ms(cpuStart) - ms(cpuDeploy), podsCpuMs: ms(cpuPods) - ms(cpuStart), convergeCpuMs: ms(cpu) - ms(cpuPods),
    peakRssMB: Math.round(peakRssMB), rssPerNodeMB: +((peakRssMB - rss0 / 2 ** 20) / n).toFixed(2),
    blocks: miss.blocks, nodesMissingRoutes: miss.nodes, missingRoutes: miss.routes,
  });
  process.exit(conv.converged && miss.routes === 0 ? 0 : 1);
}

/**
 * The argv that runs one size: this file bundled by esbuild as bin/podlab.js runs the CLI
 * (users' `podlab up` runs that bundle; tsx's keepNames costs a third more CPU here), or
 * through tsx with --tsx. The bundle lives under node_modules (its npm imports resolve
 * from there) and is removed when the run ends.
 */
async function childArgv(useTsx: boolean): Promise<{ argv: string[]; runner: string; cleanup: () => void }> {
  const self = fileURLToPath(import.meta.url);
  const tsx = { argv: [...process.execArgv, self], runner: 'tsx', cleanup: () => undefined };
  if (useTsx) return tsx;
  const dir = join(fileURLToPath(new URL('../../node_modules/.cache/podlab/', import.meta.url)), `bench-scale-${process.pid}`);
  try {
    const file = await bundleScript(self, dir);
    return { argv: [file], runner: 'esbuild bundle', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    process.stderr.write(`bench/scale: could not bundle (${(e as Error).message.split('\n')[0]}); sizes run through tsx\n`);
    return tsx;
  }
}

/**
 * V8's default heap limit here is ~4 GB whatever the machine has; a 5,000-node fabric needs
 * more. Each size may use three quarters of the machine's memory (peak RSS is measured, not
 * capped).
 */
const HEAP_LIMIT = `--max-old-space-size=${Math.floor((totalmem() * 0.75) / 2 ** 20)}`;

/** Every size in its own child process, with ratios to the first size. */
async function all(kind: FabricKind, sizes: readonly number[], perNode: number, limitS: number, useTsx: boolean): Promise<void> {
  const child0 = await childArgv(useTsx);
  const rev = (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return '?'; } })();
  emit({ bench: 'scale', commit: rev, fabric: kind, podsPerNode: perNode, limitS, sizes, runner: child0.runner, reference: `${sizes[0]} nodes, this run` });
  let ref: { nodes: number; wallMs: number; cpuMs: number } | undefined;
  let failed = false;
  for (const n of sizes) {
    const line = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [HEAP_LIMIT, ...child0.argv, '--one', kind, String(n), String(perNode)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        if (code !== 0) failed = true;
        resolve(out.trim() || JSON.stringify({ bench: 'scale', fabric: kind, nodes: n, pods: n * perNode, error: sig === 'SIGKILL' ? `> ${limitS} s (killed)` : `exit ${code ?? sig}` }));
      });
    });
    const r = JSON.parse(line) as { wallMs?: number; cpuMs?: number };
    if (r.wallMs !== undefined && r.cpuMs !== undefined && !ref) ref = { nodes: n, wallMs: r.wallMs, cpuMs: r.cpuMs };
    const ratios = r.wallMs !== undefined && r.cpuMs !== undefined && ref
      ? { ratio: +(r.wallMs / ref.wallMs).toFixed(2), cpuRatio: +(r.cpuMs / ref.cpuMs).toFixed(2), nodeRatio: +(n / ref.nodes).toFixed(2) }
      : {};
    process.stdout.write(`${JSON.stringify({ ...r, ...ratios })}\n`);
  }
  child0.cleanup();
  if (failed) process.exitCode = 1;
}

const args = process.argv.slice(2);
if (args[0] === '--one') await one(args[1] as FabricKind, Number(args[2]), Number(args[3]));
else if (args[0] === '--bundle-only') {
  // For a profiler: `node --cpu-prof $(npx tsx bench/scale/bench.ts --bundle-only) --one rr 500 10` (remove the directory after).
  const { argv } = await childArgv(false);
  process.stdout.write(`${argv.join(' ')}\n`);
} else {
  const opt = (name: string, def: string): string => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
  };
  const kind = opt('--fabric', 'rr');
  if (kind !== 'rr' && kind !== 'leaf-spine') {
    process.stderr.write(`bench/scale: --fabric must be rr or leaf-spine (got '${kind}')\n`);
    process.exit(2);
  }
  const valued = new Set(['--fabric', '--pods', '--limit']);
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && !valued.has(args[i - 1] ?? '')).map(Number);
  await all(kind, sizes.length ? sizes : DEFAULT_SIZES, Number(opt('--pods', '10')), Number(opt('--limit', '600')), args.includes('--tsx'));
}
