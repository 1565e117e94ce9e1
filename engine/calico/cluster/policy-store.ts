/**
 * Policies, tiers and namespaces as the cluster's Felix reads them (lists on the
 * CalicoCluster, not datastore keys), written the way `calicoctl`/`kubectl apply` would:
 * parse and validate, replace by kind/name/namespace, keep the manifest as applied for
 * `get -o yaml`, then let every calico-node recompute.
 */
import { isPolicyManifest, parsePolicyManifest } from '../policy/index.ts';
import type { CalicoCluster } from './cluster.ts';

type Obj = Record<string, unknown>;

const applied = new WeakMap<CalicoCluster, Map<string, Obj>>();

/** `Kind/namespace/name` of a policy manifest (k8s NetworkPolicies keep their own kind key). */
export function policyKey(m: Obj): string {
  const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
  const k8s = String(m.apiVersion ?? '').startsWith('networking.k8s.io/');
  const namespaced = m.kind === 'NetworkPolicy' || m.kind === 'NetworkSet';
  return `${k8s ? 'KubernetesNetworkPolicy' : String(m.kind)}/${namespaced ? (md.namespace ?? 'default') : ''}/${md.name ?? ''}`;
}

/** The policy manifests applied so far (for `get`), in key order. */
export function appliedPolicies(c: CalicoCluster): Obj[] {
  const m = applied.get(c);
  return m ? [...m.keys()].sort().map((k) => m.get(k)!) : [];
}

/** True for a manifest this store takes (policies and tiers of both APIs). */
export { isPolicyManifest };

/** Applies a policy or tier manifest; returns whether it existed, or throws Error with the problems. */
export async function applyPolicy(c: CalicoCluster, m: Obj): Promise<{ existed: boolean }> {
  const r = parsePolicyManifest(m);
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new Error(errors.map((p) => `${p.path}: ${p.message}`).join('; '));
  let map = applied.get(c);
  if (!map) applied.set(c, (map = new Map()));
  const key = policyKey(m);
  const existed = map.has(key);
  const md = (m.metadata ?? {}) as Obj;
  map.set(key, m.kind === 'NetworkPolicy' ? { ...m, metadata: { ...md, namespace: md.namespace ?? 'default' } } : m);
  if (r.policy) {
    const p = r.policy;
    c.policies = [...c.policies.filter((x) => !(x.kind === p.kind && x.name === p.name && x.namespace === p.namespace)), p];
  }
  if (r.tier) c.tiers = [...c.tiers.filter((t) => t.name !== r.tier!.name), r.tier];
  await resync(c);
  return { existed };
}

/** Deletes a policy (`kind` GlobalNetworkPolicy, NetworkPolicy, KubernetesNetworkPolicy or Tier); false when there was none. */
export async function deletePolicy(c: CalicoCluster, kind: string, name: string, namespace = 'default'): Promise<boolean> {
  const before = c.policies.length + c.tiers.length;
  if (kind === 'Tier') c.tiers = c.tiers.filter((t) => t.name !== name);
  else {
    const calicoName = kind === 'KubernetesNetworkPolicy' ? `knp.default.${name}` : name;
    const calicoKind = kind === 'GlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'NetworkPolicy';
    const source = kind === 'KubernetesNetworkPolicy' ? 'kubernetes' : 'calico';
    c.policies = c.policies.filter((x) => !(x.kind === calicoKind && x.name === calicoName && x.source === source && (calicoKind === 'GlobalNetworkPolicy' || x.namespace === namespace)));
  }
  applied.get(c)?.delete(`${kind}/${kind === 'GlobalNetworkPolicy' || kind === 'Tier' ? '' : namespace}/${name}`);
  if (c.policies.length + c.tiers.length === before) return false;
  await resync(c);
  return true;
}

/** Felix reads policies, tiers and namespaces from the cluster's lists: every calico-node recomputes. */
export async function resync(c: CalicoCluster): Promise<void> {
  for (const a of c.agents.values()) a.dirty = true;
  await c.settle();
}
