/**
 * `podlab check TOPOLOGY|SCENARIO [--failures none|link|node|router|rr|all] [--intents FILE]
 * [--json] [--junit FILE] [--html FILE]`: deploy the lab on the simulator, converge, and check
 * the intents in the healthy state and under every single failure of a class (engine/check/).
 * Progress goes to stderr (`case 3/15: …`); the report to stdout, or one JSON document with
 * --json; --junit and --html write their reports too (their paths are tried before the run).
 * Exit status: 0 = every intent holds, 1 = an intent is violated, 2 = usage error or invalid
 * input (file:line:col messages on stderr).
 */
import { stat, writeFile } from 'node:fs/promises';
import { formatProblem } from '../model/problems.ts';
import { DeployError } from '../runtime/sim/sim-lab.ts';
import { ClusterConfigError } from '../calico/cluster/cluster.ts';
import { loadCheckInput } from '../check/load.ts';
import { IntentsReadError, loadIntents } from '../check/intents.ts';
import type { Intent } from '../check/intents.ts';
import { renderCheck } from '../check/render.ts';
import { renderHtml } from '../check/html.ts';
import { renderJunit } from '../check/junit.ts';
import { runCheck } from '../check/run.ts';
import { FAILURE_CLASSES } from '../check/types.ts';
import type { FailureClass } from '../check/types.ts';
import { InputError, runCommand, type CommandSpec } from './args.ts';
import { checkOutputPaths } from './output-paths.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'check',
  summary: 'Validates a design on the simulator: reachability, BGP, MTU, IPAM and policy, healthy and under single failures.',
  details: 'Deploys the lab (one probe pod per k8s node when it has no pods), converges, and checks pod↔pod,\n' +
    'pod→outside and node↔node reachability, every BGP session (and why one is down), the largest\n' +
    'pod↔pod packet with DF against the pod MTU, IPAM capacity and what each policy allows — healthy,\n' +
    'then under each single failure of the class. Every broken pair says why, from the packet\'s own\n' +
    'trace. Without --intents: every pod reaches every pod and the outside, every session is\n' +
    'Established, and no failure loses a pair it does not take out itself.\n' +
    'Exit status: 0 every intent holds, 1 an intent is violated, 2 usage error or invalid input.',
  positionals: [{ name: 'TOPOLOGY|SCENARIO' }],
  options: {
    failures: { type: 'string', choices: FAILURE_CLASSES, default: 'none', description: 'the single failures to try, one at a time' },
    intents: { type: 'string', value: 'FILE', description: 'what must hold (YAML: reach, isolated, survives, maxPodsPerNode)' },
    json: { type: 'boolean', description: 'print the whole report as one JSON document' },
    junit: { type: 'string', value: 'FILE', description: 'also write JUnit XML: one test case per intent and failure case' },
    html: { type: 'string', value: 'FILE', description: 'also write a self-contained HTML report' },
  },
  examples: [
    'npx podlab check topologies/leaf-spine.yaml --failures link',
    'npx podlab check topologies/leaf-spine.yaml --intents scenarios/checks/leaf-spine.yaml --junit check.xml --html check.html',
  ],
} as const satisfies CommandSpec;

/** Runs `podlab check`; returns the exit status. */
export function run(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, ({ values, positionals }) => check(positionals[0]!, values));
}

/** Why a report file cannot be written (a directory, a missing directory, no permission), or undefined. */
async function unwritable(option: string, path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  if ((await stat(path).catch(() => undefined))?.isDirectory()) return `--${option} ${path}: is a directory (give a file name, e.g. check.${option === 'junit' ? 'xml' : 'html'})`;
  const why = await checkOutputPaths({ record: path });
  return why ? `--${option} ${path}: ${why.slice(why.indexOf(': ') + 2)}` : undefined;
}

async function check(file: string, o: { failures: string; intents: string | undefined; json: boolean; junit: string | undefined; html: string | undefined }): Promise<number> {
  for (const [opt, path] of [['junit', o.junit], ['html', o.html]] as const) {
    const why = await unwritable(opt, path);
    if (why) throw new InputError(`${why}; nothing was checked`);
  }
  const loaded = await loadCheckInput(file);
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (!loaded.input) throw new InputError('unreadable' in loaded && loaded.unreadable ? loaded.unreadable : `${file} is invalid; nothing was checked`);
  let intents: Intent[] | undefined;
  if (o.intents) {
    try {
      const r = await loadIntents(o.intents);
      for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
      if (!r.intents) throw new InputError(`${o.intents} is invalid; nothing was checked`);
      intents = r.intents;
    } catch (e) {
      if (e instanceof IntentsReadError) throw new InputError(e.message);
      throw e;
    }
  }
  const started = new Date().toISOString().slice(0, 19);
  let report;
  try {
    report = await runCheck(loaded.input, {
      failures: o.failures as FailureClass,
      ...(intents ? { intents } : {}),
      onProgress: (l) => process.stderr.write(`podlab: ${l}\n`),
    });
  } catch (e) {
    if (e instanceof DeployError || e instanceof ClusterConfigError) throw new InputError(`the lab cannot be deployed: ${e.message}`);
    throw e;
  }
  if (o.junit) await writeFile(o.junit, renderJunit(report, started));
  if (o.html) await writeFile(o.html, renderHtml(report));
  process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
  return report.passed ? 0 : 1;
}
