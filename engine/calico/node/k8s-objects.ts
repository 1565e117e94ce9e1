/**
 * The Kubernetes objects a real calico-node reads from the API server — pods (for CNI),
 * namespaces, and the policies Felix programs — kept in the lab's datastore under
 * `/podlab/k8s/`, where the engine (standing in for the API server) writes them. Calico's
 * own resources stay under `/calico/`. In the simulator the same objects live in the
 * cluster's memory; on real nodes every agent must see them, so they go through etcd.
 */
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { parsePolicyManifests } from '../policy/index.ts';
import type { Namespace, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../policy/index.ts';

/** Root of every podlab-held Kubernetes object. */
export const K8S_ROOT = '/podlab/k8s/';

/** Where a v1 Pod is kept (the CNI plugin reads labels, service account and annotations from it). */
export function k8sPodKey(namespace: string, name: string): string {
  return `${K8S_ROOT}pods/${namespace}/${name}`;
}

/** Where a v1 Namespace is kept. */
export function k8sNamespaceKey(name: string): string {
  return `${K8S_ROOT}namespaces/${name}`;
}

/** Where a v1 ServiceAccount is kept (its labels are the `pcsa.*` labels of the pods running as it). */
export function k8sServiceAccountKey(namespace: string, name: string): string {
  return `${K8S_ROOT}serviceaccounts/${namespace}/${name}`;
}

/** Where a Service's endpoints (from its EndpointSlices) are kept for `services:` policy rules. */
export function k8sServiceEndpointsKey(namespace: string, name: string): string {
  return `${K8S_ROOT}service-endpoints/${namespace}/${name}`;
}

/** Where a policy manifest (Kubernetes or Calico NetworkPolicy, GlobalNetworkPolicy, Tier) is kept, verbatim. */
export function policyKey(kind: string, name: string, namespace?: string): string {
  return `${K8S_ROOT}policies/${kind}/${namespace ?? '_cluster'}/${name}`;
}

/** The policy-key prefix of one kind (all namespaces). */
export function policyKindPrefix(kind: string): string {
  return `${K8S_ROOT}policies/${kind}/`;
}

/** Namespace labels as Kubernetes sets them (`kubernetes.io/metadata.name` always present). */
export function namespaceOf(name: string, labels: Readonly<Record<string, string>> = {}): Namespace {
  return { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } };
}

/** Everything Felix's policy model needs, read from the datastore in one pass. */
export async function readPolicyModel(ds: Datastore): Promise<{ policies: Policy[]; tiers: Tier[]; namespaces: Namespace[]; serviceAccounts: ServiceAccount[]; services: ServiceEndpoints[] }> {
  const [pol, ns, sas, svcs] = await Promise.all([
    ds.list(`${K8S_ROOT}policies/`), ds.list(`${K8S_ROOT}namespaces/`), ds.list(`${K8S_ROOT}serviceaccounts/`), ds.list(`${K8S_ROOT}service-endpoints/`),
  ]);
  const parsed = parsePolicyManifests(pol.kvs.map((kv) => kv.value));
  const namespaces = ns.kvs.map((kv) => {
    const m = kv.value as { metadata?: { name?: string; labels?: Record<string, string> } };
    return namespaceOf(String(m.metadata?.name ?? kv.key.slice(kv.key.lastIndexOf('/') + 1)), m.metadata?.labels ?? {});
  });
  const serviceAccounts = sas.kvs.map((kv) => {
    const m = kv.value as { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
    return { namespace: String(m.metadata?.namespace ?? 'default'), name: String(m.metadata?.name ?? ''), labels: m.metadata?.labels ?? {} };
  });
  const services = svcs.kvs.map((kv) => kv.value as unknown as ServiceEndpoints);
  return { policies: parsed.policies, tiers: parsed.tiers, namespaces, serviceAccounts, services };
}

/** Stores a manifest under `key` (a JSON round trip drops what YAML parsing may leave that JSON cannot hold). */
export async function putObject(ds: Datastore, key: string, manifest: unknown): Promise<void> {
  await ds.put(key, JSON.parse(JSON.stringify(manifest)) as JsonValue);
}
