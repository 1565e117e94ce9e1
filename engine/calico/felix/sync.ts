/**
 * Felix's syncer, reduced to one read: the datastore keys Felix watches (IP pools, Calico
 * Nodes, IPAM blocks, WorkloadEndpoints) turned into a FelixSnapshot. Policies, tiers and
 * namespaces come from the policy model (the caller passes them), host interfaces from the
 * node's own kernel. The only I/O of this module is the datastore list.
 */
import type { Datastore, JsonValue, KeyValue } from '../datastore/index.ts';
import { blockPrefix, resourcePrefix } from '../datastore/index.ts';
import type { Namespace, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../policy/index.ts';
import type { FelixBlock, FelixConfig, FelixNode, FelixPool, FelixSnapshot, FelixWorkload, HostInterface } from './types.ts';

/** A stored WorkloadEndpoint (projectcalico.org/v3) as Felix reads it. */
export function felixWorkloadFromResource(v: JsonValue): FelixWorkload {
  const r = v as { metadata: { namespace: string; labels?: Record<string, string> }; spec: { node: string; pod: string; interfaceName: string; ipNetworks: string[]; mac?: string; serviceAccountName?: string; profiles?: string[]; ports?: { name: string; protocol?: string | number; port: number }[] } };
  // The projectcalico.org/* labels are re-derived by the policy model (effectiveLabels).
  // Built by loops and assignments in the order the fields always had (one projection per pod:
  // entries arrays and spread literals were most of its cost).
  const src = r.metadata.labels;
  const labels: Record<string, string> = {};
  if (src) for (const k in src) if (!k.startsWith('projectcalico.org/')) labels[k] = src[k]!;
  const s = r.spec;
  const ips: string[] = [];
  for (const n of s.ipNetworks) {
    const slash = n.indexOf('/');
    ips.push(slash < 0 ? n : n.slice(0, slash));
  }
  const w: { -readonly [K in keyof FelixWorkload]: FelixWorkload[K] } = { node: s.node, namespace: r.metadata.namespace, pod: s.pod, iface: s.interfaceName, ips, labels };
  if (s.mac) w.mac = s.mac;
  if (s.serviceAccountName) w.serviceAccount = s.serviceAccountName;
  if (s.profiles) w.profiles = s.profiles;
  // spec.ports: the pod's named container ports, what named-port rules resolve against.
  if (s.ports?.length) w.ports = s.ports.map((p) => ({ name: p.name, port: p.port, ...(p.protocol !== undefined ? { protocol: p.protocol } : {}) }));
  return w;
}

/**
 * A projection made once per stored value: a value the store froze cannot change, so the
 * syncer cache (fed by the watch) and the CNI plugin's result (from the same put) share one
 * FelixWorkload instead of each building its own. Values that are not frozen (a store that
 * hands out copies) are projected each time, as before. The two readers ask one right after
 * the other (the watch event is delivered inside the put), so the last few projections are
 * remembered — not every value ever stored, in a WeakMap whose entries the collector must
 * trace as ephemerons (one per endpoint of the cluster).
 */
function oncePerStoredValue<T>(f: (v: JsonValue) => T): (v: JsonValue) => T {
  const values: (object | undefined)[] = [undefined, undefined, undefined, undefined];
  const projections: (T | undefined)[] = [undefined, undefined, undefined, undefined];
  let next = 0;
  return (v) => {
    if (v === null || typeof v !== 'object' || !Object.isFrozen(v)) return f(v);
    for (let i = 0; i < 4; i++) if (values[i] === v) return projections[i]!;
    const p = f(v);
    values[next] = v;
    projections[next] = p;
    next = (next + 1) & 3;
    return p;
  };
}

/** felixWorkloadFromResource, shared per stored value (see oncePerStoredValue). */
export const felixWorkloadOf = oncePerStoredValue(felixWorkloadFromResource);

/** A stored Calico Node as Felix reads it. */
export function felixNodeFromResource(v: JsonValue): FelixNode {
  const r = v as { metadata: { name: string; labels?: Record<string, string> }; spec?: { bgp?: { ipv4Address?: string; ipv4IPIPTunnelAddr?: string }; ipv4VXLANTunnelAddr?: string; vxlanTunnelMACAddr?: string } };
  const s = r.spec ?? {};
  return {
    name: r.metadata.name, labels: r.metadata.labels ?? {},
    ...(s.bgp?.ipv4Address ? { ipv4Address: s.bgp.ipv4Address } : {}),
    ...(s.bgp?.ipv4IPIPTunnelAddr ? { ipv4IPIPTunnelAddr: s.bgp.ipv4IPIPTunnelAddr } : {}),
    ...(s.ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr: s.ipv4VXLANTunnelAddr } : {}),
    ...(s.vxlanTunnelMACAddr ? { vxlanTunnelMACAddr: s.vxlanTunnelMACAddr } : {}),
  };
}

/** A stored IPPool with Calico's defaults filled in. */
export function felixPoolFromResource(v: JsonValue): FelixPool {
  const r = v as { metadata: { name: string }; spec: Partial<FelixPool> & { cidr: string } };
  const s = r.spec;
  return {
    name: r.metadata.name, cidr: s.cidr, blockSize: s.blockSize ?? 26, ipipMode: s.ipipMode ?? 'Never', vxlanMode: s.vxlanMode ?? 'Never',
    natOutgoing: s.natOutgoing ?? false, disabled: s.disabled ?? false, nodeSelector: s.nodeSelector ?? 'all()',
  };
}

/** What the datastore does not hold (or podlab keeps elsewhere). */
export interface SnapshotExtras {
  readonly nodeName: string;
  readonly hostInterfaces: readonly HostInterface[];
  readonly namespaces?: readonly Namespace[];
  readonly policies?: readonly Policy[];
  readonly tiers?: readonly Tier[];
  readonly serviceAccounts?: readonly ServiceAccount[];
  readonly services?: readonly ServiceEndpoints[];
  readonly config?: FelixConfig;
}

/** A stored IPAM block as Felix reads it (CIDR and affine node). */
export function felixBlockFromResource(v: JsonValue): FelixBlock {
  const b = v as { cidr: string; affinity: string | null; deleted?: boolean };
  return { cidr: b.cidr, ...(b.affinity?.startsWith('host:') ? { affinity: b.affinity.slice(5) } : {}) };
}

/**
 * Projections cached per stored value and per listing. A store that hands out its immutable
 * values (MemoryDatastore) gives the same objects until they change, so each value is turned
 * into Felix's form once, and an unchanged listing gives the same array (identity that
 * computeDesired's own caches key on). Values from a store that copies are simply new.
 */
const PROJECTED = new WeakMap<object, unknown>();
const LISTINGS = new WeakMap<Datastore, Map<string, { kvs: readonly KeyValue[]; out: readonly unknown[] }>>();

function projectList<T>(ds: Datastore, prefix: string, kvs: readonly KeyValue[], f: (v: JsonValue) => T): readonly T[] {
  let per = LISTINGS.get(ds);
  if (!per) LISTINGS.set(ds, (per = new Map()));
  const last = per.get(prefix);
  if (last && (last.kvs === kvs || (last.kvs.length === kvs.length && last.kvs.every((kv, i) => kv === kvs[i])))) return last.out as readonly T[];
  const out = kvs.map((kv) => {
    const v = kv.value;
    if (v === null || typeof v !== 'object') return f(v);
    let p = PROJECTED.get(v) as T | undefined;
    if (p === undefined) PROJECTED.set(v, (p = f(v)));
    return p;
  });
  per.set(prefix, { kvs, out });
  return out;
}

/** The namespaces of a snapshot, cached per (workloads, extras) pair. */
const NAMESPACES = new WeakMap<readonly FelixWorkload[], { extras: readonly Namespace[] | undefined; out: readonly Namespace[] }>();

function snapshotNamespaces(workloads: readonly FelixWorkload[], extras: readonly Namespace[] | undefined): readonly Namespace[] {
  const c = NAMESPACES.get(workloads);
  if (c && c.extras === extras) return c.out;
  const out = mergeNamespaces(workloads.map((w) => w.namespace), extras);
  NAMESPACES.set(workloads, { extras, out });
  return out;
}

/** The endpoints' namespace names plus `extras`, sorted by name; extras' labels win, the others have none. */
export function mergeNamespaces(names: Iterable<string>, extras: readonly Namespace[] | undefined): readonly Namespace[] {
  const all = new Set([...(extras ?? []).map((n) => n.name), ...names]);
  return [...all].sort().map((n) => extras?.find((m) => m.name === n) ?? { name: n, labels: {} });
}

/** The datastore part of a snapshot; `workloads` is called only when the computation reads it. */
export interface SnapshotLists {
  readonly pools: readonly FelixPool[];
  readonly nodes: readonly FelixNode[];
  readonly blocks: readonly FelixBlock[];
  readonly workloads: () => readonly FelixWorkload[];
  readonly localWorkloads?: readonly FelixWorkload[];
  readonly namespaces: readonly Namespace[];
}

/** A snapshot from lists and extras, with the cluster-wide endpoint list read lazily. */
export function snapshotFrom(x: SnapshotExtras, l: SnapshotLists): FelixSnapshot {
  let workloads: readonly FelixWorkload[] | undefined;
  return {
    nodeName: x.nodeName,
    pools: l.pools,
    nodes: l.nodes,
    blocks: l.blocks,
    // A getter: a pass about local endpoints never builds the cluster's list.
    get workloads() { return (workloads ??= l.workloads()); },
    ...(l.localWorkloads ? { localWorkloads: l.localWorkloads } : {}),
    namespaces: l.namespaces,
    policies: x.policies ?? [],
    ...(x.tiers ? { tiers: x.tiers } : {}),
    ...(x.serviceAccounts ? { serviceAccounts: x.serviceAccounts } : {}),
    ...(x.services ? { services: x.services } : {}),
    ...(x.config ? { config: x.config } : {}),
    hostInterfaces: x.hostInterfaces,
  };
}

/**
 * Reads everything Felix needs from the datastore into a snapshot, in one shot (the real
 * runtimes' agent and tests; calico-node in the simulator reads its FelixSyncerCache instead).
 * Treat it as read-only: its arrays may be shared.
 */
export async function readSnapshot(ds: Datastore, x: SnapshotExtras): Promise<FelixSnapshot> {
  const prefixes = [resourcePrefix('IPPool'), resourcePrefix('Node'), blockPrefix(4), resourcePrefix('WorkloadEndpoint')] as const;
  const [pools, nodes, blocks, weps] = await Promise.all(prefixes.map((p) => ds.list(p)));
  const workloads = projectList(ds, prefixes[3], weps!.kvs, felixWorkloadFromResource);
  return snapshotFrom(x, {
    pools: projectList(ds, prefixes[0], pools!.kvs, felixPoolFromResource),
    nodes: projectList(ds, prefixes[1], nodes!.kvs, felixNodeFromResource),
    blocks: projectList(ds, prefixes[2], blocks!.kvs, felixBlockFromResource),
    workloads: () => workloads,
    namespaces: snapshotNamespaces(workloads, x.namespaces),
  });
}
