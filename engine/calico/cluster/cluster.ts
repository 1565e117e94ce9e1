/**
 * A Calico cluster on a deployed fabric: the datastore with the topology's resources, a
 * calico-node (Felix + confd + BIRD) per k8s-node, the fabric's BGP routers, and pods.
 *
 * The cluster does not know which runtime hosts it: `ClusterHost` gives it each node's
 * kernel, dataplane driver, clock and TCP transport (engine/runtime/sim/calico.ts builds one
 * over a SimLab). Every mutating call (addPod, apply, …) ends with `settle()`, which lets
 * each calico-node process the datastore changes; virtual time then moves only when the
 * caller runs the clock (`converge`, `run`, or any command such as ping).
 */
import type { Topology } from '../../model/types.ts';
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { MemoryDatastore, blockPrefix, resourceKey, resourcePrefix } from '../datastore/index.ts';
import { IpamClient, blockUtilizationText, utilizationOf } from '../ipam/index.ts';
import type { AllocationBlock } from '../ipam/index.ts';
import { listPools, poolsFromKvs } from '../ipam/pools.ts';
import { cniAdd, cniDel } from '../cni/index.ts';
import type { CniAddArgs, CniResult, CniWorld } from '../cni/index.ts';
import { felixWorkloadFromResource, podMtu, readSnapshot } from '../felix/index.ts';
import { nodeWatchFanout } from '../node/watch-fanout.ts';
import type { FelixConfig } from '../felix/index.ts';
import { namedContainerPorts, parsePolicyManifests } from '../policy/index.ts';
import type { NamedPort, Namespace, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../policy/index.ts';
import { buildResourceSet, formatResourceProblems } from '../resources/index.ts';
import type { ResourceSet } from '../resources/index.ts';
import { CalicoNodeAgent } from '../node/agent.ts';
import type { NodeAgentEvent, NodeAgentHost } from '../node/agent.ts';
import { readResourceSet, readResourceSetSync } from '../node/datastore-view.ts';
import { calicoCompileSelector } from '../node/allocateip.ts';
import { FabricRouter, routerSpeakerConfig } from './router.ts';
import type { RouterHost } from './router.ts';
import { applyManifests, startupNode } from './startup.ts';
import { ConvergenceTracker, scanConverged } from './convergence.ts';
import { ClusterEventLog } from './event-log.ts';

/** Where the cluster runs: per-node edges plus the clock. */
export interface ClusterHost {
  readonly topology: Topology;
  /** Where CNI creates pod namespaces. */
  readonly world: CniWorld;
  nodeHost(node: string): NodeAgentHost;
  routerHost(node: string): RouterHost;
  /** Virtual (or wall) time in ms. */
  now(): number;
  /** Runs the clock until `notDone()` is false or `maxMs` pass; true when done. */
  runWhile(notDone: () => boolean, maxMs: number): boolean;
  /** Runs the clock for `ms`. */
  run(ms: number): void;
}

/** Options of `CalicoCluster.start`. */
export interface ClusterOptions {
  /** The datastore (default: a new MemoryDatastore). */
  readonly ds?: Datastore;
  /** Add the topology's v1 Pod manifests at start (default true). */
  readonly pods?: boolean;
  readonly onEvent?: (e: NodeAgentEvent) => void;
}

/** Raised when the topology's Calico resources have errors: nothing is started. */
export class ClusterConfigError extends Error {
  override name = 'ClusterConfigError';
}

/** What a pod's spec adds to its endpoint beyond labels: its service account and named ports. */
export interface PodExtras {
  readonly serviceAccount?: string;
  readonly ports?: readonly NamedPort[];
}

/** A pod the cluster created through CNI. */
export interface ClusterPod extends CniResult {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly containerId: string;
}

const FELIX_FIELDS: Record<keyof FelixConfig, 'boolean' | 'number' | 'string'> = {
  ipipEnabled: 'boolean', ipipMTU: 'number', vxlanEnabled: 'boolean', vxlanVNI: 'number', vxlanPort: 'number', vxlanMTU: 'number',
  defaultEndpointToHostAction: 'string', interfacePrefix: 'string', mtuIfacePattern: 'string', deviceRouteProtocol: 'number',
};

/**
 * The fields Felix models, as WRITTEN in FelixConfiguration `default` then `node.<name>`
 * (not defaulted: Felix's own defaults, and calico.yaml's env overrides, stay Felix's business).
 */
export function felixConfigFrom(manifests: readonly Pick<Topology['calico'][number], 'kind' | 'name' | 'manifest'>[], node: string): FelixConfig | undefined {
  const out: Record<string, unknown> = {};
  for (const name of ['default', `node.${node}`]) {
    const m = manifests.find((x) => x.kind === 'FelixConfiguration' && x.name === name);
    const spec = (m?.manifest.spec ?? {}) as Record<string, unknown>;
    for (const [k, type] of Object.entries(FELIX_FIELDS)) if (typeof spec[k] === type) out[k] = spec[k];
  }
  return Object.keys(out).length > 0 ? (out as FelixConfig) : undefined;
}

/** RFC 7386 merge: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** What synchronous commands (calicoctl) read: the resources and the IPAM views. */
export interface ClusterView {
  readonly set: ResourceSet;
  /** `calicoctl ipam show`. */
  readonly ipamShow: string;
  /** `calicoctl ipam show --show-blocks`. */
  readonly ipamShowBlocks: string;
}

/** A ClusterView over listed values; each text is computed once, when first read. */
function clusterView(set: ResourceSet, pools: Parameters<typeof utilizationOf>[0], blocks: Parameters<typeof utilizationOf>[1]): ClusterView {
  let usage: ReturnType<typeof utilizationOf> | undefined;
  const texts: [string?, string?] = [];
  const text = (showBlocks: boolean): string => {
    usage ??= utilizationOf(pools, blocks);
    return (texts[showBlocks ? 1 : 0] ??= blockUtilizationText(usage, showBlocks));
  };
  return { set, get ipamShow() { return text(false); }, get ipamShowBlocks() { return text(true); } };
}

/** The view of a store that answers synchronously, read when a command asks for it. */
function clusterViewSync(ds: MemoryDatastore): ClusterView {
  const { set } = readResourceSetSync(ds);
  const blocks = ds.listSync(blockPrefix(4)).kvs.map((kv) => kv.value as unknown as AllocationBlock);
  return clusterView(set, poolsFromKvs(ds.listSync(resourcePrefix('IPPool')).kvs), blocks);
}

/** One pod of `CalicoCluster.addPods`. */
export interface PodRequest {
  readonly node: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly ip?: string;
  readonly extra?: PodExtras;
}

/** How far a converging cluster got (CalicoCluster.converge's progress reports). */
export interface ConvergeProgress {
  /** BGP sessions not Established yet, across every speaker. */
  readonly pendingSessions: number;
  /** (node, other node's block) pairs not yet in the node's Loc-RIB. */
  readonly missingRoutes: number;
  readonly virtualMs: number;
}

/** A running Calico cluster. */
export class CalicoCluster {
  readonly ds: Datastore;
  readonly ipam: IpamClient;
  readonly agents = new Map<string, CalicoNodeAgent>();
  readonly routers = new Map<string, FabricRouter>();
  readonly pods = new Map<string, ClusterPod>();
  /**
   * Every event so far except Felix's dataplane changes (those only reach `on` listeners), in
   * its compact form (route events as numbers: N × N of them in a cluster of N nodes).
   */
  readonly eventLog = new ClusterEventLog();
  /** The event log as a new array (read `eventLog` to scan part of it). */
  get events(): readonly NodeAgentEvent[] {
    return this.eventLog.slice();
  }
  policies: Policy[] = [];
  /** Felix settings per node from FelixConfiguration manifests (`default`, then `node.<name>`). */
  readonly felixConfig = new Map<string, FelixConfig>();
  tiers: Tier[] = [];
  namespaces: Namespace[] = [];
  /** ServiceAccounts with labels (`pcsa.*` profile labels); replace the array to change it. */
  serviceAccounts: ServiceAccount[] = [];
  /** Services with their endpoints, for `services:` rule matches; replace the array to change it. */
  services: ServiceEndpoints[] = [];
  /**
   * The Kubernetes layer's answer to confd's route generator (node, advertised ranges → the
   * /32s of its externalTrafficPolicy Local Services); undefined while no Services run.
   */
  serviceRoutes: ((node: string, ranges: { readonly clusterIPs: readonly string[]; readonly externalIPs: readonly string[]; readonly loadBalancerIPs: readonly string[] }) => readonly string[]) | undefined;

  /** Services or their endpoints changed: every confd re-renders its service routes, then settle. */
  async resyncServiceRoutes(): Promise<void> {
    for (const a of this.agents.values()) a.resyncConfd();
    await this.settle();
  }
  /**
   * Views for synchronous commands as of the last settle(). Over the embedded store they are
   * read when a command asks (settle only marks them stale: rebuilding them after every pod
   * would cost a cluster-wide read per pod); the texts are formatted when first read.
   */
  get view(): ClusterView | undefined {
    if (this.viewStale && this.ds instanceof MemoryDatastore) {
      this.lastView = clusterViewSync(this.ds);
      this.viewStale = false;
    }
    return this.lastView;
  }
  private lastView: ClusterView | undefined;
  private viewStale = false;
  /** calico-nodes with work to do (they report it), and their start order: settle() syncs only these, in that order. */
  private readonly dirtyAgents = new Set<CalicoNodeAgent>();
  private readonly agentOrder = new Map<CalicoNodeAgent, number>();
  /** Open batch() scopes: settle() waits for the outermost to end. */
  private batchDepth = 0;
  private seq = 0;
  private readonly listeners = new Set<(e: NodeAgentEvent) => void>();
  /** Pending sessions and missing routes, fed by the speakers' events (not an all-pairs scan). */
  private readonly convergence = new ConvergenceTracker();
  /** Tests: check the counters against the all-pairs scan on every `converged()` call (PODLAB_CHECK_CONVERGENCE=1). */
  static checkConvergence = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PODLAB_CHECK_CONVERGENCE === '1';

  private constructor(readonly host: ClusterHost, ds: Datastore) {
    this.ds = ds;
    this.ipam = new IpamClient(ds, { compileSelector: calicoCompileSelector() });
  }

  /** Brings Calico up on a deployed topology: resources, Nodes, tunnel addresses, agents, routers, pods. */
  static async start(host: ClusterHost, opts: ClusterOptions = {}): Promise<CalicoCluster> {
    const t = host.topology;
    const { set, problems } = buildResourceSet(t.calico);
    // buildResourceSet knows only the Node manifests; the topology's k8s-nodes are Nodes too
    // (calico-node's startup writes them), so references to them are fine.
    const k8sNames = new Set(t.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name));
    const errors = problems.filter((p) => p.severity === 'error' && !k8sNames.has(/no Node named '([^']+)'/.exec(p.message)?.[1] ?? ''));
    if (errors.length > 0) throw new ClusterConfigError(formatResourceProblems(errors).join('\n'));
    const c = new CalicoCluster(host, opts.ds ?? new MemoryDatastore());
    if (opts.onEvent) c.listeners.add(opts.onEvent);
    const pol = parsePolicyManifests(t.calico.map((m) => m.manifest));
    c.policies = pol.policies;
    c.tiers = pol.tiers;
    c.namespaces = set.namespaces.map((n) => ({ name: n.meta.name, labels: { ...n.meta.labels } }));
    for (const n of t.nodes) {
      const cfg = felixConfigFrom(t.calico, n.name);
      if (cfg) c.felixConfig.set(n.name, cfg);
    }
    await applyManifests(c.ds, set, t.calico);
    const k8s = t.nodes.filter((n) => n.kind === 'k8s-node');
    for (const n of k8s) await startupNode(c.ds, c.ipam, set, n);
    for (const n of k8s) {
      const agent = new CalicoNodeAgent({
        node: n.name, ds: c.ds, host: host.nodeHost(n.name),
        felixExtras: () => ({ policies: c.policies, tiers: c.tiers, namespaces: c.namespaces, serviceAccounts: c.serviceAccounts, services: c.services, ...(c.felixConfig.has(n.name) ? { config: c.felixConfig.get(n.name)! } : {}) }),
        onEvent: (e) => c.emit(e),
        serviceRoutes: (ranges) => c.serviceRoutes?.(n.name, ranges) ?? [],
        onConfd: (a) => c.convergence.setNode(a.node, a.speaker, a.intent?.blackholes ?? []),
        onDirty: (a) => c.dirtyAgents.add(a),
      });
      c.agents.set(n.name, agent);
      c.agentOrder.set(agent, c.agentOrder.size);
      await agent.start();
    }
    for (const n of t.nodes) {
      if (n.kind !== 'router') continue;
      const cfg = routerSpeakerConfig(n);
      if (!cfg) continue;
      const r = new FabricRouter(n.name, cfg, host.routerHost(n.name), (e) => c.emit(e));
      c.routers.set(n.name, r);
      c.convergence.addRouter(r.speaker);
      r.start();
    }
    await c.settle();
    if (opts.pods ?? true) {
      for (const p of set.pods) {
        if (!p.spec.nodeName || !c.agents.has(p.spec.nodeName) || p.spec.hostNetwork) continue;
        const m = t.calico.find((x) => x.kind === 'Pod' && x.name === p.meta.name && ((x.manifest.metadata as { namespace?: string } | undefined)?.namespace ?? 'default') === p.meta.namespace)?.manifest;
        await c.addPod(p.spec.nodeName, p.meta.namespace, p.meta.name, { ...p.meta.labels }, undefined, { serviceAccount: p.spec.serviceAccountName, ports: namedContainerPorts(m?.spec) });
      }
    }
    return c;
  }

  /** Subscribes to calico-node and router events; returns the unsubscribe function. */
  on(fn: (e: NodeAgentEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: NodeAgentEvent): void {
    // Felix's change lists go to listeners but are not kept: they grow as nodes × hosts (each
    // node's all-hosts set learns every host, one change per member) and nothing reads them back.
    // A route event's texts repeat on every node (the same block via the same host): the log keeps each once.
    if (e.type !== 'felix') this.eventLog.push(e);
    for (const fn of this.listeners) fn(e);
  }

  /**
   * Lets every calico-node with pending datastore changes process them (until none is dirty),
   * in start order, round by round (an agent's writes are the next round's news); then the
   * views are stale. Cost follows the agents that have work, not the cluster.
   */
  async settle(): Promise<void> {
    if (this.batchDepth > 0) return;
    for (let round = 0; round < 20 && this.dirtyAgents.size > 0; round++) {
      const order = this.agentOrder;
      const dirty = [...this.dirtyAgents].sort((a, b) => order.get(a)! - order.get(b)!);
      this.dirtyAgents.clear();
      for (const a of dirty) if (a.dirty) await a.sync();
    }
    this.viewStale = true;
    if (!(this.ds instanceof MemoryDatastore)) {
      // A store that answers asynchronously: the views are read now, for commands that answer at once.
      const { set } = await readResourceSet(this.ds);
      this.lastView = clusterView(set, await listPools(this.ds), (await this.ipam.store.listBlocks()).map((b) => b.value));
      this.viewStale = false;
    }
  }

  /** CNI ADD of a pod on a node (the MTU Felix computed), then every calico-node reacts. */
  async addPod(node: string, namespace: string, name: string, labels: Record<string, string> = {}, ip?: string, extra: PodExtras = {}): Promise<ClusterPod> {
    const pod = await this.cniAddPod({ node, namespace, name, labels, ...(ip ? { ip } : {}), extra });
    await this.settle();
    return pod;
  }

  /**
   * Pods created together (the bench, a controller): CNI ADD of each in order, as kubelet
   * starts them, then one settle — every Felix programs its new endpoints in one pass, as
   * Felix batches the updates that arrive while it works. A failed ADD stops the batch; the
   * pods before it are kept and settled, and the error is thrown.
   */
  async addPods(reqs: readonly PodRequest[]): Promise<ClusterPod[]> {
    return this.batch(async () => {
      const out: ClusterPod[] = [];
      for (const r of reqs) out.push(await this.addPod(r.node, r.namespace, r.name, r.labels, r.ip, r.extra));
      return out;
    });
  }

  /**
   * Runs `fn` with every settle() inside it deferred to one settle at its end (also when it
   * throws): the changes a controller makes together (pods created and deleted by a workload's
   * reconcile, the objects of one `kubectl apply -f`) reach the calico-nodes as one batch.
   * Nested batches settle once, at the outermost end.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    this.batchDepth++;
    try {
      return await fn();
    } finally {
      if (--this.batchDepth === 0) await this.settle();
    }
  }

  /** The pod MTU Felix on `node` writes for the CNI plugin: from the pools Felix's syncer holds and the node's interfaces. */
  private async podMtuOf(node: string): Promise<number> {
    const hostInterfaces = this.host.nodeHost(node).hostInterfaces();
    const cache = nodeWatchFanout(this.ds).felixCache;
    // No agent follows the watch (all stopped): a one-shot read.
    return podMtu(cache ? { pools: cache.poolList(), hostInterfaces } : await readSnapshot(this.ds, { nodeName: node, hostInterfaces }));
  }

  private async cniAddPod(q: PodRequest): Promise<ClusterPod> {
    const { node, namespace, name, labels = {}, ip, extra = {} } = q;
    const key = `${namespace}/${name}`;
    if (this.pods.has(key)) throw new Error(`pod ${key} already exists (on ${this.pods.get(key)!.node})`);
    const agent = this.agents.get(node);
    if (!agent) throw new Error(`no calico-node on '${node}' (k8s nodes: ${[...this.agents.keys()].join(', ')})`);
    const containerId = `ctr${(++this.seq).toString(16).padStart(6, '0')}`;
    // Optional arguments assigned and the result's fields copied one by one: spread literals
    // cost a runtime call each, on every pod.
    const args: { -readonly [K in keyof CniAddArgs]: CniAddArgs[K] } = {
      world: this.host.world, ds: this.ds, ipam: this.ipam, node, namespace, pod: name, containerId, mtu: await this.podMtuOf(node), labels,
    };
    if (extra.serviceAccount) args.serviceAccount = extra.serviceAccount;
    if (extra.ports?.length) args.ports = extra.ports;
    args.now = new Date(Date.UTC(2026, 0, 1) + Math.floor(this.host.now()));
    if (ip) args.ip = ip;
    const r = await cniAdd(args);
    const pod: ClusterPod = {
      podNode: r.podNode, hostIface: r.hostIface, ip: r.ip, podMac: r.podMac, mtu: r.mtu, handle: r.handle, wepKey: r.wepKey, workload: r.workload,
      namespace, name, node, containerId,
    };
    this.pods.set(key, pod);
    if (!this.namespaces.some((n) => n.name === namespace)) {
      // A new array (Felix caches per namespaces list), and every Felix reads it: endpoints' labels.
      this.namespaces = [...this.namespaces, { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } }];
      for (const a of this.agents.values()) a.resyncFelix();
    }
    return pod;
  }

  /**
   * A running pod's labels changed (`kubectl label`, a patch of the Pod): the WorkloadEndpoint
   * Calico derives from the Pod is rewritten with them, and every Felix that reads it (its own
   * node for the policies that select it, every node for selector IP sets) recomputes.
   */
  async relabelPod(namespace: string, name: string, labels: Record<string, string>): Promise<ClusterPod> {
    const key = `${namespace}/${name}`;
    const p = this.pods.get(key);
    if (!p) throw new Error(`no pod ${key}`);
    const kv = await this.ds.get(p.wepKey);
    if (!kv) throw new Error(`pod ${key} has no WorkloadEndpoint`);
    const wep = kv.value as { metadata: { labels?: Record<string, string> } };
    const own = Object.fromEntries(Object.entries(wep.metadata.labels ?? {}).filter(([k]) => k.startsWith('projectcalico.org/')));
    const next = { ...wep, metadata: { ...wep.metadata, labels: { ...labels, ...own } } } as JsonValue;
    await this.ds.put(p.wepKey, next);
    const pod: ClusterPod = { ...p, workload: felixWorkloadFromResource(next) };
    this.pods.set(key, pod);
    await this.settle();
    return pod;
  }

  /** CNI DEL of a pod, then every calico-node reacts. */
  async removePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const p = this.pods.get(key);
    if (!p) throw new Error(`no pod ${key}`);
    await cniDel({ world: this.host.world, ds: this.ds, ipam: this.ipam, node: p.node, namespace, pod: name, containerId: p.containerId });
    this.pods.delete(key);
    await this.settle();
  }

  /** `calicoctl apply` of one projectcalico.org/v3 manifest (IPPool, BGPPeer, BGPConfiguration, Node…). */
  async apply(manifest: Record<string, unknown>): Promise<void> {
    const kind = String(manifest.kind ?? '');
    const name = String((manifest.metadata as { name?: string } | undefined)?.name ?? '');
    const { problems } = buildResourceSet([{ apiVersion: String(manifest.apiVersion ?? ''), kind, name, manifest, loc: { file: `${kind}/${name}`, line: 1, col: 1 } }]);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ClusterConfigError(formatResourceProblems(errors).join('\n'));
    await this.ds.put(resourceKey(kind, name), manifest as JsonValue);
    await this.settle();
  }

  /** `calicoctl delete KIND NAME`. */
  async delete(kind: string, name: string): Promise<void> {
    await this.ds.delete(resourceKey(kind, name));
    await this.settle();
  }

  /** `calicoctl patch KIND NAME -p PATCH`: an RFC 7386 merge patch on the stored resource; returns the result, undefined when there is no such resource. */
  async patch(kind: string, name: string, patch: Record<string, unknown>): Promise<JsonValue | undefined> {
    const key = resourceKey(kind, name);
    const kv = await this.ds.get(key);
    if (!kv) return undefined;
    const next = mergePatch(kv.value, patch) as JsonValue;
    await this.ds.put(key, next);
    await this.settle();
    return next;
  }

  /** Stops calico-node on a node (BIRD sends Cease; routes elsewhere are withdrawn). */
  async stopAgent(node: string): Promise<void> {
    await this.agents.get(node)?.stop();
  }

  /** Every BGP session of every calico-node and router is Established, and every node learned every other node's blocks. */
  converged(): boolean {
    const ok = this.convergence.converged();
    if (CalicoCluster.checkConvergence) {
      const scan = scanConverged([...this.agents.values()], [...this.routers.values()].map((r) => r.speaker));
      if (scan !== ok) throw new Error(`convergence counters disagree with the scan: counters ${ok} (${this.convergence.pendingSessions()} sessions, ${this.convergence.missingRoutes()} routes), scan ${scan}`);
    }
    return ok;
  }

  /** Runs the clock until converged (or `maxMs`); returns whether it converged and the virtual ms it took. */
  converge(maxMs = 120_000, progress?: (p: ConvergeProgress) => void, everyMs = 2000): { converged: boolean; virtualMs: number } {
    const t0 = this.host.now();
    // A large fabric takes seconds of wall time to converge: say how far it got now and then
    // (the wall clock read once per 1,024 events).
    let events = 0;
    let next = Date.now() + everyMs;
    const ok = this.host.runWhile(() => {
      if (progress && (++events & 1023) === 0 && Date.now() >= next) {
        next = Date.now() + everyMs;
        progress({ pendingSessions: this.convergence.pendingSessions(), missingRoutes: this.convergence.missingRoutes(), virtualMs: this.host.now() - t0 });
      }
      return !this.converged();
    }, maxMs);
    const virtualMs = this.host.now() - t0;
    // Let the last UPDATEs reach the kernels (the kernel protocol runs on the next tick).
    this.host.run(10);
    return { converged: ok, virtualMs };
  }

  /** The pod named `namespace/name`; throws naming the known pods. */
  pod(key: string): ClusterPod {
    const p = this.pods.get(key);
    if (!p) throw new Error(`no pod ${key} (pods: ${[...this.pods.keys()].join(', ') || 'none'})`);
    return p;
  }
}
