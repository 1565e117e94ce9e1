/**
 * Adj-RIBs-In and the Loc-RIB. Each destination keeps every candidate path (one per peer,
 * which is exactly the Adj-RIB-In content after import policy) and its best path; a change of
 * best path is reported to the caller, which batches it into Adj-RIB-Out updates.
 *
 * Sized for fabrics where every speaker holds every other node's prefix: one record per
 * prefix, its first two paths inline (a route-reflector client learns each prefix from its
 * two reflectors), a list only from the third path on. The Adj-RIB-In of a peer is the paths
 * of that peer across destinations, found by the peer's key in the (one or two) paths of a
 * prefix rather than in a second map per peer.
 */
import { internString } from '../../net/intern.ts';
import type { PathAttrs } from './attrs.ts';
import { compareRanked, reasonOf, selectBest } from './decision.ts';
import type { BestPathReason, DecisionContext } from './decision.ts';
import { sharedRoute } from './route.ts';
import type { PeerRef, Route } from './route.ts';

/** One prefix in the Loc-RIB: its candidate paths in arrival order and the best one. */
export class Destination {
  best: Route | undefined = undefined;
  reason: BestPathReason | undefined = undefined;
  private p0: Route | undefined;
  private p1: Route | undefined = undefined;
  /** Paths from the third on. */
  private rest: Route[] | undefined = undefined;

  constructor(readonly prefix: string, first: Route) {
    this.p0 = first;
  }

  /** The candidate paths in arrival order (a new list: build it when reading, not per update). */
  get paths(): Route[] {
    const out: Route[] = [];
    if (this.p0) out.push(this.p0);
    if (this.p1) out.push(this.p1);
    if (this.rest) for (const r of this.rest) out.push(r);
    return out;
  }

  /** Number of candidate paths. */
  get count(): number {
    return this.p0 ? (this.p1 ? 2 + (this.rest?.length ?? 0) : 1) : 0;
  }

  /** The path learned from the peer with this key, if any. */
  pathFrom(peerKey: string): Route | undefined {
    if (this.p0?.from.key === peerKey) return this.p0;
    if (this.p1?.from.key === peerKey) return this.p1;
    if (this.rest) for (const r of this.rest) if (r.from.key === peerKey) return r;
    return undefined;
  }

  /** Replaces `old` (a current path) by `route`, in place. */
  replace(old: Route, route: Route): void {
    if (this.p0 === old) this.p0 = route;
    else if (this.p1 === old) this.p1 = route;
    else this.rest![this.rest!.indexOf(old)] = route;
  }

  /** Appends a path. */
  add(route: Route): void {
    if (!this.p0) this.p0 = route;
    else if (!this.p1) this.p1 = route;
    // An exact-size copy (concat; a push grows the list to 17 slots): the list is rare and small.
    else this.rest = this.rest ? this.rest.concat(route) : [route];
  }

  /** Removes `old` (a current path), keeping the others' order. */
  remove(old: Route): void {
    if (this.p0 === old) {
      this.p0 = this.p1;
      this.p1 = this.rest?.shift();
    } else if (this.p1 === old) {
      this.p1 = this.rest?.shift();
    } else {
      this.rest!.splice(this.rest!.indexOf(old), 1);
    }
    if (this.rest?.length === 0) this.rest = undefined;
  }

  /** Runs the decision process; true when the best path changed. */
  decide(ctx: DecisionContext): boolean {
    const prev = this.best;
    const a = this.p0;
    const b = this.p1;
    if (!a) {
      this.best = undefined;
      this.reason = undefined;
    } else if (!b) {
      this.best = a;
      this.reason = 'only-path';
    } else if (!this.rest) {
      // selectBest over [a, b] without the list: b wins only when strictly better; the reason
      // is what separates the winner from the other (the same comparator either way round).
      const c = compareRanked(b, a, ctx);
      this.best = c < 0 ? b : a;
      this.reason = reasonOf(c);
    } else {
      const sel = selectBest(this.paths, ctx)!;
      this.best = sel.best;
      this.reason = sel.reason;
    }
    return prev !== this.best;
  }
}

/** Called when a prefix's best path changes (best undefined: the prefix is gone). */
export type BestChange = (prefix: string, best: Route | undefined, previous: Route | undefined, reason: BestPathReason | undefined) => void;

/** Adj-RIBs-In plus Loc-RIB with the decision process. */
export class LocRib {
  private readonly dests = new Map<string, Destination>();

  constructor(private readonly onChange: BestChange, private readonly ctx: DecisionContext = {}) {}

  /**
   * Installs (or replaces) the path to `prefix` learned from `from`; true when `from` had no
   * path to it before. `interned`: the text is already the process-wide copy (internString).
   */
  update(from: PeerRef, prefix: string, attrs: PathAttrs, interned = false): boolean {
    const d = this.dests.get(prefix);
    if (!d) {
      // Every speaker of a fabric holds every prefix: its text is kept once for the process.
      // A prefix from an UPDATE the codec shares (one object per distinct bytes: every
      // reflected route) is interned already (wire-map.ts); interning it again here was a
      // lookup in the process-wide table per prefix per speaker.
      const key = interned ? prefix : internString(prefix);
      const created = new Destination(key, sharedRoute(key, attrs, from));
      this.dests.set(key, created);
      this.decide(created);
      return true;
    }
    const old = d.pathFrom(from.key);
    if (old && old.attrs === attrs && old.from === from) return false;
    const route = sharedRoute(d.prefix, attrs, from);
    if (old) d.replace(old, route);
    else d.add(route);
    this.decide(d);
    return !old;
  }

  /** Removes the path to `prefix` learned from `from`, if any; true when there was one. */
  withdraw(from: PeerRef, prefix: string): boolean {
    const d = this.dests.get(prefix);
    const old = d?.pathFrom(from.key);
    if (!d || !old) return false;
    d.remove(old);
    this.decide(d);
    return true;
  }

  /** Removes every path from `peerKey` (session down); returns how many were removed. */
  dropPeer(peerKey: string): number {
    let n = 0;
    // Deleting the entry being visited is allowed while iterating a Map.
    for (const d of this.dests.values()) {
      const old = d.pathFrom(peerKey);
      if (!old) continue;
      d.remove(old);
      this.decide(d);
      n++;
    }
    return n;
  }

  /** The destination of a prefix, if any path exists. */
  get(prefix: string): Destination | undefined {
    return this.dests.get(prefix);
  }

  /** Every destination, in insertion order. */
  destinations(): IterableIterator<Destination> {
    return this.dests.values();
  }

  /** The Adj-RIB-In of one peer (prefix → route), built by a walk of every destination. */
  adjRibIn(peerKey: string): ReadonlyMap<string, Route> {
    const out = new Map<string, Route>();
    for (const d of this.dests.values()) {
      const r = d.pathFrom(peerKey);
      if (r) out.set(d.prefix, r);
    }
    return out;
  }

  /** Number of prefixes with at least one path. */
  get size(): number {
    return this.dests.size;
  }

  /** Re-runs the decision for every prefix (after an IGP cost change). */
  redecideAll(): void {
    for (const d of this.dests.values()) this.decide(d);
  }

  private decide(d: Destination): void {
    const prev = d.best;
    const changed = d.decide(this.ctx);
    if (!d.best) this.dests.delete(d.prefix);
    if (changed) this.onChange(d.prefix, d.best, prev, d.reason);
  }
}
