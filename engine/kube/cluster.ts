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
import { KubeManifestError, parseDeployment, parseService } from './manifests.ts';
import { NameSuffixes, fnv32a, podTemplateHash } from './names.ts';
import { proxyRules, restoreText } from './proxier.ts';
import type { AllocatedService, JumpRule } from './proxier.ts';
import { schedule } from './scheduler.ts';
import type { ContainerPort, Deployment, EndpointSlice, KubeNode, KubePod } from './types.ts';

/** A pod as the host's CNI knows it (any creator: a Deployment, a scenario step, the topology). */
export interface HostPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
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
  /** `iptables-save -t TABLE` on a node. */
  iptablesSave(node: string, table: 'nat' | 'filter'): Promise<string>;
  /** `iptables-restore --noflush` of `text` on a node. */
  iptablesRestore(node: string, text: string): Promise<HostResult>;
  /** `iptables ARGV` on a node (kube-proxy's EnsureRule). */
  iptables(node: string, argv: readonly string[]): Promise<HostResult>;
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

interface PodMeta { created: number; ports: readonly ContainerPort[]; owner?: string }

/** The Kubernetes control plane and kube-proxies of one lab. */
export class KubeCluster {
  readonly deployments = new Map<string, Deployment & { created: number }>();
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
  readonly serviceCIDR: string;
  /** Where the last scheduling failure of each Deployment is kept (kubectl describe's FailedScheduling). */
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

  /** Applies a Deployment or Service manifest (create or replace), then reconciles. */
  async apply(m: Record<string, unknown>): Promise<string> {
    this.proxying = true;
    try {
      if (m.kind === 'Deployment') {
        const d = parseDeployment(m);
        const key = `${d.namespace}/${d.name}`;
        const old = this.deployments.get(key);
        this.deployments.set(key, { ...d, created: old?.created ?? this.host.now() });
        await this.reconcile();
        return `deployment.apps/${d.name} ${old ? 'configured' : 'created'}`;
      }
      const s = parseService(m);
      const key = `${s.namespace}/${s.name}`;
      const old = this.services.get(key);
      const usedIPs = new Set([...this.services.values()].filter((x) => x !== old).map((x) => x.clusterIP));
      const clusterIP = s.clusterIP === 'None' ? 'None' : old?.clusterIP ?? allocateClusterIP(key, this.serviceCIDR, usedIPs, s.clusterIP);
      const usedPorts = new Set([...this.services.values()].filter((x) => x !== old).flatMap((x) => x.ports.map((p) => p.nodePort ?? 0)));
      const ports = s.ports.map((p) => {
        if (s.type !== 'NodePort') return p;
        const kept = old?.ports.find((o) => o.name === p.name)?.nodePort;
        const nodePort = p.nodePort ?? kept ?? allocateNodePort(`${key}:${p.name}:${p.port}`, usedPorts);
        if (p.nodePort !== undefined && usedPorts.has(p.nodePort)) throw new KubeError(`Service "${s.name}" is invalid: spec.ports[0].nodePort: Invalid value: ${p.nodePort}: provided port is already allocated`);
        usedPorts.add(nodePort);
        return { ...p, nodePort };
      });
      this.services.set(key, { ...s, clusterIP, ports, created: old?.created ?? this.host.now() });
      await this.sync();
      return `service/${s.name} ${old ? 'configured' : 'created'}`;
    } catch (e) {
      if (e instanceof KubeManifestError) throw new KubeError(`The ${String(m.kind)} "${String((m.metadata as { name?: unknown } | undefined)?.name)}" is invalid: ${e.message}`);
      if (e instanceof Error && !(e instanceof KubeError) && /^spec\./.test(e.message)) throw new KubeError(`The Service is invalid: ${e.message}`);
      throw e;
    }
  }

  /** Deletes a Deployment (and its pods) or a Service; KubeError when there is none. */
  async remove(kind: string, name: string, namespace = 'default'): Promise<string> {
    const key = `${namespace}/${name}`;
    if (kind === 'Deployment') {
      if (!this.deployments.delete(key)) throw new KubeError(`Error from server (NotFound): deployments.apps "${name}" not found`);
      await this.reconcile();
      return `deployment.apps "${name}" deleted`;
    }
    if (!this.services.delete(key)) throw new KubeError(`Error from server (NotFound): services "${name}" not found`);
    await this.sync();
    return `service "${name}" deleted`;
  }

  /** The Deployment controller + scheduler: create missing replicas, delete extra ones, then sync. */
  async reconcile(): Promise<void> {
    const pods = this.host.pods();
    for (const [key, m] of this.meta) {
      if (m.owner && !this.deployments.has(m.owner) && pods.some((p) => `${p.namespace}/${p.name}` === key)) {
        const [ns, name] = key.split('/') as [string, string];
        await this.host.deletePod(ns, name);
        this.meta.delete(key);
      }
    }
    for (const [key, d] of this.deployments) {
      const hash = podTemplateHash(d.rawTemplate);
      const owned = this.host.pods().filter((p) => this.meta.get(`${p.namespace}/${p.name}`)?.owner === key)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      // A changed template rolls every pod (podlab replaces at once instead of surging).
      for (const p of owned.filter((x) => x.labels['pod-template-hash'] !== hash).concat(owned.filter((x) => x.labels['pod-template-hash'] === hash).slice(d.replicas))) {
        await this.host.deletePod(p.namespace, p.name);
        this.meta.delete(`${p.namespace}/${p.name}`);
      }
      let have = this.host.pods().filter((p) => this.meta.get(`${p.namespace}/${p.name}`)?.owner === key).length;
      this.pending.delete(key);
      while (have < d.replicas) {
        const load = new Map<string, number>();
        for (const p of this.host.pods()) load.set(p.node, (load.get(p.node) ?? 0) + 1);
        const where = schedule(d.template, this.host.nodes(), load);
        if ('error' in where) { this.pending.set(key, where.error); break; }
        const name = `${d.name}-${hash}-${this.suffix(key)}`;
        const labels = { ...d.template.labels, 'pod-template-hash': hash };
        this.meta.set(`${d.namespace}/${name}`, { created: this.host.now(), ports: d.template.containerPorts, owner: key });
        await this.host.createPod(where.node, d.namespace, name, labels, d.template.containerPorts);
        have++;
      }
    }
    await this.sync();
  }

  private suffix(key: string): string {
    let g = this.suffixes.get(key);
    if (!g) this.suffixes.set(key, (g = new NameSuffixes(fnv32a(`${this.opts.seed ?? 1}/${key}`))));
    return g.next();
  }

  /** The pods as Kubernetes shows them (creation times stamped on first sight). */
  pods(): KubePod[] {
    return this.host.pods().map((p) => {
      const key = `${p.namespace}/${p.name}`;
      let m = this.meta.get(key);
      if (!m) this.meta.set(key, (m = { created: this.host.now(), ports: [] }));
      return { ...p, containerPorts: m.ports, created: m.created };
    });
  }

  /** EndpointSlice controller + every kube-proxy: recompute, and rewrite the rules of nodes whose rules changed. */
  async sync(): Promise<void> {
    const pods = this.pods();
    for (const key of this.meta.keys()) if (!pods.some((p) => `${p.namespace}/${p.name}` === key)) this.meta.delete(key);
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
    if (!this.proxying) return;
    const services = [...this.services.values()];
    for (const n of nodes) {
      const rules = proxyRules({ node: n.name, services, slices, ...(this.opts.clusterCIDR ? { clusterCIDR: this.opts.clusterCIDR } : {}) });
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

/** An iptables-save rule body → argv (double quotes group words). */
export function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of rule.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}
