/**
 * ClusterControl on real nodes. The engine plays the parts that are not on a node:
 * etcd (one per lab, on a unix socket every namespace reaches), the Kubernetes API server
 * (pods, namespaces and policies written under `/podlab/k8s/`), `calicoctl apply`
 * (resources written under `/calico/`), and kubelet (a pod = `ip netns add` + the CNI plugin
 * run in the node, stdin netconf and CNI_* environment, as the CNI spec says). Everything
 * else happens on the nodes: `podlab agent` (Felix, confd, BIRD) on every k8s node, real
 * BIRD with podlab's configuration on every fabric router.
 *
 * Convergence is read from real signals, never assumed: every agent reported a pass at the
 * datastore's current revision (Felix and confd caught up), every BGP protocol of every
 * BIRD is Established, and every node's kernel has a route to every other node's blocks.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn as spawnChild } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Topology, TopoNode } from '../model/types.ts';
import type { Datastore, JsonValue } from '../calico/datastore/index.ts';
import { EtcdDatastore, resourceKey } from '../calico/datastore/index.ts';
import { IpamClient } from '../calico/ipam/index.ts';
import { podMtu, readSnapshot } from '../calico/felix/index.ts';
import { isPolicyManifest, namedContainerPorts, podServiceAccount } from '../calico/policy/index.ts';
import type { Namespace, Policy, Tier } from '../calico/policy/index.ts';
import { buildResourceSet, formatResourceProblems } from '../calico/resources/index.ts';
import { computeAllIntents, confdInputFromResources } from '../calico/confd/index.ts';
import type { BgpIntent } from '../calico/confd/index.ts';
import { ClusterConfigError, mergePatch } from '../calico/cluster/cluster.ts';
import { checkClusterResources, seedCluster, storePolicyManifest, waitSeeded } from '../calico/cluster/seed.ts';
import { routerSpeakerConfig } from '../calico/cluster/router.ts';
import { renderRouterBird } from '../calico/cluster/router-bird.ts';
import { calicoCompileSelector } from '../calico/node/allocateip.ts';
import { readAffinities, readResourceSet } from '../calico/node/datastore-view.ts';
import { K8S_ROOT, k8sNamespaceKey, k8sPodKey, k8sServiceAccountKey, k8sServiceEndpointsKey, namespaceOf, policyKey, putObject, readPolicyModel } from '../calico/node/k8s-objects.ts';
import { podNodeName, workloadEndpointName } from '../calico/cni/names.ts';
import { isKubeManifest } from '../kube/manifests.ts';
import { KubeCluster, KubeError } from '../kube/cluster.ts';
import { podServers, realKubeHost } from './real-kube.ts';
import type { PodServers } from './real-kube.ts';
import { realCalicoctl, realKubeObjects, realKubectl, storedPolicies } from './real-tools.ts';
import type { RealToolsCluster } from './real-tools.ts';
import { labEnv, recordResources } from '../runtime/labs.ts';
import type { AgentEvent } from '../runtime/linux/agent.ts';
import type { LabServices } from '../runtime/real-lab.ts';
import { birdPaths, readHostInterfaces } from '../runtime/linux/agent.ts';
import { birdArgv, birdProtocols } from '../runtime/linux/bird.ts';
import type { BirdInstall } from '../runtime/linux/bird.ts';
import { birdSessions } from '../runtime/linux/bird-sessions.ts';
import { startLabEtcd } from '../runtime/linux/etcd.ts';
import type { LabEtcd } from '../runtime/linux/etcd.ts';
import { localExec, netnsExec } from '../runtime/linux/exec.ts';
import { nodePodlabArgv } from '../runtime/linux/podlab-bundle.ts';
import type { Exec, ExecResult } from '../runtime/linux/exec.ts';
import type { BgpSessionInfo, ClusterControl, ConvergeResult, Manifest, PodInfo } from './cluster-control.ts';
import { containerServerPorts, podLabelsAfterPatch, policyServices } from './policy-services.ts';
import { realNodeCommand } from './real-commands.ts';
import { StepError } from './registry.ts';
import type { ServerPort } from './sim-nc.ts';

/** What the cluster needs from the runtime that hosts the nodes. */
export interface RealHosts {
  readonly lab: string;
  /** The lab's short id (prefix of its kernel object names). */
  readonly id: string;
  /** The lab's directory: etcd, per-node files and logs. */
  readonly dir: string;
  /** Runs argv inside a node. */
  exec(node: string): Exec;
  /** Starts a long-running process inside a node, stdout piped; killed by the runtime's destroy. */
  spawn(node: string, argv: readonly string[], opts: { logFile: string }): ChildProcess;
  /** Records a named network namespace for cleanup (before it is created). */
  recordNetns(name: string): void;
  /** The name of a pod's network namespace. */
  podNetns(namespace: string, pod: string): string;
}

/** Options of RealCluster.start. */
export interface RealClusterOptions {
  /** BIRD of the k8s nodes (1.6, as Calico ships it, where available). */
  readonly bird: BirdInstall;
  /** BIRD of the fabric routers (2.x where available, as the simulator's routers print). */
  readonly routerBird?: BirdInstall;
  /** argv prefix running podlab on the nodes when they bring their own (a container image's); default: the engine's bundle. */
  readonly podlab?: readonly string[];
  /** The lab's own etcd, seed and daemon commands (a containerlab lab); default: the engine starts and writes its own. */
  readonly services?: LabServices;
  readonly onEvent?: (e: AgentEvent) => void;
  readonly onProgress?: (msg: string) => void;
}


interface RealPod extends PodInfo {
  readonly containerId: string;
  readonly netns: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A test server's protocol word as a containerPort's (SCTP too: this kernel may serve none). */
const PROTOCOL = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Calico on real nodes, driven from the engine. */
export class RealCluster implements ClusterControl {
  private readonly agents = new Map<string, { proc: ChildProcess; inSync: number; stopped: boolean; log: string }>();
  private readonly routers = new Map<string, { proc: ChildProcess; node: TopoNode }>();
  private readonly podMap = new Map<string, RealPod>();
  private model: Awaited<ReturnType<typeof readPolicyModel>> = { namespaces: [], policies: [], tiers: [], serviceAccounts: [], services: [] };
  private readonly ipam: IpamClient;
  private seq = 0;
  private intentCache: { rev: number; byNode: ReadonlyMap<string, BgpIntent> } | undefined;
  private kubeCluster: KubeCluster | undefined;
  /** Kubernetes NetworkPolicies as stored, read with the policy model (kubectl get networkpolicies). */
  private k8sPolicies: Record<string, unknown>[] = [];
  /** The built-in servers of pods (their declared containerPorts, a scenario pod's `listen:`). */
  private readonly servers: PodServers;

  private constructor(
    private readonly hosts: RealHosts,
    private readonly topology: Topology,
    readonly ds: Datastore,
    private readonly etcd: LabEtcd,
    private readonly o: RealClusterOptions,
    /** How a node runs podlab (`podlab agent`, `podlab cni`): the bundle, or bin/podlab.js. */
    private readonly podlab: readonly string[],
  ) {
    this.ipam = new IpamClient(ds, { compileSelector: calicoCompileSelector() });
    this.servers = podServers({ dir: hosts.dir, spawnLocal: (argv, logFile) => this.spawnLocal(argv, logFile) });
  }

  /** Re-reads what the agents read: the policy model (and the k8s NetworkPolicies kubectl lists). */
  private async readModel(): Promise<void> {
    const [model, policies] = await Promise.all([readPolicyModel(this.ds), storedPolicies(this.ds)]);
    this.model = model;
    this.k8sPolicies = policies.filter((m) => String(m.apiVersion).startsWith('networking.k8s.io/'));
  }

  /** Starts etcd, writes the topology's resources and Nodes, starts every router's BIRD and every node's agent, adds the topology's pods. */
  static async start(hosts: RealHosts, topology: Topology, o: RealClusterOptions): Promise<RealCluster> {
    checkClusterResources(topology);
    const { set } = buildResourceSet(topology.calico);
    const k8s = topology.nodes.filter((n) => n.kind === 'k8s-node');
    const k8sNames = new Set(k8s.map((n) => n.name));
    const say = o.onProgress ?? (() => undefined);
    const podlab = o.podlab ?? await nodePodlabArgv(say);
    const own = o.services;
    const etcd: LabEtcd = own
      ? { endpoint: own.etcd.engine, pid: 0, logFile: '', stop: async () => undefined }
      : await startLabEtcd(hosts.dir, { lab: hosts.lab, onProgress: say });
    const ds = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    const c = new RealCluster(hosts, topology, ds, etcd, o, podlab);
    try {
      if (own?.seeds) {
        say(`waiting for the lab to seed its etcd (${own.etcd.engine})`);
        await waitSeeded(ds, 120_000);
      } else {
        say('writing the Calico resources and Nodes to etcd');
        await seedCluster(ds, topology);
      }
      await c.readModel();
      for (const n of topology.nodes) if (n.kind === 'router') c.startRouter(n);
      for (const n of k8s) c.startAgent(n.name);
      say(`waiting for ${k8s.length} calico-node agents to sync`);
      await c.waitInSync(90_000);
      for (const p of set.pods) {
        if (!p.spec.nodeName || !k8sNames.has(p.spec.nodeName) || p.spec.hostNetwork) continue;
        const m = topology.calico.find((x) => x.kind === 'Pod' && x.name === p.meta.name && ((x.manifest.metadata as { namespace?: string } | undefined)?.namespace ?? 'default') === p.meta.namespace);
        await c.addPod(p.spec.nodeName, p.meta.namespace, p.meta.name, { labels: { ...p.meta.labels }, spec: m?.manifest.spec });
      }
    } catch (e) {
      await c.destroy();
      throw e;
    }
    return c;
  }

  /** A node's own directory (BIRD's files, the agent's log). */
  nodeDir(node: string): string {
    const d = join(this.hosts.dir, 'nodes', node);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** etcd as the nodes' agents and CNI plugin reach it. */
  private get nodeEtcd(): string {
    return this.o.services?.etcd.nodes ?? this.etcd.endpoint;
  }

  private startRouter(n: TopoNode): void {
    const own = this.o.services;
    if (own) {
      const argv = own.daemonArgv(n.name);
      if (argv) this.routers.set(n.name, { proc: this.hosts.spawn(n.name, argv, { logFile: join(this.nodeDir(n.name), 'bird.out') }), node: n });
      return;
    }
    const bird = this.routerBird();
    const cfg = renderRouterBird(n, bird.dialect);
    if (!cfg) return;
    const dir = this.nodeDir(n.name);
    const p = birdPaths(dir);
    writeFileSync(p.config, cfg);
    const proc = this.hosts.spawn(n.name, birdArgv(bird, p), { logFile: join(dir, 'bird.out') });
    this.routers.set(n.name, { proc, node: n });
  }

  private routerBird(): BirdInstall {
    return this.o.routerBird ?? this.o.bird;
  }

  /** The BIRD a node runs (1.6 on k8s nodes where available, the router BIRD on routers). */
  birdOf(node: string): BirdInstall {
    return this.routers.has(node) ? this.routerBird() : this.o.bird;
  }

  /** Starts (or restarts) `podlab agent` in a node; its JSON-line events feed the cluster. */
  startAgent(node: string): void {
    const dir = this.nodeDir(node);
    const log = join(dir, 'agent.log');
    const argv = this.o.services?.daemonArgv(node) ?? [...this.podlab, 'agent', '--node', node, '--dir', dir, '--etcd', this.nodeEtcd, '--bird', this.o.bird.dialect];
    const proc = this.hosts.spawn(node, argv, { logFile: log });
    const state = { proc, inSync: -1, stopped: false, log };
    this.agents.set(node, state);
    if (proc.stdout) {
      createInterface({ input: proc.stdout }).on('line', (line) => {
        let e: AgentEvent;
        try {
          e = JSON.parse(line) as AgentEvent;
        } catch {
          return;
        }
        if (e.type === 'in-sync') state.inSync = Math.max(state.inSync, e.revision);
        this.o.onEvent?.(e);
      });
    }
  }

  /** The agent process of a node (tests kill it to check a restart changes nothing). */
  agentProcess(node: string): ChildProcess | undefined {
    return this.agents.get(node)?.proc;
  }

  /** Waits until every running agent processed the datastore as it is now; throws naming the laggards. */
  async waitInSync(maxMs = 30_000): Promise<void> {
    const target = await this.ds.revision();
    const deadline = Date.now() + maxMs;
    for (;;) {
      const behind = [...this.agents].filter(([, a]) => !a.stopped && a.inSync < target);
      if (behind.length === 0) return;
      const dead = behind.filter(([, a]) => a.proc.exitCode !== null || a.proc.signalCode !== null);
      if (dead.length > 0 || Date.now() > deadline) {
        const who = (dead.length ? dead : behind).map(([n, a]) => `${n} (${a.proc.exitCode !== null || a.proc.signalCode !== null ? 'exited' : `at revision ${a.inSync}`}; log ${a.log}: ${tail(a.log)})`);
        throw new Error(`calico-node did not sync to datastore revision ${target}: ${who.join('; ')}`);
      }
      await sleep(50);
    }
  }

  agentNodes(): readonly string[] {
    return [...this.agents.keys()];
  }

  pods(): ReadonlyMap<string, PodInfo> {
    return this.podMap;
  }

  /** The network namespace of a pod addressed by its pod node name (`pod.ns.node`). */
  podNetnsOf(podNode: string): string | undefined {
    for (const p of this.podMap.values()) if (p.podNode === podNode) return p.netns;
    return undefined;
  }

  private async storePolicy(m: Manifest): Promise<void> {
    const errors = await storePolicyManifest(this.ds, m);
    if (errors.length) throw new StepError(`${String(m.kind)} ${String((m.metadata as { name?: string })?.name)}: ${errors.join('; ')}`);
  }

  async apply(m: Manifest): Promise<void> {
    const meta = m.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
    // Deployments and Services: the Kubernetes layer's controllers, with kube-proxy's rules written on the nodes.
    if (isKubeManifest(m)) {
      try {
        await this.kube().apply(m);
      } catch (e) {
        if (e instanceof KubeError) throw new StepError(e.message);
        throw e;
      }
      await this.storeServiceEndpoints();
      return;
    }
    if (m.apiVersion === 'v1' && m.kind === 'ServiceAccount') {
      await putObject(this.ds, k8sServiceAccountKey(meta.namespace ?? 'default', meta.name), { ...m, metadata: { ...meta, namespace: meta.namespace ?? 'default' } });
      await this.readModel();
      await this.waitInSync();
      return;
    }
    if (isPolicyManifest(m)) await this.storePolicy(m);
    else if (m.apiVersion === 'v1' && m.kind === 'Namespace') await putObject(this.ds, k8sNamespaceKey(meta.name), { ...m, metadata: { ...meta, labels: namespaceOf(meta.name, meta.labels).labels } });
    else if (m.apiVersion === 'v1' && m.kind === 'Pod') {
      const spec = (m.spec ?? {}) as { nodeName?: string };
      if (!spec.nodeName) throw new StepError(`Pod ${meta.name}: spec.nodeName is required (podlab has no scheduler)`);
      const pod = await this.addPod(spec.nodeName, meta.namespace ?? 'default', meta.name, { labels: { ...(meta.labels ?? {}) }, spec: m.spec });
      // The pod serves every containerPort it declares, as the simulator's pods do.
      await this.serve(pod, containerServerPorts(m.spec));
      return;
    } else {
      const kind = String(m.kind ?? '');
      const { problems } = buildResourceSet([{ apiVersion: String(m.apiVersion ?? ''), kind, name: meta.name, manifest: m, loc: { file: `${kind}/${meta.name}`, line: 1, col: 1 } }]);
      const errors = problems.filter((p) => p.severity === 'error');
      if (errors.length > 0) throw new ClusterConfigError(formatResourceProblems(errors).join('\n'));
      await this.ds.put(resourceKey(kind, meta.name), m as JsonValue);
    }
    await this.readModel();
    await this.waitInSync();
  }

  async remove(kind: string, name: string, namespace?: string): Promise<void> {
    if (kind === 'Pod') return this.removePod(namespace ?? 'default', name);
    if (this.kubeCluster && ['Deployment', 'ReplicaSet', 'DaemonSet', 'Service'].includes(kind)) {
      try {
        await this.kubeCluster.remove(kind, name, namespace ?? 'default');
      } catch (e) {
        throw e instanceof KubeError ? new StepError(e.message) : e;
      }
      await this.storeServiceEndpoints();
      return;
    }
    if (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy') {
      const ns = kind === 'NetworkPolicy' ? (namespace ?? 'default') : undefined;
      const keys = [policyKey(kind, name, ns), policyKey('KubernetesNetworkPolicy', name, ns)];
      let found = false;
      for (const k of keys) if (await this.ds.get(k)) { await this.ds.delete(k); found = true; }
      if (!found) throw new StepError(`no ${kind} '${name}'${ns ? ` in namespace ${ns}` : ''}`);
    } else {
      const key = resourceKey(kind, name);
      if (!(await this.ds.get(key))) throw new StepError(`resource does not exist: ${kind}(${name})`);
      await this.ds.delete(key);
    }
    await this.readModel();
    await this.waitInSync();
  }

  async patch(kind: string, name: string, patch: Manifest): Promise<JsonValue | undefined> {
    if (kind === 'Pod') return this.relabelPod(name, patch);
    const key = resourceKey(kind, name);
    const kv = await this.ds.get(key);
    if (!kv) return undefined;
    const next = mergePatch(kv.value, patch) as JsonValue;
    await this.ds.put(key, next);
    await this.waitInSync();
    return next;
  }

  /**
   * A merge patch of a running Pod's labels: the Pod object and the WorkloadEndpoint Calico
   * derives from it are rewritten (what Calico's KDD conversion does on a Pod update), and the
   * agents that read that endpoint recompute.
   */
  private async relabelPod(name: string, patch: Manifest): Promise<JsonValue | undefined> {
    const [namespace, pod] = name.includes('/') ? name.split('/', 2) as [string, string] : ['default', name];
    const p = this.podMap.get(`${namespace}/${pod}`);
    if (!p) return undefined;
    const labels = podLabelsAfterPatch(p.labels, patch);
    const podKey = k8sPodKey(namespace, pod);
    const obj = (await this.ds.get(podKey))?.value as { metadata?: Record<string, unknown> } | undefined;
    if (obj) await this.ds.put(podKey, { ...obj, metadata: { ...obj.metadata, labels } } as JsonValue);
    const wepKey = resourceKey('WorkloadEndpoint', workloadEndpointName(p.node, pod), namespace);
    const wep = (await this.ds.get(wepKey))?.value as { metadata: { labels?: Record<string, string> } } | undefined;
    if (wep) {
      const own = Object.fromEntries(Object.entries(wep.metadata.labels ?? {}).filter(([k]) => k.startsWith('projectcalico.org/')));
      await this.ds.put(wepKey, { ...wep, metadata: { ...wep.metadata, labels: { ...labels, ...own } } } as JsonValue);
    }
    this.podMap.set(`${namespace}/${pod}`, { ...p, labels });
    await this.waitInSync();
    // Services re-select (and a controller releases a pod relabelled out of its selector).
    if (this.kubeCluster) {
      await this.kubeCluster.reconcile();
      await this.storeServiceEndpoints();
    }
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace, labels } };
  }

  /** The Kubernetes layer over this cluster (controllers, EndpointSlices, kube-proxy), made on first use. */
  kube(): KubeCluster {
    if (!this.kubeCluster) {
      const pool = this.topology.calico.find((x) => x.kind === 'IPPool' && typeof (x.manifest.spec as { cidr?: unknown } | undefined)?.cidr === 'string');
      const cidr = (pool?.manifest.spec as { cidr?: string } | undefined)?.cidr;
      const host = realKubeHost({
        topology: this.topology, dir: this.hosts.dir, exec: (n) => this.hosts.exec(n),
        spawnLocal: (argv, logFile) => this.spawnLocal(argv, logFile),
        pods: () => this.podMap, addPod: (n, ns, name, o) => this.cniAddPod(n, ns, name, o), removePod: (ns, name) => this.cniRemovePod(ns, name),
      }, this.servers);
      const objects = realKubeObjects(this.tools(), { namespaces: () => this.model.namespaces, networkPolicies: () => this.k8sPolicies });
      this.kubeCluster = new KubeCluster({ ...host, ...objects }, { ...(cidr && !cidr.includes(':') ? { clusterCIDR: cidr } : {}) });
    }
    return this.kubeCluster;
  }

  /**
   * The Services' endpoints as `services:` policy rules read them, written where every agent
   * reads its policy model (only the Services whose endpoints changed are rewritten).
   */
  private async storeServiceEndpoints(): Promise<void> {
    if (!this.kubeCluster) return;
    const next = policyServices(this.kubeCluster.slices);
    const keep = new Set<string>();
    for (const svc of next) {
      const key = k8sServiceEndpointsKey(svc.namespace, svc.name);
      keep.add(key);
      const old = await this.ds.get(key);
      if (!old || JSON.stringify(old.value) !== JSON.stringify(svc)) await putObject(this.ds, key, svc);
    }
    for (const kv of (await this.ds.list(`${K8S_ROOT}service-endpoints/`)).kvs) if (!keep.has(kv.key)) await this.ds.delete(kv.key);
    await this.readModel();
    await this.waitInSync();
  }

  /** A process in the engine's namespaces, marked and recorded as the lab's so `podlab destroy` finds it after a crash. */
  private spawnLocal(argv: readonly string[], logFile: string): ChildProcess {
    const fd = openSync(logFile, 'a');
    const child = spawnChild(argv[0]!, argv.slice(1), { env: { ...process.env, ...labEnv({ lab: this.hosts.lab, id: this.hosts.id }) }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (child.pid !== undefined) recordResources(this.hosts.lab, { pids: [child.pid] });
    return child;
  }

  /** A pod made outside the Kubernetes layer (topology, scenario step): its Services' EndpointSlices follow it. */
  async addPod(node: string, namespace: string, name: string, opts: { labels: Record<string, string>; ip?: string; listen?: readonly ServerPort[]; spec?: unknown }): Promise<PodInfo> {
    const pod = await this.cniAddPod(node, namespace, name, opts);
    if (this.kubeCluster) {
      await this.kubeCluster.sync();
      await this.storeServiceEndpoints();
    }
    return pod;
  }

  /** A pod deleted outside the Kubernetes layer: its controller (if any) replaces it, and every Service's endpoints follow. */
  async removePod(namespace: string, name: string): Promise<void> {
    await this.cniRemovePod(namespace, name);
    if (this.kubeCluster) {
      await this.kubeCluster.reconcile();
      await this.storeServiceEndpoints();
    }
  }

  /** kubelet's part: the pod's object, its network namespace, CNI ADD run in the node. */
  private async cniAddPod(node: string, namespace: string, name: string, opts: { labels: Record<string, string>; ip?: string; listen?: readonly ServerPort[]; spec?: unknown }): Promise<PodInfo> {
    const key = `${namespace}/${name}`;
    if (this.podMap.has(key)) throw new Error(`pod ${key} already exists (on ${this.podMap.get(key)!.node})`);
    if (!this.agents.has(node)) throw new Error(`no calico-node on '${node}' (k8s nodes: ${this.agentNodes().join(', ')})`);
    const exec = this.hosts.exec(node);
    const snap = await readSnapshot(this.ds, { nodeName: node, hostInterfaces: await readHostInterfaces(exec) });
    const containerId = `ctr${(++this.seq).toString(16).padStart(6, '0')}`;
    const annotations = opts.ip ? { 'cni.projectcalico.org/ipAddrs': JSON.stringify([opts.ip]) } : undefined;
    await putObject(this.ds, k8sPodKey(namespace, name), {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: opts.labels, ...(annotations ? { annotations } : {}) },
      // The plugin reads the account and the named container ports from the stored Pod, as Calico's reads the API server's.
      spec: { ...(isRecord(opts.spec) ? opts.spec : {}), nodeName: node } as JsonValue,
    });
    if (!(await this.ds.get(k8sNamespaceKey(namespace)))) {
      await putObject(this.ds, k8sNamespaceKey(namespace), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: namespaceOf(namespace).labels } });
    }
    const netns = this.hosts.podNetns(namespace, name);
    this.hosts.recordNetns(netns);
    await mustOk(localExec, ['ip', 'netns', 'add', netns]);
    // The container runtime brings the sandbox's loopback up before calling CNI.
    await mustOk(localExec, ['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
    const r = await this.cni('ADD', node, namespace, name, containerId, netns, podMtu(snap));
    if (r.code !== 0) {
      await localExec(['ip', 'netns', 'del', netns]);
      await this.ds.delete(k8sPodKey(namespace, name)).catch(() => undefined);
      throw new Error(`pod ${key}: ${cniErrorText(r, 'add')}`);
    }
    const result = JSON.parse(r.stdout) as { interfaces?: { name: string; sandbox?: string }[]; ips?: { address: string }[] };
    const ip = (result.ips?.[0]?.address ?? '').replace(/\/\d+$/, '');
    const hostIface = result.interfaces?.find((i) => !i.sandbox)?.name ?? '';
    const ports = namedContainerPorts(opts.spec);
    const pod: RealPod = {
      namespace, name, node, podNode: podNodeName(node, namespace, name), ip, hostIface, labels: { ...opts.labels }, containerId, netns,
      serviceAccount: podServiceAccount(opts.spec), ...(ports.length ? { ports } : {}),
    };
    this.podMap.set(key, pod);
    await this.readModel();
    await this.waitInSync();
    if (opts.listen?.length) await this.serve(pod, opts.listen);
    return pod;
  }

  /** Starts a pod's built-in servers (socat answering with the pod's name) on TCP/UDP ports. */
  private async serve(pod: PodInfo, ports: readonly ServerPort[]): Promise<void> {
    const netns = this.podMap.get(`${pod.namespace}/${pod.name}`)?.netns;
    if (!netns || ports.length === 0) return;
    await this.servers.serve(pod.namespace, pod.name, netns, ports.map((p) => ({ containerPort: p.port, protocol: PROTOCOL[p.protocol] })));
  }

  /** kubelet's part of a deletion: the pod's servers stop, CNI DEL in the node, its namespace and object go. */
  private async cniRemovePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const p = this.podMap.get(key);
    if (!p) throw new Error(`no pod ${key}`);
    this.servers.stop(namespace, name);
    const r = await this.cni('DEL', p.node, namespace, name, p.containerId, p.netns, 1500);
    if (r.code !== 0) throw new Error(`pod ${key}: ${cniErrorText(r, 'del')}`);
    await localExec(['ip', 'netns', 'del', p.netns]);
    await this.ds.delete(k8sPodKey(namespace, name)).catch(() => undefined);
    this.podMap.delete(key);
    await this.waitInSync();
  }

  /** Runs the CNI plugin in the node the way kubelet does: CNI_* environment, netconf on stdin. */
  private cni(command: 'ADD' | 'DEL', node: string, namespace: string, pod: string, containerId: string, netns: string, mtu: number): Promise<ExecResult> {
    const netconf = { cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', etcd_endpoints: this.nodeEtcd, nodename: node, mtu, ipam: { type: 'calico-ipam' } };
    return this.hosts.exec(node)([
      'env', `CNI_COMMAND=${command}`, `CNI_CONTAINERID=${containerId}`, `CNI_NETNS=/run/netns/${netns}`, 'CNI_IFNAME=eth0',
      `CNI_ARGS=K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${containerId}`, 'CNI_PATH=/opt/cni/bin',
      ...this.podlab, 'cni',
    ], { stdin: JSON.stringify(netconf), timeoutMs: 60_000 });
  }

  async converge(maxMs: number): Promise<ConvergeResult> {
    const deadline = Date.now() + maxMs;
    let pending: string[] = [];
    for (;;) {
      pending = await this.notConverged();
      if (pending.length === 0) return { converged: true, pending };
      if (Date.now() > deadline) return { converged: false, pending };
      await sleep(250);
    }
  }

  /** What keeps the cluster from being converged now (empty when it is). */
  private async notConverged(): Promise<string[]> {
    const out: string[] = [];
    const rev = await this.ds.revision();
    for (const [n, a] of this.agents) if (!a.stopped && a.inSync < rev) out.push(`${n}: calico-node not in sync (revision ${a.inSync} < ${rev})`);
    const nodes = [...this.agents].filter(([, a]) => !a.stopped).map(([n]) => n);
    for (const n of [...nodes, ...this.routers.keys()]) {
      const s = await this.bgpSessions(n).catch((e: Error) => { out.push(`${n}: BIRD not answering (${e.message})`); return undefined; });
      for (const x of s ?? []) if (x.state !== 'Established') out.push(`${n}→${x.peer} ${x.state}`);
    }
    if (out.length) return out;
    const blocks = await readAffinities(this.ds, nodes);
    for (const n of nodes) {
      const r = await this.hosts.exec(n)(['ip', '-j', 'route', 'show']);
      if (r.code !== 0) continue;
      const routes = JSON.parse(r.stdout || '[]') as { dst: string; type?: string }[];
      const have = new Set(routes.filter((x) => x.type !== 'blackhole').map((x) => x.dst));
      for (const m of nodes) {
        if (m === n) continue;
        for (const b of blocks[m] ?? []) if (!b.cidr.endsWith('/32') && !have.has(b.cidr)) out.push(`${n} has no route to ${m}'s block ${b.cidr}`);
      }
    }
    return out;
  }

  async stopAgent(node: string): Promise<void> {
    const a = this.agents.get(node);
    if (!a || a.stopped) return;
    a.stopped = true;
    await stopProcess(a.proc);
  }

  /** The protocol-name → peer-address map of a node's BIRD (confd's intent, or the router's config). */
  private async peerNames(node: string): Promise<Map<string, string> | undefined> {
    const r = this.routers.get(node);
    if (r) return new Map((routerSpeakerConfig(r.node)?.peers ?? []).map((p) => [p.name ?? p.address, p.address]));
    if (!this.agents.has(node)) return undefined;
    const intent = (await this.intents()).get(node);
    return new Map((intent?.peers ?? []).map((p) => [p.name, p.ip]));
  }

  /**
   * Every node's BGP intent as confd computes it, read once per datastore revision: convergence
   * polls every node's sessions several times a second, and the answer only changes with a write.
   */
  private async intents(): Promise<ReadonlyMap<string, BgpIntent>> {
    const rev = await this.ds.revision();
    if (this.intentCache?.rev !== rev) {
      const { set } = await readResourceSet(this.ds);
      const blocks = await readAffinities(this.ds, set.nodes.map((n) => n.meta.name));
      this.intentCache = { rev, byNode: computeAllIntents(confdInputFromResources(set, { blocks })) };
    }
    return this.intentCache.byNode;
  }

  /** A node's BIRD socket, or undefined when the node runs no BIRD. */
  birdSocket(node: string): string | undefined {
    if (!this.routers.has(node) && !this.agents.has(node)) return undefined;
    return this.o.services?.birdSocket(node) ?? birdPaths(join(this.hosts.dir, 'nodes', node)).socket;
  }

  async bgpSessions(node: string): Promise<readonly BgpSessionInfo[] | undefined> {
    const names = await this.peerNames(node);
    const socket = this.birdSocket(node);
    if (!names || !socket) return undefined;
    if (this.agents.get(node)?.stopped) return [];
    const rows = await birdProtocols(this.hosts.exec(node), this.birdOf(node), socket);
    return birdSessions(rows, names).map((s) => ({ peer: s.peer, name: s.name, state: s.state }));
  }

  policyModel(): ReturnType<ClusterControl['policyModel']> {
    return this.model;
  }

  /**
   * `birdc`/`birdcl`, `calicoctl` and `kubectl` in a node's shell (`stdin`: a here-document's
   * text); undefined for every other program.
   */
  async command(node: string, argv: readonly string[], stdin?: string): Promise<ExecResult | undefined> {
    // Pods and every other program go to the node's own tools (a pod has no node namespace to exec in here).
    if (!['birdc', 'birdcl', 'calicoctl', 'kubectl'].includes(argv[0] ?? '') || !this.isNodeOfLab(node)) return undefined;
    if (argv[0] === 'kubectl') return realKubectl(this.tools(), argv.slice(1), stdin);
    if (argv[0] === 'calicoctl') {
      const r = await realCalicoctl(this.tools(), argv.slice(1), stdin);
      if (r) return r;
    }
    return realNodeCommand({
      exec: this.hosts.exec(node), ds: this.ds, ipam: this.ipam, bird: this.birdOf(node),
      socket: this.birdSocket(node), calicoRunning: this.agents.has(node) && !this.agents.get(node)!.stopped,
    }, argv);
  }

  /** The cluster as kubectl and calicoctl reach it (real-tools.ts). */
  private tools(): RealToolsCluster {
    return {
      ds: this.ds, ipam: this.ipam,
      apply: (m) => this.apply(m),
      remove: (kind, name, ns) => this.remove(kind, name, ns),
      patch: (kind, name, p) => this.patch(kind, name, p),
      resync: async () => { await this.readModel(); await this.waitInSync(); },
      kube: () => this.kube(),
      kubeChanged: () => this.storeServiceEndpoints(),
      execInPod: (ns, name, argv) => {
        const p = this.podMap.get(`${ns}/${name}`);
        return p ? netnsExec(p.netns, localExec)(argv, { timeoutMs: 120_000 }) : undefined;
      },
    };
  }

  /** True for the topology's nodes (not pods). */
  private isNodeOfLab(node: string): boolean {
    return this.topology.nodes.some((n) => n.name === node && n.kind !== 'switch');
  }

  /** Stops every agent (and with it its BIRD), the routers' BIRD, and etcd. */
  async destroy(): Promise<void> {
    this.servers.stopAll();
    await Promise.all([...this.agents.values()].map((a) => stopProcess(a.proc)));
    await Promise.all([...this.routers.values()].map((r) => stopProcess(r.proc)));
    await this.ds.close().catch(() => undefined);
    await this.etcd.stop();
  }
}

/** The CNI error JSON's msg (and details), or the plugin's own words. */
function cniErrorText(r: ExecResult, op: string): string {
  try {
    const e = JSON.parse(r.stdout) as { msg?: string; details?: string };
    return `plugin type="calico" failed (${op}): ${e.msg ?? ''}${e.details ? `: ${e.details}` : ''}`;
  } catch {
    return `plugin type="calico" failed (${op}): ${(r.stderr || r.stdout).trim()}`;
  }
}

async function mustOk(exec: Exec, argv: readonly string[]): Promise<void> {
  const r = await exec(argv);
  if (r.code !== 0) throw new Error(`'${argv.join(' ')}' failed: ${r.stderr.trim()}`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

/** The last line of a log file, for error messages. */
function tail(file: string): string {
  if (!existsSync(file)) return 'no log';
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines[lines.length - 1]?.slice(0, 300) ?? '';
}

