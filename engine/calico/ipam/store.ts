/**
 * IPAM's records in the datastore (libcalico-go's blockReaderWriter): blocks, affinities,
 * handles and the IPAM config, each read with its revision and written back with
 * compare-and-swap. A lost race surfaces as the datastore's KeyExists / RevisionMismatch /
 * NotFound, which the IPAM client treats as "re-read and retry".
 */
import {
  IPAM_CONFIG_KEY, NotFound, affinityKey, affinityPrefix, blockKey, blockPrefix, handleKey, isConflict,
  parseAffinityKey, type Datastore, type JsonValue, type KeyValue,
} from '../datastore/index.ts';
import {
  DEFAULT_IPAM_CONFIG, type AffinityState, type AllocationBlock, type BlockAffinity, type IPAMConfig, type IPAMHandle,
} from './types.ts';

/** A host's affinities per (frozen) listing of them, as hostAffinities reads it. */
const AFFINITIES = new WeakMap<readonly KeyValue[], ReadonlyArray<{ readonly cidr: string; readonly state: AffinityState }>>();
/** The IPAM config per stored (frozen) value. */
const CONFIGS = new WeakMap<object, IPAMConfig>();

/** A record with the revision it was read at (the CAS token). */
export interface Stored<T> {
  readonly value: T;
  readonly rev: number;
}

/** Typed, revision-aware access to IPAM's keys. */
export class IpamStore {
  constructor(readonly ds: Datastore) {}

  /** The block with that CIDR, or undefined. */
  async getBlock(cidr: string): Promise<Stored<AllocationBlock> | undefined> {
    const kv = await this.ds.get(blockKey(cidr));
    return kv ? { value: kv.value as unknown as AllocationBlock, rev: kv.modRevision } : undefined;
  }

  /** Creates a block; KeyExists when another writer created it first. */
  async createBlock(b: AllocationBlock): Promise<Stored<AllocationBlock>> {
    const kv = await this.ds.put(blockKey(b.cidr), b as unknown as JsonValue, { prevRevision: 0 });
    return { value: b, rev: kv.modRevision };
  }

  /** Writes a modified block back if nobody wrote it since it was read. */
  async updateBlock(s: Stored<AllocationBlock>): Promise<Stored<AllocationBlock>> {
    const b = { ...s.value, sequenceNumber: s.value.sequenceNumber + 1 };
    const kv = await this.ds.put(blockKey(b.cidr), b as unknown as JsonValue, { prevRevision: s.rev });
    return { value: b, rev: kv.modRevision };
  }

  /** Deletes a block if nobody wrote it since it was read. */
  async deleteBlock(s: Stored<AllocationBlock>): Promise<void> {
    await this.ds.delete(blockKey(s.value.cidr), { prevRevision: s.rev });
  }

  /** Every IPv4 block, in key order. */
  async listBlocks(): Promise<Array<Stored<AllocationBlock>>> {
    const res = await this.ds.list(blockPrefix(4));
    return res.kvs.map((kv) => ({ value: kv.value as unknown as AllocationBlock, rev: kv.modRevision }));
  }

  /** The host's affinity for a block, or undefined. */
  async getAffinity(host: string, cidr: string): Promise<Stored<BlockAffinity> | undefined> {
    const kv = await this.ds.get(affinityKey(host, cidr));
    return kv ? { value: kv.value as unknown as BlockAffinity, rev: kv.modRevision } : undefined;
  }

  /** Writes an affinity state; `prevRev` 0 creates, a revision updates (CAS). */
  async putAffinity(host: string, cidr: string, state: AffinityState, prevRev: number): Promise<Stored<BlockAffinity>> {
    const value: BlockAffinity = { state, deleted: false };
    const kv = await this.ds.put(affinityKey(host, cidr), value as unknown as JsonValue, { prevRevision: prevRev });
    return { value, rev: kv.modRevision };
  }

  /** Deletes an affinity if unchanged since read; already gone is fine. */
  async deleteAffinity(host: string, cidr: string, rev: number): Promise<void> {
    try {
      await this.ds.delete(affinityKey(host, cidr), { prevRevision: rev });
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
    }
  }

  /** CIDRs of the host's affine blocks (pending or confirmed), in key order. */
  async hostAffinities(host: string): Promise<ReadonlyArray<{ readonly cidr: string; readonly state: AffinityState }>> {
    const res = await this.ds.list(affinityPrefix(host, 4));
    // A store that keeps its listings (the embedded one) hands out the same frozen array until
    // a write under the prefix: each pod's assignment reads its host's affinities again.
    const kvs = res.kvs;
    const hit = Object.isFrozen(kvs) ? AFFINITIES.get(kvs) : undefined;
    if (hit) return hit;
    const out = Object.freeze(kvs.flatMap((kv) => {
      const k = parseAffinityKey(kv.key);
      const st = (kv.value as unknown as BlockAffinity).state;
      return k && st !== 'pendingDeletion' ? [Object.freeze({ cidr: k.cidr, state: st })] : [];
    }));
    if (Object.isFrozen(kvs)) AFFINITIES.set(kvs, out);
    return out;
  }

  /** The handle record, or undefined. */
  async getHandle(id: string): Promise<Stored<IPAMHandle> | undefined> {
    const kv = await this.ds.get(handleKey(id));
    return kv ? { value: kv.value as unknown as IPAMHandle, rev: kv.modRevision } : undefined;
  }

  /** Adds `n` addresses in `cidr` to a handle (creating it), retrying lost races. */
  async incrementHandle(id: string, cidr: string, n: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const cur = await this.getHandle(id);
      const block = { ...(cur?.value.block ?? {}) };
      block[cidr] = (block[cidr] ?? 0) + n;
      try {
        await this.ds.put(handleKey(id), { block, deleted: false }, { prevRevision: cur ? cur.rev : 0 });
        return;
      } catch (e) {
        if (!isConflict(e) && !(e instanceof NotFound)) throw e;
      }
    }
    throw new Error('Max retries hit - excessive concurrent IPAM requests');
  }

  /** Removes `n` addresses in `cidr` from a handle; deletes the handle when it counts none. */
  async decrementHandle(id: string, cidr: string, n: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const cur = await this.getHandle(id);
      if (!cur) return;
      const block = { ...cur.value.block };
      const left = (block[cidr] ?? 0) - n;
      if (left > 0) block[cidr] = left;
      else delete block[cidr];
      try {
        if (Object.keys(block).length === 0) await this.ds.delete(handleKey(id), { prevRevision: cur.rev });
        else await this.ds.put(handleKey(id), { block, deleted: false }, { prevRevision: cur.rev });
        return;
      } catch (e) {
        if (!isConflict(e) && !(e instanceof NotFound)) throw e;
      }
    }
    throw new Error('Max retries hit - excessive concurrent IPAM requests');
  }

  /** The IPAM config (defaults when none is stored). */
  async getConfig(): Promise<IPAMConfig> {
    const kv = await this.ds.get(IPAM_CONFIG_KEY);
    if (!kv) return DEFAULT_IPAM_CONFIG;
    // One reading per stored value (every assignment reads the config); a copying store's are new each time.
    const raw = kv.value as object;
    const hit = Object.isFrozen(raw) ? CONFIGS.get(raw) : undefined;
    if (hit) return hit;
    // libcalico-go's JSON tags; absent booleans mean false, as with Go's omitempty.
    const v = raw as { strict_affinity?: boolean; auto_allocate_blocks?: boolean; maxBlocksPerHost?: number };
    const cfg: IPAMConfig = Object.freeze({
      strictAffinity: v.strict_affinity ?? false,
      autoAllocateBlocks: v.auto_allocate_blocks ?? false,
      maxBlocksPerHost: v.maxBlocksPerHost ?? 0,
    });
    if (Object.isFrozen(raw)) CONFIGS.set(raw, cfg);
    return cfg;
  }

  /** Stores the IPAM config (what `calicoctl ipam configure` writes). */
  async setConfig(c: Partial<IPAMConfig>): Promise<IPAMConfig> {
    const next = { ...(await this.getConfig()), ...c };
    if (next.maxBlocksPerHost > 0 && !next.strictAffinity) {
      // Calico's validation: a block limit only makes sense when nobody may borrow.
      throw new Error('IPAMConfig: maxBlocksPerHost > 0 requires strictAffinity: true');
    }
    await this.ds.put(IPAM_CONFIG_KEY, {
      strict_affinity: next.strictAffinity, auto_allocate_blocks: next.autoAllocateBlocks,
      ...(next.maxBlocksPerHost ? { maxBlocksPerHost: next.maxBlocksPerHost } : {}),
    });
    return next;
  }
}
