/**
 * ICMP redirects (net/ipv4/route.c).
 *
 * Sending: a router forwarding a packet back out of the device it came in on, when both the
 * sender and the next hop are on-link there (__mkroute_input sets IPSKB_DOREDIRECT), sends
 * "Redirect Host" to the sender naming the better next hop (ip_rt_send_redirect), still
 * forwarding the packet. Per sender it backs off: the n-th redirect waits
 * ip_rt_redirect_load (20 ms) << n after the previous, at most ip_rt_redirect_number (9),
 * and the count resets after ip_rt_redirect_silence (20 ms << 10) of quiet.
 *
 * Receiving (ip_do_redirect): a host (accept_redirects, not forwarding) whose route to the
 * destination uses the redirecting router as gateway learns a next-hop exception (`ip route
 * get` shows "cache <redirected>") for ip_rt_gc_timeout (300 s) — but only once the new
 * gateway's neighbour entry is valid; the first redirect merely starts resolving it, which is
 * why a real ping prints two redirects before traffic takes the shortcut.
 */
import type { IPv4 } from '../net/ip.ts';
import { maskOf } from '../net/ip.ts';
import type { IcmpMessage, Ipv4Packet } from '../net/packet.ts';
import { parseIcmpQuote } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice, Route } from './types.ts';
import { effective } from './sysctl.ts';
import { icmpSend } from './icmp.ts';
import { neighOutput } from './neigh.ts';

const LOAD_MS = 20;
const NUMBER = 9;
const SILENCE_MS = LOAD_MS << (NUMBER + 1);
const EXCEPTION_MS = 300_000;

const peers = new WeakMap<Kernel, Map<IPv4, { n: number; last: number }>>();
const exceptions = new WeakMap<Kernel, Map<IPv4, { gw: IPv4; until: number }>>();

function onLink(k: Kernel, dev: NetDevice, ip: IPv4): boolean {
  for (const a of k.addresses) {
    if (a.ifindex === dev.ifindex && ((ip ^ a.prefix.addr) & maskOf(a.prefix.len)) === 0) return true;
  }
  return false;
}

/** ip_forward()'s redirect step: called for every forwarded packet before it leaves. */
export function maybeSendRedirect(k: Kernel, inDev: NetDevice, outDev: NetDevice, pkt: Ipv4Packet, rt: Route): void {
  if (inDev !== outDev || !effective(k.sysctls, outDev.ifindex).sendRedirects) return;
  const gw = rt.gateway ?? pkt.dst;
  if (!onLink(k, inDev, pkt.src) || !onLink(k, inDev, gw)) return;
  let m = peers.get(k);
  if (!m) peers.set(k, (m = new Map()));
  const now = k.clock.nowMs();
  let p = m.get(pkt.src);
  if (!p) m.set(pkt.src, (p = { n: 0, last: 0 }));
  if (now - p.last > SILENCE_MS) p.n = 0;
  if (p.n >= NUMBER) return;
  if (p.n === 0 || now > p.last + (LOAD_MS << p.n)) {
    icmpSend(k, pkt, 5, 1, gw);
    p.n++;
    p.last = now;
  }
}

/** The next-hop exception a redirect left for `dst`, if still valid. */
export function redirectedGateway(k: Kernel, dst: IPv4): IPv4 | undefined {
  const e = exceptions.get(k)?.get(dst);
  if (!e) return undefined;
  if (e.until <= k.clock.nowMs()) {
    exceptions.get(k)!.delete(dst);
    return undefined;
  }
  return e.gw;
}

/** icmp_redirect() → ip_do_redirect(): maybe learn a next-hop exception. */
export function redirectRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet, m: IcmpMessage): void {
  if (m.type !== 5 || !effective(k.sysctls, dev.ifindex).acceptRedirects) return;
  let q;
  try { q = parseIcmpQuote(m.data); } catch { return; }
  const newGw = m.rest >>> 0;
  const rt = k.route(q.dst);
  const current = redirectedGateway(k, q.dst) ?? rt?.gateway;
  if (!rt || rt.ifindex !== dev.ifindex || current !== pkt.src || newGw === current || !onLink(k, dev, newGw)) return;
  const n = k.neighbour(dev.ifindex, newGw);
  if (!n || n.mac === undefined || n.state === 'INCOMPLETE' || n.state === 'FAILED') {
    // Not yet valid: neigh_event_send() starts resolution with an empty probe.
    if (!n || n.state === 'FAILED') neighProbe(k, dev, newGw);
    return;
  }
  let ex = exceptions.get(k);
  if (!ex) exceptions.set(k, (ex = new Map()));
  ex.set(q.dst, { gw: newGw, until: k.clock.nowMs() + EXCEPTION_MS });
}

function neighProbe(k: Kernel, dev: NetDevice, ip: IPv4): void {
  // Resolution without a packet to send: the queue stays empty, only the ARP exchange happens.
  neighOutput(k, dev, ip, null);
}
