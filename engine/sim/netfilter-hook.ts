/**
 * The kernel side of the netfilter seam: NF_HOOK() at the five IPv4 hooks. The packet
 * filter itself (tables, chains, conntrack, NAT) lives in netfilter/; the kernel only calls
 * it, carries skb->mark between hooks of one traversal, and acts on the verdict: drop, or
 * reject (an ICMP unreachable with the filter's code, as the REJECT target sends).
 */
import type { IPv4 } from '../net/ip.ts';
import type { Ipv4Packet } from '../net/packet.ts';
import { ICMP_DEST_UNREACH } from '../net/packet.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice, NfContext, NfHook, NfResult } from './types.ts';
import { Netfilter } from './netfilter/netfilter.ts';
import { drop } from './device.ts';
import { icmpSend } from './icmp.ts';
import { isSecondary } from './fib-config.ts';

/** skb->mark per packet object (the mark follows the skb through one namespace). */
const marks = new WeakMap<Ipv4Packet, number>();

/** The mark of a packet (0 when never set). */
export function markOf(pkt: Ipv4Packet): number {
  return marks.get(pkt) ?? 0;
}

/** Carries the mark over to a modified copy of a packet (TTL decrement, NAT). */
export function carryMark(from: Ipv4Packet, to: Ipv4Packet): void {
  const m = marks.get(from);
  if (m !== undefined && from !== to) marks.set(to, m);
}

function primaryAddress(k: Kernel, name: string): IPv4 | undefined {
  const d = k.findDevice(name);
  if (!d) return undefined;
  for (const a of k.addresses) if (a.ifindex === d.ifindex && !isSecondary(k, a)) return a.prefix.addr;
  // inet_select_addr(): a device without IPv4 (a Calico cali* veth) borrows the first primary
  // global address of the namespace's other devices, so MASQUERADE out of it still works.
  for (const a of k.addresses) if (a.scope === 'global' && !isSecondary(k, a)) return a.prefix.addr;
  return undefined;
}

/** True when NAT changed an address, a port or an ICMP query id. */
function rewritten(a: Ipv4Packet, b: Ipv4Packet): boolean {
  if (a.src !== b.src || a.dst !== b.dst) return true;
  const x = a.payload;
  const y = b.payload;
  // SCTP rides as raw bytes: its ports are the first four.
  if (x instanceof Uint8Array || y instanceof Uint8Array) return x instanceof Uint8Array && y instanceof Uint8Array && a.protocol === 132 && x.length >= 4 && y.length >= 4 && (x[0] !== y[0] || x[1] !== y[1] || x[2] !== y[2] || x[3] !== y[3]);
  if ((x.kind === 'tcp' || x.kind === 'udp') && x.kind === y.kind) return x.srcPort !== y.srcPort || x.dstPort !== y.dstPort;
  if (x.kind === 'icmp' && y.kind === 'icmp') return x.rest !== y.rest;
  return false;
}

/**
 * The context a hook call hands to the packet filter, one object reused for every call:
 * methods on the prototype instead of closures per packet. Safe because a hook never
 * re-enters NF_HOOK (nothing in a walk sends a packet) and the filter keeps no reference to
 * it past the call; a nested call would get a fresh one (see nfHook).
 */
class HookContext implements NfContext {
  k!: Kernel;
  inDev: string | undefined;
  outDev: string | undefined;
  mark = 0;
  nowMs = 0;

  addressOf(dev: string): IPv4 | undefined {
    return primaryAddress(this.k, dev);
  }

  /** -m addrtype --src/--dst-type LOCAL: the address has a `local` route (inet_addr_type). */
  isLocalAddress(ip: IPv4): boolean {
    return this.k.localRoute(ip)?.type === 'local';
  }

  random(): number {
    return this.k.rng.nextU32();
  }
}

let shared: HookContext | undefined = new HookContext();

/** NF_HOOK(): returns the (possibly NATed) packet to continue with, or null when it was dropped or rejected. */
export function nfHook(k: Kernel, hook: NfHook, pkt: Ipv4Packet, inDev: NetDevice | undefined, outDev: NetDevice | undefined): Ipv4Packet | null {
  const pf = k.packetFilter;
  if (!pf) return pkt;
  const ctx = shared ?? new HookContext();
  shared = undefined;
  const mark = marks.get(pkt);
  ctx.k = k;
  ctx.inDev = inDev?.name;
  ctx.outDev = outDev?.name;
  ctx.mark = mark ?? 0;
  ctx.nowMs = k.clock.nowMs();
  let res: NfResult;
  try {
    res = pf.hookTransient ? pf.hookTransient(hook, pkt, ctx) : pf.hook(hook, pkt, ctx);
  } finally {
    shared = ctx;
  }
  if (res.verdict === 'accept') {
    if (res.mark !== 0 || mark !== undefined) marks.set(res.packet, res.mark);
    // A new object may still carry the same addresses (conntrack re-applying an identity binding): trace real rewrites only.
    if (res.packet !== pkt && k.trace.active && hook !== 'FORWARD' && rewritten(pkt, res.packet)) {
      const dev = inDev ?? outDev;
      k.trace.emit({ type: 'nat', t: k.clock.nowMs(), node: k.node, ...(dev ? { dev: dev.name } : {}), hook, before: pkt, pkt: res.packet, rules: res.natRules?.() ?? [] });
    }
    return res.packet;
  }
  // The result is refilled by the next hook call: take what is needed before a trace listener could cause one.
  const rejectCode = res.verdict === 'reject' ? res.rejectCode ?? 3 : undefined;
  drop(k, 'netfilter', inDev ?? outDev, pkt, undefined, () => res.decidedBy);
  if (rejectCode !== undefined) icmpSend(k, pkt, ICMP_DEST_UNREACH, rejectCode, 0);
  return null;
}

/**
 * ip_forward() continues a packet as a copy with the TTL decremented (Linux keeps the same
 * skb): its mark and its attached conntrack follow it to FORWARD and POSTROUTING.
 */
export function nfContinue(k: Kernel, from: Ipv4Packet, to: Ipv4Packet): void {
  carryMark(from, to);
  const pf = k.packetFilter;
  if (pf instanceof Netfilter) pf.carry(from, to);
}
