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
 *
 * `confirmed` is final while the block exists: several processes of one host (concurrent
 * CNI ADDs) claim the same block at once, and if one of them wrote `pending` over another's
 * `confirmed`, each would undo the others' confirmation until one ran out of retries and
 * left the block affine but unconfirmed. So a confirmed affinity is never marked pending
 * again, and a confirm that loses its compare-and-swap accepts an affinity another process
 * of the host has confirmed meanwhile (libcalico-go's getPendingAffinity / confirmAffinity).
 * Nor is an existing pending affinity re-written on every retry: each such write would void
 * every sibling's confirm CAS, the same livelock before the first confirmation. (Calico
 * re-writes it, but its CNI plugin serialises a host's IPAM calls with a host-wide lock.)
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

/** An affinity to claim with, and whether this call just created it. */
export interface ClaimAffinity {
  readonly aff: Stored<BlockAffinity>;
  readonly created: boolean;
}

/**
 * The host's affinity for `cidr`, created `pending` when absent and otherwise returned as
 * stored: rewriting an existing one would change its revision under another process of this
 * host that is about to confirm it, and blockFromAffinity writes whatever the claim needs.
 */
export async function pendingAffinity(st: IpamStore, host: string, cidr: string): Promise<ClaimAffinity> {
  const cur = await st.getAffinity(host, cidr);
  if (cur) return { aff: cur, created: false };
  return { aff: await st.putAffinity(host, cidr, 'pending', 0), created: true };
}

/**
 * Confirms a pending affinity (CAS on the revision we wrote it at). When the write loses,
 * another process of this host may have confirmed it first, which is as good as our own
 * confirmation; any other state means the claim is no longer ours, and the conflict is thrown.
 */
export async function confirmAffinity(st: IpamStore, host: string, cidr: string, pend: Stored<BlockAffinity>): Promise<Stored<BlockAffinity>> {
  try {
    return await st.putAffinity(host, cidr, 'confirmed', pend.rev);
  } catch (e) {
    if (!isConflict(e) && !(e instanceof NotFound)) throw e;
    const now = await st.getAffinity(host, cidr);
    if (now?.value.state === 'confirmed') return now;
    throw e;
  }
}

/**
 * The block an affinity refers to, creating it when missing and confirming the affinity.
 * `created` says the caller's pendingAffinity wrote `aff` just now. Throws
 * BlockClaimConflict / StaleAffinity when the block is someone else's, and the datastore's
 * conflict errors when a CAS lost (the caller re-reads and retries).
 */
export async function blockFromAffinity(
  st: IpamStore, host: string, cidr: string, aff: Stored<BlockAffinity>, seq: () => number, created = false,
): Promise<Stored<AllocationBlock>> {
  const me = `host:${host}`;
  let block = await st.getBlock(cidr);
  if (!block) {
    // An affinity read earlier is written pending again, even when it already is: the CAS
    // proves it is still the one we read (not released or deleted meanwhile) before a block
    // is created on its strength. One we created a moment ago needs no such proof.
    const pend = created ? aff : await st.putAffinity(host, cidr, 'pending', aff.rev);
    try {
      block = await st.createBlock(newBlock(cidr, me, seq()));
    } catch (e) {
      if (!(e instanceof KeyExists)) throw e;
      const theirs = await st.getBlock(cidr);
      if (!theirs) throw e; // created and deleted meanwhile: let the caller retry
      if (theirs.value.affinity !== me) {
        await st.deleteAffinity(host, cidr, pend.rev);
        throw new BlockClaimConflict(cidr, theirs.value.affinity);
      }
      block = theirs; // another process of this host created it: confirm with it
    }
    await confirmAffinity(st, host, cidr, pend);
    return block;
  }
  if (block.value.affinity !== me) {
    await st.deleteAffinity(host, cidr, aff.rev);
    throw new StaleAffinity(`Affinity is stale: host ${host}, block ${cidr} belongs to ${block.value.affinity ?? 'nobody'}`);
  }
  if (aff.value.state !== 'confirmed') {
    // Left pending by a crashed or raced claim, or pendingDeletion by a release in flight.
    // The block write fences off a releaser working from the old block; the confirm is a
    // CAS on the revision read above, so a release that wrote the affinity since makes it
    // fail. (Calico marks the affinity pending first; that extra write only changes the
    // revision under a concurrent confirmer of this host and is left out.)
    block = await st.updateBlock(block);
    await confirmAffinity(st, host, cidr, aff);
  }
  return block;
}

/** Claims `cidr` for `host` from scratch (pending → create → confirmed), retrying lost CAS races. */
export async function claimBlock(st: IpamStore, host: string, cidr: string, seq: () => number): Promise<Stored<AllocationBlock>> {
  for (let i = 0; i < 100; i++) {
    try {
      const { aff, created } = await pendingAffinity(st, host, cidr);
      return await blockFromAffinity(st, host, cidr, aff, seq, created);
    } catch (e) {
      if (isConflict(e) || e instanceof NotFound) continue;
      throw e;
    }
  }
  throw new Error('Max retries hit - excessive concurrent IPAM requests');
}
