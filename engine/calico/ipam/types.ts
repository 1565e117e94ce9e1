/**
 * IPAM's data model: the records Calico stores (field names as libcalico-go's JSON tags, so
 * the etcd values look like a real cluster's) and the arguments of its operations.
 */

/** What a pool may be used for (IPPool.spec.allowedUses). */
export type AllowedUse = 'Workload' | 'Tunnel';

/** The IPPool fields IPAM reads (projectcalico.org/v3 IPPool.spec). */
export interface IPPoolSpec {
  readonly cidr: string;
  /** Prefix length of the pool's blocks; default 26. */
  readonly blockSize?: number;
  readonly ipipMode?: 'Always' | 'CrossSubnet' | 'Never';
  readonly vxlanMode?: 'Always' | 'CrossSubnet' | 'Never';
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
  readonly disableBGPExport?: boolean;
  /** Calico selector text; default `all()`. */
  readonly nodeSelector?: string;
  /** Default `[Workload, Tunnel]`. */
  readonly allowedUses?: AllowedUse[];
  /** `Automatic` (default) or `Manual` (only used when asked for by name). */
  readonly assignmentMode?: 'Automatic' | 'Manual';
}

/** A named pool, as stored under `/calico/resources/v3/projectcalico.org/ippools/<name>`. */
export interface IPPool {
  readonly name: string;
  readonly spec: IPPoolSpec;
}

/** One allocation's owner: `handle_id` plus free-form attributes (`secondary`). */
export interface AllocationAttribute {
  handle_id: string | null;
  secondary: Record<string, string> | null;
}

/**
 * An allocation block (libcalico-go `model.AllocationBlock`), stored at
 * `/calico/ipam/v2/assignment/ipv4/block/<a.b.c.d-len>`.
 */
export interface AllocationBlock {
  cidr: string;
  /** `host:<node>`, or null for a block nobody owns. */
  affinity: string | null;
  /** Per ordinal: null when free, else an index into `attributes`. */
  allocations: Array<number | null>;
  /** Free ordinals in allocation order: taken from the head, released ones appended. */
  unallocated: number[];
  attributes: AllocationAttribute[];
  /**
   * Bumped on every write; allocations remember it. Calico seeds it with the creation time in
   * nanoseconds; podlab uses microseconds of the injected clock, because a JSON number in
   * JavaScript is exact only up to 2^53.
   */
  sequenceNumber: number;
  sequenceNumberForAllocation: Record<string, number>;
  deleted: boolean;
}

/** Affinity states (`/calico/ipam/v2/host/<node>/ipv4/block/<cidr>` value). */
export type AffinityState = 'pending' | 'confirmed' | 'pendingDeletion';

/** A block affinity record. */
export interface BlockAffinity {
  state: AffinityState;
  deleted: boolean;
}

/** An IPAM handle record (`/calico/ipam/v2/handle/<id>`): how many addresses per block. */
export interface IPAMHandle {
  block: Record<string, number>;
  deleted: boolean;
}

/** Global IPAM settings (`/calico/ipam/v2/config`, the `IPAMConfig default` resource). */
export interface IPAMConfig {
  /** No borrowing from other nodes' blocks. Default false. */
  readonly strictAffinity: boolean;
  /** Claim new blocks on demand. Default true. */
  readonly autoAllocateBlocks: boolean;
  /** 0 = unset (the safeguard of 20 applies). */
  readonly maxBlocksPerHost: number;
}

/** Defaults when no IPAMConfig is stored. */
export const DEFAULT_IPAM_CONFIG: IPAMConfig = { strictAffinity: false, autoAllocateBlocks: true, maxBlocksPerHost: 0 };

/** The block limit Calico applies when neither the request nor IPAMConfig sets one. */
export const DEFAULT_MAX_BLOCKS_PER_HOST = 20;

/** Arguments of `autoAssign` (libcalico-go `AutoAssignArgs`, IPv4 only). */
export interface AutoAssignArgs {
  /** Number of IPv4 addresses wanted. */
  readonly num4: number;
  readonly handleId?: string;
  readonly attrs?: Record<string, string>;
  /** The node asking; blocks become affine to it. */
  readonly hostname: string;
  /** Restrict to these pool CIDRs (then node selectors are ignored, as in Calico). */
  readonly ipv4Pools?: string[];
  /** Per-request block limit, merged with IPAMConfig's (the smaller wins). */
  readonly maxBlocksPerHost?: number;
  readonly intendedUse: AllowedUse;
  /** The node's labels for pool nodeSelectors; read from the Node resource when absent. */
  readonly nodeLabels?: Record<string, string>;
}

/** Why an IPAM call failed; `message` carries Calico's text. */
export type IpamErrorCode =
  | 'BlockLimit' | 'NoQualifiedPool' | 'NoPoolsForNode' | 'PoolNotFound' | 'NotInPool'
  | 'AlreadyAssigned' | 'AffinityMismatch' | 'NotFound' | 'MaxRetries' | 'NoBlock';

/** An IPAM failure a user can act on. */
export class IpamError extends Error {
  override name = 'IpamError';
  /** For BlockLimit: what was assigned before the limit was hit (Calico returns both). */
  assignments?: IPAMAssignments;
  constructor(readonly code: IpamErrorCode, message: string) {
    super(message);
  }
}

/** The outcome of `autoAssign` (libcalico-go `IPAMAssignments`). */
export class IPAMAssignments {
  /** Assigned addresses, dotted quad. */
  readonly ips: string[] = [];
  /** The same with the block's prefix length, as Calico returns them (`10.5.1.1/26`). */
  readonly cidrs: string[] = [];
  /** Why fewer than requested were assigned, in Calico's words. */
  readonly msgs: string[] = [];

  constructor(readonly numRequested: number) {}

  /** Records a message once. */
  addMsg(msg: string): void {
    if (!this.msgs.includes(msg)) this.msgs.push(msg);
  }

  /** Calico's error when not all addresses could be assigned, else null. */
  partialFulfillmentError(): Error | null {
    if (this.ips.length >= this.numRequested) return null;
    let text = `Assigned ${this.ips.length} out of ${this.numRequested} requested IPv4 addresses`;
    for (const m of this.msgs) text += `; ${m}`;
    return new Error(text);
  }
}

/** The attributes and handle of one assigned address. */
export interface AssignmentAttributes {
  readonly handleId: string | null;
  readonly attrs: Record<string, string>;
}
