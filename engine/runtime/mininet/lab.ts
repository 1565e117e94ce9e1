/**
 * The Mininet runtime: a topology deployed into real namespaces, veths and Linux bridges on
 * this machine, built by Debian's Mininet through mininet-helper.py.
 *
 * Deploy order — record, then create: the lab's record (runtime/labs.ts) gets every planned
 * name and the helper's pid before the kernel sees them, so `destroyLab`/`destroyAll` can
 * remove a lab killed at any instant. Then the helper builds hosts, bridges and cables
 * (plan.ts decides the realisation, VLANs included), link impairments are applied, and each
 * host runs its setup commands (setup-commands.ts) inside its namespaces. Any failure tears
 * everything down before the error reaches the caller.
 *
 * Links. A cable's carrier is the admin state of its root-namespace ends: taking them down
 * makes the nodes' own interfaces lose carrier (NO-CARRIER) while staying administratively
 * up with their routes, exactly as pulling a cable does. Delay/loss use tc netem where the
 * kernel has it; without netem, loss is an nftables netdev egress rule and delay is refused.
 *
 * Stopped nodes: their cables lose carrier and the processes podlab spawned in them are
 * frozen with SIGSTOP (SIGCONT on start), so a BGP speaker resumes with its state, as after
 * a VM pause; the node shell and the kernel state stay.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../model/types.ts';
import { localExec, mustRun, pidExec, type Exec } from '../linux/exec.ts';
import { detectKernel, type KernelCapabilities } from '../linux/capabilities.ts';
import { createLab, destroyLab, labEnv, recordResources, validLabName, type LabState } from '../labs.ts';
import { HelperClient } from './helper-client.ts';
import { isRootEnd, planMininet, type LinkRealisation, type MininetPlan, type VethEnd } from './plan.ts';
import type { RealLab, RealLinkChange, RealLinkStatus } from '../real-lab.ts';
import { RealLabBase } from '../real/lab-base.ts';
import { childTcpdump, streamTcpdump, tcpdumpArgv } from '../real/tcpdump-stream.ts';
import { forwardAcceptRules, insertForwardAccepts } from '../real/forward-accept.ts';
import { runSetupCommands, type SetupRecord } from '../real/node-setup.ts';

/** Options of a Mininet deployment. */
export interface MininetDeployOptions {
  /** Lab name: the registry key and the marker every process carries. */
  lab: string;
  /** Directory for the lab's logs (helper, spawned processes). */
  dir: string;
  onProgress?: (msg: string) => void;
}

/** A setup command as it ran on a node. */
export type MininetSetupRecord = SetupRecord;

/** Raised when deploying fails; the lab has already been removed. */
export class MininetDeployError extends Error {
  override name = 'MininetDeployError';
}

/** A topology running on Mininet. */
export class MininetLab extends RealLabBase implements RealLab {
  readonly runtime = 'mininet';

  private constructor(
    topology: Topology,
    plan: MininetPlan,
    state: LabState,
    private readonly helper: HelperClient,
    caps: KernelCapabilities,
    private readonly dir: string,
    notes: string[],
  ) {
    super(topology, plan, state, caps, notes, 'namespace');
  }

  /** Deploys a validated topology; throws MininetDeployError and leaves nothing behind on failure. */
  static async deploy(topology: Topology, opts: MininetDeployOptions): Promise<MininetLab> {
    if (!validLabName(opts.lab)) throw new MininetDeployError(`invalid lab name '${opts.lab}': 1-40 characters of A-Z a-z 0-9 _ . -`);
    const progress = opts.onProgress ?? (() => undefined);
    const caps = await detectKernel();
    if (!caps.root) throw new MininetDeployError('the mininet runtime needs root (network namespaces, veths, bridges): run as root or use --runtime sim');
    mkdirSync(opts.dir, { recursive: true });
    const state = createLab(opts.lab, 'mininet');
    let helper: HelperClient | undefined;
    try {
      const plan = planMininet(topology, state.id, { vlanFiltering: caps.vlanFiltering });
      const notes = [...plan.notes];
      const rules = await forwardAcceptRules(plan.bridges.map((b) => b.name), state);
      recordResources(opts.lab, { bridges: plan.bridges.map((b) => b.name), links: plan.rootLinks, iptables: rules, extra: { notes } });
      await insertForwardAccepts(rules, state, notes);
      progress(`starting the Mininet helper (lab ${opts.lab}, id ${state.id})`);
      helper = await HelperClient.start({
        env: labEnv(state),
        logFile: join(opts.dir, 'mininet-helper.log'),
        onProgress: progress,
        onSpawn: (pid) => recordResources(opts.lab, { pids: [pid] }),
      });
      const built = await helper.request<{ hosts: Record<string, number>; bridges: Record<string, number> }>('build', {
        hosts: plan.hosts,
        bridges: plan.bridges.map((b) => b.name),
        filtering: plan.bridges.filter((b) => b.vlanFiltering).map((b) => b.name),
        veths: plan.links.flatMap((l) => l.veths),
      });
      recordResources(opts.lab, { pids: [...Object.values(built.hosts), ...Object.values(built.bridges)], extra: { hosts: built.hosts } });
      const lab = new MininetLab(topology, plan, state, helper, caps, opts.dir, notes);
      for (const [n, pid] of Object.entries(built.hosts)) lab.pids.set(n, pid);
      await isolateFromHost(plan);
      await lab.cabling.applyInitialImpairments(notes);
      const hosts = topology.nodes.filter((n) => n.kind !== 'switch');
      await runSetupCommands(topology, hosts, (n) => lab.exec(n), lab.setup, progress, (msg) => new MininetDeployError(msg));
      progress(`lab ${opts.lab} is up: ${plan.hosts.length} nodes, ${plan.bridges.length} bridges, ${plan.rootLinks.length} root-namespace veth ends`);
      return lab;
    } catch (e) {
      progress(`deploy failed, removing lab ${opts.lab}`);
      await helper?.stop().catch(() => undefined);
      await destroyLab(opts.lab);
      if (e instanceof MininetDeployError) throw e;
      throw new MininetDeployError(`deploying lab '${opts.lab}' on mininet failed: ${(e as Error).message}`);
    }
  }

  /** Runs argv inside the node's network and mount namespaces. */
  exec(node: string): Exec {
    return pidExec(this.pid(node));
  }

  /** Starts a long-running process in the node, marked with the lab and killed by destroy. */
  spawn(node: string, argv: readonly string[], opts: { logFile?: string; env?: Record<string, string> } = {}): ChildProcess {
    const pid = this.pid(node);
    if (argv.length === 0) throw new Error('spawn: empty argv');
    return this.procs.spawn(node, ['nsenter', `--target=${pid}`, '--net', '--mount', '--', ...argv], opts);
  }

  /** Powers a node off (cables lose carrier, its spawned processes get SIGSTOP) or back on (SIGCONT). */
  async setNode(node: string, state: 'stopped' | 'started'): Promise<void> {
    this.pid(node);
    await this.power(node, state);
  }

  /**
   * Captures on a node's interface with the real tcpdump, streaming each frame to `onPacket`.
   * Resolves once tcpdump is listening; the returned function stops it.
   */
  async capture(node: string, iface: string, onPacket: (p: { tsMs: number; data: Uint8Array }) => void): Promise<() => Promise<void>> {
    const argv = tcpdumpArgv(iface);
    const child = this.pids.has(node) ? this.spawn(node, argv) : this.switchTcpdump(node, iface);
    return streamTcpdump(childTcpdump(child), `${node}:${iface}`, onPacket);
  }

  /** Teardown (RealLabBase.destroy): Mininet's helper goes after the processes, before the namespaces and links. */
  protected async release(): Promise<void> {
    await this.helper.stop();
  }

  // ---- links ------------------------------------------------------------------------

  /** Cabling's carrier operation: the helper sets the admin state of the cable's root ends. */
  protected async applyCarrier(l: LinkRealisation, down: boolean): Promise<void> {
    const ends = l.carrier.map((ifname) => this.rootEnd(l, ifname));
    if (ends.length) await this.helper.request('link', { ends, state: down ? 'down' : 'up' });
  }

  private rootEnd(l: LinkRealisation, ifname: string): VethEnd {
    for (const v of l.veths) for (const e of [v.a, v.b]) if (isRootEnd(e) && e.ifname === ifname) return e;
    throw new Error(`internal: ${ifname} is not a root end of link ${l.index}`);
  }

  /** Cabling's impairment operation: the helper puts netem (or the nftables loss rule) on the shaping ends. */
  protected async impair(l: LinkRealisation, latencyMs: number, lossPct: number): Promise<void> {
    if (l.shaping.length === 0) return;
    await this.helper.request('link', { ends: l.shaping, impair: { delayMs: latencyMs, lossPct, via: this.caps.netem ? 'netem' : 'nft' } });
  }
}

async function must(argv: string[]): Promise<void> {
  await mustRun(localExec, argv);
}

/**
 * The lab's bridges and switch ports live in the host's namespace, where by default Linux
 * answers ARP on any interface for any of the host's addresses (arp_ignore 0) and gives every
 * interface an IPv6 link-local address that solicits routers: a lab whose hosts use the
 * machine's own subnet would reach the machine instead of each other, and every segment
 * would carry the host's IPv6 chatter. Switches forward frames; they never speak.
 */
async function isolateFromHost(plan: MininetPlan): Promise<void> {
  const devs = [...plan.bridges.map((b) => b.name), ...plan.rootLinks];
  const keys = devs.flatMap((d) => [`net.ipv4.conf.${d}.arp_ignore=8`, `net.ipv6.conf.${d}.disable_ipv6=1`]);
  for (let i = 0; i < keys.length; i += 100) await must(['sysctl', '-q', '-w', ...keys.slice(i, i + 100)]);
}

