/**
 * Giving addresses back and looking them up: ReleaseIPs, ReleaseByHandle (what CNI DEL
 * calls), IPsByHandle, GetAssignmentAttributes, and ReleaseHostAffinities (node deletion).
 *
 * Freed ordinals go to the tail of the block's free list. A block left empty and affine to
 * nobody is deleted; an empty affine block stays with its node (Calico leaves reclaiming it
 * to kube-controllers).
 */
import { NotFound, isConflict } from '../datastore/index.ts';
import { attributesOf, isEmpty, ordinalToIP, releaseAddresses, releaseHandleFromBlock } from './block.ts';
import type { IpamStore, Stored } from './store.ts';
import { IpamError, type AllocationBlock, type AssignmentAttributes } from './types.ts';

const RETRIES = 100;

/** What release needs from the client: its store and the block lookup by address. */
export interface ReleaseContext {
  readonly store: IpamStore;
  blockCidrOf(ip: string): Promise<string | undefined>;
}

/** Writes a block after a release: deleted when empty and unowned, else updated (CAS). */
async function writeBack(st: IpamStore, b: Stored<AllocationBlock>, copy: AllocationBlock): Promise<void> {
  if (isEmpty(copy) && copy.affinity === null) await st.deleteBlock(b);
  else await st.updateBlock({ value: copy, rev: b.rev });
}

/** Releases addresses; returns those that were not allocated. */
export async function releaseIPs(ctx: ReleaseContext, ips: string[]): Promise<string[]> {
  const unallocated: string[] = [];
  const byBlock = new Map<string, string[]>();
  for (const ip of ips) {
    const cidr = await ctx.blockCidrOf(ip);
    if (!cidr) unallocated.push(ip);
    else byBlock.set(cidr, [...(byBlock.get(cidr) ?? []), ip]);
  }
  for (const [cidr, list] of byBlock) {
    for (let i = 0; ; i++) {
      if (i >= RETRIES) throw new IpamError('MaxRetries', 'Max retries hit - excessive concurrent IPAM requests');
      const b = await ctx.store.getBlock(cidr);
      if (!b) {
        unallocated.push(...list);
        break;
      }
      const copy = structuredClone(b.value);
      const r = releaseAddresses(copy, list);
      if (r.unallocated.length === list.length) {
        unallocated.push(...list);
        break;
      }
      try {
        await writeBack(ctx.store, b, copy);
      } catch (e) {
        if (isConflict(e) || e instanceof NotFound) continue;
        throw e;
      }
      unallocated.push(...r.unallocated);
      for (const [h, n] of r.byHandle) await ctx.store.decrementHandle(h, cidr, n);
      break;
    }
  }
  return unallocated;
}

/** Releases every address of a handle (CNI DEL). NotFound when the handle does not exist. */
export async function releaseByHandle(ctx: ReleaseContext, handleId: string): Promise<string[]> {
  const h = await ctx.store.getHandle(handleId);
  if (!h) throw new IpamError('NotFound', `resource does not exist: IPAMHandle(${handleId})`);
  const released: string[] = [];
  for (const cidr of Object.keys(h.value.block)) {
    for (let i = 0; ; i++) {
      if (i >= RETRIES) throw new IpamError('MaxRetries', 'Max retries hit - excessive concurrent IPAM requests');
      const b = await ctx.store.getBlock(cidr);
      if (!b) {
        await ctx.store.decrementHandle(handleId, cidr, h.value.block[cidr]!);
        break;
      }
      const copy = structuredClone(b.value);
      const ords = releaseHandleFromBlock(copy, handleId);
      if (ords.length === 0) {
        await ctx.store.decrementHandle(handleId, cidr, h.value.block[cidr]!);
        break;
      }
      try {
        await writeBack(ctx.store, b, copy);
      } catch (e) {
        if (isConflict(e) || e instanceof NotFound) continue;
        throw e;
      }
      released.push(...ords.map((o) => ordinalToIP(copy, o)));
      await ctx.store.decrementHandle(handleId, cidr, ords.length);
      break;
    }
  }
  return released;
}

/** Addresses currently held by a handle, in block then ordinal order. */
export async function ipsByHandle(ctx: ReleaseContext, handleId: string): Promise<string[]> {
  const h = await ctx.store.getHandle(handleId);
  if (!h) throw new IpamError('NotFound', `resource does not exist: IPAMHandle(${handleId})`);
  const out: string[] = [];
  for (const cidr of Object.keys(h.value.block).sort()) {
    const b = await ctx.store.getBlock(cidr);
    if (!b) continue;
    b.value.allocations.forEach((a, ord) => {
      if (a !== null && b.value.attributes[a]?.handle_id === handleId) out.push(ordinalToIP(b.value, ord));
    });
  }
  return out;
}

/** The handle and attributes of an assigned address, or undefined when it is not assigned. */
export async function getAssignmentAttributes(ctx: ReleaseContext, ip: string): Promise<AssignmentAttributes | undefined> {
  const cidr = await ctx.blockCidrOf(ip);
  if (!cidr) return undefined;
  const b = await ctx.store.getBlock(cidr);
  const a = b ? attributesOf(b.value, ip) : undefined;
  return a ? { handleId: a.handle_id, attrs: { ...(a.secondary ?? {}) } } : undefined;
}

/**
 * Drops a (deleted) node's affinities: its empty blocks are deleted, blocks still holding
 * addresses become unowned (and are deleted later when emptied). Returns the CIDRs touched.
 */
export async function releaseHostAffinities(ctx: ReleaseContext, host: string): Promise<string[]> {
  const done: string[] = [];
  for (const { cidr } of await ctx.store.hostAffinities(host)) {
    for (let i = 0; i < RETRIES; i++) {
      const aff = await ctx.store.getAffinity(host, cidr);
      if (!aff) break;
      const b = await ctx.store.getBlock(cidr);
      try {
        if (b && b.value.affinity === `host:${host}`) {
          const copy = { ...structuredClone(b.value), affinity: null };
          await writeBack(ctx.store, b, copy);
        }
        await ctx.store.deleteAffinity(host, cidr, aff.rev);
        done.push(cidr);
        break;
      } catch (e) {
        if (isConflict(e) || e instanceof NotFound) continue;
        throw e;
      }
    }
  }
  return done;
}

/**
 * Gives an empty block back: affinity marked pendingDeletion, block deleted, affinity
 * deleted (Calico's releaseBlockAffinity with RequireEmpty). False when the block still
 * holds addresses or is not the host's.
 */
export async function releaseEmptyAffinity(ctx: ReleaseContext, host: string, cidr: string): Promise<boolean> {
  for (let i = 0; i < RETRIES; i++) {
    const aff = await ctx.store.getAffinity(host, cidr);
    if (!aff) return false;
    const b = await ctx.store.getBlock(cidr);
    try {
      if (b) {
        if (b.value.affinity !== `host:${host}` || !isEmpty(b.value)) return false;
        const pend = await ctx.store.putAffinity(host, cidr, 'pendingDeletion', aff.rev);
        await ctx.store.deleteBlock(b);
        await ctx.store.deleteAffinity(host, cidr, pend.rev);
      } else {
        await ctx.store.deleteAffinity(host, cidr, aff.rev);
      }
      return true;
    } catch (e) {
      if (isConflict(e) || e instanceof NotFound) continue;
      throw e;
    }
  }
  throw new IpamError('MaxRetries', 'Max retries hit - excessive concurrent IPAM requests');
}
