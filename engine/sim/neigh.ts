/**
 * The neighbour subsystem for IPv4 (net/core/neighbour.c + net/ipv4/arp.c).
 *
 * neigh_resolve_output(): a packet for a next hop without a usable entry creates it
 * INCOMPLETE, queues the packet (unres_qlen 101) and broadcasts who-has; arp_solicit()
 * retries every retrans_time (1 s) up to mcast_solicit (3) probes, then the entry goes
 * FAILED and every queued packet is reported back with ICMP host unreachable
 * (arp_error_report → ipv4_link_failure). A reply makes it REACHABLE for a random
 * reachable_time in [base/2, 3·base/2] (base_reachable_time 30 s), then STALE; using a
 * STALE entry moves it to DELAY, and after delay_first_probe_time (5 s) to PROBE with
 * unicast requests (ucast_solicit 3) before FAILED. ICMP echo never confirms reachability
 * in Linux, so long pings walk this cycle exactly like the real kernel.
 *
 * arp_process(): requests for one of our addresses (arp_ignore=0: any local address) are
 * answered and create a STALE entry for the asker; requests for an address routed through
 * another device are answered by proxy when forwarding and proxy_arp are on for the
 * receiving device, or when a proxy entry (`ip neigh add proxy`) exists (proxy_delay is
 * taken as 0, the value Calico sets). Replies only update existing entries (arp_accept=0).
 */
import type { IPv4 } from '../net/ip.ts';
import type { ArpPacket, EthernetFrame, Ipv4Packet, MAC } from '../net/packet.ts';
import { BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, ZERO_MAC } from '../net/packet.ts';
import type { Kernel } from './kernel.ts';
import type { Neighbour, NetDevice } from './types.ts';
import { RT_TABLE_LOCAL } from './types.ts';
import { devXmit, drop } from './device.ts';
import { effective } from './sysctl.ts';
import { selectSource } from './fib-config.ts';
import { icmpSend } from './icmp.ts';

/** Neighbour timing parameters (net.ipv4.neigh.default.*), in ms. */
export const NEIGH = {
  retransMs: 1000,
  mcastSolicit: 3,
  ucastSolicit: 3,
  baseReachableMs: 30_000,
  delayFirstProbeMs: 5000,
  unresQlen: 101,
};

interface Pending {
  queue: Ipv4Packet[];
  probes: number;
  timer: number;
  /** Source address for solicitations (from the first queued packet when it is ours). */
  src: IPv4 | undefined;
}

const pending = new WeakMap<Neighbour, Pending>();

function trace(k: Kernel, dev: NetDevice, event: 'request' | 'reply' | 'resolved' | 'failed' | 'proxy-reply', ip: IPv4): void {
  if (k.trace.active) k.trace.emit({ type: 'arp', t: k.clock.nowMs(), node: k.node, dev: dev.name, event, ip });
}

function ipFrame(dev: NetDevice, dst: MAC, pkt: Ipv4Packet): EthernetFrame {
  return { dst, src: dev.mac, etherType: ETHERTYPE_IPV4, payload: pkt };
}

/** neigh_output(): sends an IPv4 packet to `nexthop` on `dev`, resolving its MAC first if needed (null: only resolve). */
export function neighOutput(k: Kernel, dev: NetDevice, nexthop: IPv4, pkt: Ipv4Packet | null): void {
  if (dev.noArp || dev.kind === 'loopback') {
    if (pkt) devXmit(k, dev, ipFrame(dev, dev.kind === 'loopback' ? ZERO_MAC : dev.mac, pkt));
    return;
  }
  if ((nexthop & 0xf0000000) >>> 0 === 0xe0000000 || nexthop === 0xffffffff || isBroadcastOn(k, dev, nexthop)) {
    if (pkt) devXmit(k, dev, ipFrame(dev, BROADCAST_MAC, pkt));
    return;
  }
  let n = k.neighbour(dev.ifindex, nexthop);
  if (n && n.mac !== undefined && n.state !== 'INCOMPLETE' && n.state !== 'FAILED') {
    if (n.state === 'STALE') toDelay(k, dev, n);
    if (pkt) devXmit(k, dev, ipFrame(dev, n.mac, pkt));
    return;
  }
  if (!n) n = k.neighbourEntry(dev.ifindex, nexthop, 'INCOMPLETE');
  let p = pending.get(n);
  if (!p || n.state === 'FAILED') {
    n.state = 'INCOMPLETE';
    delete n.mac;
    n.updatedMs = k.clock.nowMs();
    const ours = pkt !== null && k.addresses.some((a) => a.prefix.addr === pkt.src);
    p = { queue: [], probes: 0, timer: 0, src: ours ? pkt!.src : undefined };
    pending.set(n, p);
    solicit(k, dev, n, p, BROADCAST_MAC);
  }
  if (!pkt) return;
  if (p.queue.length >= NEIGH.unresQlen) drop(k, 'queue-full', dev, p.queue.shift());
  p.queue.push(pkt);
}

function isBroadcastOn(k: Kernel, dev: NetDevice, ip: IPv4): boolean {
  const r = k.localRoute(ip);
  return r !== undefined && r.type === 'broadcast' && r.dst.len === 32 && r.ifindex === dev.ifindex;
}

/** arp_solicit() + the neigh_timer_handler() retry loop. */
function solicit(k: Kernel, dev: NetDevice, n: Neighbour, p: Pending, dstMac: MAC): void {
  const limit = dstMac === BROADCAST_MAC ? NEIGH.mcastSolicit : NEIGH.ucastSolicit;
  if (p.probes >= limit) {
    fail(k, dev, n, p);
    return;
  }
  p.probes++;
  const src = p.src ?? selectSource(k, dev.ifindex, n.ip, 'link') ?? 0;
  const arp: ArpPacket = { kind: 'arp', op: 1, senderMac: dev.mac, senderIp: src, targetMac: ZERO_MAC, targetIp: n.ip };
  k.counters.arpRequests++;
  trace(k, dev, 'request', n.ip);
  devXmit(k, dev, { dst: dstMac, src: dev.mac, etherType: ETHERTYPE_ARP, payload: arp });
  p.timer = k.clock.schedule(NEIGH.retransMs, () => {
    if (pending.get(n) === p && (n.state === 'INCOMPLETE' || n.state === 'PROBE')) solicit(k, dev, n, p, dstMac);
  });
}

/** neigh_invalidate(): FAILED, and every queued packet gets ICMP host unreachable. */
function fail(k: Kernel, dev: NetDevice, n: Neighbour, p: Pending): void {
  n.state = 'FAILED';
  n.updatedMs = k.clock.nowMs();
  pending.delete(n);
  trace(k, dev, 'failed', n.ip);
  for (const pkt of p.queue) {
    drop(k, 'neighbour-failed', dev, pkt);
    icmpSend(k, pkt, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
  }
}

function reachableTime(k: Kernel): number {
  return Math.floor(NEIGH.baseReachableMs * (0.5 + k.rng.next()));
}

/** Confirms an entry (NUD_REACHABLE) and schedules its ageing to STALE. */
function confirm(k: Kernel, dev: NetDevice, n: Neighbour, mac: MAC): void {
  const p = pending.get(n);
  if (p) {
    k.clock.cancel(p.timer);
    pending.delete(n);
  }
  const wasIncomplete = n.state === 'INCOMPLETE';
  n.mac = mac;
  n.state = 'REACHABLE';
  const at = (n.updatedMs = k.clock.nowMs());
  k.clock.schedule(reachableTime(k), () => {
    if (n.state === 'REACHABLE' && n.updatedMs === at) n.state = 'STALE';
  });
  if (wasIncomplete) trace(k, dev, 'resolved', n.ip);
  if (p) for (const pkt of p.queue) devXmit(k, dev, ipFrame(dev, mac, pkt));
}

function toDelay(k: Kernel, dev: NetDevice, n: Neighbour): void {
  n.state = 'DELAY';
  const at = (n.updatedMs = k.clock.nowMs());
  k.clock.schedule(NEIGH.delayFirstProbeMs, () => {
    if (n.state !== 'DELAY' || n.updatedMs !== at) return;
    n.state = 'PROBE';
    const p: Pending = { queue: [], probes: 0, timer: 0, src: undefined };
    pending.set(n, p);
    solicit(k, dev, n, p, n.mac ?? BROADCAST_MAC);
  });
}

/** arp_rcv() / arp_process(): answers, proxies and learns from one ARP packet. */
export function arpRcv(k: Kernel, dev: NetDevice, arp: ArpPacket): void {
  if (dev.noArp) return;
  const { senderIp: sip, targetIp: tip, senderMac: sha } = arp;
  if (arp.op === 1) {
    const local = k.route(tip);
    if (local && local.type === 'local' && local.table === RT_TABLE_LOCAL) {
      learn(k, dev, sip, sha, 'STALE');
      reply(k, dev, arp, dev.mac, 'reply');
      return;
    }
    const conf = effective(k.sysctls, dev.ifindex);
    if (!conf.forwarding || sip === 0) return;
    const rt = k.route(tip);
    if (!rt || rt.type !== 'unicast' || rt.ifindex === dev.ifindex) return;
    const pneigh = k.proxyNeighbours.some((x) => x.ifindex === dev.ifindex && x.ip === tip);
    if (conf.proxyArp || pneigh) {
      learn(k, dev, sip, sha, 'STALE');
      reply(k, dev, arp, dev.mac, 'proxy-reply');
    }
    return;
  }
  // A reply: update an existing entry only (arp_accept=0).
  const n = k.neighbour(dev.ifindex, sip);
  if (!n || n.state === 'PERMANENT' || n.state === 'NOARP') return;
  trace(k, dev, 'reply', sip);
  confirm(k, dev, n, sha);
}

function learn(k: Kernel, dev: NetDevice, ip: IPv4, mac: MAC, state: 'STALE'): void {
  if (ip === 0) return;
  const n = k.neighbour(dev.ifindex, ip);
  if (!n) {
    const e = k.neighbourEntry(dev.ifindex, ip, state);
    e.mac = mac;
    return;
  }
  if (n.state === 'PERMANENT' || n.state === 'NOARP') return;
  if (n.state === 'INCOMPLETE' || n.state === 'FAILED') {
    confirmStale(k, dev, n, mac);
    return;
  }
  if (n.mac !== mac) {
    n.mac = mac;
    n.state = 'STALE';
    n.updatedMs = k.clock.nowMs();
  }
}

function confirmStale(k: Kernel, dev: NetDevice, n: Neighbour, mac: MAC): void {
  const p = pending.get(n);
  if (p) {
    k.clock.cancel(p.timer);
    pending.delete(n);
  }
  n.mac = mac;
  n.state = 'STALE';
  n.updatedMs = k.clock.nowMs();
  if (p) for (const pkt of p.queue) devXmit(k, dev, ipFrame(dev, mac, pkt));
}

function reply(k: Kernel, dev: NetDevice, req: ArpPacket, mac: MAC, event: 'reply' | 'proxy-reply'): void {
  const arp: ArpPacket = { kind: 'arp', op: 2, senderMac: mac, senderIp: req.targetIp, targetMac: req.senderMac, targetIp: req.senderIp };
  k.counters.arpReplies++;
  trace(k, dev, event, req.targetIp);
  devXmit(k, dev, { dst: req.senderMac, src: mac, etherType: ETHERTYPE_ARP, payload: arp });
}
