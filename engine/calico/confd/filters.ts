/**
 * The two BIRD filters of bird_ipam.cfg evaluated in TypeScript, for the built-in speaker
 * and the simulated dataplane: which routes leave the node (calico_export_to_bgp_peers)
 * and how a learned route is installed in the kernel (calico_kernel_programming).
 *
 * BIRD's `net ~ P` on prefixes means "net lies inside P (or equals it)"; `net = P` is
 * equality; `bgp_next_hop ~ P` is address membership. Interface-based rules
 * (reject_tunnel_routes, reject_local_routes) concern Felix-programmed device routes, which
 * the built-in speaker never learns, so they have no counterpart here.
 */
import { isIPv4, parseIPv4, parsePrefix4, prefixContains, prefixCovers } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import { aggregatingBlocks } from './intent.ts';
import type { BgpIntent } from './types.ts';

function within(net: Prefix4, outer: string): boolean {
  return prefixCovers(parsePrefix4(outer), net);
}

function same(net: Prefix4, other: string): boolean {
  const o = parsePrefix4(other);
  return o.len === net.len && o.addr === net.addr;
}

/** Outcome of calico_export_to_bgp_peers for one route. */
export interface ExportDecision {
  readonly accept: boolean;
  /** Communities apply_communities() adds (`aa:nn` / `aa:nn:mm`). */
  readonly communities: readonly string[];
  /** The filter line that decided, for explanations in the UI. */
  readonly reason: string;
}

/** Runs calico_export_to_bgp_peers(internal) on `prefix` (IPv4 text), then the final `reject`. */
export function exportDecision(i: BgpIntent, prefix: string): ExportDecision {
  const net = parsePrefix4(prefix);
  const reject = (reason: string): ExportDecision => ({ accept: false, communities: [], reason });
  for (const p of i.pools) if (p.disableBGPExport && within(net, p.cidr)) return reject(`pool ${p.cidr} has disableBGPExport`);
  const communities = i.communities.filter((a) => !a.cidr.includes(':') && within(net, a.cidr)).flatMap((a) => a.communities);
  const accept = (reason: string): ExportDecision => ({ accept: true, communities, reason });
  for (const b of aggregatingBlocks(i.blocks)) {
    if (same(net, b.cidr)) return accept(`block ${b.cidr} of this node`);
    if (within(net, b.cidr)) return reject(`inside block ${b.cidr} of this node (aggregated)`);
  }
  for (const c of i.staticRoutes) if (within(net, c)) return accept(`static route ${c}`);
  for (const c of i.rrLoadBalancerIPs) if (within(net, c)) return accept(`load-balancer range ${c} (route reflector)`);
  for (const p of i.pools) if (!p.disableBGPExport && within(net, p.cidr)) return accept(`inside pool ${p.cidr}`);
  return reject('not in any IP pool');
}

/** How BIRD hands a learned route to the kernel. */
export type KernelDecision =
  | { readonly install: false; readonly reason: string }
  | { readonly install: true; readonly tunnel: '' | 'tunl0'; readonly reason: string };

/** Runs calico_kernel_programming on `prefix` learned with `bgpNextHop` (absent for non-BGP routes). */
export function kernelDecision(i: BgpIntent, prefix: string, bgpNextHop?: string): KernelDecision {
  const net = parsePrefix4(prefix);
  for (const r of i.kernelRules) {
    if (!within(net, r.cidr)) continue;
    switch (r.action) {
      case 'reject-static':
        return { install: false, reason: `static route ${r.cidr}: advertised, not installed` };
      case 'reject-vxlan':
        return { install: false, reason: `VXLAN pool ${r.cidr}: Felix programs these routes` };
      case 'tunnel':
        return { install: true, tunnel: r.tunnel, reason: r.tunnel ? `IPIP pool ${r.cidr}` : `pool ${r.cidr} without IPIP` };
      case 'cross-subnet': {
        const local = bgpNextHop !== undefined && isIPv4(bgpNextHop) && prefixContains(parsePrefix4(r.network), parseIPv4(bgpNextHop));
        return local
          ? { install: true, tunnel: '', reason: `CrossSubnet pool ${r.cidr}: next hop ${bgpNextHop} is in ${r.network}` }
          : { install: true, tunnel: r.tunnel, reason: `CrossSubnet pool ${r.cidr}: next hop ${bgpNextHop ?? '(none)'} is outside ${r.network}` };
      }
    }
  }
  return { install: true, tunnel: '', reason: 'not in any IP pool' };
}
