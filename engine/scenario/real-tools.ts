/**
 * `kubectl` and `calicoctl` in a real lab's shell (the terminal of `podlab up --runtime
 * mininet|containerlab`, the web terminal, scenario `kubectl:` steps). They are the
 * simulator's own implementations (engine/kube/kubectl.ts, calico/cluster/calicoctl.ts) run
 * against the real cluster: the lab's etcd is the datastore, a pod is made by the CNI plugin
 * in the node, kube-proxy's rules go into the nodes' real iptables, and every write waits
 * until each calico-node agent has processed it — so the output texts are the simulator's.
 *
 * What the simulator keeps in its CalicoCluster's lists, the real cluster keeps in etcd, where
 * the agents read it: policies and tiers under `/podlab/k8s/policies/`, namespaces under
 * `/podlab/k8s/namespaces/`.
 */
import { readFileSync } from 'node:fs';
import type { Datastore, JsonValue } from '../calico/datastore/index.ts';
import type { IpamClient } from '../calico/ipam/index.ts';
import { calicoctlOn } from '../calico/cluster/calicoctl.ts';
import type { CalicoctlTarget } from '../calico/cluster/calicoctl.ts';
import { policyKindOf } from '../calico/cluster/seed.ts';
import { isPolicyManifest } from '../calico/policy/index.ts';
import { K8S_ROOT, k8sNamespaceKey, policyKey } from '../calico/node/k8s-objects.ts';
import { readResourceSet } from '../calico/node/datastore-view.ts';
import type { KubeCluster, KubeHost } from '../kube/cluster.ts';
import { KubeError } from '../kube/cluster.ts';
import { kubectlAsync } from '../kube/kubectl.ts';
import type { ExecResult } from '../runtime/linux/exec.ts';
import type { Manifest } from './cluster-control.ts';

type Obj = Record<string, unknown>;

/** What the tools need of the real cluster. */
export interface RealToolsCluster {
  readonly ds: Datastore;
  readonly ipam: Pick<IpamClient, 'store' | 'releaseIPs'>;
  /** Writes a manifest (Calico resources, policies, namespaces, pods) and waits for the agents. */
  apply(m: Manifest): Promise<void>;
  /** Deletes a Calico resource, policy or pod and waits for the agents; throws when there is none. */
  remove(kind: string, name: string, namespace?: string): Promise<void>;
  patch(kind: string, name: string, patch: Manifest): Promise<JsonValue | undefined>;
  /** Re-reads what the agents read (policy model) and waits until they processed the datastore as it is. */
  resync(): Promise<void>;
  /** The Kubernetes layer (made on first use). */
  kube(): KubeCluster;
  /** After kubectl changed pods or Services: the Services' endpoints as policy rules read them. */
  kubeChanged(): Promise<void>;
  /** Runs argv in a pod's network namespace; undefined when there is no such pod. */
  execInPod(namespace: string, name: string, argv: readonly string[]): Promise<ExecResult> | undefined;
}

/** Policies and tiers as stored (the k8s API's and Calico's), in key order, with a NetworkPolicy's namespace filled in. */
export async function storedPolicies(ds: Datastore): Promise<Obj[]> {
  const r = await ds.list(`${K8S_ROOT}policies/`);
  return [...r.kvs].sort((a, b) => (a.key < b.key ? -1 : 1)).map((kv) => {
    const m = kv.value as Obj;
    const md = (m.metadata ?? {}) as Obj;
    return m.kind === 'NetworkPolicy' && md.namespace === undefined ? { ...m, metadata: { ...md, namespace: 'default' } } : m;
  });
}

/** The CalicoctlTarget of a real cluster (read once per command: the policy list and the resource set). */
export async function realCalicoctlTarget(c: RealToolsCluster): Promise<CalicoctlTarget> {
  const [policies, view] = await Promise.all([storedPolicies(c.ds), readResourceSet(c.ds)]);
  const keyOf = (kind: string, name: string, namespace: string | undefined): string =>
    policyKey(kind, name, kind === 'NetworkPolicy' || kind === 'KubernetesNetworkPolicy' ? (namespace ?? 'default') : undefined);
  return {
    ds: c.ds, ipam: c.ipam, view: { set: view.set },
    apply: (m) => c.apply(m),
    delete: (kind, name) => c.remove(kind, name),
    patch: (kind, name, p) => c.patch(kind, name, p),
    settle: () => c.resync(),
    appliedPolicies: () => policies,
    async applyPolicy(m) {
      const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
      const existed = (await c.ds.get(keyOf(policyKindOf(m), String(md.name ?? ''), md.namespace))) !== undefined;
      await c.apply(m);
      return { existed };
    },
    async deletePolicy(kind, name, namespace) {
      const key = keyOf(kind, name, namespace);
      if (!(await c.ds.get(key))) return false;
      await c.ds.delete(key);
      await c.resync();
      return true;
    },
  };
}

/**
 * What kube/ leaves to the host on a real cluster: namespaces, NetworkPolicies and Calico
 * resources applied through kubectl, and a running pod's new labels.
 */
export function realKubeObjects(c: RealToolsCluster, cache: { namespaces: () => readonly { name: string; labels: Readonly<Record<string, string>> }[]; networkPolicies: () => readonly Obj[] }): Pick<KubeHost, 'applyOther' | 'deleteOther' | 'setPodLabels' | 'namespaces' | 'networkPolicies'> {
  const invalid = (m: Obj, e: unknown): KubeError => new KubeError(`The ${String(m.kind)} "${String((m.metadata as Obj | undefined)?.name ?? '')}" is invalid: ${(e as Error).message}`);
  return {
    namespaces: cache.namespaces,
    networkPolicies: cache.networkPolicies,
    async setPodLabels(namespace, name, labels) {
      const old = c.kube().pods().find((p) => p.namespace === namespace && p.name === name)?.labels ?? {};
      // A merge patch: keys the new set drops are removed with null, as kubectl label k- sends.
      const patch = { ...Object.fromEntries(Object.keys(old).filter((k) => !(k in labels)).map((k) => [k, null])), ...labels };
      await c.patch('Pod', `${namespace}/${name}`, { metadata: { labels: patch } });
    },
    async applyOther(m) {
      const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
      const name = String(md.name ?? '');
      const api = String(m.apiVersion);
      if (api === 'v1' && (m.kind === 'Namespace' || m.kind === 'ServiceAccount')) {
        const key = m.kind === 'Namespace' ? k8sNamespaceKey(name) : `${K8S_ROOT}serviceaccounts/${md.namespace ?? 'default'}/${name}`;
        const had = (await c.ds.get(key)) !== undefined;
        await c.apply(m);
        return `${String(m.kind).toLowerCase()}/${name} ${had ? 'configured' : 'created'}`;
      }
      if (isPolicyManifest(m) || api.startsWith('projectcalico.org/')) {
        const k8s = api.startsWith('networking.k8s.io/');
        const had = isPolicyManifest(m) && (await c.ds.get(policyKey(policyKindOf(m), name, m.kind === 'NetworkPolicy' ? (md.namespace ?? 'default') : undefined))) !== undefined;
        try {
          await c.apply(m);
        } catch (e) {
          throw invalid(m, e);
        }
        const word = k8s ? 'networkpolicy.networking.k8s.io' : `${String(m.kind).toLowerCase()}.projectcalico.org`;
        return `${word}/${name} ${isPolicyManifest(m) && !had ? 'created' : 'configured'}`;
      }
      throw new KubeError(`error: resource mapping not found for name: "${name}" namespace: "${md.namespace ?? ''}" from "": no matches for kind "${String(m.kind)}" in version "${api}"\nensure CRDs are installed first`);
    },
    async deleteOther(kind, name, namespace) {
      if (kind === 'Namespace') {
        if (!(await c.ds.get(k8sNamespaceKey(name)))) throw new KubeError(`Error from server (NotFound): namespaces "${name}" not found`);
        await c.ds.delete(k8sNamespaceKey(name));
        await c.resync();
        return `namespace "${name}" deleted`;
      }
      if (kind === 'NetworkPolicy') {
        const key = policyKey('KubernetesNetworkPolicy', name, namespace);
        if (!(await c.ds.get(key))) throw new KubeError(`Error from server (NotFound): networkpolicies.networking.k8s.io "${name}" not found`);
        await c.ds.delete(key);
        await c.resync();
        return `networkpolicy.networking.k8s.io "${name}" deleted`;
      }
      throw new KubeError(`error: podlab's kubectl deletes Calico resources through calicoctl (calicoctl delete ${kind.toLowerCase()} ${name})`);
    },
  };
}

const VERBS_THAT_WRITE = new Set(['apply', 'delete', 'run', 'create', 'expose', 'scale', 'label']);

/** `kubectl ARGS` on the real cluster; `stdin` is a here-document's text. */
export async function realKubectl(c: RealToolsCluster, args: readonly string[], stdin?: string): Promise<ExecResult> {
  const r = await kubectlAsync(c.kube(), args, {
    now: () => Date.now(),
    ...(stdin !== undefined ? { stdin } : {}),
    readFile: (path) => readFileSync(path, 'utf8'),
    execInPod: async (ns, name, argv) => (await c.execInPod(ns, name, argv)) ?? { stdout: '', stderr: `Error from server (NotFound): pods "${name}" not found\n`, code: 1 },
  });
  if (VERBS_THAT_WRITE.has(args[0] ?? '')) await c.kubeChanged();
  return r;
}

/** `calicoctl ARGS` on the real cluster for the verbs calicoctl.ts answers; undefined for the others (node status, ipam show). */
export async function realCalicoctl(c: RealToolsCluster, args: readonly string[], stdin?: string): Promise<ExecResult | undefined> {
  // node status and ipam show read the node's BIRD and the IPAM tables (real-commands.ts).
  if (args[0] === 'node' || (args[0] === 'ipam' && args[1] === 'show') || args.length === 0) return undefined;
  return calicoctlOn(await realCalicoctlTarget(c), args, { ...(stdin !== undefined ? { stdin } : {}), readFile: (path) => readFileSync(path, 'utf8') });
}
