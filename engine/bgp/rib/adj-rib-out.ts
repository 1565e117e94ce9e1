/**
 * Adj-RIB-Out of one peer: what was last advertised, plus the pending changes. flush()
 * turns pending changes into UPDATE batches, grouping prefixes that share one (interned)
 * attribute set, so 100k prefixes with one attribute set become a handful of UPDATEs.
 */
import type { PathAttrs } from './attrs.ts';
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

  /**
   * Applies pending changes; returns the UPDATE batches needed (no-op changes dropped):
   * withdrawals (IPv4, then IPv6), then one batch per attribute set and family in the order
   * the sets first appear.
   */
  flush(): UpdateBatch[] {
    const pending = this.pending;
    this.pending = new Map();
    let w4: string[] | undefined;
    let w6: string[] | undefined;
    // Announcements grouped by attribute set; most flushes carry one set (a best-path change
    // reflected to a client), so a map of groups is made only when a second set shows up.
    let firstAttrs: PathAttrs | undefined;
    let first: { v4?: string[]; v6?: string[] } | undefined;
    let more: Map<PathAttrs, { v4?: string[]; v6?: string[] }> | undefined;
    for (const [prefix, attrs] of pending) {
      const old = this.sent.get(prefix);
      const v6 = prefix.includes(':');
      if (attrs === null) {
        if (old === undefined) continue;
        this.sent.delete(prefix);
        if (v6) (w6 ??= []).push(prefix);
        else (w4 ??= []).push(prefix);
        continue;
      }
      if (old === attrs) continue;
      this.sent.set(prefix, attrs);
      let g: { v4?: string[]; v6?: string[] } | undefined;
      if (firstAttrs === attrs) g = first;
      else if (firstAttrs === undefined) {
        firstAttrs = attrs;
        g = first = {};
      } else {
        more ??= new Map();
        g = more.get(attrs);
        if (!g) more.set(attrs, (g = {}));
      }
      if (v6) (g!.v6 ??= []).push(prefix);
      else (g!.v4 ??= []).push(prefix);
    }
    const out: UpdateBatch[] = [];
    if (w4) out.push({ afi: 'ipv4', withdrawn: w4, nlri: [] });
    if (w6) out.push({ afi: 'ipv6', withdrawn: w6, nlri: [] });
    if (firstAttrs) {
      pushGroup(out, firstAttrs, first!);
      if (more) for (const [attrs, g] of more) pushGroup(out, attrs, g);
    }
    return out;
  }
}

/** A group's batches, its families in the order they first appeared. */
function pushGroup(out: UpdateBatch[], attrs: PathAttrs, g: { v4?: string[]; v6?: string[] }): void {
  // Insertion order of the object's keys is the order the families first appeared.
  for (const k in g) {
    const nlri = k === 'v4' ? g.v4! : g.v6!;
    out.push({ afi: k === 'v4' ? 'ipv4' : 'ipv6', withdrawn: [], attrs, nlri });
  }
}
