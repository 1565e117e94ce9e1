/**
 * Claiming a block for a host, with Calico's race handling:
 *
 *   1. write the affinity `pending`          (host says "I want this block")
 *   2. create the block with `host:<node>`   (the create is the arbiter: only one writer wins)
 *   3. write the affinity `confirmed`
 *
 * If the create loses (another host made the block first), the pending affinity is deleted
 * and the caller walks on to the next candidate. An affinity whose block belongs to someone
 * else is stale and is removed. A pending affinity whose block is ours is confirmed after
 * re-writing the block, which bumps its revision and so fences off any writer still working
 * from the old state.
 */
import { KeyExists, NotFound, isConflict } from '../datastore/index.ts';
import { newBlock } from './block.ts';
import type { IpamStore, Stored } from './store.ts';
import type { AllocationBlock, BlockAffinity } from './types.ts';

/** Another host created the block first. */
export class BlockClaimConflict extends Error {
  override name = 'BlockClaimConflict';
  constructor(readonly cidr: string, readonly owner: string | null) {
    super(`block ${cidr} was claimed by ${owner ?? 'nobody (no affinity)'} first`);
  }
}

/** The affinity points at a block owned by someone else; it has been deleted. */
export class StaleAffinity extends Error {
  override name = 'StaleAffinity';
}

/** Writes the host's affinity for `cidr` as pending (creating or updating it with CAS). */
export async function pendingAffinity(st: IpamStore, host: string, cidr: string): Promise<Stored<BlockAffinity>> {
  const cur = await st.getAffinity(host, cidr);
  return st.putAffinity(host, cidr, 'pending', cur ? cur.rev : 0);
}

/**
 * The block an affinity refers to, creating it when missing and confirming the affinity.
 * Throws BlockClaimConflict / StaleAffinity when the block is someone else's, and the
 * datastore's conflict errors when a CAS lost (the caller retries).
 */
export async function blockFromAffinity(
  st: IpamStore, host: string, cidr: string, aff: Stored<BlockAffinity>, seq: () => number,
): Promise<Stored<AllocationBlock>> {
  const me = `host:${host}`;
  let block = await st.getBlock(cidr);
  if (!block) {
    if (aff.value.state !== 'pending') aff = await st.putAffinity(host, cidr, 'pending', aff.rev);
    try {
      block = await st.createBlock(newBlock(cidr, me, seq()));
    } catch (e) {
      if (!(e instanceof KeyExists)) throw e;
      const theirs = await st.getBlock(cidr);
      if (!theirs) throw e; // created and deleted meanwhile: let the caller retry
      if (theirs.value.affinity !== me) {
        await st.deleteAffinity(host, cidr, aff.rev);
        throw new BlockClaimConflict(cidr, theirs.value.affinity);
      }
      block = theirs;
    }
    await st.putAffinity(host, cidr, 'confirmed', aff.rev);
    return block;
  }
  if (block.value.affinity !== me) {
    await st.deleteAffinity(host, cidr, aff.rev);
    throw new StaleAffinity(`Affinity is stale: host ${host}, block ${cidr} belongs to ${block.value.affinity ?? 'nobody'}`);
  }
  if (aff.value.state !== 'confirmed') {
    const pend = aff.value.state === 'pending' ? aff : await st.putAffinity(host, cidr, 'pending', aff.rev);
    block = await st.updateBlock(block);
    await st.putAffinity(host, cidr, 'confirmed', pend.rev);
  }
  return block;
}

/** Claims `cidr` for `host` from scratch (pending → create → confirmed), retrying lost CAS races. */
export async function claimBlock(st: IpamStore, host: string, cidr: string, seq: () => number): Promise<Stored<AllocationBlock>> {
  for (let i = 0; i < 100; i++) {
    try {
      const aff = await pendingAffinity(st, host, cidr);
      return await blockFromAffinity(st, host, cidr, aff, seq);
    } catch (e) {
      if (isConflict(e) || e instanceof NotFound) continue;
      throw e;
    }
  }
  throw new Error('Max retries hit - excessive concurrent IPAM requests');
}
