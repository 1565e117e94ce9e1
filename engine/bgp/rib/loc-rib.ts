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

/**
 * One prefix in the Loc-RIB: its candidate paths in arrival order and the best one. Immutable:
 * a change of paths makes another Destination (LocRib.update). Where the decision depends on
 * nothing but the paths (no IGP cost), equal states are one object for the whole process —
 * route objects are shared already (route.ts), so a thousand reflector clients holding the
 * same two paths to a prefix, in the same order, hold one Destination and its decision.
 */
export class Destination {
  readonly best: Route | undefined;
  readonly reason: BestPathReason | undefined;

  constructor(
    readonly prefix: string,
    /** The first path; the second; the third on (the common one or two paths without a list). */
    readonly p0: Route,
    readonly p1: Route | undefined,
    readonly rest: readonly Route[] | undefined,
    ctx: DecisionContext,
  ) {
    if (!p1) {
      this.best = p0;
      this.reason = 'only-path';
    } else if (!rest) {
      // selectBest over [p0, p1] without the list: p1 wins only when strictly better; the
      // reason is what separates the winner from the other (the same comparator either way round).
      const c = compareRanked(p1, p0, ctx);
      this.best = c < 0 ? p1 : p0;
      this.reason = reasonOf(c);
    } else {
      const sel = selectBest(this.paths, ctx)!;
      this.best = sel.best;
      this.reason = sel.reason;
    }
  }

  /** The candidate paths in arrival order (a new list: build it when reading, not per update). */
  get paths(): Route[] {
    const out: Route[] = [this.p0];
    if (this.p1) out.push(this.p1);
    if (this.rest) for (const r of this.rest) out.push(r);
    return out;
  }

  /** Number of candidate paths. */
  get count(): number {
    return this.p1 ? 2 + (this.rest?.length ?? 0) : 1;
  }

  /** The path learned from the peer with this key, if any. */
  pathFrom(peerKey: string): Route | undefined {
    if (this.p0.from.key === peerKey) return this.p0;
    if (this.p1?.from.key === peerKey) return this.p1;
    if (this.rest) for (const r of this.rest) if (r.from.key === peerKey) return r;
    return undefined;
  }

}

/** Destinations of one or two paths, for the decisions that depend on nothing else (no IGP cost): p0 → p1 (p0 itself when alone) → state. */
let sharedStates = new WeakMap<Route, WeakMap<Route, Destination>>();
let sharedStateCount = 0;
const SHARED_STATES_MAX = 1 << 20;

/** The process-wide Destination of the paths p0 (and p1) of `prefix`. */
function sharedDestination(prefix: string, p0: Route, p1: Route | undefined, ctx: DecisionContext): Destination {
  let byP1 = sharedStates.get(p0);
  if (!byP1) sharedStates.set(p0, (byP1 = new WeakMap()));
  const k = p1 ?? p0;
  let d = byP1.get(k);
  if (!d) {
    // Bounded by clearing: sharing is a saving, never a meaning.
    if (sharedStateCount >= SHARED_STATES_MAX) {
      sharedStates = new WeakMap();
      sharedStateCount = 0;
      sharedStates.set(p0, (byP1 = new WeakMap()));
    }
    d = new Destination(prefix, p0, p1, undefined, ctx);
    byP1.set(k, d);
    sharedStateCount++;
  }
  return d;
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
      this.settle(key, undefined, sharedRoute(key, attrs, from), undefined, undefined);
      return true;
    }
    const old = d.pathFrom(from.key);
    if (old && old.attrs === attrs && old.from === from) return false;
    const route = sharedRoute(d.prefix, attrs, from);
    if (!old) {
      if (!d.p1) this.settle(d.prefix, d, d.p0, route, undefined);
      else this.settle(d.prefix, d, d.p0, d.p1, d.rest ? [...d.rest, route] : [route]);
    } else if (d.p0 === old) {
      this.settle(d.prefix, d, route, d.p1, d.rest);
    } else if (d.p1 === old) {
      this.settle(d.prefix, d, d.p0, route, d.rest);
    } else {
      this.settle(d.prefix, d, d.p0, d.p1, d.rest!.map((r) => (r === old ? route : r)));
    }
    return !old;
  }

  /** Removes the path to `prefix` learned from `from`, if any; true when there was one. */
  withdraw(from: PeerRef, prefix: string): boolean {
    const d = this.dests.get(prefix);
    const old = d?.pathFrom(from.key);
    if (!d || !old) return false;
    this.remove(d, old);
    return true;
  }

  /** Removes every path from `peerKey` (session down); returns how many were removed. */
  dropPeer(peerKey: string): number {
    let n = 0;
    // Replacing or deleting the entry being visited is allowed while iterating a Map.
    for (const d of this.dests.values()) {
      const old = d.pathFrom(peerKey);
      if (!old) continue;
      this.remove(d, old);
      n++;
    }
    return n;
  }

  /** The destination without `old` (one of its paths), the others in their order. */
  private remove(d: Destination, old: Route): void {
    const paths = d.paths.filter((r) => r !== old);
    if (paths.length === 0) {
      this.dests.delete(d.prefix);
      this.onChange(d.prefix, undefined, d.best, undefined);
      return;
    }
    this.settle(d.prefix, d, paths[0]!, paths[1], paths.length > 2 ? paths.slice(2) : undefined);
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

  /** Re-runs the decision for every prefix (after an IGP cost change; shared states depend on no cost). */
  redecideAll(): void {
    if (!this.ctx.igpCost) return;
    for (const d of this.dests.values()) this.settle(d.prefix, d, d.p0, d.p1, d.rest);
  }

  /** Makes p0, p1, rest the prefix's candidate paths and reports a change of best path. */
  private settle(prefix: string, prev: Destination | undefined, p0: Route, p1: Route | undefined, rest: readonly Route[] | undefined): void {
    const d = rest || this.ctx.igpCost ? new Destination(prefix, p0, p1, rest, this.ctx) : sharedDestination(prefix, p0, p1, this.ctx);
    this.dests.set(prefix, d);
    if (d.best !== prev?.best) this.onChange(prefix, d.best, prev?.best, d.reason);
  }
}
