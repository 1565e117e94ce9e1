/**
 * IP-in-IP tunnels (net/ipv4/ipip.c + ip_tunnel.c).
 *
 * Transmit (ip_tunnel_xmit): the outer destination is the device's remote, or — for tunl0,
 * whose remote is "any" — the route's gateway (`via X dev tunl0 onlink`), falling back to the
 * inner destination. The outer source is the device's local or what routing picks. TTL 0
 * means inherit the inner TTL; DF: tunl0 is created by the module without pmtudisc
 * (`ip -d link` prints "nopmtudisc") so it copies the inner DF, while devices made with
 * `ip link add type ipip` default to pmtudisc and always set DF. The outer packet goes
 * through ip_local_out (OUTPUT, routing, POSTROUTING) like any locally generated packet.
 *
 * Receive (ipip_rcv): protocol 4 to a local address finds the tunnel by (remote, local),
 * then the fallback tunl0; the inner packet re-enters ip_rcv with the tunnel as input device.
 * Without any IPIP device the protocol is unhandled: ICMP protocol unreachable.
 */
import type { IPv4 } from '../net/ip.ts';
import type { Ipv4Packet } from '../net/packet.ts';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PROT_UNREACH, IPPROTO_IPIP } from '../net/packet.ts';
import { ipv4TotalLength, makeIpv4 } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice } from './types.ts';
import { drop } from './device.ts';
import { icmpSend, nextId } from './icmp.ts';
import { ipLocalOut, routeOutput } from './ipv4-output.ts';
import { ipRcv } from './ipv4-input.ts';

/** ip_tunnel_xmit(): wraps `inner` in an outer IPv4 header (protocol 4) and sends it. */
export function ipipXmit(k: Kernel, dev: NetDevice, inner: Ipv4Packet, nexthop: IPv4): void {
  const cfg = dev.ipip ?? {};
  const dst = cfg.remote ?? nexthop;
  const pmtudisc = dev.name !== 'tunl0';
  // Pick the outer source now (ip_tunnel_xmit does its route lookup here too), so the encap
  // event shows the address that goes on the wire rather than 0.0.0.0.
  let src = cfg.local ?? 0;
  if (src === 0) {
    const rt = routeOutput(k, dst);
    if (typeof rt !== 'string') src = rt.src;
  }
  const outer = makeIpv4({
    src, dst, payload: inner, protocol: IPPROTO_IPIP, ttl: inner.ttl, df: pmtudisc || inner.df, tos: inner.tos, id: nextId(k),
  });
  dev.stats.txPackets++;
  dev.stats.txBytes += ipv4TotalLength(inner);
  if (k.trace.active) k.trace.emit({ type: 'encap', t: k.clock.nowMs(), node: k.node, dev: dev.name, tunnel: 'ipip', inner, outer });
  const res = ipLocalOut(k, outer, { checkMtu: true });
  if (!res.ok) {
    dev.stats.txDropped++;
    if (res.errno === 'EMSGSIZE' && inner.df) icmpSend(k, inner, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, (res.mtu ?? dev.mtu) - 20);
    else drop(k, 'no-route', dev, inner);
  }
}

/** ipip_rcv(): decapsulates protocol-4 packets into the matching tunnel device. */
export function ipipRcv(k: Kernel, _under: NetDevice, outer: Ipv4Packet, inner: Ipv4Packet): void {
  let fallback: NetDevice | undefined;
  let match: NetDevice | undefined;
  for (const d of k.devices.values()) {
    if (d.kind !== 'ipip') continue;
    const c = d.ipip ?? {};
    if (c.remote === undefined && c.local === undefined) fallback ??= d;
    else if ((c.remote === undefined || c.remote === outer.src) && (c.local === undefined || c.local === outer.dst)) match ??= d;
  }
  const dev = match ?? fallback;
  if (!dev) {
    icmpSend(k, outer, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
    return;
  }
  if (!dev.adminUp) {
    dev.stats.rxDropped++;
    drop(k, 'link-down', dev, inner);
    return;
  }
  dev.stats.rxPackets++;
  dev.stats.rxBytes += ipv4TotalLength(inner);
  if (k.trace.active) k.trace.emit({ type: 'decap', t: k.clock.nowMs(), node: k.node, dev: dev.name, tunnel: 'ipip', inner, outer });
  ipRcv(k, dev, inner);
}
