/**
 * The forwarding information base: route ordering as the kernel dumps it, and longest-prefix
 * lookup across the policy-routing default rules (local table, then main, then default), the
 * way fib_lookup() walks them before fib_table_lookup() picks the longest match and, among
 * routes of that prefix, the lowest metric (fib_priority).
 *
 * Lookups use an index rebuilt lazily when the route list changes: per table, one Map per
 * prefix length from network address to routes. A lookup is then at most 33 Map probes per
 * table, integer keys only, no allocation.
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

/** Inserts `r` keeping dump order; a new route goes after existing equal keys (list_add_tail). */
export function insertRoute(routes: Route[], r: Route): void {
  let i = routes.length;
  while (i > 0 && compareRoutes(routes[i - 1]!, r) > 0) i--;
  routes.splice(i, 0, r);
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
  byLen: Map<number, Map<number, Route[]>>;
}

/** A lazily rebuilt lookup index over a kernel's route list. */
export class FibIndex {
  private tables = new Map<number, TableIndex>();
  private builtFor: readonly Route[] | null = null;
  private builtVersion = -1;

  /** Longest-prefix match for `dst` in the local, main and default tables (default rules). */
  lookup(routes: readonly Route[], version: number, dst: IPv4, opts?: LookupOpts): Route | undefined {
    this.ensure(routes, version);
    return this.lookupTable(RT_TABLE_LOCAL, dst, opts) ?? this.lookupTable(RT_TABLE_MAIN, dst, opts) ??
      this.lookupTable(RT_TABLE_DEFAULT, dst, opts);
  }

  /** Rebuilds the index when the route list changed since the last build. */
  ensure(routes: readonly Route[], version: number): void {
    if (this.builtFor !== routes || this.builtVersion !== version) this.build(routes, version);
  }

  /** Longest-prefix match in one table (call `ensure` first). */
  lookupTable(table: number, dst: IPv4, opts?: LookupOpts): Route | undefined {
    const t = this.tables.get(table);
    if (!t) return undefined;
    for (const len of t.lens) {
      const list = t.byLen.get(len)!.get((dst & maskOf(len)) >>> 0);
      if (!list) continue;
      for (const r of list) {
        if (opts) {
          if (opts.minScope !== undefined && SCOPE_RANK[r.scope] < opts.minScope) continue;
          if (opts.oif !== undefined && r.ifindex !== undefined && r.ifindex !== opts.oif && r.type === 'unicast') continue;
          if (opts.skip && opts.skip(r)) continue;
        }
        return r;
      }
    }
    return undefined;
  }

  private build(routes: readonly Route[], version: number): void {
    this.tables.clear();
    for (const r of routes) {
      let t = this.tables.get(r.table);
      if (!t) this.tables.set(r.table, (t = { lens: [], byLen: new Map() }));
      let m = t.byLen.get(r.dst.len);
      if (!m) {
        t.byLen.set(r.dst.len, (m = new Map()));
        t.lens.push(r.dst.len);
      }
      const net = (r.dst.addr & maskOf(r.dst.len)) >>> 0;
      const list = m.get(net);
      if (list) list.push(r);
      else m.set(net, [r]);
    }
    for (const t of this.tables.values()) t.lens.sort((a, b) => b - a);
    this.builtFor = routes;
    this.builtVersion = version;
  }
}
