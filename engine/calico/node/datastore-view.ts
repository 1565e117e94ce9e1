/**
 * The datastore read back as typed resources, the way confd's and calicoctl's clients see
 * it: v3 resources under `/calico/resources/v3/…` re-parsed with the resources module (the
 * same defaults and validation as the topology's manifests), plus IPAM's block affinities
 * for confd's `/calico/ipam/v2/host/<node>/ipv4/block/…` view.
 */
import type { CalicoManifest } from '../../model/types.ts';
import type { Datastore, KeyValue, MemoryDatastore } from '../datastore/index.ts';
import { affinityPrefix, parseAffinityKey, resourcePrefix } from '../datastore/index.ts';
import { buildResourceSet } from '../resources/index.ts';
import type { ResourceProblem, ResourceSet } from '../resources/index.ts';
import { computePeerings, confdInputFromResources } from '../confd/index.ts';
import type { AffineBlock, ConfdInput, Peerings } from '../confd/index.ts';

/** Resource kinds confd and calicoctl read. */
export const VIEW_KINDS = ['IPPool', 'BGPConfiguration', 'BGPPeer', 'Node', 'FelixConfiguration', 'ClusterInformation'] as const;

/** One manifest object per stored key/value (they are immutable), so the resource parser's per-manifest cache hits. */
const MANIFESTS = new WeakMap<KeyValue, CalicoManifest>();

function manifestOf(kv: KeyValue): CalicoManifest {
  let cm = MANIFESTS.get(kv);
  if (!cm) MANIFESTS.set(kv, (cm = buildManifest(kv)));
  return cm;
}

function buildManifest(kv: KeyValue): CalicoManifest {
  const m = kv.value as Record<string, unknown>;
  const meta = (m.metadata ?? {}) as { name?: string };
  return {
    apiVersion: String(m.apiVersion ?? 'projectcalico.org/v3'), kind: String(m.kind ?? ''),
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    manifest: m,
    // Stored resources have no file; the key stands in for the location.
    loc: { file: kv.key, line: 1, col: 1 },
  };
}

/** Builds the resource set from already-listed key/values (sync callers list with MemoryDatastore.listSync). */
export function resourceSetFromKvs(kvs: readonly KeyValue[]): { set: ResourceSet; problems: ResourceProblem[] } {
  return buildResourceSet(kvs.map(manifestOf));
}

/** The last set built per datastore, with the key/values it was built from. */
const LAST_SET = new WeakMap<Datastore, { kvs: readonly KeyValue[]; result: { set: ResourceSet; problems: ResourceProblem[] } }>();

function sameKvs(a: readonly KeyValue[], b: readonly KeyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads every resource kind confd and calicoctl use from the datastore. The parsed set is
 * reused (same object) while the listed key/values are the same objects: a store that hands
 * out its immutable values (MemoryDatastore) costs a list, not a re-parse of the cluster,
 * when nothing changed. Treat the result as read-only.
 */
export async function readResourceSet(ds: Datastore): Promise<{ set: ResourceSet; problems: ResourceProblem[] }> {
  const lists = await Promise.all(VIEW_KINDS.map((k) => ds.list(resourcePrefix(k))));
  return resourceSetOfLists(ds, lists.map((l) => l.kvs));
}

/** readResourceSet for a store that answers synchronously (a synchronous command's view). */
export function readResourceSetSync(ds: MemoryDatastore): { set: ResourceSet; problems: ResourceProblem[] } {
  return resourceSetOfLists(ds, VIEW_KINDS.map((k) => ds.listSync(resourcePrefix(k)).kvs));
}

/** The listings the last set was built from, per kind (a store that caches its listings gives the same arrays). */
const LAST_LISTS = new WeakMap<Datastore, readonly (readonly KeyValue[])[]>();

function resourceSetOfLists(ds: Datastore, lists: readonly (readonly KeyValue[])[]): { set: ResourceSet; problems: ResourceProblem[] } {
  const last = LAST_SET.get(ds);
  const lastLists = LAST_LISTS.get(ds);
  // Same listing arrays (MemoryDatastore keeps them until a write under the prefix): no compare of every key.
  if (last && lastLists && lists.every((l, i) => l === lastLists[i])) return last.result;
  const kvs = lists.flat();
  LAST_LISTS.set(ds, lists);
  if (last && sameKvs(last.kvs, kvs)) return last.result;
  const result = resourceSetFromKvs(kvs);
  LAST_SET.set(ds, { kvs, result });
  return result;
}

/** The last IPPool listing per datastore and the pools parsed from it. */
const LAST_POOLS = new WeakMap<Datastore, { kvs: readonly KeyValue[]; pools: ResourceSet['ipPools'] }>();

/**
 * The IP pools alone, parsed as readResourceSet parses them (allocateip reads nothing else):
 * a Node written at start-up is then not a reason to re-parse every Node of the cluster.
 */
export async function readPools(ds: Datastore): Promise<ResourceSet['ipPools']> {
  const { kvs } = await ds.list(resourcePrefix('IPPool'));
  const last = LAST_POOLS.get(ds);
  if (last && sameKvs(last.kvs, kvs)) return last.pools;
  const pools = resourceSetFromKvs(kvs).set.ipPools;
  LAST_POOLS.set(ds, { kvs, pools });
  return pools;
}

/** confd's cluster-wide input (no blocks) and peerings for a resource set, computed once per set. */
const CLUSTER_INPUT = new WeakMap<ResourceSet, { input: ConfdInput; peerings: Peerings }>();

/** The confd input and peerings every node's intent shares, cached per (immutable) resource set. */
export function confdClusterInput(set: ResourceSet): { input: ConfdInput; peerings: Peerings } {
  let c = CLUSTER_INPUT.get(set);
  if (!c) {
    const input = confdInputFromResources(set);
    CLUSTER_INPUT.set(set, (c = { input, peerings: computePeerings(input) }));
  }
  return c;
}

/** Above this many nodes, readAffinities lists every host's affinities once instead of one list per node. */
const AFFINITY_LISTS_MAX = 16;
const AFFINITY_HOSTS_PREFIX = '/calico/ipam/v2/host/';

/** Node name → its affine IPv4 blocks with their affinity state. */
export async function readAffinities(ds: Datastore, nodes: readonly string[]): Promise<Record<string, AffineBlock[]>> {
  const out: Record<string, AffineBlock[]> = {};
  const add = (host: string, cidr: string, value: unknown): void => {
    const v = value as { state?: AffineBlock['state']; deleted?: boolean } | null;
    if (!v?.deleted) (out[host] ??= []).push({ cidr, ...(v?.state ? { state: v.state } : {}) });
  };
  for (const n of nodes) out[n] = [];
  if (nodes.length <= AFFINITY_LISTS_MAX) {
    const lists = await Promise.all(nodes.map((n) => ds.list(affinityPrefix(n, 4))));
    nodes.forEach((n, i) => {
      for (const kv of lists[i]!.kvs) {
        const k = parseAffinityKey(kv.key);
        if (k) add(n, k.cidr, kv.value);
      }
    });
    return out;
  }
  // Many nodes: one listing of every host's affinities (an etcd serving a thousand parallel
  // lists from one client trips its circuit breaker), IPv4 blocks kept for the nodes asked.
  const want = new Set(nodes);
  for (const kv of (await ds.list(AFFINITY_HOSTS_PREFIX)).kvs) {
    const k = parseAffinityKey(kv.key);
    if (k && want.has(k.host) && kv.key.startsWith(affinityPrefix(k.host, 4))) add(k.host, k.cidr, kv.value);
  }
  return out;
}
