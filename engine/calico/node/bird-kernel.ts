/**
 * BIRD's kernel protocol of one calico-node, run incrementally: each pass touches the prefixes
 * whose best path changed since the last one (the speaker's route events), not the whole
 * Loc-RIB, so a node learning N routes one UPDATE at a time does O(N) work in all, not O(N²).
 *
 * What the routes depend on besides their best path, and how a pass notices it changed:
 * - the intent (calico_kernel_programming, the blocks' blackholes, the export filter): a key
 *   over those fields; a change recomputes everything (rare: a pool or block changed);
 * - the speaker itself (confd replaced it): everything;
 * - `proto bird` routes changed by someone else (`ip route del`, a device going down): the
 *   kernel's `birdRoutesVersion` moved beyond what our own changes account for: a full pass
 *   (kernel-routes.ts's syncKernelRoutes, which owns routes by their protocol field);
 * - other routes (Felix's, the addresses'), read by `gateway recursive` and by kernel1's
 *   `learn`: the kernel's `foreignRoutesVersion` moved: every next hop in use is resolved
 *   again and only the prefixes behind a next hop whose resolution changed are redone;
 *   learned exports are rescanned.
 * Routes the kernel refused (device missing, another protocol's route in the way) are
 * retried on every pass, as before. A kernel without these counters gets full passes.
 *
 * What BIRD holds in the kernel is read back from the kernel (its `proto bird` routes of the
 * prefix, through the FIB index), not mirrored in a map of our own: ownership is the
 * protocol field anyway, and a mirror cost ~100 B per route per node — at 5,000 nodes,
 * 25 M routes, 2.5 GB.
 */
import type { Route as BgpRoute } from '../../bgp/index.ts';
import { parseIPv4, parsePrefix4 } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { Route as KernelRoute } from '../../sim/types.ts';
import type { BgpIntent } from '../confd/index.ts';
import { kernelDecision } from '../confd/index.ts';
import { birdRouteText, fromKernel, learnedExports, ownedKernelRoutes, resolveNextHop, same, syncKernelRoutes } from './kernel-routes.ts';
import type { BirdKernelRoute, KernelRouteChange, RouteKernel } from './kernel-routes.ts';
import { RTPROT_BIRD } from '../../sim/types.ts';

/** The Loc-RIB as the kernel protocol reads it. */
export interface BestPaths {
  get(prefix: string): { readonly best: BgpRoute | undefined } | undefined;
  destinations(): Iterable<{ readonly prefix: string; readonly best: BgpRoute | undefined }>;
}

/** The route-change counters of the simulated kernel (absent elsewhere: every pass is a full one), and its index by prefix. */
interface VersionedKernel {
  readonly birdRoutesVersion?: number;
  readonly foreignRoutesVersion?: number;
  /** The routes of one prefix in one table (without it, the whole route list is scanned). */
  routesOf?(table: number, dst: Prefix4): readonly KernelRoute[];
}

const MAIN = 254;

/**
 * Prefix and next-hop texts parsed once for every node: each of N nodes installs the same N
 * blocks via the same N next hops, so a pass would otherwise parse the same strings N times.
 * Bounded by clearing (the cache saves work, it means nothing).
 */
const parsedPrefixes = new Map<string, Prefix4>();
const parsedAddresses = new Map<string, number>();
const PARSED_MAX = 1 << 20;

function prefixOf(text: string): Prefix4 {
  let p = parsedPrefixes.get(text);
  if (!p) {
    if (parsedPrefixes.size >= PARSED_MAX) parsedPrefixes.clear();
    parsedPrefixes.set(text, (p = Object.freeze(parsePrefix4(text))));
  }
  return p;
}

function addressOf(text: string): number {
  let a = parsedAddresses.get(text);
  if (a === undefined) {
    if (parsedAddresses.size >= PARSED_MAX) parsedAddresses.clear();
    parsedAddresses.set(text, (a = parseIPv4(text)));
  }
  return a;
}

/** The kernel route spec BIRD hands to the kernel for one route. */
type KernelSpec = Parameters<RouteKernel['addRoute']>[0];

/** A route BIRD installs, with the spec that installs it and its `ip route` text: frozen and shared. */
interface Install {
  readonly route: BirdKernelRoute;
  readonly spec: KernelSpec;
  readonly text: string;
}

/** kernelDecision's answer for one (prefix, BGP next hop), and the routes it led to. */
interface Decided {
  readonly nh: string;
  readonly install: boolean;
  /** The tunl0 route (the decision alone fixes it). */
  readonly tunl0: Install | undefined;
  readonly reason: string;
  /** Otherwise the route depends on how the node's kernel resolves the next hop: by "gateway dev". */
  vias: Map<string, Install> | undefined;
}

/**
 * Decisions shared by every node whose kernel rules are the same (kernelDecision reads only
 * the intent's kernelRules for a learned route): each of N nodes installs the same N blocks
 * via the same next hops, so deciding, building the route and its kernel spec once per
 * (rules, prefix, next hop) spares N-1 decisions and 2(N-1) objects per block. Keyed by the
 * rules' text; bounded by clearing (sharing saves work, it means nothing).
 */
const decisions = new Map<string, Map<string, Decided[]>>();
let decidedCount = 0;
const DECIDED_MAX = 1 << 20;

function frozenInstall(route: BirdKernelRoute): Install {
  const spec: KernelSpec = { table: MAIN, type: route.type, dst: prefixOf(route.dst), protocol: RTPROT_BIRD, scope: 'global', metric: 0, onlink: route.onlink };
  if (route.gateway) spec.gateway = addressOf(route.gateway);
  if (route.dev) spec.dev = route.dev;
  return { route: Object.freeze(route), spec: Object.freeze(spec), text: birdRouteText(route) };
}

/** The intent's fields the kernel protocol and the export filter read. */
function intentKey(i: BgpIntent | undefined): string {
  if (!i) return '';
  return JSON.stringify([i.blackholes, i.kernelRules, i.pools, i.communities, i.blocks, i.staticRoutes, i.rrLoadBalancerIPs]);
}

/** One node's BIRD kernel protocol: Loc-RIB best paths → `proto bird` routes, and kernel1's learned exports. */
export class BirdKernelProtocol {
  private readonly dirty = new Set<string>();
  private readonly errored = new Set<string>();
  private full = true;
  private seenBird = -1;
  private seenForeign = -1;
  private key = '';
  private blackholes = new Set<string>();
  private rib: BestPaths | undefined;
  /** BGP next hop → how it resolved ('' unresolved) and the prefixes installed (or not) through it. */
  private readonly nextHops = new Map<string, { via: string; prefixes: Set<string> }>();
  /** Prefix → the next hop it was resolved through. */
  private readonly nextHopOf = new Map<string, string>();
  private learnedFor = -1;
  private learnedKey = '\u0000';
  private candidates: [prefix: string, dev: string][] = [];
  private learned: ReadonlyMap<string, string> = new Map();
  private keyedIntent: BgpIntent | undefined;
  private lastKey = '';
  /** The shared decisions for the current intent's kernel rules (see `decisions`). */
  private decidedFor: Map<string, Decided[]> | undefined;

  constructor(private readonly k: RouteKernel & VersionedKernel) {}

  /** proto-bird routes this BIRD holds in the kernel, by prefix (read from the kernel, built per call). */
  get installed(): Map<string, BirdKernelRoute> {
    const out = new Map<string, BirdKernelRoute>();
    for (const [dst, r] of ownedKernelRoutes(this.k.state)) out.set(dst, fromKernel(this.k.state, r));
    return out;
  }

  /** The `proto bird` route of one prefix in the main table, if BIRD holds one. */
  private owned(dst: Prefix4): KernelRoute | undefined {
    const addr = dst.addr >>> 0;
    for (const r of this.k.routesOf ? this.k.routesOf(MAIN, dst) : this.k.state.routes) {
      if (r.table === MAIN && r.protocol === RTPROT_BIRD && r.dst.len === dst.len && r.dst.addr >>> 0 === addr) return r;
    }
    return undefined;
  }

  /** intentKey, computed once per intent object (confd makes a new one per pass; most passes change nothing we read). */
  private keyOf(intent: BgpIntent | undefined): string {
    if (intent !== this.keyedIntent) {
      this.keyedIntent = intent;
      this.lastKey = intentKey(intent);
      this.decidedFor = undefined;
    }
    return this.lastKey;
  }

  /** The shared decision for a learned route under the current intent's kernel rules. */
  private decided(intent: BgpIntent | undefined, prefix: string, nh: string): Decided {
    this.keyOf(intent);
    let byPrefix = this.decidedFor;
    if (!byPrefix) {
      const rules = intent ? JSON.stringify(intent.kernelRules) : '\u0000';
      byPrefix = decisions.get(rules);
      if (!byPrefix) decisions.set(rules, (byPrefix = new Map()));
      this.decidedFor = byPrefix;
    }
    let list = byPrefix.get(prefix);
    if (list) {
      for (const x of list) if (x.nh === nh) return x;
    } else {
      if (decidedCount >= DECIDED_MAX) {
        // Emptied, not dropped: other nodes' protocols hold these maps.
        for (const m of decisions.values()) m.clear();
        decidedCount = 0;
      }
      byPrefix.set(prefix, (list = []));
    }
    const d = intent ? kernelDecision(intent, prefix, nh) : { install: true as const, tunnel: '' as const, reason: 'learned route' };
    const x: Decided = {
      nh, install: d.install, reason: d.reason, vias: undefined,
      tunl0: d.install && d.tunnel === 'tunl0' ? frozenInstall({ dst: prefix, type: 'unicast', gateway: nh, dev: 'tunl0', onlink: true, reason: d.reason }) : undefined,
    };
    list.push(x);
    decidedCount++;
    return x;
  }

  /** The best path of `prefix` changed (a speaker route event). */
  routeChanged(prefix: string): void {
    this.dirty.add(prefix);
  }

  /**
   * Alien routes kernel1 learns and the export filter lets out (learnedExports), rescanned
   * only when the kernel's other routes or the intent changed; `changed` says whether the
   * result differs from the last call's.
   */
  learnedExports(intent: BgpIntent | undefined, hasBgpPath: (prefix: string) => boolean): { learned: ReadonlyMap<string, string>; changed: boolean } {
    const foreign = this.k.foreignRoutesVersion;
    const key = this.keyOf(intent);
    if (foreign === undefined || foreign !== this.learnedFor || key !== this.learnedKey) {
      // Candidates: everything learnedExports keeps when no prefix has a BGP path.
      this.candidates = [...learnedExports(this.k.state, intent)];
      this.learnedFor = foreign ?? -1;
      this.learnedKey = key;
    }
    const next = new Map<string, string>();
    for (const [p, dev] of this.candidates) if (!hasBgpPath(p)) next.set(p, dev);
    let changed = next.size !== this.learned.size;
    if (!changed) for (const [p, dev] of next) if (this.learned.get(p) !== dev) { changed = true; break; }
    if (changed) this.learned = next;
    return { learned: this.learned, changed };
  }

  /** Runs one pass: installs, replaces and deletes what changed; returns the changes (errors included). */
  sync(intent: BgpIntent | undefined, rib: BestPaths | undefined): KernelRouteChange[] {
    const k = this.k;
    const key = this.keyOf(intent);
    if (key !== this.key || rib !== this.rib || k.birdRoutesVersion === undefined || k.foreignRoutesVersion === undefined || k.birdRoutesVersion !== this.seenBird) {
      this.full = true;
    }
    if (key !== this.key) {
      this.key = key;
      this.blackholes = new Set(intent?.blackholes ?? []);
    }
    this.rib = rib;
    const changes = this.full ? this.fullPass(intent, rib) : this.incrementalPass(intent, rib);
    this.full = false;
    this.seenBird = k.birdRoutesVersion ?? -1;
    this.seenForeign = k.foreignRoutesVersion ?? -1;
    return changes;
  }

  private fullPass(intent: BgpIntent | undefined, rib: BestPaths | undefined): KernelRouteChange[] {
    this.dirty.clear();
    this.errored.clear();
    this.nextHops.clear();
    this.nextHopOf.clear();
    const desired = new Map<string, BirdKernelRoute>();
    if (rib) {
      for (const d of rib.destinations()) {
        if (!d.best) continue;
        const r = this.desired(intent, d.best);
        if (r) desired.set(d.prefix, r.route);
      }
    }
    const changes = syncKernelRoutes(this.k, this.installed, desired);
    for (const c of changes) if (c.action === 'error') this.errored.add(c.route.dst);
    return changes;
  }

  private incrementalPass(intent: BgpIntent | undefined, rib: BestPaths | undefined): KernelRouteChange[] {
    if (this.k.foreignRoutesVersion !== this.seenForeign) {
      // Other routes changed: redo the prefixes behind next hops that now resolve differently.
      for (const [nh, e] of this.nextHops) {
        const via = this.resolve(nh);
        if (via === e.via) continue;
        e.via = via;
        for (const p of e.prefixes) this.dirty.add(p);
      }
    }
    for (const p of this.errored) this.dirty.add(p);
    this.errored.clear();
    const changes: KernelRouteChange[] = [];
    // Deterministic order: the order the changes arrived in (a Set keeps insertion order).
    for (const prefix of this.dirty) {
      const best = rib?.get(prefix)?.best;
      if (!best) this.untrack(prefix);
      this.apply(prefix, best ? this.desired(intent, best) : undefined, changes);
    }
    this.dirty.clear();
    return changes;
  }

  /** What BIRD wants in the kernel for one best path (desiredKernelRoutes for one route), tracking the next hop it resolved through. */
  private desired(intent: BgpIntent | undefined, r: BgpRoute): Install | undefined {
    const prefix = r.prefix;
    this.untrack(prefix);
    if (prefix.includes(':')) return undefined;
    if (r.from.local) {
      // Only bird_aggr.cfg's static blackholes; borrowed /32s are Felix's device routes.
      if (!intent || !this.blackholes.has(prefix)) return undefined;
      return kernelDecision(intent, prefix).install ? frozenInstall({ dst: prefix, type: 'blackhole', onlink: false, reason: `static blackhole for block ${prefix}` }) : undefined;
    }
    const nh = r.attrs.nextHop;
    if (!nh || nh.includes(':')) return undefined;
    const d = this.decided(intent, prefix, nh);
    if (!d.install) return undefined;
    if (d.tunl0) return d.tunl0;
    const via = this.track(prefix, nh);
    if (!via) return undefined; // unresolvable next hop: BIRD keeps the route unreachable, not in the kernel
    let x = (d.vias ??= new Map()).get(via);
    if (!x) {
      const sep = via.indexOf(' ');
      d.vias.set(via, (x = frozenInstall({ dst: prefix, type: 'unicast', gateway: via.slice(0, sep), dev: via.slice(sep + 1), onlink: false, reason: d.reason })));
    }
    return x;
  }

  /** `gateway recursive` of a next hop as one comparable string ("gateway dev", '' when unresolvable). */
  private resolve(nh: string): string {
    const via = resolveNextHop(this.k.state, nh);
    return via ? `${via.gateway} ${via.dev}` : '';
  }

  private track(prefix: string, nh: string): string {
    let e = this.nextHops.get(nh);
    if (!e) this.nextHops.set(nh, (e = { via: this.resolve(nh), prefixes: new Set() }));
    e.prefixes.add(prefix);
    this.nextHopOf.set(prefix, nh);
    return e.via;
  }

  private untrack(prefix: string): void {
    const nh = this.nextHopOf.get(prefix);
    if (nh === undefined) return;
    this.nextHopOf.delete(prefix);
    const e = this.nextHops.get(nh);
    if (!e) return;
    e.prefixes.delete(prefix);
    if (e.prefixes.size === 0) this.nextHops.delete(nh);
  }

  /** Brings one prefix's proto-bird route to `want` (syncKernelRoutes for one prefix, against the kernel's own routes). */
  private apply(prefix: string, want: Install | undefined, changes: KernelRouteChange[]): void {
    const dst = prefixOf(prefix);
    const have = this.owned(dst);
    if (!want) {
      if (!have) return;
      this.untrack(prefix);
      const gone = fromKernel(this.k.state, have);
      try {
        this.k.delRoute({
          dst: have.dst, table: MAIN, ...(gone.type === 'unicast' && gone.dev !== undefined ? { dev: gone.dev } : {}),
          ...(have.gateway !== undefined ? { gateway: have.gateway } : {}),
        });
      } catch { /* already gone */ }
      changes.push({ action: 'delete', route: gone });
      return;
    }
    if (have && same(fromKernel(this.k.state, have), want.route)) return;
    try {
      // Replace only our own route; over anyone else's the add fails (EEXIST), as BIRD's does.
      this.k.addRoute(want.spec, have ? 'replace' : 'add');
      changes.push({ action: have ? 'replace' : 'add', route: want.route, text: want.text });
    } catch (e) {
      this.errored.add(prefix);
      changes.push({ action: 'error', route: want.route, error: (e as Error).message, text: want.text });
    }
  }
}
