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
import type { BgpIntent, KernelRule } from './types.ts';

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
  const c = compiled(i);
  const net = c ? fastPrefix4(prefix) : undefined;
  return c && net ? exportCompiled(c, net) : exportDecisionText(i, prefix);
}

/** exportDecision by the filter's text, parsing every CIDR on every call: the definition, and the path for inputs the compiled form does not take. */
export function exportDecisionText(i: BgpIntent, prefix: string): ExportDecision {
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
  const c = compiled(i);
  const net = c ? fastPrefix4(prefix) : undefined;
  return c && net ? kernelCompiled(c, net, bgpNextHop) : kernelDecisionText(i, prefix, bgpNextHop);
}

/** kernelDecision by the filter's text (see exportDecisionText). */
export function kernelDecisionText(i: BgpIntent, prefix: string, bgpNextHop?: string): KernelDecision {
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

// ---- compiled form ------------------------------------------------------------------------
// Every speaker exports every route through calico_export_to_bgp_peers, once per peer class:
// at 1,000 nodes that is millions of evaluations per convergence. The intent is immutable, so
// its CIDRs are parsed once per intent object (a WeakMap: no per-prefix memory), decisions
// without communities are shared objects, and the route's prefix is parsed without a regex.

interface Cidr { readonly text: string; readonly net: Prefix4 }

interface CompiledFilters {
  readonly pools: readonly (Cidr & { readonly disableBGPExport: boolean })[];
  readonly communities: readonly (Cidr & { readonly values: readonly string[] })[];
  readonly blocks: readonly Cidr[];
  readonly staticRoutes: readonly Cidr[];
  readonly rrLoadBalancerIPs: readonly Cidr[];
  readonly kernelRules: readonly (Cidr & { readonly rule: KernelRule; readonly network?: Prefix4; readonly decision?: KernelDecision })[];
  /** Decisions without communities, by the reason text (built once per intent). */
  readonly shared: Map<string, ExportDecision>;
}

const COMPILED = new WeakMap<BgpIntent, CompiledFilters | null>();

function cidr(text: string): Cidr {
  return { text, net: parsePrefix4(text) };
}

/** The intent's filters compiled, or null when one of its CIDRs is not IPv4 (the text path then decides, and fails, as it always did). */
function compiled(i: BgpIntent): CompiledFilters | null {
  let c = COMPILED.get(i);
  if (c !== undefined) return c;
  try {
    c = {
      pools: i.pools.map((p) => ({ ...cidr(p.cidr), disableBGPExport: p.disableBGPExport })),
      communities: i.communities.filter((a) => !a.cidr.includes(':')).map((a) => ({ ...cidr(a.cidr), values: a.communities })),
      blocks: aggregatingBlocks(i.blocks).map((b) => cidr(b.cidr)),
      staticRoutes: i.staticRoutes.map(cidr),
      rrLoadBalancerIPs: i.rrLoadBalancerIPs.map(cidr),
      kernelRules: i.kernelRules.map((r) => {
        const base = { ...cidr(r.cidr), rule: r };
        switch (r.action) {
          case 'reject-static': return { ...base, decision: { install: false, reason: `static route ${r.cidr}: advertised, not installed` } as const };
          case 'reject-vxlan': return { ...base, decision: { install: false, reason: `VXLAN pool ${r.cidr}: Felix programs these routes` } as const };
          case 'tunnel': return { ...base, decision: { install: true, tunnel: r.tunnel, reason: r.tunnel ? `IPIP pool ${r.cidr}` : `pool ${r.cidr} without IPIP` } as const };
          case 'cross-subnet': return { ...base, network: parsePrefix4(r.network) };
        }
        return base;
      }),
      shared: new Map(),
    };
  } catch {
    c = null;
  }
  COMPILED.set(i, c);
  return c;
}

/** "a.b.c.d/len" (canonical, as the RIB keys prefixes) without a regex; undefined for anything else. */
function fastPrefix4(text: string): Prefix4 | undefined {
  let addr = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digits > 0 && part === 0) return undefined; // leading zero
      part = part * 10 + (ch - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (ch === 46 || ch === 47) {
      if (digits === 0) return undefined;
      addr = addr * 256 + part;
      part = 0;
      digits = 0;
      if (ch === 47) break;
      if (++dots > 3) return undefined;
    } else return undefined;
  }
  if (dots !== 3) return undefined;
  if (i === text.length) return digits === 0 ? undefined : { addr: addr * 256 + part, len: 32 };
  // Here text[i] is '/' and `addr` holds all four octets.
  if (i === text.length - 1) return undefined;
  let len = 0;
  for (let j = i + 1; j < text.length; j++) {
    const ch = text.charCodeAt(j);
    if (ch < 48 || ch > 57 || (j > i + 1 && len === 0) || j > i + 2) return undefined;
    len = len * 10 + (ch - 48);
  }
  return len > 32 ? undefined : { addr: addr >>> 0, len };
}

function covers(outer: Prefix4, inner: Prefix4): boolean {
  return prefixCovers(outer, inner);
}

function decision(c: CompiledFilters, accept: boolean, communities: readonly string[], reason: string): ExportDecision {
  if (communities.length > 0) return { accept, communities, reason };
  let d = c.shared.get(reason);
  if (!d || d.accept !== accept) c.shared.set(reason, (d = { accept, communities: [], reason }));
  return d;
}

function exportCompiled(c: CompiledFilters, net: Prefix4): ExportDecision {
  for (const p of c.pools) if (p.disableBGPExport && covers(p.net, net)) return decision(c, false, [], `pool ${p.text} has disableBGPExport`);
  let communities: readonly string[] = [];
  for (const a of c.communities) if (covers(a.net, net)) communities = [...communities, ...a.values];
  for (const b of c.blocks) {
    if (b.net.len === net.len && b.net.addr === net.addr) return decision(c, true, communities, `block ${b.text} of this node`);
    if (covers(b.net, net)) return decision(c, false, [], `inside block ${b.text} of this node (aggregated)`);
  }
  for (const s of c.staticRoutes) if (covers(s.net, net)) return decision(c, true, communities, `static route ${s.text}`);
  for (const s of c.rrLoadBalancerIPs) if (covers(s.net, net)) return decision(c, true, communities, `load-balancer range ${s.text} (route reflector)`);
  for (const p of c.pools) if (!p.disableBGPExport && covers(p.net, net)) return decision(c, true, communities, `inside pool ${p.text}`);
  return decision(c, false, [], 'not in any IP pool');
}

const NOT_IN_POOL: KernelDecision = { install: true, tunnel: '', reason: 'not in any IP pool' };

function kernelCompiled(c: CompiledFilters, net: Prefix4, bgpNextHop: string | undefined): KernelDecision {
  for (const r of c.kernelRules) {
    if (!covers(r.net, net)) continue;
    if (r.decision) return r.decision;
    const rule = r.rule as Extract<KernelRule, { action: 'cross-subnet' }>;
    const local = bgpNextHop !== undefined && isIPv4(bgpNextHop) && prefixContains(r.network!, parseIPv4(bgpNextHop));
    return local
      ? { install: true, tunnel: '', reason: `CrossSubnet pool ${rule.cidr}: next hop ${bgpNextHop} is in ${rule.network}` }
      : { install: true, tunnel: rule.tunnel, reason: `CrossSubnet pool ${rule.cidr}: next hop ${bgpNextHop ?? '(none)'} is outside ${rule.network}` };
  }
  return NOT_IN_POOL;
}
