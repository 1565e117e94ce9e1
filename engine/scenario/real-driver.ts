/**
 * The LabDriver of the real runtimes: a RealLab (Mininet hosts, or Docker containers) whose
 * nodes are real network namespaces, switches Linux bridges, cables veths; Calico runs as real processes
 * (`podlab agent` + BIRD per k8s node, BIRD per fabric router, etcd per lab) driven by
 * RealCluster. Time is wall time. Every interface of every node is captured from deploy on
 * with the real tcpdump, so `packet` expectations, `--pcap` and the UI's packet list read
 * what actually crossed the wire; each frame becomes a `packet` event (rx/tx by whether the
 * device sent it).
 *
 * Before deploying, the kernel is probed for what the scenario needs (ipip, vxlan, 802.1Q):
 * a missing feature is an `UnsupportedError` naming the module, never a silent fallback.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import type { Topology } from '../model/types.ts';
import { decodeFrame } from '../net/codec/index.ts';
import type { EventBody, FrameRef, RouteEntry } from '../events.ts';
import { detectKernel, missingMessage, topologyNeeds } from '../runtime/linux/capabilities.ts';
import type { KernelFeature } from '../runtime/linux/capabilities.ts';
import { findBird } from '../runtime/linux/bird.ts';
import { localExec, netnsExec } from '../runtime/linux/exec.ts';
import type { Exec } from '../runtime/linux/exec.ts';
import { podNetnsName, recordResources, labDir } from '../runtime/labs.ts';
import { MininetLab } from '../runtime/mininet/lab.ts';
import type { DockerImages } from '../runtime/docker/lab.ts';
import type { RealLab } from '../runtime/real-lab.ts';
import { calicoEventBody } from '../runtime/sim/calico.ts';
import type { AgentEvent } from '../runtime/linux/agent.ts';
import type { ClusterControl } from './cluster-control.ts';
import type { CaptureFile, CommandResult, LabDriver, LinkChange, LinkStatus, SeenFrame } from './driver.ts';
import { FrameStore, packetEvent } from './packet-events.ts';
import { EventRelay } from './event-relay.ts';
import { RealCluster } from './real-cluster.ts';
import { readRoutes } from './real-routes.ts';
import type { Scenario } from './types.ts';
import type { TraceEvent } from '../sim/trace.ts';

/** A captured frame in the simulator trace's words. */
type FrameTrace = Extract<TraceEvent, { type: 'tx' | 'rx' }>;

/** The lab needs a kernel feature this machine lacks; the message names the module. */
export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
  constructor(readonly features: readonly KernelFeature[], detail: string) {
    super(detail);
  }
}

/** Options of a Mininet deployment through the scenario runner. */
export interface MininetDriverOptions {
  /** Lab name (default: the topology's name). */
  readonly lab?: string;
  /** The scenario, whose `apply` steps may ask for more (an IPPool switched to VXLAN). */
  readonly scenario?: Scenario;
  readonly onProgress?: (msg: string) => void;
}

/** Every manifest a scenario's `apply` steps write inline. */
function appliedManifests(s: Scenario | undefined): Record<string, unknown>[] {
  return (s?.steps ?? []).flatMap((step) => (step.action?.kind === 'apply' ? (step.action.params as { manifests?: Record<string, unknown>[] }).manifests ?? [] : []));
}

const nameOf = (m: Record<string, unknown>): string => String((m.metadata as { name?: string } | undefined)?.name ?? '');

/** IPPool manifests a scenario applies in its steps (they may need ipip or vxlan too). */
function scenarioPools(s: Scenario | undefined): { kind: string; name?: string; manifest: Record<string, unknown> }[] {
  return appliedManifests(s).filter((m) => m.kind === 'IPPool').map((m) => ({ kind: 'IPPool', name: nameOf(m), manifest: m }));
}

/** The kernel features a scenario on this topology needs that this kernel lacks (empty: it can run). */
export async function missingFeatures(topology: Topology, scenario?: Scenario): Promise<{ features: KernelFeature[]; messages: string[] }> {
  const needs = topologyNeeds(topology, [...topology.calico, ...scenarioPools(scenario)] as Topology['calico'], { perVlanBridges: true });
  const caps = await detectKernel();
  const has: Record<KernelFeature, boolean> = { ipip: caps.ipip, vxlan: caps.vxlan, '8021q': caps.vlan8021q, vlanFiltering: caps.vlanFiltering, netem: caps.netem };
  const features = needs.features.filter((f) => !has[f]);
  return { features, messages: features.map((f) => `${needs.why[f]}: ${missingMessage(f)}`) };
}

/**
 * What every real deployment checks and prepares before touching the kernel: root (`needsRoot`
 * says why the runtime needs it), the kernel features the scenario needs, the lab's name and
 * directory. Fails with UnsupportedError, before anything exists.
 */
async function realPreamble(topology: Topology, opts: MininetDriverOptions, needsRoot: string): Promise<{ lab: string; dir: string; say: (msg: string) => void }> {
  if (process.getuid?.() !== 0) throw new UnsupportedError([], `${needsRoot}: run as root, or use --runtime sim`);
  const missing = await missingFeatures(topology, opts.scenario);
  if (missing.features.length) throw new UnsupportedError(missing.features, missing.messages.join('; '));
  const lab = opts.lab ?? topology.name;
  const dir = labDir(lab);
  mkdirSync(dir, { recursive: true });
  return { lab, dir, say: opts.onProgress ?? (() => undefined) };
}

/** Deploys `topology` on Mininet with Calico on it (when it asks for Calico) and returns its driver. */
export async function mininetDeploy(topology: Topology, opts: MininetDriverOptions = {}): Promise<LabDriver> {
  const { lab, dir, say } = await realPreamble(topology, opts, 'the mininet runtime needs root (network namespaces, veths, bridges)');
  const mn = await MininetLab.deploy(topology, { lab, dir, onProgress: say });
  return realDriver(mn, dir, say);
}

/**
 * Deploys `topology` on Docker containers — the lab containerlab would run, built through the
 * Docker API (runtime/docker/lab.ts) — with Calico on it when it asks for Calico; returns its driver.
 */
export async function containerlabDeploy(topology: Topology, opts: MininetDriverOptions & { readonly images?: DockerImages } = {}): Promise<LabDriver> {
  const { lab, dir, say } = await realPreamble(topology, opts, 'the containerlab runtime needs root (veths moved into containers, bridges)');
  // Loaded on demand: the Docker client is not needed by a simulator or Mininet run.
  const { DockerLab } = await import('../runtime/docker/lab.ts');
  const d = await DockerLab.deploy(topology, { lab, dir, onProgress: say, ...(opts.images ? { images: opts.images } : {}) });
  return realDriver(d, dir, say);
}

/** Wraps a deployed RealLab in a LabDriver: captures everywhere, then Calico when the topology asks for it. */
export async function realDriver(lab: RealLab, dir: string, say: (msg: string) => void = () => undefined): Promise<LabDriver> {
  const d = new RealDriver(lab, lab.topology, dir);
  try {
    await d.start(say);
  } catch (e) {
    await d.destroy();
    throw e;
  }
  return d;
}

class RealDriver implements LabDriver {
  readonly clock = 'wall' as const;
  private readonly store = new FrameStore();
  private readonly relay = new EventRelay();
  private readonly captures = new Map<string, () => Promise<void>>();
  private readonly requested = new Set<string>();
  private readonly macs = new Map<string, string>();
  private readonly addrCache = new Map<string, { dev: string; addr: string }[]>();
  private cluster: RealCluster | undefined;
  private readonly frameListeners = new Set<(e: FrameTrace) => void>();

  constructor(readonly lab: RealLab, readonly topology: Topology, readonly dir: string) {}

  get runtime(): string {
    return this.lab.runtime;
  }

  /** Reads addresses, starts captures everywhere, then Calico. */
  async start(say: (msg: string) => void): Promise<void> {
    for (const n of this.lab.nodes()) await this.refreshNode(n);
    say(`capturing every interface with tcpdump (${[...this.addrCache.values()].length} nodes)`);
    for (const n of this.topology.nodes) {
      if (n.kind === 'switch') continue;
      for (const i of n.interfaces) await this.capture(n.name, i.name, false);
    }
    const wants = this.topology.calico.length > 0 && this.topology.nodes.some((n) => n.kind === 'k8s-node');
    if (!wants) return;
    // Containers bring their own podlab and BIRD (their image's); Mininet hosts run the engine's.
    const programs = this.lab.nodePrograms ? await this.lab.nodePrograms() : undefined;
    // …and, as containerlab labs, their own etcd, seed and daemon command lines.
    const services = this.lab.services?.();
    const bird = programs?.bird ?? findBird('bird1');
    if (!bird) throw new Error('no BIRD found: install Debian\'s bird2 (or unpack BIRD 1.6 and set PODLAB_BIRD16)');
    const routerBird = programs?.routerBird ?? findBird('bird2') ?? bird;
    say(`Calico on real nodes: BIRD ${bird.version} on k8s nodes, BIRD ${routerBird.version} on routers, etcd ${services ? `of the lab at ${services.etcd.engine}` : `in ${this.dir}`}`);
    this.cluster = await RealCluster.start({
      lab: this.lab.lab, id: this.lab.id, dir: this.dir,
      exec: (node) => this.lab.exec(node),
      spawn: (node, argv, o) => {
        const p = this.lab.spawn(node, argv);
        const log = createWriteStream(o.logFile, { flags: 'a' });
        p.stderr?.pipe(log);
        return p;
      },
      recordNetns: (name) => { recordResources(this.lab.lab, { netns: [name] }); },
      podNetns: (ns, pod) => podNetnsName(this.lab.id, `${ns}.${pod}`),
    }, this.topology, { bird, routerBird, ...(programs ? { podlab: programs.podlab } : {}), ...(services ? { services } : {}), onProgress: say, onEvent: (e) => this.agentEvent(e) });
  }

  private agentEvent(e: AgentEvent): void {
    if (e.type === 'in-sync' || e.type === 'bird') return;
    this.forward(calicoEventBody(e));
  }

  /** Hands an event to the subscribers (or keeps it until the first subscribes). */
  private forward(body: EventBody | undefined): void {
    this.relay.forward(body);
  }

  /** Caches a node's addresses and interface MACs (ip -j addr). */
  private async refreshNode(node: string): Promise<void> {
    const r = await this.execOn(node)(['ip', '-j', 'addr', 'show']);
    if (r.code !== 0) return;
    const links = JSON.parse(r.stdout || '[]') as { ifname: string; address?: string; addr_info?: { family: string; local: string; scope?: string }[] }[];
    const addrs: { dev: string; addr: string }[] = [];
    for (const l of links) {
      if (l.address) this.macs.set(`${node}:${l.ifname}`, l.address);
      for (const a of l.addr_info ?? []) if (a.family === 'inet' && a.scope !== 'host') addrs.push({ dev: l.ifname, addr: a.local });
    }
    this.addrCache.set(node, addrs);
  }

  now(): number {
    return Date.now();
  }

  nodes(): readonly string[] {
    return [...this.lab.nodes(), ...[...(this.cluster?.pods().values() ?? [])].map((p) => p.podNode)];
  }

  /** Where a node's (or a pod's) commands run. */
  private execOn(node: string): Exec {
    const ns = this.cluster?.podNetnsOf(node);
    return ns ? netnsExec(ns, localExec) : this.lab.exec(node);
  }

  async exec(node: string, argv: readonly string[], opts: { readonly stdin?: string } = {}): Promise<CommandResult> {
    const special = await this.cluster?.command(node, argv, opts.stdin);
    const r = special ?? (await this.execOn(node)(argv, { timeoutMs: 120_000, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) }));
    // tcpdump writes each frame at once (-U), but the pipe is read on a later tick: let it drain.
    if (['ping', 'traceroute', 'nc', 'curl'].includes(argv[0] ?? '')) await new Promise((res) => setTimeout(res, 150));
    return r;
  }

  setLink(node: string, iface: string, change: LinkChange): Promise<LinkStatus> {
    return this.lab.setLink(node, iface, change);
  }

  setNode(node: string, state: 'stopped' | 'started'): Promise<void> {
    return this.lab.setNode(node, state);
  }

  async wait(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  routes(node: string): Promise<readonly RouteEntry[]> {
    return readRoutes(this.execOn(node));
  }

  addresses(node: string): ReturnType<LabDriver['addresses']> {
    return this.addrCache.get(node) ?? [];
  }

  frames(node: string, dev: string): readonly SeenFrame[] {
    return this.store.frames(node, dev);
  }

  startCapture(node: string, dev: string): void {
    this.requested.add(`${node}:${dev}`);
    void this.capture(node, dev, true).catch((e: Error) => this.forward({ type: 'packet', hop: 'drop', node, dev, reason: `capture failed: ${e.message}` }));
  }

  /** Starts tcpdump on a device once; frames go to the store and out as packet events. */
  private async capture(node: string, dev: string, requested: boolean): Promise<void> {
    const id = `${node}:${dev}`;
    if (requested) this.requested.add(id);
    if (this.captures.has(id)) return;
    if (!this.macs.has(id)) await this.refreshNode(node);
    const mac = this.macs.get(id);
    const stop = await this.lab.capture(node, dev, (p) => {
      let frame;
      try {
        // Veths hand tcpdump frames before checksum offload fills TCP/UDP checksums in (the
        // field holds the pseudo-header sum): read them without verifying; pcaps re-encode them whole.
        frame = decodeFrame(p.data, { verifyChecksums: false });
      } catch {
        return; // a frame our codecs do not read is still in tcpdump's own stream, not in events
      }
      const hop = mac !== undefined && frame.src === mac ? 'tx' : 'rx';
      const e: FrameTrace = { type: hop, t: p.tsMs, node, dev, frame };
      this.forward(packetEvent(e, this.store));
      for (const fn of this.frameListeners) fn(e);
    });
    this.captures.set(id, stop);
  }

  onPacket(fn: (e: EventBody) => void): void {
    this.relay.subscribe(fn);
  }

  pcapFiles(): readonly CaptureFile[] {
    return this.store.files().filter((c) => c.frames > 0 || this.requested.has(c.id));
  }

  recordedCaptures(): readonly CaptureFile[] {
    return this.store.files();
  }

  frameAt(ref: FrameRef): SeenFrame | undefined {
    return this.store.at(ref);
  }

  setupCommands(): ReturnType<LabDriver['setupCommands']> {
    return this.lab.setupRecords().map((r) => ({ node: r.node, argv: r.argv, result: r.result }));
  }

  calico(): ClusterControl | undefined {
    return this.cluster;
  }

  /** Subscribes to every captured frame as a tx/rx trace event (the UI's live packet list). */
  onFrame(fn: (e: FrameTrace) => void): () => void {
    this.frameListeners.add(fn);
    return () => this.frameListeners.delete(fn);
  }

  /** The RealCluster (tests restart agents through it). */
  realCluster(): RealCluster | undefined {
    return this.cluster;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.captures.values()].map((stop) => stop().catch(() => undefined)));
    this.captures.clear();
    await this.cluster?.destroy().catch(() => undefined);
    await this.lab.destroy();
  }
}

/** The RealCluster of a real-runtime driver, or undefined for other drivers. */
export function realClusterOf(driver: LabDriver): RealCluster | undefined {
  return driver instanceof RealDriver ? driver.realCluster() : undefined;
}

/** The captured frames of a real-runtime driver as a trace source (tx/rx events), or undefined. */
export function realTraceSource(driver: LabDriver): { on(fn: (e: FrameTrace) => void): () => void } | undefined {
  return driver instanceof RealDriver ? { on: (fn) => driver.onFrame(fn) } : undefined;
}

/** The RealLab of a real-runtime driver, or undefined. */
export function realLabOf(driver: LabDriver): RealLab | undefined {
  return driver instanceof RealDriver ? driver.lab : undefined;
}

