/**
 * Adj-RIB-Out of an update group: the peers a speaker exports to alike (same export class,
 * policy, families and AS4 mode) share one advertised table and one set of pending changes,
 * as FRR's and IOS's update groups do. A reflector's thousand clients then cost one export,
 * one batching and one encoding per best-path change instead of a thousand, and one table
 * instead of a thousand.
 *
 * Members differ only by split horizon: a best path is never sent back to the peer it came
 * from. Each prefix remembers that peer (its `source`); a member that is the source sees the
 * prefix as not advertised. flush() returns the group's UPDATE batches and, for the few
 * members a flush treats differently (the old or new source of a changed prefix), their own.
 *
 * Batches group prefixes that share one (interned) attribute set, so 100k prefixes with one
 * attribute set become a handful of UPDATEs.
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

/** What one flush sends: `batches` to every member, except those listed in `own` or `less`. */
export interface GroupFlush {
  readonly batches: UpdateBatch[];
  /** Members (by peer key) whose changes differ from the group's; an empty list sends them nothing. */
  readonly own: ReadonlyMap<string, UpdateBatch[]>;
  /**
   * Members sent the group's batches less some of them (indices into `batches`, ascending): a
   * reflector's client is not sent back its own prefix. Listed apart so that the group's bytes,
   * encoded once, go to them in pieces — K clients' own batches built, encoded and joined one
   * by one cost K² in a flush that carries every client's prefix.
   */
  readonly less: ReadonlyMap<string, readonly number[]>;
}

/** The batches a flush sends `member`. */
export function memberBatches(f: GroupFlush, member: string): UpdateBatch[] {
  const own = f.own.get(member);
  if (own) return own;
  const skip = f.less.get(member);
  if (!skip) return f.batches;
  const out: UpdateBatch[] = [];
  let s = 0;
  for (let i = 0; i < f.batches.length; i++) {
    if (skip[s] === i) s++;
    else out.push(f.batches[i]!);
  }
  return out;
}

/** One prefix's change in a flush, before and after: value and the peer it must not reach. */
interface Change {
  readonly prefix: string;
  readonly oldAttrs: PathAttrs | undefined;
  readonly oldSource: string | undefined;
  readonly attrs: PathAttrs | null;
  readonly source: string | undefined;
}

const NOTHING: GroupFlush = { batches: [], own: new Map(), less: new Map() };

/** Advertised state and pending changes toward the members of one update group. */
export class AdjRibOut {
  private readonly sent = new Map<string, PathAttrs>();
  /** The peer each advertised prefix came from (it is not sent to that peer), when it came from a peer. */
  private readonly sourceOf = new Map<string, string>();
  private pending = new Map<string, PathAttrs | null>();
  private pendingSource = new Map<string, string | undefined>();

  /**
   * Records that `prefix` should now be advertised with `attrs` (null: withdrawn), to every
   * member but `source` (the key of the peer the best path came from).
   */
  set(prefix: string, attrs: PathAttrs | null, source?: string): void {
    // A withdrawal of something never advertised nor pending is a no-op; skipping it keeps
    // bulk imports from a single peer from filling the pending map with nulls.
    if (attrs === null && !this.sent.has(prefix) && !this.pending.has(prefix)) return;
    this.pending.set(prefix, attrs);
    this.pendingSource.set(prefix, attrs === null ? undefined : source);
  }

  /** True when changes wait for flush(). */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Prefixes currently advertised (to members that are not their source). */
  get size(): number {
    return this.sent.size;
  }

  /** The attributes advertised to `member` for a prefix (undefined: not advertised to it). */
  get(prefix: string, member?: string): PathAttrs | undefined {
    const a = this.sent.get(prefix);
    return a !== undefined && member !== undefined && this.sourceOf.get(prefix) === member ? undefined : a;
  }

  /** Forgets everything (the group is rebuilt). */
  clear(): void {
    this.sent.clear();
    this.sourceOf.clear();
    this.pending.clear();
    this.pendingSource.clear();
  }

  /**
   * The advertised table as `member` sees it, as batches (a session that comes up or asks for
   * a route refresh): what the members have been sent, not the pending changes (the next
   * flush sends those to every member). Prefixes in the order `walk` gives them (the
   * Loc-RIB's, as a speaker walks its table; each once), then any advertised prefix the walk
   * did not name.
   */
  tableFor(member: string, walk: () => Iterable<{ readonly prefix: string }>): UpdateBatch[] {
    const changes: [string, PathAttrs][] = [];
    let named = 0;
    for (const { prefix } of walk()) {
      if (!this.sent.has(prefix)) continue;
      named++;
      const a = this.get(prefix, member);
      if (a !== undefined) changes.push([prefix, a]);
    }
    if (named < this.sent.size) {
      const seen = new Set<string>();
      for (const { prefix } of walk()) seen.add(prefix);
      for (const prefix of this.sent.keys()) {
        const a = seen.has(prefix) ? undefined : this.get(prefix, member);
        if (a !== undefined) changes.push([prefix, a]);
      }
    }
    return batchChanges(changes);
  }

  /**
   * Applies pending changes; returns the UPDATE batches needed (no-op changes dropped):
   * withdrawals (IPv4, then IPv6), then one batch per attribute set and family in the order
   * the sets first appear — for the group, and for each of `members` a change treats
   * differently (a source that is not a member has nobody to be kept from).
   */
  flush(members: { has(key: string): boolean }): GroupFlush {
    if (this.pending.size === 0) return NOTHING;
    const pending = this.pending;
    const pendingSource = this.pendingSource;
    this.pending = new Map();
    this.pendingSource = new Map();
    const group: [string, PathAttrs | null][] = [];
    // Every change in order, kept only once some member is (or was) a source: most flushes of
    // a reflector carry a client's new prefix, whose source must not get it.
    let seq: ([string, PathAttrs | null] | Change)[] | undefined;
    /** Members that are (or were) the source of a change, and those changes. */
    let special: Map<string, Change[]> | undefined;
    for (const [prefix, attrs] of pending) {
      const source = pendingSource.get(prefix);
      const oldAttrs = this.sent.get(prefix);
      const oldSource = oldAttrs === undefined ? undefined : this.sourceOf.get(prefix);
      let g: [string, PathAttrs | null] | undefined;
      if (attrs === null) {
        if (oldAttrs === undefined) continue;
        this.sent.delete(prefix);
        this.sourceOf.delete(prefix);
        group.push((g = [prefix, null]));
      } else {
        if (oldAttrs === attrs && oldSource === source) continue;
        this.sent.set(prefix, attrs);
        if (source === undefined) this.sourceOf.delete(prefix);
        else this.sourceOf.set(prefix, source);
        // A change of source alone (same attributes) sends the group nothing.
        if (oldAttrs !== attrs) group.push((g = [prefix, attrs]));
      }
      if (oldSource !== undefined || source !== undefined) {
        if (!seq) seq = group.slice(0, g ? -1 : undefined);
        const c: Change = { prefix, oldAttrs, oldSource, attrs, source };
        seq.push(c);
        special ??= new Map();
        if (oldSource !== undefined && members.has(oldSource)) addTo(special, oldSource, c);
        if (source !== undefined && source !== oldSource && members.has(source)) addTo(special, source, c);
      } else if (seq && g) {
        seq.push(g);
      }
    }
    const batches = batchChanges(group);
    if (!special || special.size === 0) return { batches, own: NOTHING.own, less: NOTHING.less };
    const own = new Map<string, UpdateBatch[]>();
    const less = new Map<string, readonly number[]>();
    let single: Map<string, number> | undefined;
    for (const [member, changes] of special) {
      const drop = dropped(changes, member);
      if (drop === null) continue;
      const skip = drop && skipOf(drop, (single ??= singlePrefixBatches(batches)));
      if (skip) less.set(member, skip);
      else own.set(member, (drop && lessOwn(batches, drop)) ?? batchesFor(seq!, member));
    }
    return { batches, own, less };
  }
}

function addTo(m: Map<string, Change[]>, key: string, c: Change): void {
  const list = m.get(key);
  if (list) list.push(c);
  else m.set(key, [c]);
}

/** What a change sends `member` (undefined: the group's view): nothing (undefined), a withdrawal (null) or attributes. */
function outcome(c: Change, member: string | undefined): PathAttrs | null | undefined {
  const before = member !== undefined && c.oldSource === member ? undefined : c.oldAttrs;
  const after = c.attrs === null || (member !== undefined && c.source === member) ? undefined : c.attrs;
  if (after === undefined) return before !== undefined ? null : undefined;
  return after !== before ? after : undefined;
}

/**
 * A member's batches when they are the group's less the prefixes it must not be sent (it is
 * their new source: a reflector's client and its own prefix) — the group's batch objects,
 * so their encoding is shared too; `batches` itself when the member sees the group's
 * changes; undefined when only a batching of its own gives its changes in order.
 */
/**
 * The prefixes a member's changes leave out of the group's batches (it is their source):
 * null when it gets the group's batches as they are, undefined when it needs batches of its
 * own (a change sends it something the group is not sent).
 */
function dropped(changes: readonly Change[], member: string): Set<string> | null | undefined {
  let drop: Set<string> | undefined;
  for (const c of changes) {
    const mine = outcome(c, member);
    const theirs = outcome(c, undefined);
    if (mine === theirs) continue;
    if (mine !== undefined) return undefined;
    (drop ??= new Set()).add(c.prefix);
  }
  return drop ?? null;
}

/** Index of each batch announcing one prefix alone, by that prefix (a reflected change). */
function singlePrefixBatches(batches: readonly UpdateBatch[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    if (b.attrs !== undefined && b.nlri.length === 1 && b.withdrawn.length === 0) m.set(b.nlri[0]!, i);
  }
  return m;
}

/**
 * The batches to leave out when each dropped prefix has a batch of its own (ascending); else
 * undefined. A flush changes each prefix once, so a prefix with a batch of its own is in no other.
 */
function skipOf(drop: ReadonlySet<string>, single: ReadonlyMap<string, number>): number[] | undefined {
  const skip: number[] = [];
  for (const p of drop) {
    const i = single.get(p);
    if (i === undefined) return undefined;
    skip.push(i);
  }
  return skip.sort((a, b) => a - b);
}

/** The group's batches without the dropped prefixes, when that keeps their order; else undefined. */
function lessOwn(batches: UpdateBatch[], drop: ReadonlySet<string>): UpdateBatch[] | undefined {
  const out: UpdateBatch[] = [];
  for (const b of batches) {
    if (b.attrs === undefined) {
      const withdrawn = b.withdrawn.filter((p) => !drop.has(p));
      if (withdrawn.length === b.withdrawn.length) out.push(b);
      else if (withdrawn.length > 0) out.push({ afi: b.afi, withdrawn, nlri: [] });
      continue;
    }
    if (b.nlri.length === 1 && drop.has(b.nlri[0]!)) continue;
    // A prefix dropped from a batch it shares: the batches of what is left may come in another order.
    for (const p of b.nlri) if (drop.has(p)) return undefined;
    out.push(b);
  }
  return out;
}

/** A member's changes of a flush, through its own eyes, batched. */
function batchesFor(seq: readonly ([string, PathAttrs | null] | Change)[], member: string): UpdateBatch[] {
  const mine: [string, PathAttrs | null][] = [];
  for (const c of seq) {
    if (Array.isArray(c)) mine.push(c);
    else memberChange(mine, c, member);
  }
  return batchChanges(mine);
}

/** What `member` must be sent for a change: it sees a prefix whose source it is as not advertised. */
function memberChange(out: [string, PathAttrs | null][], c: Change, member: string): void {
  const o = outcome(c, member);
  if (o !== undefined) out.push([c.prefix, o]);
}

/**
 * Changes (prefix → attributes, null: withdrawn) as UPDATE batches: withdrawals (IPv4, then
 * IPv6), then one batch per attribute set and family in the order the sets first appear.
 */
export function batchChanges(changes: readonly (readonly [string, PathAttrs | null])[]): UpdateBatch[] {
  let w4: string[] | undefined;
  let w6: string[] | undefined;
  // Announcements grouped by attribute set; most flushes carry one set (a best-path change
  // reflected to a client), so a map of groups is made only when a second set shows up.
  let firstAttrs: PathAttrs | undefined;
  let first: { v4?: string[]; v6?: string[] } | undefined;
  let more: Map<PathAttrs, { v4?: string[]; v6?: string[] }> | undefined;
  for (const [prefix, attrs] of changes) {
    const v6 = prefix.includes(':');
    if (attrs === null) {
      if (v6) (w6 ??= []).push(prefix);
      else (w4 ??= []).push(prefix);
      continue;
    }
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

/** A group's batches, its families in the order they first appeared. */
function pushGroup(out: UpdateBatch[], attrs: PathAttrs, g: { v4?: string[]; v6?: string[] }): void {
  // Insertion order of the object's keys is the order the families first appeared.
  for (const k in g) {
    const nlri = k === 'v4' ? g.v4! : g.v6!;
    out.push({ afi: k === 'v4' ? 'ipv4' : 'ipv6', withdrawn: [], attrs, nlri });
  }
}
