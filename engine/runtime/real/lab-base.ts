/**
 * What every real runtime's lab shares, whatever holds its nodes (Mininet's namespace shells,
 * Docker's containers): the plan, the lab's record, the pid behind each node, the processes it
 * spawned, the cables, setup records, and the order of teardown. A runtime adds how commands
 * reach a node, how a node is frozen, and how a cable's carrier and impairment are applied.
 */
import type { ChildProcess } from 'node:child_process';
import type { Topology } from '../../model/types.ts';
import type { KernelCapabilities } from '../linux/capabilities.ts';
import { destroyLab, type LabState } from '../labs.ts';
import { switchPortDevice, type LinkRealisation, type MininetPlan } from '../mininet/plan.ts';
import type { RealLinkChange, RealLinkStatus } from '../real-lab.ts';
import { Cabling } from './cabling.ts';
import { MarkedProcesses } from './marked-processes.ts';
import type { SetupRecord } from './node-setup.ts';
import { tcpdumpArgv } from './tcpdump-stream.ts';

export abstract class RealLabBase {
  readonly notes: readonly string[];
  /** The host pid holding each non-switch node's namespaces. */
  protected readonly pids = new Map<string, number>();
  protected readonly setup: SetupRecord[] = [];
  protected readonly procs: MarkedProcesses;
  protected readonly cabling: Cabling;
  private destroyed = false;

  protected constructor(
    readonly topology: Topology,
    protected readonly plan: MininetPlan,
    protected readonly state: LabState,
    protected readonly caps: KernelCapabilities,
    notes: string[],
    /** What holds a node, in messages: 'namespace' or 'container'. */
    private readonly holder: string,
  ) {
    this.notes = notes;
    this.procs = new MarkedProcesses(state);
    const ops = { carrier: (l: LinkRealisation, down: boolean) => this.applyCarrier(l, down), impair: (l: LinkRealisation, ms: number, pct: number) => this.impair(l, ms, pct) };
    this.cabling = new Cabling(topology, plan, caps.netem, ops, (n) => this.procs.isStopped(n));
  }

  /** The lab's name. */
  get lab(): string {
    return this.state.lab;
  }

  /** The lab's short id (prefix of its bridges and veths). */
  get id(): string {
    return this.state.id;
  }

  /** Non-switch nodes (the ones with namespaces or containers). */
  nodes(): readonly string[] {
    return this.plan.hosts;
  }

  /** Host pid of the process holding the node's namespaces. */
  pid(node: string): number {
    const pid = this.pids.get(node);
    if (pid === undefined) {
      const sw = this.topology.nodes.find((n) => n.name === node && n.kind === 'switch');
      throw new Error(sw ? `'${node}' is a switch: it is realised as root-namespace bridges and has no ${this.holder}` : `no node '${node}' in lab '${this.lab}' (nodes: ${this.plan.hosts.join(', ')})`);
    }
    return pid;
  }

  /** Every setup command as it ran. */
  setupRecords(): readonly SetupRecord[] {
    return this.setup;
  }

  /** Changes the cable at `node:iface` (either end, switches included): carrier and/or impairment. */
  setLink(node: string, iface: string, change: RealLinkChange): Promise<RealLinkStatus> {
    return this.cabling.setLink(node, iface, change);
  }

  /**
   * Powers a node off or back on: its spawned processes get SIGSTOP/SIGCONT and its cables
   * lose or regain carrier; `freeze` is the runtime's own step (Docker pauses the container)
   * between marking the node and signalling its processes.
   */
  protected async power(node: string, state: 'stopped' | 'started', freeze?: () => Promise<void>): Promise<void> {
    this.procs.setStopped(node, state === 'stopped');
    await freeze?.();
    await this.procs.signal(node, state === 'stopped');
    await this.cabling.nodeChanged(node);
  }

  /** tcpdump on a switch port's root-namespace veth, with the host's tools. */
  protected switchTcpdump(node: string, iface: string): ChildProcess {
    return this.procs.spawn(`switch:${node}`, tcpdumpArgv(switchPortDevice(this.plan, node, iface)));
  }

  /** Removes every process, namespace or container, veth, bridge and rule of the lab. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.procs.killAll();
    await this.release();
    await destroyLab(this.lab);
  }

  /** The runtime's own teardown between killing the lab's processes and removing its record. */
  protected abstract release(): Promise<void>;
  /** Cabling's carrier operation: the admin state of the cable's root ends. */
  protected abstract applyCarrier(l: LinkRealisation, down: boolean): Promise<void>;
  /** Cabling's impairment operation: latency/loss on the cable's shaping ends. */
  protected abstract impair(l: LinkRealisation, latencyMs: number, lossPct: number): Promise<void>;
}
