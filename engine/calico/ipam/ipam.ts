/**
 * Calico IPAM (libcalico-go `lib/ipam`) as pure logic over the Datastore interface.
 *
 * autoAssign, in Calico's order:
 *   1. the host's affine blocks in pools that select it, first one with a free address;
 *   2. else claim a new block (FNV-seeded walk of each pool) while under maxBlocksPerHost
 *      (default 20) and AutoAllocateBlocks is on;
 *   3. else, unless strictAffinity, borrow a free address from any block of the pool
 *      (another node's), walking the same sequence — the borrower then advertises a /32.
 * Every write is compare-and-swap; a lost race re-reads and retries, so several hosts (or
 * several podlab agents on one etcd) can assign at once.
 */
import { NotFound, isConflict, type Datastore } from '../datastore/index.ts';
import { parseIPv4 } from '../../net/ip.ts';
import { assignAddress, assignFromBlock, cidrPrefix, numFree, ordinalToIP } from './block.ts';
import { blockCidrForAddress, candidateBlocks } from './blockgen.ts';
import { BlockClaimConflict, StaleAffinity, blockFromAffinity, claimBlock, pendingAffinity } from './claim.ts';
import { basicSelector, choosePools, listPools, nodeLabels, poolFor, type CompileSelector } from './pools.ts';
import * as rel from './release.ts';
import { IpamStore, type Stored } from './store.ts';
import {
  DEFAULT_MAX_BLOCKS_PER_HOST, IPAMAssignments, IpamError,
  type AllocationBlock, type AssignmentAttributes, type AutoAssignArgs, type IPAMConfig, type IPPool,
} from './types.ts';

const RETRIES = 100;

/** How the IPAM client is wired. */
export interface IpamOptions {
  /** Time source for block sequence numbers (the simulator passes its virtual clock). */
  readonly clock?: () => Date;
  /** Selector compiler for pool nodeSelectors (default understands only all() / !all()). */
  readonly compileSelector?: CompileSelector;
}

type Found = { block: Stored<AllocationBlock>; newlyClaimed: boolean } | 'noFreeBlocks' | 'blockLimit';

/**
 * A copy of a stored (frozen) block that assignFromBlock may change: the arrays and the map it
 * writes are copied, the attribute entries shared (it only appends new ones). Cheaper than a
 * deep clone of the whole block for every pod. (Copied by spreads: V8 slices a frozen array
 * on its slow path, ~50× slower.)
 */
function writableBlock(b: AllocationBlock): AllocationBlock {
  return {
    ...b, allocations: [...b.allocations], unallocated: [...b.unallocated], attributes: [...b.attributes],
    sequenceNumberForAllocation: { ...b.sequenceNumberForAllocation },
  };
}

/** Calico's IPAM client over a datastore. */
export class IpamClient {
  readonly store: IpamStore;
  private readonly clock: () => Date;
  private readonly compile: CompileSelector;

  constructor(readonly ds: Datastore, opts: IpamOptions = {}) {
    this.store = new IpamStore(ds);
    this.clock = opts.clock ?? (() => new Date(0));
    this.compile = opts.compileSelector ?? basicSelector;
  }

  private seq = (): number => this.clock().getTime() * 1000;

  /** The stored IPAM configuration. */
  getIPAMConfig(): Promise<IPAMConfig> {
    return this.store.getConfig();
  }

  /** Sets strictAffinity / autoAllocateBlocks / maxBlocksPerHost (`calicoctl ipam configure`). */
  setIPAMConfig(c: Partial<IPAMConfig>): Promise<IPAMConfig> {
    return this.store.setConfig(c);
  }

  /**
   * Assigns `num4` addresses for `hostname`. Shortfalls are reported in the result
   * (`partialFulfillmentError()` gives Calico's text); a reached block limit throws.
   */
  async autoAssign(args: AutoAssignArgs): Promise<IPAMAssignments> {
    const host = args.hostname;
    const ia = new IPAMAssignments(args.num4);
    if (args.num4 <= 0) return ia;
    const labels = args.nodeLabels ?? (await nodeLabels(this.ds, host));
    const allPools = await listPools(this.ds);
    const pools = choosePools(allPools, args.ipv4Pools, host, labels, args.intendedUse, this.compile);
    const affine = (await this.store.hostAffinities(host)).map((a) => a.cidr);
    // Empty blocks of pools that no longer select this node go back (Calico's
    // prepareAffinityBlocksForHost); blocks still holding addresses stay until emptied.
    for (const cidr of affine) {
      const pool = poolFor(allPools, cidr);
      if (pool && !poolFor(pools, cidr) && !this.compile(pool.spec.nodeSelector ?? 'all()')(labels)) {
        await rel.releaseEmptyAffinity(this, host, cidr);
      }
    }
    const remaining = affine.filter((c) => poolFor(pools, c));
    let owned = remaining.length;
    const cfg = await this.store.getConfig();
    let max = args.maxBlocksPerHost ?? 0;
    if (cfg.maxBlocksPerHost > 0 && max > 0 && max > cfg.maxBlocksPerHost) max = cfg.maxBlocksPerHost;
    else if (max === 0) max = cfg.maxBlocksPerHost;
    if (max === 0) max = DEFAULT_MAX_BLOCKS_PER_HOST;
    const handle = args.handleId ?? null;
    const attrs = args.attrs ?? null;

    while (ia.ips.length < args.num4) {
      const found = await this.findOrClaimBlock(host, pools, remaining, owned < max, cfg);
      if (found === 'noFreeBlocks') {
        if (cfg.strictAffinity) ia.addMsg('No more free affine blocks and strict affinity enabled');
        break;
      }
      if (found === 'blockLimit') {
        const msg = `Need to allocate an IPAM block but could not - limit of ${max} blocks reached for this node`;
        ia.addMsg(msg);
        const err = new IpamError('BlockLimit', msg);
        err.assignments = ia;
        throw err;
      }
      if (found.newlyClaimed) owned++;
      let b: Stored<AllocationBlock> | undefined = found.block;
      for (let i = 0; i < RETRIES && b; i++) {
        try {
          this.record(ia, b.value, await this.assignFrom(b, args.num4 - ia.ips.length, handle, attrs, host, cfg.strictAffinity));
          break;
        } catch (e) {
          if (isConflict(e) || e instanceof NotFound) {
            b = await this.store.getBlock(b.value.cidr);
            continue;
          }
          ia.addMsg('Failed to assign IPs in newly allocated block');
          break;
        }
      }
    }

    if (!cfg.strictAffinity && ia.ips.length < args.num4) await this.borrow(ia, args.num4, pools, host, handle, attrs);
    return ia;
  }

  /** Step 1 and 2: an affine block with space, or a newly claimed one. */
  private async findOrClaimBlock(host: string, pools: IPPool[], remaining: string[], allowNewClaim: boolean, cfg: IPAMConfig): Promise<Found> {
    while (remaining.length > 0) {
      const cidr = remaining.shift()!;
      for (let i = 0; i < RETRIES; i++) {
        const aff = await this.store.getAffinity(host, cidr);
        if (!aff) break;
        let b: Stored<AllocationBlock>;
        try {
          b = await blockFromAffinity(this.store, host, cidr, aff, this.seq);
        } catch (e) {
          if (isConflict(e) || e instanceof NotFound) continue;
          break;
        }
        if (numFree(b.value) >= 1) return { block: b, newlyClaimed: false };
        break;
      }
    }
    if (!allowNewClaim) return 'blockLimit';
    if (!cfg.autoAllocateBlocks) throw new IpamError('NoBlock', 'failed to find or claim a block');
    for (let i = 0; i < RETRIES; i++) {
      const cidr = await this.findUnclaimedBlock(host, pools);
      if (!cidr) return 'noFreeBlocks';
      for (let j = 0; j < RETRIES; j++) {
        let b: Stored<AllocationBlock>;
        try {
          const { aff, created } = await pendingAffinity(this.store, host, cidr);
          b = await blockFromAffinity(this.store, host, cidr, aff, this.seq, created);
        } catch (e) {
          if (isConflict(e) || e instanceof NotFound) continue;
          if (e instanceof BlockClaimConflict || e instanceof StaleAffinity) break;
          throw e;
        }
        if (numFree(b.value) >= 1) return { block: b, newlyClaimed: true };
        throw new IpamError('NoBlock', `Block '${cidr}' has 0 free ips which is less than 1 ips required.`);
      }
    }
    throw new IpamError('MaxRetries', 'Max retries hit - excessive concurrent IPAM requests');
  }

  /** The first block, in the host's walk order, that does not exist yet. */
  private async findUnclaimedBlock(host: string, pools: IPPool[]): Promise<string | undefined> {
    // The walk starts somewhere different for each host, so its first blocks are nearly always
    // free: a few lookups answer without listing every block (a listing per claim made a
    // cluster's start-up O(nodes²)). A crowded pool falls back to the listing.
    const first = pools[0];
    if (first) {
      let tried = 0;
      for (const cidr of candidateBlocks(first, host)) {
        if (!(await this.store.getBlock(cidr))) return cidr;
        if (++tried >= 8) break;
      }
    }
    const existing = new Set((await this.store.listBlocks()).map((b) => b.value.cidr));
    for (const pool of pools) {
      for (const cidr of candidateBlocks(pool, host)) if (!existing.has(cidr)) return cidr;
    }
    return undefined;
  }

  /** Step 3: free addresses from any block, affine to someone else or to nobody. */
  private async borrow(ia: IPAMAssignments, num: number, pools: IPPool[], host: string, handle: string | null, attrs: Record<string, string> | null): Promise<void> {
    const exhausted: string[] = [];
    for (const pool of pools) {
      const walk = candidateBlocks(pool, host);
      while (ia.ips.length < num) {
        const next = walk.next();
        if (next.done) {
          exhausted.push(pool.spec.cidr);
          break;
        }
        for (let i = 0; i < RETRIES; i++) {
          const b = await this.store.getBlock(next.value);
          if (!b) break;
          try {
            const got = await this.assignFrom(b, num - ia.ips.length, handle, attrs, host, false);
            this.record(ia, b.value, got);
            break;
          } catch (e) {
            if (isConflict(e) || e instanceof NotFound) continue;
            break;
          }
        }
      }
    }
    if (exhausted.length > 0) ia.addMsg(`No IPs available in pools: [${exhausted.join(' ')}]`);
  }

  /** Takes addresses from a block and writes it back (CAS); the handle is counted first, as Calico does. */
  private async assignFrom(
    b: Stored<AllocationBlock>, num: number, handle: string | null, attrs: Record<string, string> | null,
    host: string, affinityCheck: boolean,
  ): Promise<string[]> {
    const copy = writableBlock(b.value);
    const ords = assignFromBlock(copy, num, handle, attrs, host, affinityCheck);
    if (ords.length === 0) return [];
    if (handle) await this.store.incrementHandle(handle, copy.cidr, ords.length);
    try {
      await this.store.updateBlock({ value: copy, rev: b.rev });
    } catch (e) {
      if (handle) await this.store.decrementHandle(handle, copy.cidr, ords.length);
      throw e;
    }
    return ords.map((o) => ordinalToIP(copy, o));
  }

  private record(ia: IPAMAssignments, b: AllocationBlock, ips: string[]): void {
    const len = cidrPrefix(b.cidr).len;
    for (const ip of ips) {
      ia.ips.push(ip);
      ia.cidrs.push(`${ip}/${len}`);
    }
  }

  /**
   * Assigns one given address (Calico's AssignIP), claiming its block for the host when
   * the block does not exist yet. Throws with Calico's text when taken or not in a pool.
   */
  async assignIP(args: { ip: string; hostname: string; handleId?: string; attrs?: Record<string, string> }): Promise<void> {
    const pool = (await listPools(this.ds)).find((p) => !p.spec.disabled && poolFor([p], `${args.ip}/32`));
    if (!pool) throw new IpamError('NotInPool', 'The provided IP address is not in a configured pool\n');
    const cidr = blockCidrForAddress(pool, parseIPv4(args.ip));
    const cfg = await this.store.getConfig();
    const handle = args.handleId ?? null;
    for (let i = 0; i < RETRIES; i++) {
      let b = await this.store.getBlock(cidr);
      if (!b) {
        try {
          b = await claimBlock(this.store, args.hostname, cidr, this.seq);
        } catch (e) {
          if (e instanceof BlockClaimConflict) continue;
          throw e;
        }
      }
      const copy = structuredClone(b.value);
      try {
        assignAddress(copy, args.ip, handle, args.attrs ?? null, args.hostname, cfg.strictAffinity);
      } catch (e) {
        const msg = (e as Error).message;
        throw new IpamError(msg.startsWith('Address already') ? 'AlreadyAssigned' : 'AffinityMismatch', msg);
      }
      if (handle) await this.store.incrementHandle(handle, cidr, 1);
      try {
        await this.store.updateBlock({ value: copy, rev: b.rev });
        return;
      } catch (e) {
        if (handle) await this.store.decrementHandle(handle, cidr, 1);
        if (isConflict(e) || e instanceof NotFound) continue;
        throw e;
      }
    }
    throw new IpamError('MaxRetries', 'Max retries hit - excessive concurrent IPAM requests');
  }

  /** Releases addresses; returns those that were not allocated. */
  releaseIPs(ips: string[]): Promise<string[]> {
    return rel.releaseIPs(this, ips);
  }

  /** Releases every address of a handle (CNI DEL); returns them. NotFound for an unknown handle. */
  releaseByHandle(handleId: string): Promise<string[]> {
    return rel.releaseByHandle(this, handleId);
  }

  /** Addresses held by a handle. */
  ipsByHandle(handleId: string): Promise<string[]> {
    return rel.ipsByHandle(this, handleId);
  }

  /** Handle and attributes of an assigned address, or undefined. */
  getAssignmentAttributes(ip: string): Promise<AssignmentAttributes | undefined> {
    return rel.getAssignmentAttributes(this, ip);
  }

  /** Drops a deleted node's affinities (empty blocks deleted, others left unowned). */
  releaseHostAffinities(host: string): Promise<string[]> {
    return rel.releaseHostAffinities(this, host);
  }

  /** The block CIDR holding `ip`: from its pool, else by scanning blocks (orphans). */
  async blockCidrOf(ip: string): Promise<string | undefined> {
    const pool = poolFor(await listPools(this.ds), `${ip}/32`);
    if (pool) return blockCidrForAddress(pool, parseIPv4(ip));
    const a = parseIPv4(ip);
    for (const b of await this.store.listBlocks()) {
      const base = parseIPv4(b.value.cidr.split('/')[0]!);
      if (a >= base && a < base + b.value.allocations.length) return b.value.cidr;
    }
    return undefined;
  }
}

