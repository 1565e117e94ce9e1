/**
 * Adj-RIBs-In and the Loc-RIB. Each destination keeps every candidate path (one per peer,
 * which is exactly the Adj-RIB-In content after import policy) and its best path; a change of
 * best path is reported to the caller, which batches it into Adj-RIB-Out updates.
 */
import { internString } from '../../net/intern.ts';
import type { PathAttrs } from './attrs.ts';
import { selectBest } from './decision.ts';
import type { BestPathReason, DecisionContext } from './decision.ts';
import type { PeerRef, Route } from './route.ts';

/** One prefix in the Loc-RIB. */
export interface Destination {
  readonly prefix: string;
  paths: Route[];
  best: Route | undefined;
  reason: BestPathReason | undefined;
}

/** Called when a prefix's best path changes (best undefined: the prefix is gone). */
export type BestChange = (prefix: string, best: Route | undefined, previous: Route | undefined, reason: BestPathReason | undefined) => void;

/** Adj-RIBs-In plus Loc-RIB with the decision process. */
export class LocRib {
  private readonly dests = new Map<string, Destination>();
  private readonly adjIn = new Map<string, Map<string, Route>>();

  constructor(private readonly onChange: BestChange, private readonly ctx: DecisionContext = {}) {}

  /** Installs (or replaces) the path to `prefix` learned from `from`. */
  update(from: PeerRef, prefix: string, attrs: PathAttrs): void {
    let table = this.adjIn.get(from.key);
    if (!table) {
      table = new Map();
      this.adjIn.set(from.key, table);
    }
    const old = table.get(prefix);
    if (old && old.attrs === attrs && old.from === from) return;
    let d = this.dests.get(prefix);
    // Every speaker of a fabric holds every prefix: its text is kept once for the process.
    const route: Route = { prefix: d?.prefix ?? internString(prefix), attrs, from };
    table.set(route.prefix, route);
    if (!d) {
      d = { prefix: route.prefix, paths: [route], best: undefined, reason: undefined };
      this.dests.set(route.prefix, d);
    } else if (old) {
      d.paths[d.paths.indexOf(old)] = route;
    } else {
      // An exact-size copy (concat; a push or a spread grows the list to 17–19 slots): most
      // prefixes have 1–2 paths, and every node holds every prefix.
      d.paths = d.paths.concat(route);
    }
    this.decide(d);
  }

  /** Removes the path to `prefix` learned from `from`, if any. */
  withdraw(from: PeerRef, prefix: string): void {
    const table = this.adjIn.get(from.key);
    const old = table?.get(prefix);
    if (!table || !old) return;
    table.delete(prefix);
    const d = this.dests.get(prefix)!;
    d.paths.splice(d.paths.indexOf(old), 1);
    this.decide(d);
  }

  /** Removes every path from `peerKey` (session down); returns how many were removed. */
  dropPeer(peerKey: string): number {
    const table = this.adjIn.get(peerKey);
    if (!table) return 0;
    this.adjIn.delete(peerKey);
    for (const [prefix, old] of table) {
      const d = this.dests.get(prefix)!;
      d.paths.splice(d.paths.indexOf(old), 1);
      this.decide(d);
    }
    return table.size;
  }

  /** The destination of a prefix, if any path exists. */
  get(prefix: string): Destination | undefined {
    return this.dests.get(prefix);
  }

  /** Every destination, in insertion order. */
  destinations(): IterableIterator<Destination> {
    return this.dests.values();
  }

  /** The Adj-RIB-In of one peer (prefix → route). */
  adjRibIn(peerKey: string): ReadonlyMap<string, Route> {
    return this.adjIn.get(peerKey) ?? new Map();
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
    const sel = selectBest(d.paths, this.ctx);
    d.best = sel?.best;
    d.reason = sel?.reason;
    if (!sel) this.dests.delete(d.prefix);
    if (prev !== d.best) this.onChange(d.prefix, d.best, prev, d.reason);
  }
}
