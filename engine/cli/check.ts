/**
 * `podlab check TOPOLOGY|SCENARIO [--failures none|link|node|router|rr|all] [--intents FILE]
 * [--json]`: deploy the lab on the simulator, converge, and check the intents in the healthy
 * state and under every single failure of a class (engine/check/). Progress goes to stderr
 * (`case 3/15: …`); the report to stdout, or one JSON document with --json. Exit status:
 * 0 = every intent holds, 1 = an intent is violated, 2 = usage error or invalid input
 * (file:line:col messages on stderr).
 */
import { formatProblem } from '../model/problems.ts';
import { DeployError } from '../runtime/sim/sim-lab.ts';
import { ClusterConfigError } from '../calico/cluster/cluster.ts';
import { loadCheckInput } from '../check/load.ts';
import { IntentsReadError, loadIntents } from '../check/intents.ts';
import type { Intent } from '../check/intents.ts';
import { renderCheck } from '../check/render.ts';
import { runCheck } from '../check/run.ts';
import { FAILURE_CLASSES } from '../check/types.ts';
import type { FailureClass } from '../check/types.ts';

const USAGE = 'usage: podlab check TOPOLOGY|SCENARIO [--failures none|link|node|router|rr|all] [--intents FILE] [--json]\n';

const HELP = USAGE +
  'Deploys the lab on the simulator (one probe pod per k8s node when it has no pods), converges, and\n' +
  'checks pod↔pod, pod→outside and node↔node reachability, BGP sessions, the pod MTU with DF and IPAM\n' +
  'capacity — healthy, then under each single failure of the class (default none). Every broken pair\n' +
  'says why, from the packet\'s own trace. Without --intents: every pod reaches every pod and the\n' +
  'outside, every session is Established, and no failure loses a pair it does not take out itself.\n' +
  'example: npx podlab check topologies/leaf-spine.yaml --failures link\n';

interface Args { file: string; failures: FailureClass; intents?: string; json: boolean }

/** Parses check's argv; a string is a usage error. */
export function parseCheckArgs(args: readonly string[]): Args | string {
  let file: string | undefined;
  let failures: FailureClass = 'none';
  let intents: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--failures') {
      const v = args[++i];
      if (!v || !(FAILURE_CLASSES as readonly string[]).includes(v)) return `--failures takes one of ${FAILURE_CLASSES.join(', ')}${v ? `, not '${v}'` : ''}`;
      failures = v as FailureClass;
    } else if (a === '--intents') {
      const v = args[++i];
      if (!v) return '--intents needs a file';
      intents = v;
    } else if (a === '--json') json = true;
    else if (a.startsWith('-')) return `unknown option '${a}'`;
    else if (file) return `one topology or scenario at a time ('${file}' and '${a}' given)`;
    else file = a;
  }
  if (!file) return 'no topology or scenario given';
  return { file, failures, json, ...(intents ? { intents } : {}) };
}

/** Runs `podlab check`; returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const parsed = parseCheckArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`podlab check: ${parsed}\n${USAGE}`);
    return 2;
  }
  const loaded = await loadCheckInput(parsed.file);
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (!loaded.input) {
    process.stderr.write(`podlab check: ${'unreadable' in loaded && loaded.unreadable ? loaded.unreadable : `${parsed.file} is invalid; nothing was checked`}\n`);
    return 2;
  }
  let intents: Intent[] | undefined;
  if (parsed.intents) {
    try {
      const r = await loadIntents(parsed.intents);
      for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
      if (!r.intents) {
        process.stderr.write(`podlab check: ${parsed.intents} is invalid; nothing was checked\n`);
        return 2;
      }
      intents = r.intents;
    } catch (e) {
      if (!(e instanceof IntentsReadError)) throw e;
      process.stderr.write(`podlab check: ${e.message}\n`);
      return 2;
    }
  }
  let report;
  try {
    report = await runCheck(loaded.input, {
      failures: parsed.failures,
      ...(intents ? { intents } : {}),
      onProgress: (l) => process.stderr.write(`podlab: ${l}\n`),
    });
  } catch (e) {
    if (!(e instanceof DeployError) && !(e instanceof ClusterConfigError)) throw e;
    process.stderr.write(`podlab check: the lab cannot be deployed: ${e.message}\n`);
    return 2;
  }
  process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
  return report.passed ? 0 : 1;
}
