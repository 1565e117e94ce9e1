/**
 * The IPv4 output path: ip_route_output_key() → ip_local_out() (OUTPUT hook) → ip_output()
 * (POSTROUTING hook) → ip_finish_output() (fragmentation, ip_fragment) →
 * ip_finish_output2() → the neighbour layer, or the tunnel driver for IPIP devices.
 *
 * Locally generated DF packets larger than the path MTU fail with EMSGSIZE before leaving
 * (ip_append_data), using the route MTU or a learned PMTU exception (ip_rt_update_pmtu,
 * 10 minutes, ip_rt_mtu_expires) — which is why a second `ping -M do` prints "local error:
 * message too long, mtu=…" after the first got "Frag needed".
 */
import type { IPv4 } from '../net/ip.ts';
import type { Ipv4Packet } from '../net/packet.ts';
import { encodeIpv4, ipv4TotalLength } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice, Route } from './types.ts';
import { ZERO_MAC } from '../net/packet.ts';
import { devXmit, drop } from './device.ts';
import { neighOutput } from './neigh.ts';
import { nfHook, carryMark } from './netfilter-hook.ts';
import { selectSource } from './fib-config.ts';
import { ipipXmit } from './tunnel-ipip.ts';
import { redirectedGateway } from './redirect.ts';

/** Errno of a failed output route or send, as the socket call reports it. */
export type OutErrno = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EMSGSIZE' | 'EPERM' | 'ENETDOWN';

/** What a local send returns: ok, or the errno (and for EMSGSIZE the MTU). */
export type OutResult = { ok: true } | { ok: false; errno: OutErrno; mtu?: number };

/** A resolved output route. */
export interface OutRoute {
  route: Route;
  dev: NetDevice;
  nexthop: IPv4;
  src: IPv4;
}

const PMTU_EXPIRES_MS = 600_000;
const pmtu = new WeakMap<Kernel, Map<IPv4, { mtu: number; until: number }>>();

/** ip_rt_update_pmtu(): remembers a smaller path MTU towards `dst` (from ICMP frag-needed). */
export function updatePmtu(k: Kernel, dst: IPv4, mtu: number): void {
  let m = pmtu.get(k);
  if (!m) pmtu.set(k, (m = new Map()));
  m.set(dst, { mtu, until: k.clock.nowMs() + PMTU_EXPIRES_MS });
}

/** The MTU a local sender sees towards `dst` through `dev`. */
export function pathMtu(k: Kernel, dev: NetDevice, dst: IPv4): number {
  const e = pmtu.get(k)?.get(dst);
  if (e && e.until > k.clock.nowMs() && e.mtu < dev.mtu) return e.mtu;
  return dev.mtu;
}

/** ip_route_output_key(): the route, device, next hop and source for a locally generated packet. */
export function routeOutput(k: Kernel, dst: IPv4, oif?: number, src?: IPv4): OutRoute | OutErrno {
  const route = k.route(dst, oif !== undefined ? { oif } : undefined);
  if (!route) return 'ENETUNREACH';
  switch (route.type) {
    case 'blackhole': return 'EINVAL';
    case 'unreachable': return 'EHOSTUNREACH';
    case 'prohibit': return 'EACCES';
    default: break;
  }
  // Local and broadcast destinations of our own go through the loopback device.
  const dev = route.type === 'local' ? k.devices.get(1)! : k.devices.get(route.ifindex!);
  if (!dev) return 'ENETUNREACH';
  // A next-hop exception learnt from an ICMP redirect overrides the route's gateway.
  const nexthop = route.gateway !== undefined ? (redirectedGateway(k, dst) ?? route.gateway) : dst;
  const s = src || route.prefsrc || (route.type === 'local' ? dst : selectSource(k, dev.ifindex, dst)) || 0;
  return { route, dev, nexthop, src: s };
}

/** ip_local_out() for a locally generated packet (src 0 = pick one); returns the socket's view. */
export function ipLocalOut(k: Kernel, pkt: Ipv4Packet, opts: { oif?: number; checkMtu?: boolean }): OutResult {
  if (k.stopped) return { ok: false, errno: 'ENETDOWN' };
  let rt = routeOutput(k, pkt.dst, opts.oif, pkt.src);
  if (typeof rt === 'string') {
    drop(k, rt === 'EINVAL' ? 'blackhole' : rt === 'EHOSTUNREACH' ? 'unreachable' : rt === 'EACCES' ? 'prohibit' : 'no-route', undefined, pkt);
    return { ok: false, errno: rt };
  }
  let p = pkt.src === 0 ? { ...pkt, src: rt.src } : pkt;
  k.counters.ipOutRequests++;
  if (opts.checkMtu && p.df) {
    const mtu = pathMtu(k, rt.dev, p.dst);
    if (ipv4TotalLength(p) > mtu) return { ok: false, errno: 'EMSGSIZE', mtu };
  }
  const after = nfHook(k, 'OUTPUT', p, undefined, rt.dev);
  if (!after) return { ok: false, errno: 'EPERM' };
  if (after.dst !== p.dst) {
    const again = routeOutput(k, after.dst, opts.oif, after.src); // NAT changed the destination: reroute
    if (typeof again === 'string') return { ok: false, errno: again };
    rt = again;
  }
  p = after;
  ipOutput(k, p, rt.dev, rt.nexthop, undefined);
  return { ok: true };
}

/** ip_output(): POSTROUTING, then fragmentation and the hand-off to the device. */
export function ipOutput(k: Kernel, pkt: Ipv4Packet, dev: NetDevice, nexthop: IPv4, inDev: NetDevice | undefined): void {
  const p = nfHook(k, 'POSTROUTING', pkt, inDev, dev);
  if (!p) return;
  const len = ipv4TotalLength(p);
  if (len > dev.mtu && dev.kind !== 'loopback') {
    if (p.df) {
      drop(k, 'mtu', dev, p);
      return;
    }
    for (const f of fragment(p, dev.mtu)) {
      k.counters.fragCreates++;
      finishOutput2(k, f, dev, nexthop);
    }
    return;
  }
  finishOutput2(k, p, dev, nexthop);
}

function finishOutput2(k: Kernel, pkt: Ipv4Packet, dev: NetDevice, nexthop: IPv4): void {
  if (dev.kind === 'ipip') ipipXmit(k, dev, pkt, nexthop);
  else if (dev.kind === 'loopback') devXmit(k, dev, { dst: ZERO_MAC, src: ZERO_MAC, etherType: 0x0800, payload: pkt });
  else neighOutput(k, dev, nexthop, pkt);
}

/** ip_fragment(): splits a packet into fragments that fit `mtu` (payload chunks of 8-byte units). */
export function fragment(pkt: Ipv4Packet, mtu: number): Ipv4Packet[] {
  const bytes = encodeIpv4(pkt);
  const hl = 20 + (pkt.options?.length ?? 0);
  const data = bytes.subarray(hl);
  const chunk = Math.floor((mtu - hl) / 8) * 8;
  const out: Ipv4Packet[] = [];
  for (let off = 0; off < data.length; off += chunk) {
    const last = off + chunk >= data.length;
    const f: Ipv4Packet = {
      ...pkt, df: false, mf: last ? pkt.mf : true, fragOffset: pkt.fragOffset + off / 8, payload: data.slice(off, Math.min(data.length, off + chunk)),
    };
    carryMark(pkt, f);
    out.push(f);
  }
  return out;
}
