/**
 * One datastore watch shared by every calico-node of a process, routing each change to the
 * agents it concerns (Typha's model: one watcher fans out, instead of N agents each watching
 * everything and each re-reading the cluster after every write).
 *
 * A change is classified once (`classifyChange`, pure), then delivered:
 * - cluster-wide inputs (IP pools, Nodes, BGP configuration and peers, FelixConfiguration,
 *   ClusterInformation) to every agent;
 * - a node's block affinities to that node; a WorkloadEndpoint to the node it is on;
 * - IPAM blocks and other nodes' endpoints only to agents that declared they read them
 *   (Felix with VXLAN routes, or with selector IP sets whose members are cluster-wide);
 * - everything to agents that asked for it (retrying after a failure, as any write did).
 * Delivery order is registration order, so a run stays deterministic.
 *
 * The fanout also keeps Felix's syncer cache (FelixSyncerCache): every event updates it before
 * any agent hears of the change, so a Felix pass reads the state the watch has delivered
 * without listing the cluster.
 */
import type { Datastore, KeyValue, WatchEvent } from '../datastore/index.ts';
import { CALICO_ROOT, blockPrefix, parseAffinityKey, parseResourceKey } from '../datastore/index.ts';
import { FelixSyncerCache } from '../felix/index.ts';

/** What one datastore change is, for calico-node. */
export type NodeChange =
  | { readonly kind: 'pool' | 'bgp' }
  | { readonly kind: 'node'; readonly name: string }
  | { readonly kind: 'affinity'; readonly host: string }
  | { readonly kind: 'block'; readonly felixChanged: boolean }
  | { readonly kind: 'endpoint'; readonly nodes: readonly string[] }
  | { readonly kind: 'other' };

const BGP_PLURALS = new Set(['bgpconfigurations', 'bgppeers', 'felixconfigurations', 'clusterinformations']);

function endpointNode(kv: KeyValue | undefined): string | undefined {
  const n = (kv?.value as { spec?: { node?: unknown } } | null | undefined)?.spec?.node;
  return typeof n === 'string' ? n : undefined;
}

function blockView(kv: KeyValue | undefined): string {
  const b = kv?.value as { cidr?: string; affinity?: string | null } | null | undefined;
  return `${b?.cidr ?? ''} ${b?.affinity ?? ''}`;
}

/** Classifies one watch event (pure): which calico-node concern it touches. */
export function classifyChange(e: WatchEvent): NodeChange {
  const key = e.type === 'put' ? e.kv.key : e.key;
  const now = e.type === 'put' ? e.kv : undefined;
  const r = parseResourceKey(key);
  if (r) {
    if (r.plural === 'ippools') return { kind: 'pool' };
    if (r.plural === 'nodes') return { kind: 'node', name: r.name };
    if (BGP_PLURALS.has(r.plural)) return { kind: 'bgp' };
    if (r.plural === 'workloadendpoints') {
      const nodes = [...new Set([endpointNode(now), endpointNode(e.prev)].filter((n): n is string => n !== undefined))];
      return { kind: 'endpoint', nodes };
    }
    return { kind: 'other' };
  }
  const a = parseAffinityKey(key);
  if (a) return { kind: 'affinity', host: a.host };
  // Felix reads a block's CIDR and affinity only; an allocation inside it is not news to Felix.
  if (key.startsWith(blockPrefix(4))) return { kind: 'block', felixChanged: blockView(now) !== blockView(e.prev) };
  return { kind: 'other' };
}

/** What an agent reads beyond its own objects and the cluster-wide resources. */
export interface NodeInterest {
  /** IPAM blocks (Felix's VXLAN routes). */
  blocks: boolean;
  /** Other nodes' WorkloadEndpoints (VXLAN borrowed routes, selector IP set members). */
  remoteEndpoints: boolean;
  /** Every change under /calico/ (a failed pass retries on any write). */
  all: boolean;
}

interface Subscriber {
  readonly node: string;
  readonly onChange: (c: NodeChange) => void;
  readonly interest: NodeInterest;
  /** Registration order (delivery order). */
  readonly seq: number;
}

/** The shared watch of one datastore and the agents subscribed to it. */
export class NodeWatchFanout {
  private readonly subs = new Map<symbol, Subscriber>();
  /**
   * Indexes, so a change about one node costs its subscribers, not every agent's test:
   * subscribers by node, and those reading beyond their own node (any interest flag set).
   */
  private readonly byNode = new Map<string, Set<Subscriber>>();
  private readonly wide = new Set<Subscriber>();
  private seq = 0;
  private cancel: (() => Promise<void>) | undefined;
  private starting: Promise<void> | undefined;
  private cache: FelixSyncerCache | undefined;

  constructor(private readonly ds: Datastore) {}

  /** Felix's inputs as the watch has delivered them; undefined while no agent is subscribed (nothing follows the watch). */
  get felixCache(): FelixSyncerCache | undefined {
    return this.cache;
  }

  /** Lists Felix's prefixes once, then follows every change from that revision on. */
  private async start(): Promise<void> {
    const { cache, revision } = await FelixSyncerCache.load(this.ds);
    this.cache = cache;
    this.cancel = await this.ds.watch(CALICO_ROOT, revision + 1, (e) => this.dispatch(e));
  }

  /** Subscribes an agent (watching from now on); returns its interest (mutable) and the unsubscribe function. */
  async subscribe(node: string, onChange: (c: NodeChange) => void): Promise<{ interest: NodeInterest; unsubscribe: () => void }> {
    await (this.starting ??= this.start());
    const id = Symbol(node);
    const flags = { blocks: false, remoteEndpoints: false, all: false };
    // The agent sets its interest as plain fields; the setters keep the `wide` index right.
    const widen = (): void => {
      if (flags.blocks || flags.remoteEndpoints || flags.all) this.wide.add(sub);
      else this.wide.delete(sub);
    };
    const interest: NodeInterest = {
      get blocks() { return flags.blocks; }, set blocks(v) { flags.blocks = v; widen(); },
      get remoteEndpoints() { return flags.remoteEndpoints; }, set remoteEndpoints(v) { flags.remoteEndpoints = v; widen(); },
      get all() { return flags.all; }, set all(v) { flags.all = v; widen(); },
    };
    const sub: Subscriber = { node, onChange, interest, seq: this.seq++ };
    this.subs.set(id, sub);
    let mine = this.byNode.get(node);
    if (!mine) this.byNode.set(node, (mine = new Set()));
    mine.add(sub);
    return {
      interest,
      unsubscribe: () => {
        this.subs.delete(id);
        this.wide.delete(sub);
        mine.delete(sub);
        if (mine.size === 0 && this.byNode.get(node) === mine) this.byNode.delete(node);
        if (this.subs.size === 0 && this.cancel) {
          void this.cancel();
          this.cancel = undefined;
          this.starting = undefined;
          this.cache = undefined;
          FANOUTS.delete(this.ds);
        }
      },
    };
  }

  private dispatch(e: WatchEvent): void {
    this.cache?.apply(e);
    const c = classifyChange(e);
    if (c.kind === 'pool' || c.kind === 'node' || c.kind === 'bgp') {
      for (const s of this.subs.values()) s.onChange(c);
      return;
    }
    // Node-specific or opt-in changes: the named nodes' subscribers and the wide readers, in registration order.
    const nodes = c.kind === 'affinity' ? [c.host] : c.kind === 'endpoint' ? c.nodes : [];
    if (this.wide.size === 0 && nodes.length <= 1) {
      // The common case (a pod's endpoint, a host's affinity, an allocation nobody reads):
      // one node's subscribers, already in registration order, without building a set and a list.
      const mine = nodes.length === 1 ? this.byNode.get(nodes[0]!) : undefined;
      if (mine) for (const s of mine) if (concerns(c, s)) s.onChange(c);
      return;
    }
    const to = new Set<Subscriber>(this.wide);
    for (const n of nodes) for (const s of this.byNode.get(n) ?? []) to.add(s);
    const list = [...to].filter((s) => concerns(c, s));
    if (list.length > 1) list.sort((a, b) => a.seq - b.seq);
    for (const s of list) s.onChange(c);
  }
}

function concerns(c: NodeChange, s: Subscriber): boolean {
  if (s.interest.all) return true;
  switch (c.kind) {
    case 'pool': case 'node': case 'bgp': return true;
    case 'affinity': return c.host === s.node;
    case 'block': return c.felixChanged && s.interest.blocks;
    case 'endpoint': return s.interest.remoteEndpoints || c.nodes.includes(s.node);
    case 'other': return false;
  }
}

const FANOUTS = new WeakMap<Datastore, NodeWatchFanout>();

/** The shared calico-node watch of a datastore (created on first use). */
export function nodeWatchFanout(ds: Datastore): NodeWatchFanout {
  let f = FANOUTS.get(ds);
  if (!f) FANOUTS.set(ds, (f = new NodeWatchFanout(ds)));
  return f;
}
