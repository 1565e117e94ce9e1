/**
 * The Linux dataplane driver: makes a real kernel look like Felix's desired dataplane,
 * incrementally and idempotently. Each apply reads the kernel (kernel-read.ts), diffs it
 * purely (dataplane-plan.ts) and runs only the commands that close the gap — so a repeat
 * apply, or a new instance on an already-programmed kernel (agent restart), runs reads only
 * and returns []. It keeps no state that matters between applies: ownership is read from the
 * kernel's own marks, as Felix does after a restart.
 */
import { emptyDataplane } from '../../dataplane/types.ts';
import type { DataplaneChange, Dataplane, DesiredDataplane } from '../../dataplane/types.ts';
import type { Exec } from './exec.ts';
import { planDataplane } from './dataplane-plan.ts';
import type { PlanStep } from './dataplane-plan.ts';
import { readKernel } from './kernel-read.ts';

/** A command the driver ran, with whether it was a read (part of the kernel snapshot). */
export interface RanCommand {
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly read: boolean;
}

/** Why a driver command failed: node, command, the tool's words (and, for a missing module, what to do). */
export class LinuxDataplaneError extends Error {
  override name = 'LinuxDataplaneError';
}

/** The error for a failed step, with the remedy when the kernel lacks the tunnel module. */
function stepError(node: string, step: PlanStep, code: number, stderr: string): LinuxDataplaneError {
  const cmd = step.argv.join(' ');
  const why = stderr.trim();
  if (step.argv.includes('ipip') && /Unknown device type|not supported/i.test(why)) {
    return new LinuxDataplaneError(`${node}: cannot create the IPIP device: this kernel has no ipip module ('${cmd}' failed: ${why}). `
      + `Load it on the host with 'modprobe ipip', or use VXLAN or no encapsulation in the IPPool.`);
  }
  const input = step.stdin ? `\n--- input ---\n${step.stdin}` : '';
  return new LinuxDataplaneError(`${node}: '${cmd}' failed (exit ${code}): ${why}${input}`);
}

/** Felix's Linux dataplane driver for one node's kernel, reached through `exec`. */
export class LinuxDataplane implements Dataplane {
  /** Every command the last apply/removeAll ran, reads included, in order. */
  lastRun: RanCommand[] = [];
  /** Sysctls this instance wrote (the first write is reported `added`, later ones `changed`, as in the simulator). */
  private readonly written = new Set<string>();
  /** Applies run one at a time: each one's diff must see the previous one's result. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly exec: Exec, private readonly opts: { readonly node?: string } = {}) {}

  /** Makes the kernel match `desired`; returns what changed ([] when it already did). */
  apply(desired: DesiredDataplane): Promise<DataplaneChange[]> {
    const run = this.queue.then(() => this.applyNow(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Deletes everything Felix owns on this kernel (destroy/uninstall); sysctls stay as they are. */
  removeAll(): Promise<DataplaneChange[]> {
    return this.apply(emptyDataplane(this.opts.node ?? ''));
  }

  private async applyNow(desired: DesiredDataplane): Promise<DataplaneChange[]> {
    const node = this.opts.node ?? desired.node;
    const ran: RanCommand[] = [];
    this.lastRun = ran;
    const read = async (argv: string[]): Promise<string> => {
      ran.push({ argv, read: true });
      const r = await this.exec(argv);
      if (r.code !== 0) throw stepError(node, { argv }, r.code, r.stderr || r.stdout);
      return r.stdout;
    };
    const kernel = await readKernel(read, desired.sysctls.map((s) => s.key));
    const plan = planDataplane(desired, kernel, { knownSysctls: this.written });
    for (const step of plan.steps) {
      ran.push({ argv: step.argv, ...(step.stdin !== undefined ? { stdin: step.stdin } : {}), read: false });
      const r = await this.exec(step.argv, step.stdin !== undefined ? { stdin: step.stdin } : undefined);
      if (r.code !== 0 && !(step.tolerate && step.tolerate.test(r.stderr))) throw stepError(node, step, r.code, r.stderr || r.stdout);
    }
    for (const s of desired.sysctls) this.written.add(s.key);
    return plan.changes;
  }
}
