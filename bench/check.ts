/**
 * Bench: `podlab check`'s failure analysis — every single-link and every single-node failure —
 * on topologies/leaf-spine.yaml and on a generated route-reflector fabric (default 200 nodes),
 * each case applied to the one converged lab and reverted (what `podlab check` does), against
 * the reference measured in the same run: a fresh deploy + converge per case.
 *
 * Per fabric × class, one JSON line: cases, the cases' wall time (deploy and healthy probes
 * excluded), cases/s, and the reference's per-case time on its first `--ref-cases` cases;
 * `speedup` = reference per case / revert per case. Progress (one line per case) on stderr.
 *
 * The generated fabric is probed from one k8s node per rack plus both reflectors (the
 * matrices grow with the square of the probed nodes; every node is still failed in turn).
 *
 * Run: npx tsx bench/check.ts [--nodes N] [--max-cases K] [--ref-cases R]
 * (defaults: 200 nodes, every case, 3 reference cases).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadCheckedTopology } from '../engine/scenario/format.ts';
import { runCheck } from '../engine/check/run.ts';
import type { CheckInput } from '../engine/check/run.ts';
import type { CheckReport } from '../engine/check/types.ts';
import { generateRrFabric, nodeName, RACK_SIZE } from './scale/fabric.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '200' }, 'max-cases': { type: 'string' }, 'ref-cases': { type: 'string', default: '3' } } });
const nodes = Number(values.nodes);
const maxCases = values['max-cases'] !== undefined ? Number(values['max-cases']) : undefined;
const refCases = Number(values['ref-cases']);

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

const progress = (name: string) => (line: string): void => void process.stderr.write(`${name}: ${line}\n`);

async function fabric(name: string, input: CheckInput, probeNodes?: readonly string[]): Promise<void> {
  for (const cls of ['link', 'node'] as const) {
    const common = { failures: cls, ...(probeNodes ? { probeNodes } : {}) };
    const t0 = performance.now();
    const r: CheckReport = await runCheck(input, { ...common, ...(maxCases !== undefined ? { maxCases } : {}), onProgress: progress(`${name} ${cls}`) });
    const wall = performance.now() - t0;
    const casesMs = r.timing.casesMs ?? 0;
    const ref = await runCheck(input, { ...common, maxCases: refCases, redeploy: true, onProgress: progress(`${name} ${cls} reference`) });
    const refPerCase = (ref.timing.casesMs ?? 0) / Math.max(1, ref.timing.cases);
    const perCase = casesMs / Math.max(1, r.timing.cases);
    emit({
      bench: 'check', fabric: name, class: cls, cases: r.timing.cases, probedEndpoints: r.endpoints.length,
      wallS: +(wall / 1000).toFixed(1), casesS: +(casesMs / 1000).toFixed(1), casesPerS: +(r.timing.cases / (casesMs / 1000)).toFixed(2),
      revertMsPerCase: Math.round(perCase), redeployMsPerCase: Math.round(refPerCase), refCases: ref.timing.cases,
      speedup: +(refPerCase / perCase).toFixed(1), redeployedAnyway: r.cases.filter((c) => c.mode === 'redeploy').length,
      violations: r.violations.length,
    });
  }
}

const leafSpine = (await loadCheckedTopology('topologies/leaf-spine.yaml')).topology!;
await fabric('leaf-spine', { file: 'topologies/leaf-spine.yaml', topology: leafSpine });
const rr = generateRrFabric(nodes);
const racks = Math.ceil(nodes / RACK_SIZE);
const probe = [nodeName(0), nodeName(1), ...Array.from({ length: racks }, (_, r) => nodeName(Math.max(2, r * RACK_SIZE + 2))).filter((n, i, a) => a.indexOf(n) === i)];
await fabric(`rr-${nodes}`, { file: `rr-${nodes}`, topology: rr }, probe);
