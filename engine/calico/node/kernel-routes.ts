/**
 * BIRD's kernel protocol on a simulated node: the best routes of the BGP speaker's Loc-RIB
 * become `proto bird` routes in the node's main table, the way Calico's BIRD runs
 * `protocol kernel { export filter calico_kernel_programming; }` with `gateway recursive`.
 *
 * - A learned route in an IPIP pool goes out `tunl0` with an `onlink` next hop (krt_tunnel),
 *   except under CrossSubnet when the BGP next hop sits in the node's own subnet.
 * - Otherwise the next hop is resolved recursively through the kernel's table (BIRD's
 *   `gateway recursive`): on a connected subnet it is used as is; behind a router (an iBGP
 *   route reflected by a ToR keeps the spine's address) the router's gateway is installed.
 * - The node's own blocks (bird_aggr.cfg's static blackholes) become `blackhole … proto bird`.
 * - VXLAN pools and service CIDRs are never installed (the filter rejects them).
 *
 * The core (`desiredKernelRoutes`) is pure over the RIB and the kernel state; `syncKernelRoutes`
 * applies the difference to the kernel. Like BIRD, it owns exactly the routes of its own
 * protocol (`proto bird`, 12) in the main table: it removes those it does not want (also ones
 * a previous run left), never deletes or overwrites a route of another protocol (Felix's
 * `proto 80` blackholes and VXLAN routes, `proto boot` device routes): adding over one fails
 * as BIRD's NLM_F_EXCL add does ("File exists") and is retried on the next sync.
 *
 * The other direction (`learnedExports`): BIRD's kernel protocol says `learn`, so every alien
 * route of the main table enters BIRD's table and meets calico_export_to_bgp_peers. What
 * that filter lets out are Felix's `/32 dev caliX` routes of pods whose address lies outside
 * the node's own blocks: borrowed addresses, exported as /32s.
 */
import { formatIPv4, formatPrefix4, parseIPv4, parsePrefix4, prefixContains } from '../../net/ip.ts';
import { internString } from '../../net/intern.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { KernelOps, KernelState, Route as KernelRoute } from '../../sim/types.ts';
import { RTPROT_BIRD, RTPROT_KERNEL } from '../../sim/types.ts';
import type { Route as BgpRoute } from '../../bgp/index.ts';
import { exportDecision, kernelDecision } from '../confd/index.ts';
import type { BgpIntent } from '../confd/index.ts';

/** The kernel a calico-node (or router) programs. */
export type RouteKernel = KernelOps & { readonly state: KernelState };

/** One `proto bird` route as BIRD would hand it to the kernel. */
export interface BirdKernelRoute {
  readonly dst: string;
  readonly type: 'unicast' | 'blackhole';
  readonly gateway?: string;
  readonly dev?: string;
  readonly onlink: boolean;
  /** Why the filter installed it this way (kernelDecision's reason). */
  readonly reason: string;
}

/**
 * Texts already made, by destination: every node logs a route event per other node's block,
 * and the N nodes installing one block via one host print the same text. Handing out one
 * string object per text spares formatting it N times, and its readers (the event log's text
 * table) hash it once — a fresh string is hashed again at every lookup. Bounded by clearing
 * (sharing saves work, it means nothing).
 */
const routeTexts = new Map<string, { readonly type: BirdKernelRoute['type']; readonly gateway: string | undefined; readonly dev: string | undefined; readonly onlink: boolean; readonly text: string }[]>();
let routeTextCount = 0;

/** `ip route` text of a BIRD route (what the kernel will print, minus the scope). */
export function birdRouteText(r: BirdKernelRoute): string {
  let list = routeTexts.get(r.dst);
  if (list) {
    for (const x of list) if (x.type === r.type && x.gateway === r.gateway && x.dev === r.dev && x.onlink === r.onlink) return x.text;
  } else {
    if (routeTextCount >= 200_000) { routeTexts.clear(); routeTextCount = 0; }
    routeTexts.set(r.dst, (list = []));
  }
  const text = internString(r.type === 'blackhole' ? `blackhole ${r.dst} proto bird` : `${r.dst} via ${r.gateway} dev ${r.dev} proto bird${r.onlink ? ' onlink' : ''}`);
  list.push({ type: r.type, gateway: r.gateway, dev: r.dev, onlink: r.onlink, text });
  routeTextCount++;
  return text;
}

const MAIN = 254;

function devName(k: KernelState, ifindex: number | undefined): string | undefined {
  return ifindex === undefined ? undefined : k.devices.get(ifindex)?.name;
}

/**
 * Resolves a BGP next hop the way BIRD's `gateway recursive` does, through routes that are
 * not BIRD's own: a connected next hop is used directly; one behind a gateway resolves to it.
 */
export function resolveNextHop(k: KernelState, nextHop: string): { gateway: string; dev: string } | undefined {
  const nh = parseIPv4(nextHop);
  let best: KernelState['routes'][number] | undefined;
  for (const r of k.routes) {
    if (r.table !== MAIN || r.protocol === RTPROT_BIRD || r.type !== 'unicast') continue;
    if (!prefixContains(r.dst, nh)) continue;
    if (!best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && r.metric < best.metric)) best = r;
  }
  if (!best) return undefined;
  const dev = devName(k, best.ifindex);
  if (!dev) return undefined;
  if (best.gateway === undefined) return { gateway: nextHop, dev };
  return { gateway: formatIPv4(best.gateway), dev };
}

/** The proto-bird routes a Calico node's BIRD installs for its Loc-RIB (best paths only). */
export function desiredKernelRoutes(k: KernelState, intent: BgpIntent | undefined, best: Iterable<BgpRoute>): Map<string, BirdKernelRoute> {
  const out = new Map<string, BirdKernelRoute>();
  const blackholes = new Set(intent?.blackholes ?? []);
  for (const r of best) {
    if (r.prefix.includes(':')) continue;
    if (r.from.local) {
      // Only bird_aggr.cfg's static blackholes; borrowed /32s are Felix's device routes.
      if (!intent || !blackholes.has(r.prefix)) continue;
      const d = kernelDecision(intent, r.prefix);
      if (d.install) out.set(r.prefix, { dst: r.prefix, type: 'blackhole', onlink: false, reason: `static blackhole for block ${r.prefix}` });
      continue;
    }
    const nh = r.attrs.nextHop;
    if (!nh || nh.includes(':')) continue;
    const d = intent ? kernelDecision(intent, r.prefix, nh) : { install: true as const, tunnel: '' as const, reason: 'learned route' };
    if (!d.install) continue;
    if (d.tunnel === 'tunl0') {
      out.set(r.prefix, { dst: r.prefix, type: 'unicast', gateway: nh, dev: 'tunl0', onlink: true, reason: d.reason });
      continue;
    }
    const via = resolveNextHop(k, nh);
    if (!via) continue; // unresolvable next hop: BIRD keeps the route unreachable, not in the kernel
    out.set(r.prefix, { dst: r.prefix, type: 'unicast', gateway: via.gateway, dev: via.dev, onlink: false, reason: d.reason });
  }
  return out;
}

/** True when two BIRD routes put the same thing in the kernel (the reason aside). */
export function same(a: BirdKernelRoute, b: BirdKernelRoute): boolean {
  return a.type === b.type && a.gateway === b.gateway && a.dev === b.dev && a.onlink === b.onlink;
}

/** A change the kernel protocol made (or failed to make). */
export interface KernelRouteChange {
  readonly action: 'add' | 'replace' | 'delete' | 'error';
  readonly route: BirdKernelRoute;
  readonly error?: string;
  /** birdRouteText(route), when the protocol had it at hand. */
  readonly text?: string;
}

/**
 * A kernel-route event as calico-node emits it (NodeAgentEvent's 'route' member): a class so
 * that the cluster's event log, which stores these by their six fields, knows their keys and
 * key order from the prototype instead of enumerating them at every event (a million at
 * 1,000 nodes). Fields are set in the constructor, in the event's key order, and never added.
 */
export class KernelRouteEvent {
  readonly type: 'route';
  readonly node: string;
  readonly t: number;
  readonly action: KernelRouteChange['action'];
  readonly route: string;
  readonly reason: string;

  constructor(node: string, t: number, action: KernelRouteChange['action'], route: string, reason: string) {
    this.type = 'route';
    this.node = node;
    this.t = t;
    this.action = action;
    this.route = route;
    this.reason = reason;
  }
}

/** A kernel route read back as the BirdKernelRoute it is (for comparison with what BIRD wants). */
export function fromKernel(k: KernelState, r: KernelRoute): BirdKernelRoute {
  const dev = devName(k, r.ifindex);
  return {
    dst: formatPrefix4(r.dst), type: r.type === 'blackhole' ? 'blackhole' : 'unicast', onlink: r.onlink, reason: 'found in the kernel',
    ...(r.gateway !== undefined ? { gateway: formatIPv4(r.gateway) } : {}), ...(r.type === 'unicast' && dev ? { dev } : {}),
  };
}

/** The kernel's `proto bird` routes of the main table, by prefix: what BIRD's kernel protocol owns. */
export function ownedKernelRoutes(k: KernelState): Map<string, KernelRoute> {
  const out = new Map<string, KernelRoute>();
  for (const r of k.routes) if (r.table === MAIN && r.protocol === RTPROT_BIRD && !out.has(formatPrefix4(r.dst))) out.set(formatPrefix4(r.dst), r);
  return out;
}

/**
 * Brings the kernel's proto-bird routes to `desired`; `installed` is updated in place to what
 * BIRD holds in the kernel afterwards, and what changed is returned. A route the kernel
 * refuses (device not there yet, another protocol's route in the way) is reported and
 * retried on the next sync.
 */
export function syncKernelRoutes(k: RouteKernel, installed: Map<string, BirdKernelRoute>, desired: ReadonlyMap<string, BirdKernelRoute>): KernelRouteChange[] {
  const changes: KernelRouteChange[] = [];
  const owned = ownedKernelRoutes(k.state);
  // Ownership is the kernel's protocol field, not memory: a route someone replaced with another
  // protocol's is no longer ours (and must survive), one left by an earlier BIRD is.
  for (const dst of [...installed.keys()]) if (!owned.has(dst)) installed.delete(dst);
  for (const [dst, kr] of owned) {
    if (desired.has(dst)) continue;
    const r = installed.get(dst) ?? fromKernel(k.state, kr);
    const dev = devName(k.state, kr.ifindex);
    try {
      k.delRoute({ dst: kr.dst, table: MAIN, ...(dev !== undefined && kr.type === 'unicast' ? { dev } : {}), ...(kr.gateway !== undefined ? { gateway: kr.gateway } : {}) });
    } catch { /* already gone */ }
    installed.delete(dst);
    changes.push({ action: 'delete', route: r });
  }
  for (const [dst, r] of desired) {
    const kr = owned.get(dst);
    if (kr && same(fromKernel(k.state, kr), r)) {
      if (!installed.has(dst)) installed.set(dst, r);
      continue;
    }
    const prefix: Prefix4 = parsePrefix4(dst);
    try {
      // Replace only our own route; over anyone else's the add fails (EEXIST), as BIRD's does.
      k.addRoute({
        table: MAIN, type: r.type, dst: prefix, protocol: RTPROT_BIRD, scope: 'global', metric: 0, onlink: r.onlink,
        ...(r.gateway ? { gateway: parseIPv4(r.gateway) } : {}), ...(r.dev ? { dev: r.dev } : {}),
      }, kr ? 'replace' : 'add');
      installed.set(dst, r);
      changes.push({ action: kr ? 'replace' : 'add', route: r });
    } catch (e) {
      changes.push({ action: 'error', route: r, error: (e as Error).message });
    }
  }
  return changes;
}

/** Interfaces whose routes reject_tunnel_routes keeps from iBGP peers (`*.cali`, `*.calico`: Felix's tunnels). */
function tunnelInterface(dev: string): boolean {
  return dev.endsWith('.cali') || dev.endsWith('.calico');
}

/**
 * Alien routes BIRD's kernel protocol learns (`learn; import all`) that leave the node through
 * calico_export_to_bgp_peers, by prefix, with the device they were learned on. In practice:
 * Felix's workload routes for borrowed addresses. Left out, because in BIRD they never win
 * or never pass: the node's own blocks (static1's blackhole, preference 200, wins over
 * kernel1's 10), prefixes BGP also carries (`hasBgpPath`; preference 100 wins), routes on
 * Felix's tunnel devices (rejected toward iBGP peers; toward eBGP the BGP path of the same
 * prefix wins), and the kernel's own and BIRD's own routes (not alien).
 */
export function learnedExports(k: KernelState, intent: BgpIntent | undefined, hasBgpPath: (prefix: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  if (!intent) return out;
  const statics = new Set([...intent.blackholes, ...intent.staticRoutes]);
  for (const r of k.routes) {
    if (r.table !== MAIN || r.protocol === RTPROT_BIRD || r.protocol === RTPROT_KERNEL || r.protocol <= 1) continue;
    if (r.type !== 'unicast') continue;
    const dev = devName(k, r.ifindex);
    if (!dev || tunnelInterface(dev)) continue;
    const prefix = formatPrefix4(r.dst);
    if (statics.has(prefix) || out.has(prefix) || hasBgpPath(prefix)) continue;
    if (!exportDecision(intent, prefix).accept) continue;
    out.set(prefix, dev);
  }
  return out;
}
