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
import type { CheckReport, FailureClass } from '../check/types.ts';
import { InputError, UsageError, runCommand, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'diff',
  summary: 'What a design change gains and loses: both designs checked on the simulator, then compared.',
  details: 'Checks two designs (topologies or scenarios), healthy and under every single failure of the\n' +
    'class, and prints reachability pairs gained and lost with their reasons, violations, BGP sessions,\n' +
    'routes per node class, MTU and IPAM capacity. Exit status: 0 compared, 2 usage error or invalid input.',
  positionals: [{ name: 'OLD' }, { name: 'NEW' }],
  options: {
    failures: { type: 'string', choices: FAILURE_CLASSES, default: 'link', description: 'the single failures to try on both designs' },
    json: { type: 'boolean', description: 'print the changes as one JSON document' },
  },
  examples: ['npx podlab diff topologies/leaf-spine.yaml test/fixtures/check/leaf-spine-single-uplink.yaml'],
} as const satisfies CommandSpec;

/** Runs `podlab diff`; returns the exit status. */
export function run(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, ({ values, positionals }) => {
    if (positionals.length !== 2) throw new UsageError('give exactly two files, the old design and the new one');
    return diff(positionals[0]!, positionals[1]!, values.failures as FailureClass, values.json);
  });
}

async function diff(oldFile: string, newFile: string, failures: FailureClass, json: boolean): Promise<number> {
  const inputs: CheckInput[] = [];
  for (const f of [oldFile, newFile]) {
    const l = await loadCheckInput(f);
    for (const p of l.problems) process.stderr.write(`${formatProblem(p)}\n`);
    if (!l.input) throw new InputError('unreadable' in l && l.unreadable ? l.unreadable : `${f} is invalid; nothing was compared`);
    inputs.push(l.input);
  }
  const reports: CheckReport[] = [];
  try {
    for (const input of inputs) reports.push(await runCheck(input, { failures, onProgress: (l) => process.stderr.write(`podlab: ${input.file}: ${l}\n`) }));
  } catch (e) {
    if (e instanceof DeployError || e instanceof ClusterConfigError) throw new InputError(`a lab cannot be deployed: ${e.message}`);
    throw e;
  }
  const kinds = new Map(inputs.flatMap((i) => i.topology.nodes.map((n) => [n.name, n.kind] as [string, string])));
  const d = diffReports(reports[0]!, reports[1]!, kinds);
  process.stdout.write(json ? `${JSON.stringify(d, null, 2)}\n` : renderDiff(d, oldFile, newFile));
  return 0;
}
