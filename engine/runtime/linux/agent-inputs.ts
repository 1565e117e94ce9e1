/**
 * What one real calico-node reads from the datastore, kept up to date from its own watch, so a
 * pass reads memory instead of relisting the cluster (real Felix and confd hold the same
 * syncer caches, fed by watch updates):
 *
 * - Felix's inputs in the simulator's own cache (FelixSyncerCache: pools, Nodes, blocks and
 *   endpoints, endpoints indexed by node), so a pass reads its node's endpoints only;
 * - everything else a pass reads — confd's resource kinds (pools, Nodes, BGP resources,
 *   FelixConfiguration, ClusterInformation), this node's block affinities and the policy
 *   model's objects — in a local MemoryDatastore replica, whose listings keep their identity
 *   until a key under them changes, so confd's parsed resource set is rebuilt only then.
 *
 * `load` is the only I/O (one list per prefix, once). `apply` is pure: it updates the caches
 * and says which of calico-node's components the change concerns on this node, so a pod on
 * another node costs a map update, not a pass.
 */
import type { Datastore, KeyValue, WatchEvent } from '../../calico/datastore/index.ts';
import { MemoryDatastore, affinityPrefix, blockPrefix, parseResourceKey, resourcePrefix } from '../../calico/datastore/index.ts';
import { FelixSyncerCache } from '../../calico/felix/index.ts';
import { VIEW_KINDS } from '../../calico/node/datastore-view.ts';
import { K8S_ROOT, readPolicyModel } from '../../calico/node/k8s-objects.ts';
import { classifyChange } from '../../calico/node/watch-fanout.ts';

/** Which components of calico-node have something to redo. */
export interface AgentNeeds {
  alloc: boolean;
  felix: boolean;
  confd: boolean;
}

/** What Felix reads beyond its own node's objects (set after each Felix pass, as in the simulator's calico-node). */
export interface AgentInterest {
  /** IPAM blocks (VXLAN routes). */
  blocks: boolean;
  /** Other nodes' endpoints (VXLAN borrowed routes, selector IP set members). */
  remoteEndpoints: boolean;
}

/**
 * The agent's etcd client options. Its one listing of the cluster's endpoints is one range
 * response — 7.4 MB at 1,000 nodes × 10 pods, over gRPC's default 4 MB receive limit — so the
 * limit is raised for the agent (etcd caps requests, not responses).
 */
export const AGENT_ETCD_CLIENT = { grpcOptions: { 'grpc.max_receive_message_length': 512 * 1024 * 1024 } } as const;

/** The root every agent watch covers: every key podlab writes starts with it, so every revision is seen. */
export const AGENT_WATCH_ROOT = '/';

/** The policy model's objects (pods are the CNI plugin's, not Felix's). */
const POLICY_PREFIXES = ['policies/', 'namespaces/', 'serviceaccounts/', 'service-endpoints/'].map((p) => `${K8S_ROOT}${p}`);
const FELIX_ONLY = [blockPrefix(4), resourcePrefix('WorkloadEndpoint')];
/** Kinds both caches hold: Felix's projection and confd's/allocateip's raw resource. */
const SHARED = [resourcePrefix('IPPool'), resourcePrefix('Node')];

type PolicyModel = Awaited<ReturnType<typeof readPolicyModel>>;

const under = (key: string, prefixes: readonly string[]): boolean => prefixes.some((p) => key.startsWith(p));

/** One node's datastore inputs, from one listing and then the watch. */
export class AgentInputs {
  readonly felix = new FelixSyncerCache();
  /** Everything but Felix's cache, as a store with cached, immutable listings. */
  readonly replica = new MemoryDatastore();
  /** The newest revision whose change has been applied (the watch delivers every key in revision order). */
  seenRev: number;
  readonly interest: AgentInterest = { blocks: false, remoteEndpoints: false };
  private readonly replicaPrefixes: readonly string[];
  private model: PolicyModel | undefined;

  private constructor(readonly node: string, revision: number) {
    this.seenRev = revision;
    this.replicaPrefixes = [...VIEW_KINDS.map((k) => resourcePrefix(k)), affinityPrefix(node, 4), ...POLICY_PREFIXES];
  }

  /** Lists every prefix the agent reads, once; follow with `apply` for every event after the returned revision. */
  static async load(ds: Datastore, node: string): Promise<AgentInputs> {
    const probe = new AgentInputs(node, 0);
    const prefixes = [...new Set([...FELIX_ONLY, ...probe.replicaPrefixes])];
    const lists = await Promise.all(prefixes.map((p) => ds.list(p)));
    // Events from the oldest listing on are replayed in order: each key ends at its newest value.
    const inputs = new AgentInputs(node, Math.min(...lists.map((l) => l.revision)));
    for (const l of lists) for (const kv of l.kvs) inputs.store(kv);
    return inputs;
  }

  /** Applies one watch event; returns the components it concerns on this node (none: nothing here reads it). */
  apply(e: WatchEvent): AgentNeeds {
    this.seenRev = Math.max(this.seenRev, e.revision);
    const key = e.type === 'put' ? e.kv.key : e.key;
    const needs: AgentNeeds = { alloc: false, felix: false, confd: false };
    let felixChanged = false;
    if (under(key, FELIX_ONLY) || under(key, SHARED)) felixChanged = this.felix.apply(e);
    if (under(key, this.replicaPrefixes)) {
      if (e.type === 'put') this.replica.putSync(key, e.kv.value);
      else if (this.replica.getSync(key)) this.replica.deleteSync(key);
    }
    if (under(key, POLICY_PREFIXES)) {
      this.model = undefined;
      needs.felix = true;
      return needs;
    }
    const c = classifyChange(e);
    switch (c.kind) {
      case 'pool': needs.alloc = needs.confd = true; needs.felix = felixChanged; break;
      case 'node': needs.confd = true; needs.alloc = c.name === this.node; needs.felix = felixChanged; break;
      case 'bgp': needs.confd = true; needs.felix = parseResourceKey(key)?.plural === 'felixconfigurations'; break;
      case 'affinity': needs.confd = c.host === this.node; break;
      case 'block': needs.felix = felixChanged && this.interest.blocks; break;
      case 'endpoint': needs.felix = felixChanged && (this.interest.remoteEndpoints || c.nodes.includes(this.node)); break;
      case 'other': break;
    }
    return needs;
  }

  /** The policy model (policies, tiers, namespaces, service accounts, services), parsed again only after one of its objects changed. */
  async policyModel(): Promise<PolicyModel> {
    return (this.model ??= await readPolicyModel(this.replica));
  }

  /** A listing of the replica (same array until a key under the prefix changes). */
  list(prefix: string): readonly KeyValue[] {
    return this.replica.listSync(prefix).kvs;
  }

  private store(kv: KeyValue): void {
    this.apply({ type: 'put', revision: this.seenRev, kv });
  }
}
