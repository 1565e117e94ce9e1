/**
 * Memory of a generated fabric, phase by phase: the live heap after a full GC (not RSS, which
 * also counts garbage not yet collected) after deploy, after Calico started, after the pods,
 * and once converged — divided by nodes and by pods — and optionally a heap snapshot of the
 * converged lab for `heap-summary.ts` (what each node and pod costs, by constructor).
 *
 * Run: node --expose-gc --import tsx bench/scale/heap.ts [--fabric rr|leaf-spine] [--pods P] [--snapshot FILE] N
 */
import v8 from 'node:v8';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { generateFabric, podPlacement } from './fabric.ts';
import type { FabricKind } from './fabric.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('bench/scale/heap.ts: run with node --expose-gc --import tsx\n');
  process.exit(2);
}
const kind = opt('--fabric', 'rr') as FabricKind;
const perNode = Number(opt('--pods', '10'));
const snapshot = args.includes('--snapshot') ? opt('--snapshot', '') : undefined;
const n = Number(args.filter((a, i) => /^\d+$/.test(a) && !['--pods', '--fabric', '--snapshot'].includes(args[i - 1] ?? '')).at(-1) ?? '100');

/** Live heap (MB) after a full collection. */
function live(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const base = live();
const fabric = generateFabric(kind, n);
const lab = SimLab.deploy(fabric, { captureAll: false });
const deployed = live();
const c = await startCalico(lab);
const started = live();
for (const [node, pod] of podPlacement(n, n * perNode, kind)) await c.addPod(node, 'default', pod, { app: pod });
const podded = live();
const conv = c.converge(600_000);
const converged = live();
const mb = (x: number): number => +x.toFixed(1);
const perNodeKB = (x: number): number => Math.round((x * 1024) / n);
process.stdout.write(`${JSON.stringify({
  bench: 'scale-heap', fabric: kind, nodes: n, pods: n * perNode, converged: conv.converged,
  heapMB: { base: mb(base), deployed: mb(deployed), started: mb(started), pods: mb(podded), converged: mb(converged) },
  perNodeKB: { deploy: perNodeKB(deployed - base), calico: perNodeKB(started - deployed), pods: perNodeKB(podded - started), converge: perNodeKB(converged - podded), total: perNodeKB(converged - base) },
  perPodKB: perNode > 0 ? Math.round(((podded - started) * 1024) / (n * perNode)) : undefined,
  rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
})}\n`);
if (snapshot) v8.writeHeapSnapshot(snapshot);
// Keep the lab alive until the snapshot is written.
void lab;
