/**
 * The IPv4 receive path: ip_rcv() → PREROUTING → ip_rcv_finish() → ip_route_input_slow()
 * (martian checks, FIB lookup, fib_validate_source for rp_filter) → ip_local_deliver()
 * (reassembly, INPUT, protocol handlers) or ip_forward() (TTL, MTU/DF, FORWARD, output) or
 * ip_error() (ICMP for unreachable/prohibit routes, nothing for blackhole).
 */
import type { IPv4 } from '../net/ip.ts';
import type { Ipv4Packet, TcpSegment, UdpDatagram } from '../net/packet.ts';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PKT_FILTERED, ICMP_PORT_UNREACH, ICMP_PROT_UNREACH,
  ICMP_TIME_EXCEEDED, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN,
} from '../net/packet.ts';
import { decodeIpv4, encodeIpv4, ipv4TotalLength, makeIpv4, makeTcp } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice, Route } from './types.ts';
import { drop } from './device.ts';
import { effective } from './sysctl.ts';
import { icmpRcv, icmpSend, nextId } from './icmp.ts';
import { nfContinue, nfHook } from './netfilter-hook.ts';
import { ipLocalOut, ipOutput } from './ipv4-output.ts';
import { ipipRcv } from './tunnel-ipip.ts';
import { vxlanRcv } from './tunnel-vxlan.ts';
import { maybeSendRedirect } from './redirect.ts';
import { sctpRcv } from './sctp.ts';
import { IPPROTO_SCTP } from '../net/sctp.ts';

/** ip_rcv(): an IPv4 packet arrives on a device (after L2). */
export function ipRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet): void {
  k.counters.ipInReceives++;
  const p = nfHook(k, 'PREROUTING', pkt, dev, undefined);
  if (p) ipRcvFinish(k, dev, p);
}

function isMartianSource(src: IPv4): boolean {
  return (src & 0xf0000000) >>> 0 === 0xe0000000 || src === 0xffffffff || (src >>> 24) === 0;
}

/** ip_route_input_slow() and the dispatch on its result. */
function ipRcvFinish(k: Kernel, dev: NetDevice, pkt: Ipv4Packet): void {
  // The three IN_DEV_* values this path reads, straight from the sysctl tables (what
  // effective() computes, without building its whole record for every packet).
  const s = k.sysctls;
  const d = s.conf.get(dev.ifindex) ?? s.default;
  const conf = { forwarding: d.forwarding, rpFilter: Math.max(s.all.rpFilter, d.rpFilter), routeLocalnet: s.all.routeLocalnet || d.routeLocalnet };
  if (isMartianSource(pkt.src) || ((pkt.src >>> 24) === 127 && !conf.routeLocalnet && dev.kind !== 'loopback')) {
    drop(k, 'martian', dev, pkt);
    return;
  }
  if (pkt.dst === 0xffffffff) {
    ipLocalDeliver(k, dev, pkt);
    return;
  }
  const rt = k.route(pkt.dst);
  if (!rt) {
    if (!conf.forwarding) drop(k, 'forwarding-off', dev, pkt);
    else ipError(k, dev, pkt, 'no-route', ICMP_NET_UNREACH);
    return;
  }
  switch (rt.type) {
    case 'local':
    case 'broadcast':
      if (dev.kind !== 'loopback' && !validateSource(k, dev, pkt, conf.rpFilter)) return;
      ipLocalDeliver(k, dev, pkt);
      return;
    case 'blackhole':
      drop(k, 'blackhole', dev, pkt);
      return;
    case 'unreachable':
      ipError(k, dev, pkt, 'unreachable', ICMP_HOST_UNREACH);
      return;
    case 'prohibit':
      ipError(k, dev, pkt, 'prohibit', ICMP_PKT_FILTERED);
      return;
    default:
      break;
  }
  if (!conf.forwarding) {
    drop(k, 'forwarding-off', dev, pkt);
    return;
  }
  if (!validateSource(k, dev, pkt, conf.rpFilter)) return;
  ipForward(k, dev, pkt, rt);
}

/** ip_error(): ICMP for an input route error, only when the device forwards (else silent). */
function ipError(k: Kernel, dev: NetDevice, pkt: Ipv4Packet, reason: 'no-route' | 'unreachable' | 'prohibit', code: number): void {
  drop(k, reason, dev, pkt);
  if (effective(k.sysctls, dev.ifindex).forwarding) icmpSend(k, pkt, ICMP_DEST_UNREACH, code, 0);
}

/**
 * fib_validate_source(): a source that is one of our addresses is martian; with rp_filter
 * the reverse route to the source must exist (loose, 2) and leave through the receiving
 * device (strict, 1).
 */
function validateSource(k: Kernel, dev: NetDevice, pkt: Ipv4Packet, rpf: number): boolean {
  const back = k.route(pkt.src);
  if (back && back.type === 'local') {
    drop(k, 'martian', dev, pkt);
    return false;
  }
  if (rpf === 0) return true;
  const ok = back !== undefined && back.type === 'unicast' && (rpf === 2 || back.ifindex === dev.ifindex);
  if (!ok) drop(k, 'rp-filter', dev, pkt);
  return ok;
}

/** ip_forward(): TTL, DF/MTU, TTL decrement, FORWARD hook, then ip_output. */
function ipForward(k: Kernel, inDev: NetDevice, pkt: Ipv4Packet, rt: Route): void {
  if (pkt.ttl <= 1) {
    drop(k, 'ttl', inDev, pkt);
    icmpSend(k, pkt, ICMP_TIME_EXCEEDED, 0, 0);
    return;
  }
  const outDev = k.devices.get(rt.ifindex!);
  if (!outDev) {
    drop(k, 'no-device', inDev, pkt);
    return;
  }
  if (pkt.df && ipv4TotalLength(pkt) > outDev.mtu) {
    drop(k, 'mtu', outDev, pkt);
    icmpSend(k, pkt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, outDev.mtu);
    return;
  }
  const dec = withTtl(pkt, pkt.ttl - 1);
  nfContinue(k, pkt, dec);
  maybeSendRedirect(k, inDev, outDev, dec, rt);
  const p = nfHook(k, 'FORWARD', dec, inDev, outDev);
  if (!p) return;
  k.counters.ipForwarded++;
  if (k.trace.active) k.trace.emit({ type: 'forward', t: k.clock.nowMs(), node: k.node, inDev: inDev.name, outDev: outDev.name, pkt: p });
  ipOutput(k, p, outDev, rt.gateway ?? p.dst, inDev);
}

/**
 * A copy of `p` with another TTL (packets are immutable: captures and traces may hold the
 * old one). Written out field by field in the order makeIpv4/decodeIpv4 use, so the copy
 * has the same shape and JSON as the original — an object spread is several times slower
 * on the forwarding path.
 */
function withTtl(p: Ipv4Packet, ttl: number): Ipv4Packet {
  return p.options === undefined
    ? { kind: 'ipv4', tos: p.tos, id: p.id, df: p.df, mf: p.mf, fragOffset: p.fragOffset, ttl, protocol: p.protocol, src: p.src, dst: p.dst, payload: p.payload }
    : { kind: 'ipv4', tos: p.tos, id: p.id, df: p.df, mf: p.mf, fragOffset: p.fragOffset, ttl, protocol: p.protocol, src: p.src, dst: p.dst, options: p.options, payload: p.payload };
}

interface FragQueue {
  parts: Ipv4Packet[];
  timer: number;
}
const IPFRAG_TIME_MS = 30_000;
const fragQueues = new WeakMap<Kernel, Map<string, FragQueue>>();

/** ip_defrag(): collects fragments; returns the whole datagram once every byte is there. */
function defrag(k: Kernel, pkt: Ipv4Packet): Ipv4Packet | undefined {
  let m = fragQueues.get(k);
  if (!m) fragQueues.set(k, (m = new Map()));
  const key = `${pkt.src}|${pkt.dst}|${pkt.id}|${pkt.protocol}`;
  let q = m.get(key);
  if (!q) {
    const map = m;
    q = { parts: [], timer: k.clock.schedule(IPFRAG_TIME_MS, () => map.delete(key)) };
    m.set(key, q);
  }
  q.parts.push(pkt);
  q.parts.sort((a, b) => a.fragOffset - b.fragOffset);
  let next = 0;
  let done = false;
  for (const f of q.parts) {
    if (f.fragOffset * 8 > next) return undefined;
    next = Math.max(next, f.fragOffset * 8 + fragBytes(f).length);
    if (!f.mf) done = true;
  }
  if (!done) return undefined;
  k.clock.cancel(q.timer);
  m.delete(key);
  const data = new Uint8Array(next);
  for (const f of q.parts) data.set(fragBytes(f), f.fragOffset * 8);
  const first = q.parts[0]!;
  const whole: Ipv4Packet = { ...first, mf: false, fragOffset: 0, payload: data };
  return decodeIpv4(encodeIpv4(whole));
}

function fragBytes(f: Ipv4Packet): Uint8Array {
  if (f.payload instanceof Uint8Array) return f.payload;
  return encodeIpv4({ ...f, mf: false, fragOffset: 0 }).subarray(20 + (f.options?.length ?? 0));
}

/** ip_local_deliver(): reassembly, INPUT, then the protocol handler (icmp/udp/tcp/ipip/sctp). */
export function ipLocalDeliver(k: Kernel, dev: NetDevice, pkt: Ipv4Packet): void {
  let p: Ipv4Packet | null = pkt;
  if (pkt.mf || pkt.fragOffset > 0) {
    const whole = defrag(k, pkt);
    if (!whole) return;
    p = whole;
  }
  p = nfHook(k, 'INPUT', p, dev, undefined);
  if (!p) return;
  k.counters.ipInDelivers++;
  if (k.trace.active) k.trace.emit({ type: 'deliver', t: k.clock.nowMs(), node: k.node, dev: dev.name, pkt: p });
  const payload = p.payload;
  if (payload instanceof Uint8Array) {
    if (p.protocol === IPPROTO_SCTP) {
      sctpRcv(k, dev, p);
      return;
    }
    if (p.protocol !== IPPROTO_ICMP && p.protocol !== IPPROTO_UDP && p.protocol !== IPPROTO_TCP) icmpSend(k, p, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
    return;
  }
  switch (payload.kind) {
    case 'icmp': icmpRcv(k, dev, p); return;
    case 'udp': udpRcv(k, dev, p, payload); return;
    case 'tcp': tcpRcv(k, dev, p, payload); return;
    case 'ipv4':
      if (p.protocol === IPPROTO_IPIP) ipipRcv(k, dev, p, payload);
      return;
  }
}

/** udp_rcv(): VXLAN sockets, bound sockets, else ICMP port unreachable. */
function udpRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet, u: UdpDatagram): void {
  if (vxlanRcv(k, pkt, u)) return;
  const sock = k.udpSockets.get(u.dstPort);
  if (sock) {
    sock(pkt, dev);
    return;
  }
  drop(k, 'no-listener', dev, pkt);
  icmpSend(k, pkt, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
}

/** tcp_v4_rcv(): listeners get the segment; otherwise tcp_v4_send_reset() answers. */
function tcpRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet, t: TcpSegment): void {
  const l = k.tcpListeners.get(t.dstPort);
  if (l) {
    l(pkt, dev);
    return;
  }
  drop(k, 'no-listener', dev, pkt);
  if (t.flags & TCP_RST) return;
  const syn = (t.flags & TCP_SYN) !== 0;
  const segLen = t.payload.length + (syn ? 1 : 0) + (t.flags & 1 ? 1 : 0);
  const rst = (t.flags & TCP_ACK)
    ? makeTcp({ srcPort: t.dstPort, dstPort: t.srcPort, seq: t.ack, ack: 0, flags: TCP_RST, window: 0 })
    : makeTcp({ srcPort: t.dstPort, dstPort: t.srcPort, seq: 0, ack: (t.seq + segLen) >>> 0, flags: TCP_RST | TCP_ACK, window: 0 });
  ipLocalOut(k, makeIpv4({ src: pkt.dst, dst: pkt.src, payload: rst, ttl: 64, df: true, id: nextId(k) }), {});
}
