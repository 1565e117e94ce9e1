/**
 * Felix's syncer as an incremental cache: what Felix reads from the datastore (IP pools, Calico
 * Nodes, IPAM blocks, WorkloadEndpoints), projected once per stored value and kept up to date
 * from watch events, as real Felix's calculation graph is fed by syncer (or Typha) updates
 * instead of relisting the cluster.
 *
 * Endpoints are indexed by node: a Felix pass about local endpoints reads its own node's list
 * (rebuilt only when one of them changed), never the 10,000 endpoints of the cluster. The
 * cluster-wide list (VXLAN borrowed routes, selector IP set members) and the namespace list are
 * built on demand and kept until an endpoint (resp. a namespace) comes or goes. Lists keep the
 * datastore's key order, so a snapshot read from here equals one read by `readSnapshot`.
 *
 * The only I/O is `load` (one list per prefix); `apply` is a pure update of the maps.
 */
import type { Datastore, JsonValue, KeyValue, WatchEvent } from '../datastore/index.ts';
import { blockPrefix, resourcePrefix } from '../datastore/index.ts';
import type { Namespace } from '../policy/index.ts';
import { felixBlockFromResource, felixNodeFromResource, felixPoolFromResource, felixWorkloadOf, mergeNamespaces, snapshotFrom } from './sync.ts';
import type { SnapshotExtras } from './sync.ts';
import type { FelixBlock, FelixNode, FelixPool, FelixSnapshot, FelixWorkload } from './types.ts';

const POOLS = resourcePrefix('IPPool');
const NODES = resourcePrefix('Node');
const BLOCKS = blockPrefix(4);
const WEPS = resourcePrefix('WorkloadEndpoint');

/** The prefixes Felix's syncer follows. */
export const FELIX_PREFIXES = [POOLS, NODES, BLOCKS, WEPS] as const;

const NO_WORKLOADS: readonly FelixWorkload[] = Object.freeze([]);

/**
 * Same projection (these are small objects; key order is fixed by their builders). Equal
 * fields one by one settle it without a JSON text of each (a block's projection, compared on
 * every allocation in it, has only strings); nested values fall back to the texts.
 */
function sameProjection(a: unknown, b: unknown): boolean {
  return a === b || sameFields(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

function sameFields(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/**
 * Key → projected value, with its array in key order built on demand. The array (and its
 * identity, which computeDesired's caches key on) survives writes that leave the projection
 * as it was, e.g. an IP allocation inside a block.
 */
class ProjectedKind<T> {
  private readonly byKey = new Map<string, T>();
  private keys: string[] | undefined = [];
  private list: readonly T[] | undefined = [];

  constructor(private readonly project: (v: JsonValue) => T) {}

  /** Stores a value; true when Felix's view of it changed. */
  put(key: string, v: JsonValue): boolean {
    const old = this.byKey.get(key);
    const p = this.project(v);
    if (old !== undefined && sameProjection(old, p)) return false;
    if (old === undefined) this.keys = undefined;
    this.byKey.set(key, p);
    this.list = undefined;
    return true;
  }

  /** Removes a key; true when it was there. */
  delete(key: string): boolean {
    if (!this.byKey.delete(key)) return false;
    this.keys = undefined;
    this.list = undefined;
    return true;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** The values in key order (same array until one changes). */
  values(): readonly T[] {
    if (this.list) return this.list;
    this.keys ??= [...this.byKey.keys()].sort();
    return (this.list = this.keys.map((k) => this.byKey.get(k)!));
  }
}

/** One datastore's Felix inputs, maintained from its watch. */
export class FelixSyncerCache {
  private readonly pools = new ProjectedKind<FelixPool>(felixPoolFromResource);
  private readonly nodes = new ProjectedKind<FelixNode>(felixNodeFromResource);
  private readonly blocks = new ProjectedKind<FelixBlock>(felixBlockFromResource);
  private readonly workloads = new ProjectedKind<FelixWorkload>(felixWorkloadOf);
  /** Endpoint keys per node, and each node's list in key order (built on demand). */
  private readonly byNode = new Map<string, { keys: Set<string>; list: readonly FelixWorkload[] | undefined }>();
  /** Endpoints per namespace; the sorted name list changes only when a namespace comes or goes. */
  private readonly nsCount = new Map<string, number>();
  private nsNames: readonly string[] | undefined = [];
  private readonly nsLists = new WeakMap<readonly string[], { extras: readonly Namespace[] | undefined; out: readonly Namespace[] }>();

  /** Reads the current state (one list per prefix); follow it with `apply` for every later event. */
  static async load(ds: Datastore): Promise<{ cache: FelixSyncerCache; revision: number }> {
    const lists = await Promise.all(FELIX_PREFIXES.map((p) => ds.list(p)));
    const cache = new FelixSyncerCache();
    for (const l of lists) for (const kv of l.kvs) cache.put(kv);
    // Events from the oldest listing on are replayed in order: the state ends at the newest.
    return { cache, revision: Math.min(...lists.map((l) => l.revision)) };
  }

  /** Applies one watch event; true when Felix's view changed. */
  apply(e: WatchEvent): boolean {
    if (e.type === 'put') return this.put(e.kv);
    return this.remove(e.key);
  }

  private put(kv: KeyValue): boolean {
    const k = kv.key;
    if (k.startsWith(WEPS)) {
      const old = this.workloads.get(k);
      if (!this.workloads.put(k, kv.value)) return false;
      this.unindex(k, old);
      this.index(k, this.workloads.get(k)!);
      return true;
    }
    const kind = this.kindOf(k);
    return kind ? kind.put(k, kv.value) : false;
  }

  private remove(k: string): boolean {
    if (k.startsWith(WEPS)) {
      const old = this.workloads.get(k);
      if (!this.workloads.delete(k)) return false;
      this.unindex(k, old);
      return true;
    }
    return this.kindOf(k)?.delete(k) ?? false;
  }

  private kindOf(k: string): ProjectedKind<unknown> | undefined {
    if (k.startsWith(POOLS)) return this.pools;
    if (k.startsWith(NODES)) return this.nodes;
    if (k.startsWith(BLOCKS)) return this.blocks;
    return undefined;
  }

  private index(k: string, w: FelixWorkload): void {
    let n = this.byNode.get(w.node);
    if (!n) this.byNode.set(w.node, (n = { keys: new Set(), list: undefined }));
    n.keys.add(k);
    n.list = undefined;
    const c = this.nsCount.get(w.namespace) ?? 0;
    this.nsCount.set(w.namespace, c + 1);
    if (c === 0) this.nsNames = undefined;
  }

  private unindex(k: string, w: FelixWorkload | undefined): void {
    if (!w) return;
    const n = this.byNode.get(w.node);
    if (n?.keys.delete(k)) {
      n.list = undefined;
      if (n.keys.size === 0) this.byNode.delete(w.node);
    }
    const c = (this.nsCount.get(w.namespace) ?? 1) - 1;
    if (c > 0) this.nsCount.set(w.namespace, c);
    else {
      this.nsCount.delete(w.namespace);
      this.nsNames = undefined;
    }
  }

  /** The enabled and disabled IP pools, in key order. */
  poolList(): readonly FelixPool[] {
    return this.pools.values();
  }

  /** One node's endpoints, in key order (the same array until one of them changes). */
  localWorkloads(node: string): readonly FelixWorkload[] {
    const n = this.byNode.get(node);
    if (!n) return NO_WORKLOADS;
    if (!n.list) {
      const keys = [...n.keys].sort();
      n.list = keys.map((k) => this.workloads.get(k)!);
    }
    return n.list;
  }

  /** The namespaces of all endpoints plus `extras` (extras' labels win), sorted by name. */
  namespaces(extras: readonly Namespace[] | undefined): readonly Namespace[] {
    const names = (this.nsNames ??= [...this.nsCount.keys()]);
    const c = this.nsLists.get(names);
    if (c && c.extras === extras) return c.out;
    const out = mergeNamespaces(names, extras);
    this.nsLists.set(names, { extras, out });
    return out;
  }

  /**
   * Felix's snapshot for one node. `localWorkloads` is the node's own list; `workloads` (every
   * endpoint of the cluster) is built only if the computation reads it.
   */
  snapshot(x: SnapshotExtras): FelixSnapshot {
    const all = this.workloads;
    return snapshotFrom(x, {
      pools: this.pools.values(), nodes: this.nodes.values(), blocks: this.blocks.values(),
      workloads: () => all.values(), localWorkloads: this.localWorkloads(x.nodeName),
      namespaces: this.namespaces(x.namespaces),
    });
  }
}
