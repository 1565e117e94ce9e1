/**
 * The LabDriver of the built-in simulator: a SimLab plus a FrameStore fed by the world's
 * trace bus. Everything runs in virtual time, so a scenario replays identically.
 */
import type { Topology } from '../model/types.ts';
import { formatIPv4 } from '../net/ip.ts';
import { SimLab } from '../runtime/sim/sim-lab.ts';
import type { EventBody, FrameRef } from '../events.ts';
import type { CaptureFile, CommandResult, LabDriver, LinkChange, LinkStatus, SeenFrame } from './driver.ts';
import { FrameStore, packetEvent } from './packet-events.ts';
import { EventRelay } from './event-relay.ts';
import { kernelRoutes } from './routes.ts';
import { calicoEventBody, calicoOf, startCalico, wantsCalico } from '../runtime/sim/calico.ts';
import type { ClusterControl } from './cluster-control.ts';
import { SimClusterControl } from './sim-cluster.ts';
import { ncOnKernel } from './sim-nc.ts';

/** Deploys `topology` on the simulator (throws DeployError) and returns its driver; no Calico (see simDeploy). */
export function simDriver(topology: Topology, opts: { seed?: number } = {}): LabDriver {
  return new SimDriver(SimLab.deploy(topology, { seed: opts.seed ?? 1 }));
}

/**
 * Deploys `topology` on the simulator and, when it has a `calico:` section, starts Calico on it
 * (throws DeployError or ClusterConfigError). Calico's session and route events join the
 * driver's event stream; nodes and pods gain `nc`.
 */
export async function simDeploy(topology: Topology, opts: { seed?: number } = {}): Promise<LabDriver> {
  const d = new SimDriver(SimLab.deploy(topology, { seed: opts.seed ?? 1 }));
  d.lab.registerCommand('nc', (node, args) => ncOnKernel(d.lab.kernel(node), args));
  if (wantsCalico(d.lab)) {
    await startCalico(d.lab, { onEvent: (e) => d.forward(calicoEventBody(e)) });
  }
  return d;
}

/** The SimLab behind a simulator driver, or undefined for other runtimes. */
export function simLabOf(driver: LabDriver): SimLab | undefined {
  return driver instanceof SimDriver ? driver.lab : undefined;
}

class SimDriver implements LabDriver {
  readonly runtime = 'sim';
  readonly clock = 'virtual' as const;
  readonly topology: Topology;
  private readonly store = new FrameStore();
  private readonly relay = new EventRelay();
  private readonly requested = new Set<string>();


  constructor(readonly lab: SimLab) {
    this.topology = lab.topology;
    lab.world.trace.on((e) => this.forward(packetEvent(e, this.store)));
  }

  /** Hands an event to the subscribers (or keeps it until the first subscribes). */
  forward(body: EventBody | undefined): void {
    this.relay.forward(body);
  }

  now(): number {
    return this.lab.world.clock.nowMs();
  }

  nodes(): readonly string[] {
    return this.lab.world.nodeNames();
  }

  async exec(node: string, argv: readonly string[]): Promise<CommandResult> {
    return this.lab.execAsync(node, argv);
  }

  async setLink(node: string, iface: string, change: LinkChange): Promise<LinkStatus> {
    const w = this.lab.world;
    const link = w.linkAt(node, iface);
    if (change.state) w.setLink(node, iface, change.state);
    if (change.latencyMs !== undefined || change.lossPct !== undefined) {
      w.setLink(node, iface, { latencyMs: change.latencyMs, lossPct: change.lossPct });
    }
    const a = `${link.a.kernel.node}:${link.a.dev.name}`;
    const b = `${link.b.kernel.node}:${link.b.dev.name}`;
    const named = `${node}:${iface}`;
    return { endpoints: a === named ? [a, b] : [b, a], state: link.up ? 'up' : 'down', latencyMs: link.latencyMs, lossPct: link.lossPct };
  }

  async setNode(node: string, state: 'stopped' | 'started'): Promise<void> {
    if (state === 'stopped') this.lab.world.stopNode(node);
    else this.lab.world.startNode(node);
  }

  async wait(ms: number): Promise<void> {
    this.lab.world.run(ms);
  }

  async routes(node: string): ReturnType<LabDriver['routes']> {
    return kernelRoutes(this.lab.kernel(node).state);
  }

  addresses(node: string): ReturnType<LabDriver['addresses']> {
    const s = this.lab.kernel(node).state;
    return s.addresses
      .filter((a) => a.scope !== 'host')
      .map((a) => ({ dev: s.devices.get(a.ifindex)?.name ?? '?', addr: formatIPv4(a.prefix.addr) }));
  }

  frames(node: string, dev: string): readonly SeenFrame[] {
    return this.store.frames(node, dev);
  }

  startCapture(node: string, dev: string): void {
    this.lab.kernel(node);
    this.requested.add(`${node}:${dev}`);
    this.lab.startCapture(node, dev);
  }

  onPacket(fn: (e: EventBody) => void): void {
    this.relay.subscribe(fn);
  }

  pcapFiles(): readonly CaptureFile[] {
    const out: CaptureFile[] = [];
    for (const [id, c] of this.lab.allCaptures()) {
      // Default captures that saw nothing are noise; a capture a step asked for is written even empty.
      if (c.records.length === 0 && !this.requested.has(id)) continue;
      out.push({ id, node: c.node, dev: c.dev, pcap: c.toPcap(), frames: c.records.length });
    }
    return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  }

  recordedCaptures(): readonly CaptureFile[] {
    return this.store.files();
  }

  frameAt(ref: FrameRef): SeenFrame | undefined {
    return this.store.at(ref);
  }

  setupCommands(): ReturnType<LabDriver['setupCommands']> {
    return this.lab.setup.flatMap((s) => s.steps.map((st) => ({ node: s.node, argv: st.command.argv, result: st.result })));
  }

  private control: ClusterControl | undefined;

  calico(): ClusterControl | undefined {
    if (!this.control) {
      const c = calicoOf(this.lab);
      if (c) this.control = new SimClusterControl(c, this.lab);
    }
    return this.control;
  }

  async destroy(): Promise<void> {
    // In-process: nothing outlives the World once the last reference goes.
  }
}
