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
 * applies the difference to the kernel, touching only routes it installed itself.
 */
import { formatIPv4, parseIPv4, parsePrefix4, prefixContains } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { KernelOps, KernelState } from '../../sim/types.ts';
import { RTPROT_BIRD } from '../../sim/types.ts';
import type { Route as BgpRoute } from '../../bgp/index.ts';
import { kernelDecision } from '../confd/index.ts';
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

/** `ip route` text of a BIRD route (what the kernel will print, minus the scope). */
export function birdRouteText(r: BirdKernelRoute): string {
  if (r.type === 'blackhole') return `blackhole ${r.dst} proto bird`;
  return `${r.dst} via ${r.gateway} dev ${r.dev} proto bird${r.onlink ? ' onlink' : ''}`;
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

function same(a: BirdKernelRoute, b: BirdKernelRoute): boolean {
  return a.type === b.type && a.gateway === b.gateway && a.dev === b.dev && a.onlink === b.onlink;
}

/** A change the kernel protocol made (or failed to make). */
export interface KernelRouteChange {
  readonly action: 'add' | 'replace' | 'delete' | 'error';
  readonly route: BirdKernelRoute;
  readonly error?: string;
}

/**
 * Brings the kernel's proto-bird routes from `installed` to `desired`; updates `installed`
 * in place and returns what changed. A route the kernel refuses (device not there yet) is
 * reported and retried on the next sync.
 */
export function syncKernelRoutes(k: RouteKernel, installed: Map<string, BirdKernelRoute>, desired: ReadonlyMap<string, BirdKernelRoute>): KernelRouteChange[] {
  const changes: KernelRouteChange[] = [];
  for (const [dst, r] of installed) {
    if (desired.has(dst)) continue;
    try {
      k.delRoute({ dst: parsePrefix4(dst), table: MAIN });
    } catch { /* already gone (device deleted, or someone removed it by hand) */ }
    installed.delete(dst);
    changes.push({ action: 'delete', route: r });
  }
  for (const [dst, r] of desired) {
    const had = installed.get(dst);
    if (had && same(had, r)) continue;
    const prefix: Prefix4 = parsePrefix4(dst);
    try {
      k.addRoute({
        table: MAIN, type: r.type, dst: prefix, protocol: RTPROT_BIRD, scope: 'global', metric: 0, onlink: r.onlink,
        ...(r.gateway ? { gateway: parseIPv4(r.gateway) } : {}), ...(r.dev ? { dev: r.dev } : {}),
      }, 'replace');
      installed.set(dst, r);
      changes.push({ action: had ? 'replace' : 'add', route: r });
    } catch (e) {
      changes.push({ action: 'error', route: r, error: (e as Error).message });
    }
  }
  return changes;
}
