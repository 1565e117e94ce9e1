/**
 * calico-node on one Kubernetes node: the processes of the real container, in one object.
 *
 * - Felix: on every relevant datastore change, reads its snapshot, computes the desired
 *   dataplane and applies it (tunnel devices, VTEPs, pod routes, iptables).
 * - allocateip: when the IP pools or this node's Node change, reconciles the node's IPIP and
 *   VXLAN tunnel addresses with the pools that select it (allocateip.ts).
 * - confd: recomputes the node's BGP intent from the datastore and reconfigures the BGP
 *   speaker in place (peers added or removed, blocks announced or withdrawn), as confd
 *   re-renders bird.cfg and BIRD reconfigures without dropping unchanged sessions.
 * - BIRD: podlab's built-in speaker over the host's transport, plus BIRD's kernel protocol
 *   (kernel-routes.ts) which installs the Loc-RIB as `proto bird` routes.
 *
 * Datastore watches only mark the agent dirty; `sync()` (awaited by the cluster between
 * steps of virtual time) does the work, so a run is deterministic: same writes, same order.
 * The speaker and the kernel protocol run inside the virtual clock.
 *
 * Incremental: the agent shares one watch with the other agents of the process
 * (watch-fanout.ts) and gets only the changes that concern it, each marking one component
 * dirty — allocateip (pools, its own Node), Felix (pools, Nodes, its endpoints; blocks and
 * remote endpoints only while it reads them), confd (pools, Nodes, BGP resources, its own
 * block affinities). A pod on node A runs Felix on A, not confd on Z.
 */
import { Speaker, notification, wireCodec } from '../../bgp/index.ts';
import type { AnnounceConfig, Clock as BgpClock, PeerConfig, SpeakerConfig, SpeakerEvent, Transport } from '../../bgp/index.ts';
import type { Dataplane, DataplaneChange } from '../../dataplane/types.ts';
import type { Datastore } from '../datastore/index.ts';
import { resourceKey, resourcePrefix } from '../datastore/index.ts';
import { IpamClient } from '../ipam/index.ts';
import { computeDesired, encapsEnabled, felixOwnIpsets, readSnapshot } from '../felix/index.ts';
import type { FelixConfig, FelixSyncerCache, HostInterface } from '../felix/index.ts';
import type { Namespace, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../policy/index.ts';
import { calicoExportPolicy, computeBgpIntent, confdInputFromResources, speakerConfigFromIntent } from '../confd/index.ts';
import type { BgpIntent } from '../confd/index.ts';
import { confdClusterInput, readAffinities, readResourceSet } from './datastore-view.ts';
import { calicoCompileSelector, reconcileTunnelAddresses } from './allocateip.ts';
import { nodeWatchFanout } from './watch-fanout.ts';
import type { NodeChange, NodeInterest } from './watch-fanout.ts';
import { birdRouteText, KernelRouteEvent } from './kernel-routes.ts';
import type { BirdKernelRoute, KernelRouteChange, RouteKernel } from './kernel-routes.ts';
import { BirdKernelProtocol } from './bird-kernel.ts';

/** What a calico-node needs from where it runs. */
export interface NodeAgentHost {
  /** The node's kernel (BIRD's kernel protocol programs it). */
  readonly kernel: RouteKernel;
  /** Felix's dataplane driver. */
  readonly dataplane: Dataplane;
  /** The host's interfaces (Felix's MTU and VXLAN parent detection). */
  hostInterfaces(): HostInterface[];
  readonly clock: BgpClock;
  /** TCP for BGP, from this node. */
  readonly transport: Transport;
}

/** Felix inputs the datastore does not hold in podlab (policy model, namespaces, config). */
export interface FelixExtras {
  readonly policies?: readonly Policy[];
  readonly namespaces?: readonly Namespace[];
  readonly tiers?: readonly Tier[];
  readonly serviceAccounts?: readonly ServiceAccount[];
  readonly services?: readonly ServiceEndpoints[];
  readonly config?: FelixConfig;
}

/** Events of one calico-node. */
export type NodeAgentEvent =
  | { readonly type: 'bgp-session'; readonly node: string; readonly t: number; readonly peer: string; readonly name: string; readonly from: string; readonly to: string; readonly reason: string }
  | { readonly type: 'route'; readonly node: string; readonly t: number; readonly action: KernelRouteChange['action']; readonly route: string; readonly reason: string }
  | { readonly type: 'felix'; readonly node: string; readonly t: number; readonly changes: readonly DataplaneChange[] }
  | { readonly type: 'error'; readonly node: string; readonly t: number; readonly component: 'felix' | 'confd' | 'allocateip'; readonly message: string }
  | { readonly type: 'confd'; readonly node: string; readonly t: number; readonly peers: readonly string[]; readonly announced: readonly string[]; readonly caveats: readonly string[] };

/** Options of a calico-node. */
export interface NodeAgentOptions {
  readonly node: string;
  readonly ds: Datastore;
  readonly host: NodeAgentHost;
  /** Felix's extra inputs, read on every sync (policies may change during a scenario). */
  readonly felixExtras?: () => FelixExtras;
  readonly onEvent?: (e: NodeAgentEvent) => void;
  /**
   * confd's route generator: the /32s of Services with externalTrafficPolicy Local that have an
   * endpoint on this node, kept to the ranges BGPConfiguration advertises.
   */
  readonly serviceRoutes?: (ranges: { readonly clusterIPs: readonly string[]; readonly externalIPs: readonly string[]; readonly loadBalancerIPs: readonly string[] }) => readonly string[];
  /** Called whenever a component of the agent has work to do (the cluster's dirty set: settle() syncs only these). */
  readonly onDirty?: (agent: CalicoNodeAgent) => void;
  /** Called after each confd pass (speaker, peers or blocks may have changed): the cluster's convergence counters. */
  readonly onConfd?: (agent: CalicoNodeAgent) => void;
}

function peerSignature(p: PeerConfig): string {
  return JSON.stringify([p.address, p.as, p.port ?? 179, !!p.passive, !!p.routeReflectorClient, !!p.nextHopSelf, p.name]);
}

function speakerSignature(c: SpeakerConfig): string {
  return JSON.stringify([c.routerId, c.localAS, c.localAddress ?? '', c.listenPort ?? 179, c.clusterId ?? '']);
}

/** One calico-node: Felix + confd + BIRD (built-in speaker) + BIRD's kernel protocol. */
export class CalicoNodeAgent {
  readonly node: string;
  speaker: Speaker | undefined;
  intent: BgpIntent | undefined;
  /** Clock time calico-node started (BIRD's protocols' "since"). */
  startedAt = 0;
  /** Which components have datastore changes to process. */
  private readonly need = { alloc: true, felix: true, confd: true };
  /** What Felix and allocateip read beyond the cluster-wide resources (set by the fanout). */
  private interest: NodeInterest | undefined;
  /** Felix's inputs as the shared watch delivered them (set by start()). */
  private felixCache: FelixSyncerCache | undefined;
  private allocFailed = false;
  private felixFailed = false;
  /** BIRD's kernel protocol (bird-kernel.ts), created on first use: it needs the host's kernel. */
  private birdKernelState: BirdKernelProtocol | undefined;
  caveats: readonly string[] = [];
  /** The last failure of Felix's dataplane apply, if any (shown instead of crashing the cluster). */
  lastError: string | undefined;
  private speakerSig = '';
  private confdSig = '';
  private announced = new Set<string>();
  /** What confd rendered for BIRD to originate: bird_aggr's block blackholes, service routes. */
  private staticAnnounce = new Map<string, AnnounceConfig>();
  /** The speaker `announced` was reconciled on, and whether confd's static routes changed since. */
  private announcedOn: Speaker | undefined;
  private announceStale = true;
  /** Alien kernel routes kernel1 learned that the export filter lets out (borrowed /32s): prefix → device. */
  learned: ReadonlyMap<string, string> = new Map();
  private cancelWatch: (() => void) | undefined;
  private kernelSyncPending = false;
  private stopped = false;
  private readonly ipam: IpamClient;
  /** Pools + own Node as allocateip last reconciled them. */
  private allocSig = '';

  constructor(private readonly o: NodeAgentOptions) {
    this.node = o.node;
    this.ipam = new IpamClient(o.ds, { compileSelector: calicoCompileSelector() });
  }

  /** True when a datastore change has not been processed yet. */
  get dirty(): boolean {
    return this.need.alloc || this.need.felix || this.need.confd;
  }

  /** `true` asks for a full pass (inputs the datastore does not hold changed: policies, namespaces). */
  set dirty(v: boolean) {
    this.need.alloc = this.need.felix = this.need.confd = v;
    if (v) this.o.onDirty?.(this);
  }

  /** Asks confd to re-render on the next sync (the Services its route generator reads changed). */
  resyncConfd(): void {
    this.need.confd = true;
    this.o.onDirty?.(this);
  }

  /** Asks Felix to recompute on the next sync (its non-datastore inputs changed: namespaces, policies). */
  resyncFelix(): void {
    this.need.felix = true;
    this.o.onDirty?.(this);
  }

  /** Starts watching the datastore and runs the first sync. */
  async start(): Promise<void> {
    this.startedAt = this.o.host.clock.now();
    const fanout = nodeWatchFanout(this.o.ds);
    const sub = await fanout.subscribe(this.node, (c) => this.changed(c));
    this.felixCache = fanout.felixCache;
    this.interest = sub.interest;
    this.cancelWatch = sub.unsubscribe;
    await this.sync();
  }

  /** Marks the components a change concerns (the fanout delivers only changes that concern this node). */
  private changed(c: NodeChange): void {
    const n = this.need;
    if (this.allocFailed || this.felixFailed) {
      // A failed pass retries on the next write of any kind, as it always did.
      n.alloc ||= this.allocFailed;
      n.felix ||= this.felixFailed;
    }
    switch (c.kind) {
      case 'pool': n.alloc = n.felix = n.confd = true; break;
      case 'node': n.felix = n.confd = true; if (c.name === this.node) n.alloc = true; break;
      case 'bgp': n.confd = true; break;
      case 'affinity': if (c.host === this.node) n.confd = true; break;
      case 'block': if (c.felixChanged && this.interest?.blocks) n.felix = true; break;
      case 'endpoint': if (this.interest?.remoteEndpoints || c.nodes.includes(this.node)) n.felix = true; break;
      case 'other': break;
    }
    if (this.dirty) this.o.onDirty?.(this);
  }

  private updateInterest(): void {
    if (this.interest) this.interest.all = this.allocFailed || this.felixFailed;
  }

  /** Stops BIRD (Cease to every peer) and the watches; the dataplane stays as programmed, like a killed pod. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.speaker?.stop();
    this.cancelWatch?.();
  }

  /** Processes the datastore as it is now: allocateip, Felix, then confd (and the speaker). */
  async sync(): Promise<void> {
    if (this.stopped) return;
    // Each flag is read just before its step: allocateip's own Node write is Felix's and
    // confd's news in this same pass, as it was when every pass ran all three.
    const n = this.need;
    let programmed = false;
    if (n.alloc) { n.alloc = false; await this.allocateip(); }
    if (n.felix) { n.felix = false; programmed = await this.felix(); }
    if (n.confd) { n.confd = false; await this.confd(); }
    // BIRD's kernel scan sees what Felix programmed (borrowed /32s to export); confd's pass schedules it anyway.
    else if (programmed) this.scheduleKernelSync();
  }

  /** allocateip's syncer: reconcile only when a pool or this node's Node changed (or the last pass failed). */
  private async allocateip(): Promise<void> {
    const [pools, node] = await Promise.all([this.o.ds.list(resourcePrefix('IPPool')), this.o.ds.get(resourceKey('Node', this.node))]);
    const sig = JSON.stringify([pools.kvs.map((kv) => [kv.key, kv.value]), node?.value ?? null]);
    if (sig === this.allocSig) return;
    try {
      await reconcileTunnelAddresses(this.o.ds, this.ipam, this.node);
      // Our own Node write changes the signature: the next pass reconciles once more and finds nothing to do.
      this.allocSig = sig;
      this.allocFailed = false;
      this.updateInterest();
    } catch (e) {
      this.allocSig = '';
      this.allocFailed = true;
      this.updateInterest();
      this.lastError = `allocateip: ${(e as Error).message}`;
      this.emit({ type: 'error', node: this.node, t: this.o.host.clock.now(), component: 'allocateip', message: (e as Error).message });
    }
  }

  private emit(e: NodeAgentEvent): void {
    this.o.onEvent?.(e);
  }

  /** One Felix pass; true when it changed the dataplane. */
  private async felix(): Promise<boolean> {
    const x = this.o.felixExtras?.() ?? {};
    const extras = {
      nodeName: this.node, hostInterfaces: this.o.host.hostInterfaces(),
      ...(x.policies ? { policies: x.policies } : {}), ...(x.namespaces ? { namespaces: x.namespaces } : {}),
      ...(x.tiers ? { tiers: x.tiers } : {}), ...(x.config ? { config: x.config } : {}),
      ...(x.serviceAccounts ? { serviceAccounts: x.serviceAccounts } : {}), ...(x.services ? { services: x.services } : {}),
    };
    // The syncer cache the shared watch keeps (started agents); a one-shot read otherwise.
    const snap = this.felixCache ? this.felixCache.snapshot(extras) : await readSnapshot(this.o.ds, extras);
    let changes: DataplaneChange[];
    const desired = computeDesired(snap);
    if (this.interest) {
      // Remote endpoints and blocks matter to this Felix only through VXLAN routes and
      // selector IP sets (members are cluster-wide); otherwise a pod elsewhere is not news here.
      const vxlan = encapsEnabled(snap).vxlan;
      this.interest.blocks = vxlan;
      this.interest.remoteEndpoints = vxlan || desired.ipsets.some((s) => !felixOwnIpsets.has(s.name));
    }
    try {
      changes = await this.o.host.dataplane.apply(desired);
      this.felixFailed = false;
      this.updateInterest();
    } catch (e) {
      // Felix logs the failure and retries on its next resync; the rest of calico-node runs on.
      this.felixFailed = true;
      this.updateInterest();
      this.lastError = `felix: ${(e as Error).message}`;
      this.emit({ type: 'error', node: this.node, t: this.o.host.clock.now(), component: 'felix', message: (e as Error).message });
      return false;
    }
    if (changes.length > 0) this.emit({ type: 'felix', node: this.node, t: this.o.host.clock.now(), changes });
    return changes.length > 0;
  }

  private async confd(): Promise<void> {
    const { set } = await readResourceSet(this.o.ds);
    if (!set.nodes.some((n) => n.meta.name === this.node)) return;
    // This node's intent reads only its own affinities; the input and the cluster's peerings
    // are shared by every node while the resources are unchanged.
    const blocks = await readAffinities(this.o.ds, [this.node]);
    const { input, peerings } = confdClusterInput(set);
    const g = input.global;
    const serviceRoutes = this.o.serviceRoutes?.({ clusterIPs: g.serviceClusterIPs, externalIPs: g.serviceExternalIPs, loadBalancerIPs: g.serviceLoadBalancerIPs }) ?? [];
    const intent = computeBgpIntent({ ...input, blocks, ...(serviceRoutes.length ? { serviceRoutes: { [this.node]: serviceRoutes } } : {}) }, this.node, peerings);
    this.intent = intent;
    if (!intent.ipv4Enabled) {
      this.speaker?.stop();
      this.speaker = undefined;
      this.speakerSig = '';
      this.scheduleKernelSync();
      this.o.onConfd?.(this);
      return;
    }
    const plan = speakerConfigFromIntent(intent);
    this.caveats = plan.caveats;
    // Export through the CURRENT intent: blocks claimed later are judged with them.
    const exportPolicy = (prefix: string, attrs: Parameters<ReturnType<typeof calicoExportPolicy>>[1]) =>
      (this.intent ? calicoExportPolicy(this.intent)(prefix, attrs) : null);
    const config: SpeakerConfig = { ...plan.config, peers: plan.config.peers.map((p) => ({ ...p, exportPolicy })) };
    const sig = speakerSignature(config);
    if (!this.speaker || sig !== this.speakerSig) {
      // Router id, AS or listen address changed: BIRD restarts every protocol.
      this.speaker?.stop();
      this.speaker = this.newSpeaker({ ...config, announce: [] });
      this.speakerSig = sig;
      this.announced = new Set();
      this.speaker.start();
    } else {
      this.reconcilePeers(this.speaker, config.peers);
    }
    const want = new Map((config.announce ?? []).map((a) => [a.prefix, a]));
    this.staticAnnounce = want;
    this.announceStale = true;
    this.reconcileAnnouncements();
    const peers = config.peers.map((p) => p.name ?? p.address);
    const confdSig = JSON.stringify([sig, peers, [...want.keys()]]);
    // Like confd, only a changed rendering is news (it rewrites bird.cfg and reloads BIRD).
    if (confdSig !== this.confdSig) {
      this.confdSig = confdSig;
      this.emit({ type: 'confd', node: this.node, t: this.o.host.clock.now(), peers, announced: [...want.keys()], caveats: plan.caveats });
    }
    this.scheduleKernelSync();
    this.o.onConfd?.(this);
  }

  private newSpeaker(config: SpeakerConfig): Speaker {
    // The agent reads sessions and best paths only: no per-UPDATE / per-prefix wire events.
    const sp = new Speaker(config, { clock: this.o.host.clock, transport: this.o.host.transport, codec: wireCodec, wireEvents: false });
    sp.on((e) => this.speakerEvent(e));
    return sp;
  }

  private reconcilePeers(sp: Speaker, peers: readonly PeerConfig[]): void {
    const want = new Map(peers.map((p) => [p.address, p]));
    for (const [addr, st] of [...sp.peers]) {
      const w = want.get(addr);
      if (w && peerSignature(w) === peerSignature(st.config)) continue;
      // Cease 6/3 "peer de-configured", as BIRD sends when a protocol leaves the config.
      st.session.stop(notification(6, 3));
      sp.peers.delete(addr);
    }
    for (const [addr, p] of want) if (!sp.peers.has(addr)) sp.addPeer(p);
  }

  private speakerEvent(e: SpeakerEvent): void {
    if (e.type === 'session') {
      this.emit({ type: 'bgp-session', node: this.node, t: e.time, peer: e.peer, name: e.name, from: e.from, to: e.to, reason: Speaker.describeReason(e.reason) });
      this.scheduleKernelSync();
    } else if (e.type === 'route') {
      this.birdKernel.routeChanged(e.prefix);
      this.scheduleKernelSync();
    }
  }

  private get birdKernel(): BirdKernelProtocol {
    return (this.birdKernelState ??= new BirdKernelProtocol(this.o.host.kernel));
  }

  /** proto-bird routes this node's BIRD installed, by prefix. */
  get birdRoutes(): ReadonlyMap<string, BirdKernelRoute> {
    return this.birdKernel.installed;
  }

  /**
   * What the speaker originates: confd's static routes plus what kernel1 learned and the export
   * filter lets out (BIRD's kernel scan; run on every confd pass and kernel sync).
   */
  private reconcileAnnouncements(): void {
    const sp = this.speaker;
    if (!sp) return;
    const { learned, changed } = this.birdKernel.learnedExports(this.intent, (p) => sp.rib.get(p)?.paths.some((x) => !x.from.local) ?? false);
    // Nothing to redo unless kernel1 learned something else or confd's routes or speaker changed.
    if (!changed && !this.announceStale && this.announcedOn === sp) return;
    this.announceStale = false;
    this.announcedOn = sp;
    const want = new Map(this.staticAnnounce);
    for (const p of learned.keys()) if (!want.has(p)) want.set(p, { prefix: p });
    for (const p of this.announced) if (!want.has(p)) sp.withdrawLocal(p);
    for (const [p, a] of want) if (!this.announced.has(p)) sp.announce(a);
    this.announced = new Set(want.keys());
    this.learned = learned;
  }

  /** Coalesces kernel programming into one pass per clock tick. */
  scheduleKernelSync(): void {
    if (this.kernelSyncPending) return;
    this.kernelSyncPending = true;
    this.o.host.clock.setTimer(0, this.kernelSyncNow);
  }

  /**
   * One callback for the agent's life: an arrow written inside scheduleKernelSync made V8
   * allocate its context on every call, also when a pass was already pending (every best-path
   * change of the node's speaker).
   */
  private readonly kernelSyncNow = (): void => {
    this.kernelSyncPending = false;
    this.syncKernel();
  };

  /** Runs BIRD's kernel protocol now: Loc-RIB best routes → proto bird routes. */
  syncKernel(): KernelRouteChange[] {
    this.reconcileAnnouncements();
    // Only the prefixes whose best path changed since the last pass (plus what kernel changes affect).
    const changes = this.birdKernel.sync(this.intent, this.speaker?.rib);
    const t = this.o.host.clock.now();
    for (const c of changes) {
      this.emit(new KernelRouteEvent(this.node, t, c.action, c.text ?? birdRouteText(c.route), c.error ?? c.route.reason));
    }
    return changes;
  }
}
