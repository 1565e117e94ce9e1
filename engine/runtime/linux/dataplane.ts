/**
 * The Linux dataplane driver: makes a real kernel look like Felix's desired dataplane,
 * incrementally and idempotently, the way Felix's route table, iptables table and IP-set
 * syncers do (felix/routetable, felix/iptables, felix/ipsets): it keeps what it believes the
 * kernel holds per table (routes, neighbours + FDB, sysctls, IP sets, iptables), diffs the
 * desired state against that belief purely (dataplane-plan.ts), runs only the commands that
 * close the gap, batched (one `ip -batch`, one `ipset restore`, one `iptables-restore
 * --noflush` for both tables), and takes the plan's end state as its new belief.
 *
 * It reads a table back from the kernel only at start, after a command failed (every table),
 * on its periodic resync (per table; Felix's defaults, 90 s, or `queueResync()`), and for
 * sysctls it has no value of yet. Links and addresses are read on every apply — one command,
 * standing in for Felix's interface monitor: a device deleted or made again under the same
 * name (a pod recreated), taken down, or taken down and up again since the last read (its
 * carrier-change count moved) drops the belief of its routes, neighbours and sysctls, which
 * the kernel dropped with it. A new instance on a programmed kernel (agent
 * restart) reads everything, runs nothing and returns []: ownership is read from the marks
 * Felix leaves in the kernel; nothing is kept on disk.
 */
import { emptyDataplane } from '../../dataplane/types.ts';
import type { DataplaneChange, Dataplane, DesiredDataplane } from '../../dataplane/types.ts';
import type { Exec } from './exec.ts';
import { batchFailures, batchSteps } from './command-batch.ts';
import type { BatchCommand } from './command-batch.ts';
import { planDataplane } from './dataplane-plan.ts';
import type { PlanStep } from './dataplane-plan.ts';
import { KERNEL_TABLES, readIpsets, readIptables, readLinks, readNeighbours, readRoutes, readSysctls } from './kernel-read.ts';
import type { KAddress, KernelSnapshot, KernelTable, KLink } from './kernel-read.ts';
import type { SysctlAccess } from './proc-sys.ts';

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

/** How long each believed table is trusted before the kernel is read again (ms). */
export interface ResyncIntervals {
  /** Routes, neighbours, FDB and sysctls (Felix's RouteRefreshInterval: 90 s). */
  readonly routes?: number;
  /** filter and nat (Felix re-reads iptables on its refresh interval: 90 s here). */
  readonly iptables?: number;
  /** IP sets (Felix's IpsetsRefreshInterval: 90 s). */
  readonly ipsets?: number;
}

/** Options of a driver. */
export interface LinuxDataplaneOptions {
  readonly node?: string;
  readonly resyncMs?: ResyncIntervals;
  /** The clock the resync intervals are measured on (default Date.now). */
  readonly now?: () => number;
  /** Sysctls without a process per command (proc-sys.ts; only where the driver runs in the node's own namespace); default `sysctl` through `exec`. */
  readonly sysctls?: SysctlAccess;
}

const FELIX_REFRESH_MS = 90_000;
/** How old a readInterfaces read may be for an apply to use it instead of reading links again. */
const FRESH_LINKS_MS = 1_000;

/** What the driver believes the kernel holds, per table; an absent table is read before use. */
interface Belief {
  routes?: KernelSnapshot['routes'];
  neighbours?: { neighbours: KernelSnapshot['neighbours']; fdb: KernelSnapshot['fdb'] };
  /** Values per key; a key absent here is read when the desired state names it. */
  sysctls: Record<string, string>;
  ipsets?: KernelSnapshot['ipsets'];
  iptables?: KernelSnapshot['iptables'];
}

/** A per-device sysctl's device (`net.ipv4.conf.caliX.proxy_arp` → caliX). */
const sysctlDevice = (key: string): string | undefined => /^net\.ipv4\.(?:conf|neigh)\.([^.]+)\./.exec(key)?.[1];

/** Felix's Linux dataplane driver for one node's kernel, reached through `exec`. */
export class LinuxDataplane implements Dataplane {
  /** Every command the last apply/removeAll ran, reads included, in order. */
  lastRun: RanCommand[] = [];
  /** Sysctls this instance wrote (the first write is reported `added`, later ones `changed`, as in the simulator). */
  private readonly written = new Set<string>();
  /** Applies run one at a time: each one's diff must see the previous one's result. */
  private queue: Promise<unknown> = Promise.resolve();
  private belief: Belief = { sysctls: {} };
  /** When each table was last read from the kernel (-Infinity: never, or a resync is due). */
  private readAt: Record<KernelTable, number> = { routes: -Infinity, neighbours: -Infinity, sysctls: -Infinity, ipsets: -Infinity, iptables: -Infinity };
  /** Each device's ifindex, state and carrier changes when the belief was last brought up to date. */
  private devices = new Map<string, { index?: number; up: boolean; carrierChanges?: number }>();
  /** Links and addresses read for the next apply (readInterfaces), so a pass reads them once. */
  private fresh: { links: KLink[]; addresses: KAddress[]; at: number } | undefined;

  constructor(private readonly exec: Exec, private readonly opts: LinuxDataplaneOptions = {}) {}

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

  /** The next apply reads every table from the kernel again and repairs whatever drifted. */
  queueResync(): void {
    for (const t of KERNEL_TABLES) this.readAt[t] = -Infinity;
  }

  /**
   * The node's links and addresses, read now (Felix's host interfaces); the next apply uses
   * this same read instead of reading them again.
   */
  async readInterfaces(): Promise<{ links: readonly KLink[]; addresses: readonly KAddress[] }> {
    const read = await readLinks(this.reader(this.opts.node ?? '', []));
    this.fresh = { ...read, at: (this.opts.now ?? Date.now)() };
    return read;
  }

  private reader(node: string, ran: RanCommand[]): (argv: string[]) => Promise<string> {
    return async (argv) => {
      ran.push({ argv, read: true });
      const r = await this.exec(argv);
      if (r.code !== 0) throw stepError(node, { argv }, r.code, r.stderr || r.stdout);
      return r.stdout;
    };
  }

  /** Forgets every table: the next apply reads the whole kernel (after a failure). */
  private forget(): void {
    this.belief = { sysctls: {} };
    this.devices.clear();
    this.queueResync();
  }

  /** Drops what the kernel dropped with a device that went away, came back as another, or went down. */
  private dropDevice(dev: string): void {
    const b = this.belief;
    if (b.routes) b.routes = b.routes.filter((r) => r.dev !== dev);
    if (b.neighbours) b.neighbours = { neighbours: b.neighbours.neighbours.filter((n) => n.dev !== dev), fdb: b.neighbours.fdb.filter((f) => f.dev !== dev) };
    for (const key of Object.keys(b.sysctls)) if (sysctlDevice(key) === dev) delete b.sysctls[key];
  }

  private stale(table: KernelTable, now: number): boolean {
    const every = this.opts.resyncMs;
    const ms = table === 'iptables' ? every?.iptables : table === 'ipsets' ? every?.ipsets : every?.routes;
    return now - this.readAt[table] >= (ms ?? FELIX_REFRESH_MS);
  }

  /** The kernel as believed, reading only the tables that are due (see the header). */
  private async snapshot(read: (argv: string[]) => Promise<string>, sysctlKeys: readonly string[]): Promise<KernelSnapshot> {
    // A read of this pass (readInterfaces just before), never an old one: devices come and go.
    const fresh = this.fresh && (this.opts.now ?? Date.now)() - this.fresh.at < FRESH_LINKS_MS ? this.fresh : undefined;
    this.fresh = undefined;
    const { links, addresses } = fresh ?? await readLinks(read);
    const byName = new Map(links.map((l) => [l.name, l]));
    for (const [name, was] of this.devices) {
      const now = byName.get(name);
      // Gone, made again, down now, or down and up again since (its carrier changed): the kernel dropped its routes.
      const bounced = was.carrierChanges !== undefined && now?.carrierChanges !== undefined && now.carrierChanges !== was.carrierChanges;
      if (!now || now.index !== was.index || (was.up && !now.up) || bounced) this.dropDevice(name);
    }
    const now = (this.opts.now ?? Date.now)();
    const b = this.belief;
    const reads: Promise<void>[] = [];
    if (!b.routes || this.stale('routes', now)) reads.push(readRoutes(read).then((r) => { b.routes = r; this.readAt.routes = now; }));
    if (!b.neighbours || this.stale('neighbours', now)) reads.push(readNeighbours(read, links).then((n) => { b.neighbours = n; this.readAt.neighbours = now; }));
    const sysctlsDue = this.stale('sysctls', now);
    const keys = sysctlsDue ? sysctlKeys : sysctlKeys.filter((k) => !(k in b.sysctls));
    if (sysctlsDue) b.sysctls = {};
    if (keys.length) {
      const values = this.opts.sysctls ? this.opts.sysctls.read(keys) : readSysctls(read, keys);
      reads.push(values.then((v) => { Object.assign(b.sysctls, v); }));
    }
    if (sysctlsDue) this.readAt.sysctls = now;
    if (!b.ipsets || this.stale('ipsets', now)) reads.push(readIpsets(read).then((s) => { b.ipsets = s; this.readAt.ipsets = now; }));
    if (!b.iptables || this.stale('iptables', now)) reads.push(readIptables(read).then((t) => { b.iptables = t; this.readAt.iptables = now; }));
    await Promise.all(reads);
    return { links, addresses, routes: b.routes!, ...b.neighbours!, sysctls: b.sysctls, ipsets: b.ipsets!, iptables: b.iptables! };
  }

  private async applyNow(desired: DesiredDataplane): Promise<DataplaneChange[]> {
    const node = this.opts.node ?? desired.node;
    const ran: RanCommand[] = [];
    this.lastRun = ran;
    let kernel: KernelSnapshot;
    try {
      kernel = await this.snapshot(this.reader(node, ran), desired.sysctls.map((s) => s.key));
    } catch (e) {
      this.forget();
      throw e instanceof LinuxDataplaneError ? e : new LinuxDataplaneError(`${node}: ${(e as Error).message}`);
    }
    const plan = planDataplane(desired, kernel, { knownSysctls: this.written });
    for (const cmd of batchSteps(plan.steps)) {
      if (this.opts.sysctls && cmd.argv[0] === 'sysctl') {
        // Felix's way: straight into /proc/sys, no process (not a command: not in lastRun).
        const entries = cmd.steps.map((st): [string, string] => { const kv = st.argv[2]!; const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)]; });
        try {
          await this.opts.sysctls.write(entries);
          continue;
        } catch (e) {
          this.forget();
          throw new LinuxDataplaneError(`${node}: ${(e as Error).message}`);
        }
      }
      ran.push({ argv: cmd.argv, ...(cmd.stdin !== undefined ? { stdin: cmd.stdin } : {}), read: false });
      const r = await this.exec(cmd.argv, cmd.stdin !== undefined ? { stdin: cmd.stdin } : undefined);
      if (r.code === 0) continue;
      const err = failure(node, cmd, r.code, r.stderr || r.stdout);
      if (err) {
        // The kernel is not what the plan says any more: read it all before the next plan (Felix resyncs after a failure).
        this.forget();
        throw err;
      }
    }
    for (const s of desired.sysctls) this.written.add(s.key);
    const a = plan.after;
    this.belief = { routes: a.routes, neighbours: { neighbours: a.neighbours, fdb: a.fdb }, sysctls: { ...a.sysctls }, ipsets: a.ipsets, iptables: a.iptables };
    // Devices this plan made, deleted or set have an ifindex or carrier count the read did not see: the next read sets it.
    const touched = new Set(plan.steps.filter((s) => s.argv[0] === 'ip' && s.argv[1] === 'link' && (s.argv[2] === 'add' || s.argv[2] === 'del' || s.argv[2] === 'set'))
      .map((s) => s.argv[s.argv.indexOf(s.argv[2] === 'add' ? 'name' : 'dev') + 1]!));
    this.devices = new Map(kernel.links.filter((l) => !touched.has(l.name)).map((l) => [l.name, {
      ...(l.index !== undefined ? { index: l.index } : {}), up: l.up, ...(l.carrierChanges !== undefined ? { carrierChanges: l.carrierChanges } : {}),
    }]));
    return plan.changes;
  }
}

/** The error for a failed command, or undefined when every failed step tolerates its failure. */
function failure(node: string, cmd: BatchCommand, code: number, stderr: string): LinuxDataplaneError | undefined {
  if (cmd.form === 'lines') {
    const failed = batchFailures(cmd, stderr);
    if (failed) {
      const bad = failed.find((f) => !(f.step.tolerate && f.step.tolerate.test(f.stderr)));
      return bad ? stepError(node, bad.step, code, bad.stderr) : undefined;
    }
  } else if (cmd.form === 'single') {
    const step = cmd.steps[0]!;
    if (step.tolerate && step.tolerate.test(stderr)) return undefined;
    return stepError(node, step, code, stderr);
  }
  return stepError(node, cmd, code, stderr);
}
