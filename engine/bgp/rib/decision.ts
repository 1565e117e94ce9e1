/**
 * The BGP decision process (RFC 4271 §9.1.2.2, RFC 4456 §9) as an ordered list of
 * comparators. Each comparator returns <0 when `a` is better, >0 when `b` is; the first
 * non-zero one decides and names the reason, so every best path is explainable (GoBGP's
 * BestPathReason idea).
 */
import { parseIp } from '../../net/ip.ts';
import { asPathLength, neighbourAs } from './attrs.ts';
import type { Route } from './route.ts';

/** Why the best path won. */
export type BestPathReason =
  | 'only-path'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'router-id'
  | 'cluster-list-length'
  | 'peer-address';

/** Inputs the comparators need from outside the routes themselves. */
export interface DecisionContext {
  /** IGP cost to a next hop (lower wins); undefined treats every next hop as equal. */
  igpCost?: (nextHop: string) => number;
}

/** One step of the decision process. */
export interface Comparator {
  readonly reason: BestPathReason;
  compare(a: Route, b: Route, ctx: DecisionContext): number;
}

const DEFAULT_LOCAL_PREF = 100;

function localPref(r: Route): number {
  // LOCAL_PREF from an eBGP peer is ignored (§5.1.5); local routes default to 100.
  return r.from.ibgp || r.from.local ? (r.attrs.localPref ?? DEFAULT_LOCAL_PREF) : DEFAULT_LOCAL_PREF;
}

/** Parsed peer addresses: the tie-break runs on every full tie (two reflectors of one cluster), peers are few. */
const ADDR_KEYS = new Map<string, bigint>();

/** Peer address as a number for the last tie-break; a zone (`fe80::1%eth0`) does not count. */
function addrKey(address: string): bigint {
  let k = ADDR_KEYS.get(address);
  if (k === undefined) {
    const a = parseIp(address.split('%')[0]!);
    k = a.family === 4 ? BigInt(a.addr) : a.addr;
    if (ADDR_KEYS.size > 65_536) ADDR_KEYS.clear();
    ADDR_KEYS.set(address, k);
  }
  return k;
}

/** The comparators in RFC order. */
export const COMPARATORS: readonly Comparator[] = [
  { reason: 'local-pref', compare: (a, b) => localPref(b) - localPref(a) },
  { reason: 'as-path-length', compare: (a, b) => asPathLength(a.attrs.asPath) - asPathLength(b.attrs.asPath) },
  { reason: 'origin', compare: (a, b) => a.attrs.origin - b.attrs.origin },
  {
    reason: 'med',
    // MED only compares paths from the same neighbouring AS; a missing MED counts as 0.
    compare: (a, b) => {
      const na = neighbourAs(a.attrs.asPath);
      const nb = neighbourAs(b.attrs.asPath);
      if (na !== nb) return 0;
      return (a.attrs.med ?? 0) - (b.attrs.med ?? 0);
    },
  },
  {
    reason: 'ebgp-over-ibgp',
    compare: (a, b) => {
      const ea = !a.from.ibgp && !a.from.local ? 0 : 1;
      const eb = !b.from.ibgp && !b.from.local ? 0 : 1;
      return ea - eb;
    },
  },
  {
    reason: 'igp-cost',
    compare: (a, b, ctx) => (ctx.igpCost ? ctx.igpCost(a.attrs.nextHop) - ctx.igpCost(b.attrs.nextHop) : 0),
  },
  {
    reason: 'router-id',
    // RFC 4456 §9: a reflected route is compared on its ORIGINATOR_ID instead of the peer's id.
    compare: (a, b) => {
      const ia = (a.attrs.originatorId ?? a.from.routerId) >>> 0;
      const ib = (b.attrs.originatorId ?? b.from.routerId) >>> 0;
      return ia === ib ? 0 : ia < ib ? -1 : 1;
    },
  },
  {
    reason: 'cluster-list-length',
    compare: (a, b) => (a.attrs.clusterList?.length ?? 0) - (b.attrs.clusterList?.length ?? 0),
  },
  {
    reason: 'peer-address',
    compare: (a, b) => {
      const x = addrKey(a.from.address);
      const y = addrKey(b.from.address);
      return x === y ? 0 : x < y ? -1 : 1;
    },
  },
];

/** Compares two paths; returns the sign and the deciding reason ('peer-address' on a full tie). */
export function comparePaths(a: Route, b: Route, ctx: DecisionContext = {}): { cmp: number; reason: BestPathReason } {
  const v = compareRanked(a, b, ctx);
  return { cmp: Math.sign(v), reason: reasonOf(v) };
}

/**
 * comparePaths without an object: <0 when `a` is better, >0 when `b` is, 0 on a full tie;
 * the magnitude is the deciding comparator's position + 1 (reasonOf). Every comparator is
 * antisymmetric, so compareRanked(b, a) = -compareRanked(a, b): one call gives the winner of
 * two paths and why (a client weighs its two reflectors' copies of every prefix).
 */
export function compareRanked(a: Route, b: Route, ctx: DecisionContext): number {
  for (let i = 0; i < COMPARATORS.length; i++) {
    const v = COMPARATORS[i]!.compare(a, b, ctx);
    if (v !== 0) return v < 0 ? -(i + 1) : i + 1;
  }
  return 0;
}

/** The reason a compareRanked result names ('peer-address' on a full tie). */
export function reasonOf(ranked: number): BestPathReason {
  return ranked === 0 ? 'peer-address' : COMPARATORS[Math.abs(ranked) - 1]!.reason;
}

/** Selects the best of `paths` and why it beat the runner-up. */
export function selectBest(paths: readonly Route[], ctx: DecisionContext = {}): { best: Route; reason: BestPathReason } | undefined {
  if (paths.length === 0) return undefined;
  if (paths.length === 1) return { best: paths[0]!, reason: 'only-path' };
  let best = paths[0]!;
  for (let i = 1; i < paths.length; i++) {
    if (comparePaths(paths[i]!, best, ctx).cmp < 0) best = paths[i]!;
  }
  // The reason is what separated the winner from the strongest loser.
  let reason: BestPathReason = 'peer-address';
  let runnerUp: Route | undefined;
  for (const p of paths) {
    if (p === best) continue;
    if (!runnerUp || comparePaths(p, runnerUp, ctx).cmp < 0) runnerUp = p;
  }
  if (runnerUp) reason = comparePaths(best, runnerUp, ctx).reason;
  return { best, reason };
}
