/**
 * ClusterControl on the simulator: the in-process CalicoCluster of a SimLab. Policies,
 * tiers and namespaces live in the cluster's policy model (Felix reads them on every sync);
 * everything else goes through the datastore; pods through the sim CNI; test servers
 * (`listen:`) run on the pod's simulated TCP/UDP stack; convergence runs virtual time.
 */
import type { CalicoCluster, ClusterPod } from '../calico/cluster/cluster.ts';
import type { JsonValue } from '../calico/datastore/index.ts';
import { isPolicyManifest, namedContainerPorts, parsePolicyManifest, podServiceAccount } from '../calico/policy/index.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { kubeOf } from '../runtime/sim/calico.ts';
import { KubeError } from '../kube/cluster.ts';
import { isKubeManifest } from '../kube/manifests.ts';
import type { BgpSessionInfo, ClusterControl, ConvergeResult, Manifest, PodInfo } from './cluster-control.ts';
import { StepError } from './registry.ts';
import { startServers } from './sim-nc.ts';
import { containerServerPorts, podLabelsAfterPatch, policyServices } from './policy-services.ts';
import type { ServerPort } from './sim-nc.ts';

function info(p: ClusterPod): PodInfo {
  const w = p.workload;
  return {
    namespace: p.namespace, name: p.name, node: p.node, podNode: p.podNode, ip: p.ip, hostIface: p.hostIface, labels: { ...w.labels },
    ...(w.serviceAccount ? { serviceAccount: w.serviceAccount } : {}), ...(w.ports ? { ports: w.ports } : {}),
  };
}

/** The kind/name words calicoctl prints for a manifest. */
export function manifestName(m: Manifest): string {
  const meta = m.metadata as { name: string; namespace?: string };
  return `${String(m.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
}

/** The simulator's ClusterControl. */
export class SimClusterControl implements ClusterControl {
  private readonly servers = new Map<string, () => void>();

  constructor(readonly c: CalicoCluster, private readonly lab: SimLab) {}

  agentNodes(): readonly string[] {
    return [...this.c.agents.keys()];
  }

  pods(): ReadonlyMap<string, PodInfo> {
    return new Map([...this.c.pods].map(([k, p]) => [k, info(p)]));
  }

  async apply(m: Manifest): Promise<void> {
    const c = this.c;
    const meta = m.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
    if (isKubeManifest(m)) {
      // Deployments and Services: the Kubernetes layer (controllers, scheduler, kube-proxy).
      const k = kubeOf(this.lab);
      if (!k) throw new StepError(`${manifestName(m)}: this lab runs no Kubernetes layer`);
      try {
        await k.apply(m);
      } catch (e) {
        if (e instanceof KubeError) throw new StepError(e.message);
        throw e;
      }
      return this.syncServices();
    }
    if (isPolicyManifest(m)) {
      const r = parsePolicyManifest(m);
      const errors = r.problems.filter((p) => p.severity === 'error');
      if (errors.length) throw new StepError(`${manifestName(m)}: ${errors.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      if (r.policy) {
        const p = r.policy;
        c.policies = [...c.policies.filter((x) => !(x.kind === p.kind && x.name === p.name && x.namespace === p.namespace)), p];
      }
      if (r.tier) c.tiers = [...c.tiers.filter((t) => t.name !== r.tier!.name), r.tier];
      return this.resync();
    }
    if (m.apiVersion === 'v1' && m.kind === 'Namespace') {
      const labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
      c.namespaces = [...c.namespaces.filter((n) => n.name !== meta.name), { name: meta.name, labels }];
      return this.resync();
    }
    if (m.apiVersion === 'v1' && m.kind === 'ServiceAccount') {
      const sa = { namespace: meta.namespace ?? 'default', name: meta.name, labels: { ...(meta.labels ?? {}) } };
      c.serviceAccounts = [...c.serviceAccounts.filter((x) => !(x.namespace === sa.namespace && x.name === sa.name)), sa];
      return this.resync();
    }
    if (m.apiVersion === 'v1' && m.kind === 'Pod') {
      const spec = (m.spec ?? {}) as { nodeName?: string };
      if (!spec.nodeName) throw new StepError(`${manifestName(m)}: spec.nodeName is required (podlab has no scheduler)`);
      const ns = meta.namespace ?? 'default';
      const pod = await c.addPod(spec.nodeName, ns, meta.name, { ...(meta.labels ?? {}) }, undefined, { serviceAccount: podServiceAccount(spec), ports: namedContainerPorts(spec) });
      // The pod serves every containerPort it declares (agnhost-style test servers).
      const listen = containerServerPorts(spec, { sctp: true });
      if (listen.length) this.servers.set(`${ns}/${meta.name}`, startServers(this.lab.kernel(pod.podNode), listen));
      await this.syncKube();
      return;
    }
    await c.apply(m);
  }

  /**
   * Felix's view of the Services (`services:` rule matches) follows the EndpointSlices; every
   * calico-node recomputes only when a Service's endpoints changed.
   */
  private async syncServices(): Promise<void> {
    const k = kubeOf(this.lab);
    if (!k) return;
    const next = policyServices(k.slices);
    if (JSON.stringify(next) === JSON.stringify(this.c.services)) return;
    this.c.services = next;
    await this.resync();
  }

  /** The Kubernetes layer catches up with a pod change (EndpointSlices, kube-proxy), then Felix's Services. */
  private async syncKube(): Promise<void> {
    await kubeOf(this.lab)?.sync();
    await this.syncServices();
  }

  /** Felix reads policies, tiers and namespaces from the cluster's lists: every calico-node recomputes. */
  private async resync(): Promise<void> {
    for (const a of this.c.agents.values()) a.dirty = true;
    await this.c.settle();
  }

  async remove(kind: string, name: string, namespace?: string): Promise<void> {
    const c = this.c;
    if (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy') {
      const ns = kind === 'NetworkPolicy' ? (namespace ?? 'default') : undefined;
      const before = c.policies.length;
      c.policies = c.policies.filter((x) => !(x.kind === kind && x.namespace === ns && (x.name === name || x.name === `knp.default.${name}`)));
      if (c.policies.length === before) throw new StepError(`no ${kind} '${name}'${ns ? ` in namespace ${ns}` : ''} (policies: ${c.policies.map((x) => x.name).join(', ') || 'none'})`);
      return this.resync();
    }
    if (kind === 'Pod') return this.removePod(namespace ?? 'default', name);
    if (kind === 'Deployment' || kind === 'Service') {
      const k = kubeOf(this.lab);
      try {
        if (k) await k.remove(kind, name, namespace ?? 'default');
      } catch (e) {
        if (e instanceof KubeError) throw new StepError(e.message);
        throw e;
      }
      return;
    }
    await c.delete(kind, name);
  }

  async patch(kind: string, name: string, patch: Manifest): Promise<JsonValue | undefined> {
    if (kind === 'Pod') {
      // A Pod is not a Calico resource: its labels reach Calico through the WorkloadEndpoint.
      const [ns, pod] = name.includes('/') ? name.split('/', 2) as [string, string] : ['default', name];
      const p = this.c.pods.get(`${ns}/${pod}`);
      if (!p) return undefined;
      const labels = podLabelsAfterPatch(p.workload.labels, patch);
      await this.c.relabelPod(ns, pod, labels);
      await this.syncKube();
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: ns, labels } };
    }
    return this.c.patch(kind, name, patch);
  }

  async addPod(node: string, namespace: string, name: string, opts: { labels: Record<string, string>; ip?: string; listen?: readonly ServerPort[] }): Promise<PodInfo> {
    // Named listen ports are the pod's named containerPorts (policy named ports, a Service's named targetPort).
    const named = (opts.listen ?? []).filter((p) => p.name !== undefined).map((p) => ({ name: p.name!, port: p.port, protocol: p.protocol.toUpperCase() }));
    const pod = await this.c.addPod(node, namespace, name, opts.labels, opts.ip, named.length ? { ports: named } : {});
    if (opts.listen?.length) this.servers.set(`${namespace}/${name}`, startServers(this.lab.kernel(pod.podNode), opts.listen));
    // EndpointSlices follow pods whoever made them.
    await this.syncKube();
    return info(pod);
  }

  async removePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    this.servers.get(key)?.();
    this.servers.delete(key);
    await this.c.removePod(namespace, name);
    // A Deployment replaces a pod it owns; every Service's endpoints follow.
    await kubeOf(this.lab)?.reconcile();
    await this.syncServices();
  }

  async converge(maxMs: number): Promise<ConvergeResult> {
    const r = this.c.converge(maxMs);
    if (r.converged) return { converged: true, pending: [] };
    const pending: string[] = [];
    for (const [node, a] of this.c.agents) for (const p of a.speaker?.peers.values() ?? []) if (p.session.state !== 'Established') pending.push(`${node}→${p.config.address} ${p.session.state}`);
    if (pending.length === 0) pending.push('a node has not learned every block yet');
    return { converged: false, pending };
  }

  async stopAgent(node: string): Promise<void> {
    await this.c.stopAgent(node);
  }

  async bgpSessions(node: string): Promise<readonly BgpSessionInfo[] | undefined> {
    const speaker = this.c.agents.get(node)?.speaker ?? this.c.routers.get(node)?.speaker;
    if (!speaker) return undefined;
    return [...speaker.peers.values()].map((p) => ({ peer: p.config.address, name: p.config.name ?? p.config.address, state: p.session.state }));
  }

  policyModel(): ReturnType<ClusterControl['policyModel']> {
    return { namespaces: this.c.namespaces, policies: this.c.policies, tiers: this.c.tiers, serviceAccounts: this.c.serviceAccounts, services: this.c.services };
  }
}
