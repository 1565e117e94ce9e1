/**
 * Batching of the driver's commands, as Felix batches its netlink work: consecutive `ip`
 * steps become one `ip -force -batch -` (the steps as lines on stdin), consecutive `bridge`
 * steps one `bridge -force -batch -`, consecutive `sysctl -w` steps one `sysctl -w K=V…`.
 * Order is kept: a batch never crosses a step of another program. `-force` runs every line
 * and reports each failure as `Command failed -:N` after the tool's own words, so a failure
 * a step tolerates (a route already gone) does not stop the others and the rest still reads
 * as one line per failed step.
 *
 * Pure: steps in, commands out; `batchFailures` maps a batch's stderr back to its steps.
 */
import type { PlanStep } from './dataplane-plan.ts';

/** One command to run and the plan steps it carries (one, or a batch's lines in order). */
export interface BatchCommand {
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly steps: readonly PlanStep[];
  /** How the steps are carried: alone, as `-batch` lines, or as arguments of one sysctl. */
  readonly form: 'single' | 'lines' | 'sysctl';
}

/** A word `-batch` reads back unchanged (it splits lines on blanks and honours quotes and `#`). */
const PLAIN_WORD = /^[^\s"'#\\]+$/;

/** The batchable program of a step (`ip`, `bridge`, `sysctl`), or undefined. */
function batchKind(s: PlanStep): 'ip' | 'bridge' | 'sysctl' | undefined {
  const [p, a] = s.argv;
  if (s.stdin !== undefined) return undefined;
  if (p === 'sysctl') return a === '-w' && s.argv.length === 3 ? 'sysctl' : undefined;
  if ((p === 'ip' || p === 'bridge') && s.argv.slice(1).every((w) => PLAIN_WORD.test(w))) return p;
  return undefined;
}

/** Groups consecutive steps of one batchable program into one command each. */
export function batchSteps(steps: readonly PlanStep[]): BatchCommand[] {
  const out: BatchCommand[] = [];
  let i = 0;
  while (i < steps.length) {
    const kind = batchKind(steps[i]!);
    let j = i + 1;
    if (kind) while (j < steps.length && batchKind(steps[j]!) === kind) j++;
    const group = steps.slice(i, j);
    i = j;
    if (group.length === 1 || !kind) {
      const s = group[0]!;
      out.push({ argv: s.argv, ...(s.stdin !== undefined ? { stdin: s.stdin } : {}), steps: group, form: 'single' });
    } else if (kind === 'sysctl') {
      out.push({ argv: ['sysctl', '-w', ...group.map((s) => s.argv[2]!)], steps: group, form: 'sysctl' });
    } else {
      out.push({ argv: [kind, '-force', '-batch', '-'], stdin: `${group.map((s) => s.argv.slice(1).join(' ')).join('\n')}\n`, steps: group, form: 'lines' });
    }
  }
  return out;
}

/** One failed line of a batch: the step and what the tool said about it. */
export interface BatchFailure {
  readonly step: PlanStep;
  readonly stderr: string;
}

/**
 * The failed lines of a `-batch` command from its stderr: the tool prints its error, then
 * `Command failed -:N` (N counts from 1). Undefined when stderr names no line (the program
 * itself failed): the caller reports the whole command.
 */
export function batchFailures(cmd: BatchCommand, stderr: string): BatchFailure[] | undefined {
  const out: BatchFailure[] = [];
  let said: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)\s*$/.exec(line);
    if (!m) { if (line.trim()) said.push(line); continue; }
    const step = cmd.steps[Number(m[1]) - 1];
    if (!step) return undefined;
    out.push({ step, stderr: said.join('\n') });
    said = [];
  }
  return out.length ? out : undefined;
}
