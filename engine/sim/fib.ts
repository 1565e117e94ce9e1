/**
 * The forwarding information base: route ordering as the kernel dumps it, and longest-prefix
 * lookup across the policy-routing default rules (local table, then main, then default), the
 * way fib_lookup() walks them before fib_table_lookup() picks the longest match and, among
 * routes of that prefix, the lowest metric (fib_priority).
 *
 * Lookups use an index rebuilt lazily when the route list changes: per table, one Map per
 * prefix length from network address to its route (or routes) (at most 33 Map probes per table, for
 * lookups with filters), and for the plain lookup of the packet path a compiled form of the
 * whole default-rule walk (and of the local table alone, for broadcast checks): the address
 * space cut into intervals, each holding the route the walk would return, searched by
 * bisection over a typed array — no hashing, no allocation, a few dozen comparisons per
 * hop (see compileRules).
 */
import type { IPv4 } from '../net/ip.ts';
import { maskOf } from '../net/ip.ts';
import type { Route } from './types.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from './types.ts';

/** RT_TABLE_DEFAULT (253), the last table the default rules consult. */
export const RT_TABLE_DEFAULT = 253;

const SCOPE_RANK: Record<Route['scope'], number> = { global: 0, link: 253, host: 254 };

/** Numeric rt_scope of a route scope (universe 0, link 253, host 254). */
export function scopeRank(s: Route['scope']): number {
  return SCOPE_RANK[s];
}

/**
 * Dump order of `ip route show table all`: tables by hash bucket (id & 255), then trie key
 * order (address ascending), longer prefix first for the same key, lower metric first.
 */
export function compareRoutes(a: Route, b: Route): number {
  return (a.table & 255) - (b.table & 255) || a.table - b.table || a.dst.addr - b.dst.addr ||
    b.dst.len - a.dst.len || a.metric - b.metric;
}

/** The first index whose route sorts after `r` (upper bound, by bisection: the list is in dump order). */
export function upperBound(routes: readonly Route[], r: Route): number {
  let lo = 0;
  let hi = routes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRoutes(routes[mid]!, r) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Inserts `r` keeping dump order; a new route goes after existing equal keys (list_add_tail). */
export function insertRoute(routes: Route[], r: Route): number {
  const i = upperBound(routes, r);
  routes.splice(i, 0, r);
  return i;
}

/** The position of `r` (by identity) in a list in dump order, or -1: a bisection to its key, then a scan of equal keys. */
export function indexOfRoute(routes: readonly Route[], r: Route): number {
  let lo = 0;
  let hi = routes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRoutes(routes[mid]!, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < routes.length && compareRoutes(routes[i]!, r) === 0; i++) if (routes[i] === r) return i;
  return routes.indexOf(r);
}

/** Filters a lookup may apply, like the fields of struct flowi4 that fib_table_lookup checks. */
export interface LookupOpts {
  /** Only routes with scope >= this (flowi4_scope); gateway validation uses link (253). */
  minScope?: number;
  /** Only routes through this device (flowi4_oif), except local/broadcast/blackhole types. */
  oif?: number;
  /** Skip routes whose device has no carrier (FIB_LOOKUP_IGNORE_LINKSTATE unset + ignore_routes_with_linkdown). */
  skip?: (r: Route) => boolean;
}

interface TableIndex {
  lens: number[];
  /** The map of each of `lens` and its netmask (as a signed number), in the same order: a walk reads them without a lookup per length. */
  lenMaps: Map<number, Slot>[];
  lenMasks: number[];
  /**
   * Prefix length → network (as a signed 32-bit number: a small integer V8 stores in place,
   * where the unsigned form of 128.0.0.0 and up is a boxed number per entry) → routes.
   */
  byLen: Map<number, Map<number, Slot>>;
}

/**
 * A prefix's routes in dump order: the route itself when it is alone (nearly always: each
 * node of a fabric holds one route per other node's block), a list when several share it.
 */
type Slot = Route | Route[];

const firstOf = (x: Slot): Route => (Array.isArray(x) ? x[0]! : x);


/** The default-rule walk as a step function over the address space: `routes[i]` answers every address in [starts[i], starts[i + 1]). */
interface CompiledRules {
  readonly starts: Float64Array;
  readonly routes: readonly (Route | undefined)[];
}

/** Order of the tables the default rules consult (local, main, default). */
const RULE_TABLES = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT];
const LOCAL_ONLY = [RT_TABLE_LOCAL];

/**
 * Compiles lookupTable(ids[0]) ?? lookupTable(ids[1]) ?? … without filters (the default
 * rules: local, main, default).
 * CIDR blocks are nested or disjoint, so one sweep over them sorted by (start, wider first)
 * with a stack of the enclosing blocks gives, for each stretch of addresses, the winner of
 * its enclosing blocks: an earlier table beats a later one, then the longer prefix wins, and
 * among one prefix's routes the first in dump order (what lookupTable returns).
 */
function compileRules(tables: ReadonlyMap<number, TableIndex>, ids: readonly number[]): CompiledRules {
  const blocks: { start: number; end: number; rank: number; route: Route }[] = [];
  ids.forEach((id, order) => {
    const t = tables.get(id);
    if (!t) return;
    for (const [len, m] of t.byLen) {
      for (const [key, slot] of m) {
        const net = key >>> 0;
        blocks.push({ start: net, end: net + 2 ** (32 - len) - 1, rank: order * 64 + (32 - len), route: firstOf(slot) });
      }
    }
  });
  blocks.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const starts: number[] = [0];
  const routes: (Route | undefined)[] = [undefined];
  const set = (at: number, r: Route | undefined): void => {
    if (at > 0xffffffff) return;
    if (starts[starts.length - 1] === at) {
      routes[routes.length - 1] = r;
      if (routes.length > 1 && routes[routes.length - 2] === r) { starts.pop(); routes.pop(); }
      return;
    }
    if (routes[routes.length - 1] !== r) { starts.push(at); routes.push(r); }
  };
  const stack: { end: number; best: { rank: number; route: Route } }[] = [];
  const popUntil = (start: number): void => {
    while (stack.length && stack[stack.length - 1]!.end < start) {
      const gone = stack.pop()!;
      set(gone.end + 1, stack.length ? stack[stack.length - 1]!.best.route : undefined);
    }
  };
  for (const b of blocks) {
    popUntil(b.start);
    const outer = stack.length ? stack[stack.length - 1]!.best : undefined;
    const best = outer && outer.rank <= b.rank ? outer : b;
    stack.push({ end: b.end, best });
    set(b.start, best.route);
  }
  popUntil(Infinity);
  return { starts: Float64Array.from(starts), routes };
}

/** True when a lookup's filters let `r` answer (scope, output device, carrier). */
function usable(r: Route, opts: LookupOpts): boolean {
  if (opts.minScope !== undefined && SCOPE_RANK[r.scope] < opts.minScope) return false;
  if (opts.oif !== undefined && r.ifindex !== undefined && r.ifindex !== opts.oif && r.type === 'unicast') return false;
  if (opts.skip && opts.skip(r)) return false;
  return true;
}

/** The route of the interval holding `dst`. */
function bisect(c: CompiledRules, dst: IPv4): Route | undefined {
  const s = c.starts;
  const a = dst >>> 0;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  return c.routes[lo];
}

/**
 * A lookup index over a kernel's route list, kept current by single-route changes
 * (`noteInsert`/`noteRemove`/`noteReplace`: O(1) map updates) and rebuilt from the list after
 * any other change. The compiled form is rebuilt lazily, and only once enough plain lookups
 * have run since the last change to pay for it (while routes stream in — BIRD installing a
 * thousand routes one by one — lookups walk the per-length maps instead): compiling costs
 * O(routes · log routes), so it waits for about routes/4 lookups.
 */
export class FibIndex {
  private tables = new Map<number, TableIndex>();
  private builtFor: readonly Route[] | null = null;
  private builtVersion = -1;
  private compiled: CompiledRules | undefined;
  private compiledLocal: CompiledRules | undefined;
  /** Plain lookups answered by walking since the compiled forms were dropped. */
  private walked = 0;
  private size = 0;
  /**
   * What the last sameKey looked at — the route, its length's map (undefined if none yet), its
   * network and slot — for the add of that same route that usually follows; any other change
   * of the index forgets it.
   */
  private keyRoute: Route | undefined;
  private keyMap: Map<number, Slot> | undefined;
  private keyNet = 0;
  private keySlot: Slot | undefined;

  /** Longest-prefix match for `dst` in the local, main and default tables (default rules). */
  lookup(routes: readonly Route[], version: number, dst: IPv4, opts?: LookupOpts): Route | undefined {
    this.ensure(routes, version);
    if (!opts) {
      if (this.compiled) return bisect(this.compiled, dst);
      if (!this.worthCompiling()) return this.walkTable(RT_TABLE_LOCAL, dst) ?? this.walkTable(RT_TABLE_MAIN, dst) ?? this.walkTable(RT_TABLE_DEFAULT, dst);
      return bisect(this.compiled = compileRules(this.tables, RULE_TABLES), dst);
    }
    return this.walkTable(RT_TABLE_LOCAL, dst, opts) ?? this.walkTable(RT_TABLE_MAIN, dst, opts) ??
      this.walkTable(RT_TABLE_DEFAULT, dst, opts);
  }

  /** True when the index is current for this list and version (ensure would do nothing). */
  isBuiltFor(routes: readonly Route[], version: number): boolean {
    return this.builtFor === routes && this.builtVersion === version;
  }

  /** Rebuilds the index when the route list changed since the last build (or note). */
  ensure(routes: readonly Route[], version: number): void {
    if (this.builtFor !== routes || this.builtVersion !== version) this.build(routes, version);
  }

  /** Longest-prefix match in one table (call `ensure` first). */
  lookupTable(table: number, dst: IPv4, opts?: LookupOpts): Route | undefined {
    if (!opts && table === RT_TABLE_LOCAL) {
      if (this.compiledLocal) return bisect(this.compiledLocal, dst);
      if (this.worthCompiling()) return bisect(this.compiledLocal = compileRules(this.tables, LOCAL_ONLY), dst);
    }
    return this.walkTable(table, dst, opts);
  }

  /** The routes of one prefix in one table, in dump order (call `ensure` first). */
  routesOf(table: number, addr: number, len: number): readonly Route[] {
    const slot = this.tables.get(table)?.byLen.get(len)?.get((addr & maskOf(len)) | 0);
    return slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
  }

  /** The route with `r`'s key (table, prefix, metric), if any (call `ensure` first): what a replace replaces and an add collides with. */
  sameKey(r: Route): Route | undefined {
    const m = this.tables.get(r.table)?.byLen.get(r.dst.len);
    const net = (r.dst.addr & maskOf(r.dst.len)) | 0;
    const slot = m?.get(net);
    // An add of this route usually follows (addRoute: same key? then insert): it starts here.
    this.keyRoute = r;
    this.keyMap = m;
    this.keyNet = net;
    this.keySlot = slot;
    if (slot === undefined) return undefined;
    if (!Array.isArray(slot)) return slot.dst.addr === r.dst.addr && slot.metric === r.metric ? slot : undefined;
    for (const x of slot) if (x.dst.addr === r.dst.addr && x.metric === r.metric) return x;
    return undefined;
  }

  /**
   * `r` was inserted into `routes` (in dump order) and the version moved from `from` to `to`:
   * an index built for `from` follows in O(1); any other index is left to rebuild.
   */
  noteInsert(routes: readonly Route[], from: number, to: number, r: Route): void {
    if (!this.follows(routes, from, to)) return;
    this.add(r);
  }

  /** `r` was removed from `routes` (see noteInsert). */
  noteRemove(routes: readonly Route[], from: number, to: number, r: Route): void {
    this.keyRoute = undefined;
    if (!this.follows(routes, from, to)) return;
    const t = this.tables.get(r.table);
    const m = t?.byLen.get(r.dst.len);
    const net = (r.dst.addr & maskOf(r.dst.len)) | 0;
    const slot = m?.get(net);
    if (slot === r) m!.delete(net);
    else {
      const i = Array.isArray(slot) ? slot.indexOf(r) : -1;
      if (i < 0) { this.builtFor = null; return; }
      const list = slot as Route[];
      list.splice(i, 1);
      if (list.length === 1) m!.set(net, list[0]!);
    }
    this.size--;
  }

  /** `old` was replaced in place by `r` with the same key (see noteInsert). */
  noteReplace(routes: readonly Route[], from: number, to: number, old: Route, r: Route): void {
    this.keyRoute = undefined;
    if (!this.follows(routes, from, to)) return;
    const m = this.tables.get(old.table)?.byLen.get(old.dst.len);
    const net = (old.dst.addr & maskOf(old.dst.len)) | 0;
    const slot = m?.get(net);
    if (slot === old) { m!.set(net, r); return; }
    const i = Array.isArray(slot) ? slot.indexOf(old) : -1;
    if (i < 0) { this.builtFor = null; return; }
    (slot as Route[])[i] = r;
  }

  /** True (and the version advanced) when the index was built for `routes` at `from`; the compiled forms are dropped. */
  private follows(routes: readonly Route[], from: number, to: number): boolean {
    if (this.builtFor !== routes || this.builtVersion !== from) return false;
    this.builtVersion = to;
    this.compiled = undefined;
    this.compiledLocal = undefined;
    this.walked = 0;
    return true;
  }

  private worthCompiling(): boolean {
    return ++this.walked > (this.size >> 2) + 8;
  }

  /** The map of r's table and prefix length, created (and its length listed, longest first) when missing. */
  private slotsFor(r: Route): Map<number, Slot> {
    let t = this.tables.get(r.table);
    if (!t) this.tables.set(r.table, (t = { lens: [], lenMaps: [], lenMasks: [], byLen: new Map() }));
    let m = t.byLen.get(r.dst.len);
    if (!m) {
      t.byLen.set(r.dst.len, (m = new Map()));
      t.lens.push(r.dst.len);
      t.lens.sort((a, b) => b - a);
      const byLen = t.byLen;
      t.lenMaps = t.lens.map((len) => byLen.get(len)!);
      t.lenMasks = t.lens.map((len) => maskOf(len) | 0);
    }
    return m;
  }

  /** Adds a route to the per-length maps, after the routes of its prefix that sort before or equal it (dump order). */
  private add(r: Route): void {
    let m = this.keyMap;
    let net = this.keyNet;
    let slot = this.keySlot;
    if (r !== this.keyRoute || m === undefined) {
      m = this.slotsFor(r);
      net = (r.dst.addr & maskOf(r.dst.len)) | 0;
      slot = m.get(net);
    }
    this.keyRoute = undefined;
    if (slot === undefined) m.set(net, r);
    else {
      const list = Array.isArray(slot) ? slot : [slot];
      let i = list.length;
      while (i > 0 && compareRoutes(list[i - 1]!, r) > 0) i--;
      list.splice(i, 0, r);
      if (list !== slot) m.set(net, list);
    }
    this.size++;
  }

  private walkTable(table: number, dst: IPv4, opts?: LookupOpts): Route | undefined {
    const t = this.tables.get(table);
    if (!t) return undefined;
    const maps = t.lenMaps;
    const masks = t.lenMasks;
    for (let i = 0; i < maps.length; i++) {
      const slot = maps[i]!.get((dst & masks[i]!) | 0);
      if (slot === undefined) continue;
      if (!Array.isArray(slot)) {
        if (!opts || usable(slot, opts)) return slot;
        continue;
      }
      for (const r of slot) if (!opts || usable(r, opts)) return r;
    }
    return undefined;
  }

  private build(routes: readonly Route[], version: number): void {
    this.keyRoute = undefined;
    this.tables.clear();
    this.compiled = undefined;
    this.compiledLocal = undefined;
    this.walked = 0;
    this.size = routes.length;
    for (const r of routes) {
      const m = this.slotsFor(r);
      const net = (r.dst.addr & maskOf(r.dst.len)) | 0;
      const slot = m.get(net);
      if (slot === undefined) m.set(net, r);
      else if (Array.isArray(slot)) slot.push(r);
      else m.set(net, [slot, r]);
    }
    this.builtFor = routes;
    this.builtVersion = version;
  }
}
