/**
 * What Kubernetes adds around Calico, reconciled in process: the Deployment controller (with
 * the scheduler), Service IP/port allocation, the EndpointSlice controller and every node's
 * kube-proxy. The cluster does not know its runtime: `KubeHost` creates pods (through CNI, as
 * kubelet does), lists the pods that exist, and runs kube-proxy's iptables tools on a node.
 *
 * Reconciliation is level-based like the controllers: after any change, `sync()` recomputes
 * slices and each node's rules, and rewrites a node's rules only when they changed.
 */
import { DEFAULT_SERVICE_CIDR, allocateClusterIP, allocateNodePort, firstServiceIP } from './allocate.ts';
import { endpointSlices } from './endpoints.ts';
import { advertisementSignature } from './advertise.ts';
import { KubeManifestError, WORKLOAD_KINDS, parseDeployment, parsePod, parseService } from './manifests.ts';
import { NameSuffixes, fnv32a, podTemplateHash } from './names.ts';
import { proxyRules, restoreText } from './proxier.ts';
import type { AllocatedService, JumpRule } from './proxier.ts';
import { eligible, schedule } from './scheduler.ts';
import type { ContainerPort, Deployment, EndpointSlice, KubeNode, KubePod, PodTemplate, WorkloadKind } from './types.ts';

/** A pod as the host's CNI knows it (any creator: a Deployment, a scenario step, the topology). */
export interface HostPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The named ports of a pod no workload made (a v1 Pod or a scenario `pod`): what a named targetPort resolves against. */
  readonly containerPorts?: readonly ContainerPort[];
}

/** A command's outcome on a node. */
export interface HostResult { readonly stdout: string; readonly stderr: string; readonly code: number }

/** What the Kubernetes layer needs from whoever runs the nodes. */
export interface KubeHost {
  /** The k8s nodes. */
  nodes(): readonly KubeNode[];
  /** Every pod that exists now. */
  pods(): readonly HostPod[];
  /** Virtual (or wall) time in ms. */
  now(): number;
  /** Creates a pod on a node through CNI and starts its servers on the declared ports. */
  createPod(node: string, namespace: string, name: string, labels: Record<string, string>, ports: readonly ContainerPort[]): Promise<HostPod>;
  /** Deletes a pod (CNI DEL). */
  deletePod(namespace: string, name: string): Promise<void>;
  /**
   * Runs `fn` (pods created and deleted together) so the network reacts once at its end, as
   * kubelet starts a controller's pods concurrently and Felix batches the updates; absent: at once.
   */
  batch?<T>(fn: () => Promise<T>): Promise<T>;
  /** `iptables-save -t TABLE` on a node. */
  iptablesSave(node: string, table: 'nat' | 'filter'): Promise<string>;
  /** `iptables-restore --noflush` of `text` on a node. */
  iptablesRestore(node: string, text: string): Promise<HostResult>;
  /** `iptables ARGV` on a node (kube-proxy's EnsureRule). */
  iptables(node: string, argv: readonly string[]): Promise<HostResult>;
  /** Replaces a running pod's labels (its endpoint's, so policy re-evaluates); absent where the runtime cannot. */
  setPodLabels?(namespace: string, name: string, labels: Record<string, string>): Promise<void>;
  /** The namespaces that exist, with their labels. */
  namespaces?(): readonly { readonly name: string; readonly labels: Readonly<Record<string, string>> }[];
  /** Applies a manifest kube/ does not reconcile itself (Namespace, NetworkPolicy): what `kubectl apply` prints, or throws KubeError. */
  applyOther?(manifest: Record<string, unknown>): Promise<string>;
  /** Deletes such an object: what `kubectl delete` prints, or throws KubeError. */
  deleteOther?(kind: string, name: string, namespace: string): Promise<string>;
  /** Kubernetes NetworkPolicies as applied (kubectl get networkpolicies). */
  networkPolicies?(): readonly Record<string, unknown>[];
  /** Services with externalTrafficPolicy Local or their endpoints' nodes changed: Calico re-advertises their /32s. */
  serviceRoutesChanged?(): Promise<void>;
}

/** Settings of the Kubernetes layer. */
export interface KubeOptions {
  /** --service-cluster-ip-range (default 10.96.0.0/12). */
  readonly serviceCIDR?: string;
  /** kube-proxy's --cluster-cidr (the pod network), for the ClusterIP masquerade rule. */
  readonly clusterCIDR?: string;
  /** Seeds generated names (pods' random suffixes). */
  readonly seed?: number;
}

/** A failure a user can act on (bad manifest, nothing to delete, no node fits). */
export class KubeError extends Error {
  override name = 'KubeError';
}

interface PodMeta { created: number; ports: readonly ContainerPort[]; image?: string; owner?: string }

/** A Deployment, ReplicaSet or DaemonSet as stored (with its creation time). */
export type Workload = Deployment & { created: number };

/** The resource word kubectl prints for a workload kind (`deployment.apps`). */
export const workloadResource = (kind: WorkloadKind): string => `${kind.toLowerCase()}.apps`;

const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** The Kubernetes control plane and kube-proxies of one lab. */
export class KubeCluster {
  /** Deployments, ReplicaSets and DaemonSets by `Kind/namespace/name`. */
  readonly workloads = new Map<string, Workload>();
  readonly services = new Map<string, AllocatedService & { created: number }>();
  /** EndpointSlices by `namespace/service`, as of the last sync. */
  slices = new Map<string, EndpointSlice[]>();
  private readonly meta = new Map<string, PodMeta>();
  private readonly suffixes = new Map<string, NameSuffixes>();
  private readonly applied = new Map<string, string>();
  /**
   * kube-proxy writes nothing until the first Service or Deployment is applied: labs that
   * never use Services keep exactly the rule sets they had (podlab's simplification — a real
   * node has the `kubernetes` Service's chains from the start).
   */
  private proxying = false;
  /** What Calico's service advertisement last saw (advertise.ts). */
  private advertised = '';
  readonly serviceCIDR: string;
  /** Where the last scheduling failure of each workload (`Kind/ns/name`) is kept (kubectl describe's FailedScheduling). */
  readonly pending = new Map<string, string>();

  constructor(readonly host: KubeHost, readonly opts: KubeOptions = {}) {
    this.serviceCIDR = opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR;
    // Every cluster has the `kubernetes` Service in front of the API servers (control-plane nodes, :6443).
    this.services.set('default/kubernetes', {
      namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIP: firstServiceIP(this.serviceCIDR),
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }], externalTrafficPolicy: 'Cluster',
      labels: { component: 'apiserver', provider: 'kubernetes' }, created: 0,
    });
  }

  /** The Deployments by `namespace/name`. */
  get deployments(): ReadonlyMap<string, Workload> {
    return new Map([...this.workloads.values()].filter((w) => w.kind === 'Deployment').map((w) => [`${w.namespace}/${w.name}`, w]));
  }

  /** Applies a Deployment, ReplicaSet, DaemonSet, Service or Pod manifest (create or replace), then reconciles; returns kubectl's line. */
  async apply(m: Record<string, unknown>): Promise<string> {
    this.proxying = true;
    try {
      if (WORKLOAD_KINDS.includes(String(m.kind))) {
        const d = parseDeployment(m);
        const key = ownerKey(d.kind, d.namespace, d.name);
        const old = this.workloads.get(key);
        this.workloads.set(key, { ...d, created: old?.created ?? this.host.now() });
        await this.reconcile();
        return `${workloadResource(d.kind)}/${d.name} ${old ? (sameWorkload(old, d) ? 'unchanged' : 'configured') : 'created'}`;
      }
      if (m.kind === 'Pod') {
        const p = parsePod(m);
        const exists = this.host.pods().some((x) => x.namespace === p.namespace && x.name === p.name);
        if (exists) return `pod/${p.name} unchanged`;
        await this.runPod(p.namespace, p.name, p.template);
        return `pod/${p.name} created`;
      }
      const s = parseService(m);
      const key = `${s.namespace}/${s.name}`;
      const old = this.services.get(key);
      const usedIPs = new Set([...this.services.values()].filter((x) => x !== old).map((x) => x.clusterIP));
      const clusterIP = s.clusterIP === 'None' ? 'None' : old?.clusterIP ?? allocateClusterIP(key, this.serviceCIDR, usedIPs, s.clusterIP);
      const usedPorts = new Set([...this.services.values()].filter((x) => x !== old).flatMap((x) => x.ports.map((p) => p.nodePort ?? 0)));
      const ports = s.ports.map((p, i) => {
        if (s.type === 'ClusterIP') return p;
        const kept = old?.ports.find((o) => o.name === p.name)?.nodePort;
        const nodePort = p.nodePort ?? kept ?? allocateNodePort(`${key}:${p.name}:${p.port}`, usedPorts);
        if (p.nodePort !== undefined && usedPorts.has(p.nodePort)) throw new KubeError(`The Service "${s.name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${p.nodePort}: provided port is already allocated`);
        usedPorts.add(nodePort);
        return { ...p, nodePort };
      });
      const next = { ...s, clusterIP, ports, created: old?.created ?? this.host.now() };
      this.services.set(key, next);
      await this.sync();
      return `service/${s.name} ${old ? (JSON.stringify({ ...old, created: 0 }) === JSON.stringify({ ...next, created: 0 }) ? 'unchanged' : 'configured') : 'created'}`;
    } catch (e) {
      if (e instanceof KubeManifestError) throw new KubeError(`The ${String(m.kind)} "${String((m.metadata as { name?: unknown } | undefined)?.name)}" is invalid: ${e.message}`);
      if (e instanceof Error && !(e instanceof KubeError) && /^spec\./.test(e.message)) throw new KubeError(`The Service "${String((m.metadata as { name?: unknown } | undefined)?.name)}" is invalid: ${e.message}`);
      throw e;
    }
  }

  /** Deletes a workload (and its pods), a Service or a Pod; KubeError (kubectl's NotFound) when there is none. */
  async remove(kind: string, name: string, namespace = 'default'): Promise<string> {
    if (WORKLOAD_KINDS.includes(kind)) {
      const res = workloadResource(kind as WorkloadKind);
      if (!this.workloads.delete(ownerKey(kind, namespace, name))) throw new KubeError(`Error from server (NotFound): ${kind.toLowerCase()}s.apps "${name}" not found`);
      await this.reconcile();
      return `${res} "${name}" deleted`;
    }
    if (kind === 'Pod') {
      if (!this.host.pods().some((p) => p.namespace === namespace && p.name === name)) throw new KubeError(`Error from server (NotFound): pods "${name}" not found`);
      await this.host.deletePod(namespace, name);
      this.meta.delete(`${namespace}/${name}`);
      // Its controller (if any) replaces it; every Service's endpoints follow.
      await this.reconcile();
      return `pod "${name}" deleted`;
    }
    if (!this.services.delete(`${namespace}/${name}`)) throw new KubeError(`Error from server (NotFound): services "${name}" not found`);
    await this.sync();
    return `service "${name}" deleted`;
  }

  /** `kubectl scale`: a Deployment's or ReplicaSet's replicas, then reconcile. */
  async scale(kind: WorkloadKind, name: string, namespace: string, replicas: number): Promise<string> {
    const key = ownerKey(kind, namespace, name);
    const w = this.workloads.get(key);
    if (!w) throw new KubeError(`Error from server (NotFound): ${kind.toLowerCase()}s.apps "${name}" not found`);
    if (kind === 'DaemonSet') throw new KubeError(`error: no scaler has been implemented for {"apps" "DaemonSet"}`);
    this.workloads.set(key, { ...w, replicas });
    await this.reconcile();
    return `${workloadResource(kind)}/${name} scaled`;
  }

  /** A pod without a controller (`kubectl run`, a Pod manifest), placed by the scheduler. */
  async runPod(namespace: string, name: string, t: PodTemplate): Promise<KubePod> {
    if (this.host.pods().some((p) => p.namespace === namespace && p.name === name)) throw new KubeError(`Error from server (AlreadyExists): pods "${name}" already exists`);
    const where = schedule(t, this.host.nodes(), this.load());
    if ('error' in where) throw new KubeError(`pod/${name} cannot be scheduled: ${where.error}`);
    this.meta.set(`${namespace}/${name}`, { created: this.host.now(), ports: t.containerPorts, image: t.image });
    await this.host.createPod(where.node, namespace, name, { ...t.labels }, t.containerPorts);
    await this.sync();
    return this.pods().find((p) => p.namespace === namespace && p.name === name)!;
  }

  /** `kubectl label pod`: the pod's new labels (its endpoint's too), then Services re-select. */
  async setPodLabels(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    if (!this.host.setPodLabels) throw new KubeError('error: this runtime cannot change a running pod\'s labels yet (delete and recreate the pod)');
    await this.host.setPodLabels(namespace, name, labels);
    await this.reconcile();
  }

  /** Replaces a Service's or workload's metadata labels (what `kubectl label` does to them). */
  relabel(kind: 'Service' | WorkloadKind, name: string, namespace: string, labels: Record<string, string>): void {
    if (kind === 'Service') {
      const s = this.services.get(`${namespace}/${name}`);
      if (s) this.services.set(`${namespace}/${name}`, { ...s, labels });
      return;
    }
    const w = this.workloads.get(ownerKey(kind, namespace, name));
    if (w) this.workloads.set(ownerKey(kind, namespace, name), { ...w, labels });
  }

  private load(): Map<string, number> {
    const load = new Map<string, number>();
    for (const p of this.host.pods()) load.set(p.node, (load.get(p.node) ?? 0) + 1);
    return load;
  }

  /** The ReplicaSet name a Deployment's pods belong to (`<deployment>-<pod-template-hash>`). */
  static replicaSetOf(d: Deployment): string {
    return `${d.name}-${podTemplateHash(d.rawTemplate)}`;
  }

  /** Runs `fn` as one batch of pod changes for the network (KubeHost.batch), or directly. */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    return this.host.batch ? this.host.batch(fn) : fn();
  }

  /** The workload controllers + scheduler: create missing pods, delete extra ones, then sync — one batch for the network. */
  async reconcile(): Promise<void> {
    await this.batch(() => this.reconcileWorkloads());
  }

  private async reconcileWorkloads(): Promise<void> {
    const pods = this.host.pods();
    for (const [key, m] of this.meta) {
      if (m.owner && !this.workloads.has(m.owner) && pods.some((p) => `${p.namespace}/${p.name}` === key)) {
        const [ns, name] = key.split('/') as [string, string];
        await this.host.deletePod(ns, name);
        this.meta.delete(key);
      }
    }
    // A pod relabelled out of its controller's selector is released (orphaned), as the
    // ReplicaSet controller does; the controller then makes a replacement.
    for (const p of this.host.pods()) {
      const m = this.meta.get(`${p.namespace}/${p.name}`);
      const w = m?.owner ? this.workloads.get(m.owner) : undefined;
      if (m && w && !Object.entries(w.selector).every(([k, v]) => p.labels[k] === v)) delete m.owner;
    }
    for (const [key, d] of this.workloads) {
      const hash = podTemplateHash(d.rawTemplate);
      const owned = (): typeof pods => this.host.pods().filter((p) => this.meta.get(`${p.namespace}/${p.name}`)?.owner === key)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const drop = async (p: { namespace: string; name: string }): Promise<void> => {
        await this.host.deletePod(p.namespace, p.name);
        this.meta.delete(`${p.namespace}/${p.name}`);
      };
      const create = async (node: string): Promise<void> => {
        const name = d.kind === 'Deployment' ? `${d.name}-${hash}-${this.suffix(key)}` : `${d.name}-${this.suffix(key)}`;
        const labels = d.kind === 'ReplicaSet' ? { ...d.template.labels } : { ...d.template.labels, [d.kind === 'Deployment' ? 'pod-template-hash' : 'controller-revision-hash']: hash };
        this.meta.set(`${d.namespace}/${name}`, { created: this.host.now(), ports: d.template.containerPorts, image: d.template.image, owner: key });
        await this.host.createPod(node, d.namespace, name, labels, d.template.containerPorts);
      };
      this.pending.delete(key);
      const stamp = d.kind === 'Deployment' ? 'pod-template-hash' : d.kind === 'DaemonSet' ? 'controller-revision-hash' : undefined;
      // A changed template rolls every pod (podlab replaces at once instead of surging).
      for (const p of owned()) if (stamp && p.labels[stamp] !== hash) await drop(p);
      if (d.kind === 'DaemonSet') {
        // One pod on every node the pod fits (nodeSelector, the control-plane taint), none elsewhere.
        const fit = new Set(eligible(d.template, this.host.nodes()).map((n) => n.name));
        const seen = new Set<string>();
        for (const p of owned()) {
          if (!fit.has(p.node) || seen.has(p.node)) await drop(p);
          else seen.add(p.node);
        }
        for (const n of [...fit].sort()) if (!seen.has(n)) await create(n);
        continue;
      }
      for (const p of owned().slice(d.replicas)) await drop(p);
      let have = owned().length;
      while (have < d.replicas) {
        const where = schedule(d.template, this.host.nodes(), this.load());
        if ('error' in where) { this.pending.set(key, where.error); break; }
        await create(where.node);
        have++;
      }
    }
    await this.sync();
  }

  private suffix(key: string): string {
    let g = this.suffixes.get(key);
    // Deployments keep the seed of their `namespace/name` key (names stay what scenarios pinned).
    const seedKey = key.startsWith('Deployment/') ? key.slice('Deployment/'.length) : key;
    if (!g) this.suffixes.set(key, (g = new NameSuffixes(fnv32a(`${this.opts.seed ?? 1}/${seedKey}`))));
    return g.next();
  }

  /** The pods as Kubernetes shows them (creation times stamped on first sight). */
  pods(): KubePod[] {
    return this.host.pods().map((p) => {
      const key = `${p.namespace}/${p.name}`;
      let m = this.meta.get(key);
      if (!m) this.meta.set(key, (m = { created: this.host.now(), ports: [] }));
      const owner = m.owner ? this.ownerRef(m.owner, p.labels) : undefined;
      // A workload's pods carry their template's ports; any other pod, what its own spec declares.
      return { ...p, containerPorts: m.ports.length ? m.ports : (p.containerPorts ?? []), created: m.created, ...(m.image !== undefined ? { image: m.image } : {}), ...(owner ? { owner } : {}) };
    });
  }

  /** `Kind/name` of the object that owns a pod (a Deployment's pods: its ReplicaSet). */
  private ownerRef(owner: string, labels: Readonly<Record<string, string>>): string {
    const [kind, , name] = owner.split('/') as [string, string, string];
    return kind === 'Deployment' ? `ReplicaSet/${name}-${labels['pod-template-hash'] ?? ''}` : `${kind}/${name}`;
  }

  /** EndpointSlice controller + every kube-proxy: recompute, and rewrite the rules of nodes whose rules changed. */
  async sync(): Promise<void> {
    const pods = this.pods();
    const live = new Set(pods.map((p) => `${p.namespace}/${p.name}`));
    for (const key of this.meta.keys()) if (!live.has(key)) this.meta.delete(key);
    const slices = new Map<string, EndpointSlice[]>();
    const nodes = this.host.nodes();
    for (const [key, svc] of this.services) {
      if (key === 'default/kubernetes') {
        const cp = nodes.filter((n) => 'node-role.kubernetes.io/control-plane' in n.labels);
        slices.set(key, [{ namespace: 'default', name: 'kubernetes', service: 'kubernetes', ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
          endpoints: (cp.length ? cp : nodes.slice(0, 1)).map((n) => ({ ip: n.internalIP, nodeName: n.name, pod: '', ready: true })) }]);
        continue;
      }
      slices.set(key, endpointSlices(svc, pods));
    }
    this.slices = slices;
    const adv = advertisementSignature([...this.services.values()], slices);
    if (adv !== this.advertised) {
      this.advertised = adv;
      await this.host.serviceRoutesChanged?.();
    }
    if (!this.proxying) return;
    const services = [...this.services.values()];
    for (const n of nodes) {
      const rules = proxyRules({ node: n.name, services, slices, nodeIPs: [n.internalIP], ...(this.opts.clusterCIDR ? { clusterCIDR: this.opts.clusterCIDR } : {}) });
      const save = await this.host.iptablesSave(n.name, 'nat');
      const existing = [...save.matchAll(/^:(KUBE-[A-Z]+-[A-Z0-9]+) /gm)].map((x) => x[1]!);
      const text = restoreText(rules, existing);
      if (this.applied.get(n.name) === text) continue;
      const r = await this.host.iptablesRestore(n.name, text);
      if (r.code !== 0) throw new KubeError(`${n.name}: kube-proxy's iptables-restore failed: ${r.stderr.trim()}`);
      await this.ensureJumps(n.name, rules.jumps);
      this.applied.set(n.name, text);
    }
  }

  /**
   * EnsureRule for the built-in chains: absent jumps are inserted after Calico's own jumps at
   * the top (Felix keeps `cali-*` first; kube-proxy prepends, Felix moves its jumps back above).
   */
  private async ensureJumps(node: string, jumps: readonly JumpRule[]): Promise<void> {
    for (const j of [...jumps].reverse()) {
      const listed = (await this.host.iptables(node, ['-t', j.table, '-S', j.chain])).stdout.split('\n');
      if (listed.includes(`-A ${j.chain} ${j.rule}`)) continue;
      const rules = listed.filter((l) => l.startsWith('-A '));
      let pos = 0;
      while (pos < rules.length && / -j cali-/.test(rules[pos]!)) pos++;
      const argv = splitRule(j.rule);
      const r = await this.host.iptables(node, ['-t', j.table, '-I', j.chain, String(pos + 1), ...argv]);
      if (r.code !== 0) throw new KubeError(`${node}: kube-proxy could not ensure ${j.table} ${j.chain} jump: ${r.stderr.trim()}`);
    }
  }

  /** The k8s nodes, for views. */
  nodes(): readonly KubeNode[] {
    return this.host.nodes();
  }
}

function sameWorkload(a: Deployment, b: Deployment): boolean {
  return a.replicas === b.replicas && JSON.stringify(a.labels) === JSON.stringify(b.labels) && canonical(a.rawTemplate) === canonical(b.rawTemplate)
    && JSON.stringify(a.selector) === JSON.stringify(b.selector);
}

const canonical = (v: unknown): string => String(podTemplateHash(v));

/** An iptables-save rule body → argv (double quotes group words). */
export function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rule.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}
