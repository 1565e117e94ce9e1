/**
 * `podlab diff OLD NEW [--failures none|link|node|router|rr|all] [--json]`: runs `podlab check`
 * on two topologies (or scenarios) — healthy and under each failure of the class (default
 * link) — and prints what the change gains and loses. Exit status: 0 = compared (whatever
 * changed), 2 = usage error or invalid input.
 */
import { formatProblem } from '../model/problems.ts';
import { DeployError } from '../runtime/sim/sim-lab.ts';
import { ClusterConfigError } from '../calico/cluster/cluster.ts';
import { loadCheckInput } from '../check/load.ts';
import { diffReports, renderDiff } from '../check/diff.ts';
import { runCheck } from '../check/run.ts';
import type { CheckInput } from '../check/run.ts';
import { FAILURE_CLASSES } from '../check/types.ts';
import type { FailureClass } from '../check/types.ts';

const USAGE = 'usage: podlab diff OLD NEW [--failures none|link|node|router|rr|all] [--json]\n';

/** Runs `podlab diff`; returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE + 'Checks two designs (topologies or scenarios) on the simulator, healthy and under every single\n' +
      'failure of the class (default link), and prints reachability pairs gained and lost with their\n' +
      'reasons, violations, BGP sessions, routes per node class, MTU and IPAM capacity.\n' +
      'example: npx podlab diff topologies/leaf-spine.yaml test/fixtures/check/leaf-spine-single-uplink.yaml\n');
    return 0;
  }
  const files: string[] = [];
  let failures: FailureClass = 'link';
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--failures') {
      const v = args[++i];
      if (!v || !(FAILURE_CLASSES as readonly string[]).includes(v)) {
        process.stderr.write(`podlab diff: --failures takes one of ${FAILURE_CLASSES.join(', ')}\n${USAGE}`);
        return 2;
      }
      failures = v as FailureClass;
    } else if (a === '--json') json = true;
    else if (a.startsWith('-')) {
      process.stderr.write(`podlab diff: unknown option '${a}'\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 2) {
    process.stderr.write(`podlab diff: give exactly two files, the old design and the new one\n${USAGE}`);
    return 2;
  }
  const inputs: CheckInput[] = [];
  for (const f of files) {
    const l = await loadCheckInput(f);
    for (const p of l.problems) process.stderr.write(`${formatProblem(p)}\n`);
    if (!l.input) {
      process.stderr.write(`podlab diff: ${'unreadable' in l && l.unreadable ? l.unreadable : `${f} is invalid; nothing was compared`}\n`);
      return 2;
    }
    inputs.push(l.input);
  }
  const reports = [];
  try {
    for (const input of inputs) {
      reports.push(await runCheck(input, { failures, onProgress: (l) => process.stderr.write(`podlab: ${input.file}: ${l}\n`) }));
    }
  } catch (e) {
    if (!(e instanceof DeployError) && !(e instanceof ClusterConfigError)) throw e;
    process.stderr.write(`podlab diff: a lab cannot be deployed: ${e.message}\n`);
    return 2;
  }
  const kinds = new Map(inputs.flatMap((i) => i.topology.nodes.map((n) => [n.name, n.kind] as [string, string])));
  const d = diffReports(reports[0]!, reports[1]!, kinds);
  process.stdout.write(json ? `${JSON.stringify(d, null, 2)}\n` : renderDiff(d, files[0]!, files[1]!));
  return 0;
}
