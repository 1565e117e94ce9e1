/**
 * Adj-RIB-Out of one peer: what was last advertised, plus the pending changes. flush()
 * turns pending changes into UPDATE batches, grouping prefixes that share one (interned)
 * attribute set, so 100k prefixes with one attribute set become a handful of UPDATEs.
 */
import type { PathAttrs } from './attrs.ts';
import { afiOf } from './route.ts';
import type { Afi } from './route.ts';

/** One logical UPDATE: withdrawals and/or announcements of one family with one attribute set. */
export interface UpdateBatch {
  readonly afi: Afi;
  readonly withdrawn: string[];
  readonly attrs?: PathAttrs;
  readonly nlri: string[];
}

/** Advertised state and pending changes toward one peer. */
export class AdjRibOut {
  private readonly sent = new Map<string, PathAttrs>();
  private pending = new Map<string, PathAttrs | null>();

  /** Records that `prefix` should now be advertised with `attrs` (null: withdrawn). */
  set(prefix: string, attrs: PathAttrs | null): void {
    // A withdrawal of something never advertised nor pending is a no-op; skipping it keeps
    // bulk imports from a single peer from filling the pending map with nulls.
    if (attrs === null && !this.sent.has(prefix) && !this.pending.has(prefix)) return;
    this.pending.set(prefix, attrs);
  }

  /** True when changes wait for flush(). */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Prefixes currently advertised. */
  get size(): number {
    return this.sent.size;
  }

  /** The advertised attributes of a prefix. */
  get(prefix: string): PathAttrs | undefined {
    return this.sent.get(prefix);
  }

  /** All advertised prefixes and their attributes. */
  entries(): IterableIterator<[string, PathAttrs]> {
    return this.sent.entries();
  }

  /** Forgets everything (session reset). */
  clear(): void {
    this.sent.clear();
    this.pending.clear();
  }

  /** Applies pending changes; returns the UPDATE batches needed (no-op changes dropped). */
  flush(): UpdateBatch[] {
    const withdrawn: Record<Afi, string[]> = { ipv4: [], ipv6: [] };
    const groups = new Map<PathAttrs, { afi: Afi; nlri: string[] }[]>();
    for (const [prefix, attrs] of this.pending) {
      const old = this.sent.get(prefix);
      if (attrs === null) {
        if (old === undefined) continue;
        this.sent.delete(prefix);
        withdrawn[afiOf(prefix)].push(prefix);
        continue;
      }
      if (old === attrs) continue;
      this.sent.set(prefix, attrs);
      const afi = afiOf(prefix);
      let list = groups.get(attrs);
      if (!list) {
        list = [];
        groups.set(attrs, list);
      }
      let g = list.find((x) => x.afi === afi);
      if (!g) {
        g = { afi, nlri: [] };
        list.push(g);
      }
      g.nlri.push(prefix);
    }
    this.pending = new Map();
    const out: UpdateBatch[] = [];
    for (const afi of ['ipv4', 'ipv6'] as const) {
      if (withdrawn[afi].length) out.push({ afi, withdrawn: withdrawn[afi], nlri: [] });
    }
    for (const [attrs, list] of groups) for (const g of list) out.push({ afi: g.afi, withdrawn: [], attrs, nlri: g.nlri });
    return out;
  }
}
