/**
 * The long-running processes a real lab starts on this machine (agents, BIRD, tcpdump), per
 * node: each carries the lab's markers (labs.ts labEnv) and is in the lab's record before it
 * can outlive us, so `destroyLab` finds it even after a crash. A stopped node's processes are
 * frozen with SIGSTOP and resumed with SIGCONT, as after a VM pause: a BGP speaker resumes
 * with its state.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { labEnv, recordResources, type LabState } from '../labs.ts';

/** How a marked process is started: its output to a log file (appended) or piped, extra environment. */
export interface MarkedSpawnOptions {
  logFile?: string;
  env?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lab's child processes, grouped by the node (or any other key) they belong to. */
export class MarkedProcesses {
  private readonly children = new Map<string, Set<ChildProcess>>();
  private readonly stopped = new Set<string>();

  constructor(private readonly state: LabState) {}

  /** Starts argv (already wrapped into the node's namespaces) under `key`; frozen at once when the key is stopped. */
  spawn(key: string, argv: readonly string[], opts: MarkedSpawnOptions = {}): ChildProcess {
    const fd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
    const child = spawnChild(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...opts.env, ...labEnv(this.state) },
      stdio: fd !== undefined ? ['ignore', fd, fd] : ['ignore', 'pipe', 'pipe'],
    });
    if (fd !== undefined) closeSync(fd);
    if (child.pid !== undefined) recordResources(this.state.lab, { pids: [child.pid] });
    let set = this.children.get(key);
    if (!set) this.children.set(key, (set = new Set()));
    set.add(child);
    child.once('exit', () => set!.delete(child));
    if (this.stopped.has(key) && child.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
    return child;
  }

  /** Is `key` stopped (its processes frozen, its cables without carrier)? */
  isStopped(key: string): boolean {
    return this.stopped.has(key);
  }

  /** Records `key` as stopped or started; processes spawned under a stopped key start frozen. */
  setStopped(key: string, stopped: boolean): void {
    if (stopped) this.stopped.add(key);
    else this.stopped.delete(key);
  }

  /** SIGSTOPs (stopped) or SIGCONTs the running processes of `key`; resolves once each shows its new state. */
  async signal(key: string, stopped: boolean): Promise<void> {
    const signal = stopped ? 'SIGSTOP' : 'SIGCONT';
    const signalled: number[] = [];
    for (const c of this.children.get(key) ?? []) {
      if (c.pid !== undefined && c.exitCode === null) {
        try {
          process.kill(c.pid, signal);
          signalled.push(c.pid);
        } catch { /* exited meanwhile */ }
      }
    }
    // Signals land when the process is next scheduled: wait until each one shows the new state.
    await waitForState(signalled, stopped);
  }

  /** Ends every process: SIGCONT (a frozen one cannot act on SIGTERM) and SIGTERM, SIGKILL after 1 s. */
  async killAll(): Promise<void> {
    const all = [...this.children.values()].flatMap((s) => [...s]);
    for (const c of all) {
      if (c.exitCode !== null || c.pid === undefined) continue;
      try {
        process.kill(c.pid, 'SIGCONT');
        c.kill('SIGTERM');
      } catch { /* gone */ }
    }
    for (let i = 0; i < 20 && all.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(50);
    for (const c of all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

/** Polls /proc until every pid is stopped (`T`) or no longer stopped, or is gone; gives up after 2 s. */
async function waitForState(pids: readonly number[], stopped: boolean): Promise<void> {
  const isStopped = async (pid: number): Promise<boolean | undefined> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    // The state follows the parenthesised command name, which may itself contain spaces.
    return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  };
  for (let i = 0; i < 100; i++) {
    const states = await Promise.all(pids.map(isStopped));
    if (states.every((s) => s === undefined || s === stopped)) return;
    await sleep(20);
  }
}
