/**
 * What a new cluster's datastore holds before any calico-node starts: the topology's Calico
 * resources (`calicoctl apply`), its policies, namespaces, and one Node per k8s node with its
 * tunnel addresses (calico-node's startup). Written by the engine for a lab it drives, and by
 * `podlab seed` inside a lab that runs without the engine (a `containerlab deploy`ed file),
 * so both start from the same data. A marker written last says seeding finished: agents and
 * the engine wait for it rather than for a guess at which keys come last.
 */
import type { Topology } from '../../model/types.ts';
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { IpamClient } from '../ipam/index.ts';
import { isPolicyManifest, parsePolicyManifest } from '../policy/index.ts';
import { buildResourceSet, formatResourceProblems } from '../resources/index.ts';
import { calicoCompileSelector } from '../node/allocateip.ts';
import { k8sNamespaceKey, policyKey, putObject } from '../node/k8s-objects.ts';
import { ClusterConfigError } from './cluster.ts';
import { applyManifests, startupNode } from './startup.ts';

/** The key whose presence says the datastore is seeded (podlab's own, outside Calico's tree). */
export const SEEDED_KEY = '/podlab/seeded';

/** Kubernetes and Calico policies share the kind name NetworkPolicy: keep them apart by API group. */
export function policyKindOf(m: Record<string, unknown>): string {
  return m.kind === 'NetworkPolicy' && String(m.apiVersion).startsWith('networking.k8s.io/') ? 'KubernetesNetworkPolicy' : String(m.kind);
}

/** Stores one policy manifest as the API server would; returns its problems (empty when stored). */
export async function storePolicyManifest(ds: Datastore, m: Record<string, unknown>): Promise<string[]> {
  const errors = parsePolicyManifest(m).problems.filter((p) => p.severity === 'error');
  if (errors.length) return errors.map((p) => `${p.path}: ${p.message}`);
  const meta = m.metadata as { name: string; namespace?: string };
  const namespaced = m.kind === 'NetworkPolicy';
  await putObject(ds, policyKey(policyKindOf(m), meta.name, namespaced ? (meta.namespace ?? 'default') : undefined), m);
  return [];
}

/** Throws ClusterConfigError (every message, file:line:col) when the topology's resources cannot make a cluster. */
export function checkClusterResources(topology: Topology): void {
  const { problems } = buildResourceSet(topology.calico);
  const k8s = new Set(topology.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name));
  // A Node manifest may name a k8s node of the topology before its Node object exists.
  const errors = problems.filter((p) => p.severity === 'error' && !k8s.has(/no Node named '([^']+)'/.exec(p.message)?.[1] ?? ''));
  if (errors.length > 0) throw new ClusterConfigError(formatResourceProblems(errors).join('\n'));
}

/** Writes everything a new cluster starts from, then the SEEDED_KEY marker. Idempotent: a second run rewrites the same values. */
export async function seedCluster(ds: Datastore, topology: Topology): Promise<void> {
  checkClusterResources(topology);
  const { set } = buildResourceSet(topology.calico);
  const ipam = new IpamClient(ds, { compileSelector: calicoCompileSelector() });
  await applyManifests(ds, set, topology.calico);
  for (const m of topology.calico) {
    if (!isPolicyManifest(m.manifest)) continue;
    const problems = await storePolicyManifest(ds, m.manifest);
    if (problems.length) throw new ClusterConfigError(`${m.loc.file}:${m.loc.line}:${m.loc.col}: ${m.kind} ${m.name ?? ''}: ${problems.join('; ')}`);
  }
  for (const ns of set.namespaces) await putObject(ds, k8sNamespaceKey(ns.meta.name), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.meta.name, labels: { ...ns.meta.labels } } });
  for (const n of topology.nodes) if (n.kind === 'k8s-node') await startupNode(ds, ipam, set, n);
  await ds.put(SEEDED_KEY, { topology: topology.name, nodes: topology.nodes.filter((n) => n.kind === 'k8s-node').length } as JsonValue);
}

/** Resolves once the datastore is seeded; throws after `maxMs` (an unreachable datastore keeps being retried until then). */
export async function waitSeeded(ds: Datastore, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = 'not seeded yet';
  for (;;) {
    try {
      if (await ds.get(SEEDED_KEY)) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the datastore was not seeded within ${Math.round(maxMs / 1000)} s (${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
