/**
 * ICMP in the kernel (net/ipv4/icmp.c): icmp_send() for errors the stack raises, icmp_echo()
 * for the replies the kernel itself gives, and delivery of every ICMP message to raw ICMP
 * sockets (what ping and traceroute read).
 *
 * icmp_send() rules kept: never about an ICMP error, a non-first fragment, or a packet to or
 * from a broadcast/multicast/zero address. The error's source is the destination of the
 * original when that is one of our addresses, otherwise whatever the route back to the
 * sender selects (icmp_errors_use_inbound_ifaddr=0), so traceroute shows each router's
 * address towards the source. The quote is the original packet up to 576 bytes in all. TOS is 0xc0 (IPTOS_PREC_INTERNETCONTROL), DF is clear (the
 * ICMP control socket uses IP_PMTUDISC_DONT). Linux rate-limits ICMP errors (icmp_ratelimit,
 * icmp_msgs_per_sec); the simulator ignores the limits so every probe gets its answer.
 */
import type { IPv4 } from '../net/ip.ts';
import type { IcmpMessage, Ipv4Packet } from '../net/packet.ts';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IPPROTO_ICMP } from '../net/packet.ts';
import { encodeIpv4, makeIpv4, parseIcmpQuote } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice } from './types.ts';
import { ipLocalOut, updatePmtu } from './ipv4-output.ts';
import { redirectRcv } from './redirect.ts';

const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

function isLocal(k: Kernel, ip: IPv4): boolean {
  const r = k.localRoute(ip);
  return r !== undefined && r.type === 'local';
}

function isBroadcastOrMulticast(k: Kernel, ip: IPv4): boolean {
  if (ip === 0xffffffff || (ip & 0xf0000000) >>> 0 === 0xe0000000) return true;
  const r = k.localRoute(ip);
  return r !== undefined && r.type === 'broadcast';
}

/** icmp_send(): raises an ICMP error about `original` towards its sender. */
export function icmpSend(k: Kernel, original: Ipv4Packet, type: number, code: number, rest: number): void {
  if (original.fragOffset !== 0) return;
  if (original.src === 0 || isBroadcastOrMulticast(k, original.src) || isBroadcastOrMulticast(k, original.dst)) return;
  const p = original.payload;
  if (original.protocol === IPPROTO_ICMP && !(p instanceof Uint8Array) && p.kind === 'icmp' && ERROR_TYPES.has(p.type)) return;
  const src = isLocal(k, original.dst) ? original.dst : 0;
  // Linux quotes as much of the original as fits in 576 bytes (icmp_send: room = 576 - 20 - 8).
  const quoted = encodeIpv4(original);
  const msg: IcmpMessage = { kind: 'icmp', type, code, rest: rest >>> 0, data: quoted.length > 548 ? quoted.slice(0, 548) : quoted };
  const pkt = makeIpv4({ src, dst: original.src, payload: msg, ttl: 64, df: false, tos: (original.tos & 0x1e) | 0xc0, id: nextId(k) });
  k.counters.icmpOutMsgs++;
  ipLocalOut(k, pkt, {});
}

/** A fresh IP identification value (ip_select_ident). */
export function nextId(k: Kernel): number {
  k.ipId = (k.ipId + 1) & 0xffff;
  return k.ipId;
}

/** icmp_rcv(): echo requests are answered by the kernel; every message goes to raw ICMP sockets. */
export function icmpRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet): void {
  const m = pkt.payload as IcmpMessage;
  if (m.type === ICMP_ECHO_REQUEST && m.code === 0) {
    if (!isBroadcastOrMulticast(k, pkt.dst)) { // icmp_echo_ignore_broadcasts=1
      const reply: IcmpMessage = { kind: 'icmp', type: ICMP_ECHO_REPLY, code: 0, rest: m.rest, data: m.data };
      const out = makeIpv4({ src: pkt.dst, dst: pkt.src, payload: reply, ttl: 64, df: false, tos: pkt.tos, id: nextId(k) });
      k.counters.icmpOutMsgs++;
      ipLocalOut(k, out, {});
    }
  }
  if (m.type === 3 && m.code === 4) {
    // ip_rt_update_pmtu() via icmp_unreach(): remember the next-hop MTU for the quoted destination.
    try {
      const q = parseIcmpQuote(m.data);
      if ((m.rest & 0xffff) >= 68) updatePmtu(k, q.dst, m.rest & 0xffff);
    } catch { /* a quote too short to use: nothing to learn */ }
  }
  if (m.type === 5) redirectRcv(k, dev, pkt, m);
  for (const s of k.icmpSockets) s(pkt, dev);
}
