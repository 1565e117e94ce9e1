/**
 * Rule matching: does a rule's ip part and every match module accept this packet?
 * Mirrors ip_packet_match + each xt match's `match` hook; all-or-nothing, in order.
 */
import { prefixContains } from '../../net/ip.ts';
import type { IPv4 } from '../../net/ip.ts';
import type { Ipv4Packet } from '../../net/packet.ts';
import type { NfContext } from '../types.ts';
import type { Match, PortRange, RuleSpec } from './rules.ts';
import type { IpsetStore } from './ipset.ts';
import { ipsetDimension } from './ipset.ts';
import { l4Ports } from './tuple.ts';

/** Everything besides the packet that matches look at. */
export interface MatchEnv {
  inDev: string;
  outDev: string;
  mark: number;
  /** Bit set in CT_STATES order (INVALID=bit0 … DNAT=bit6). */
  ctBits: number;
  sets: IpsetStore;
  /**
   * The hook's context: its isLocalAddress answers addrtype LOCAL (absent: nothing is known to
   * be local), its random the u32 of `-m statistic --mode random` (the namespace's seeded RNG:
   * runs replay identically). Called as methods, so no closure is made per packet.
   */
  ctx: Pick<NfContext, 'isLocalAddress' | 'random'> | undefined;
  /** xt_recent's lists (name → source address → last seen ms). */
  recentLists: Map<string, Map<number, number>>;
  /** The time now (ms), for xt_recent. */
  nowMs: number;
}

/** iptables interface match: exact name, or prefix when the rule's name ends in '+'. */
export function ifaceMatches(rule: string, dev: string): boolean {
  const n = rule.length - 1;
  if (n < 0 || rule.charCodeAt(n) !== 43 /* '+' */) return rule === dev;
  // A prefix test without cutting the '+' off (Calico's cali+ rules would cut a string per packet).
  if (dev.length < n) return false;
  for (let i = 0; i < n; i++) if (dev.charCodeAt(i) !== rule.charCodeAt(i)) return false;
  return true;
}

const inRange = (p: number, r: PortRange): boolean => p >= r.lo && p <= r.hi;

/** Bit of an address's type for addrtype (UNICAST=1, LOCAL=2, BROADCAST=3, MULTICAST=5). */
function addrTypeBits(ip: IPv4, env: MatchEnv): number {
  if (ip === 0xffffffff) return 1 << 3;
  if (ip >>> 28 === 0xe) return 1 << 5;
  const c = env.ctx;
  if (c?.isLocalAddress && c.isLocalAddress(ip)) return 1 << 2;
  return 1 << 1;
}

/**
 * ip_set_test as xt_set calls it: one flag per set dimension (fewer flags than dimensions
 * never match; extra flags are ignored). hash:ip,port takes the port from the L4 header of a
 * first fragment of TCP/UDP (others carry no port here, so they do not match).
 */
function setHit(name: string, flags: readonly ('src' | 'dst')[], p: Ipv4Packet, env: MatchEnv): boolean {
  const s = env.sets.get(name);
  if (!s || flags.length < ipsetDimension(s.type)) return false;
  const addr = flags[0] === 'src' ? p.src : p.dst;
  if (s.type !== 'hash:ip,port') return s.has(addr);
  const l4 = l4Ports(p);
  if (!l4) return false;
  const port = flags[1] === 'src' ? l4.srcPort : l4.dstPort;
  return s.hasIpPort({ addr, proto: p.protocol, port });
}

function matchOne(m: Match, p: Ipv4Packet, env: MatchEnv): boolean {
  const l4 = p.payload;
  const first = p.fragOffset === 0;
  switch (m.m) {
    case 'tcp':
    case 'udp': {
      if (!first || l4 instanceof Uint8Array || l4.kind !== m.m) return false;
      if (m.sport && inRange(l4.srcPort, m.sport) === !!m.sportNeg) return false;
      if (m.dport && inRange(l4.dstPort, m.dport) === !!m.dportNeg) return false;
      if (m.m === 'tcp' && m.flags && l4.kind === 'tcp' && ((l4.flags & m.flags.mask) === m.flags.comp) === m.flags.neg) return false;
      return true;
    }
    case 'sctp': {
      const sp = l4Ports(p);
      if (!sp || sp.kind !== 'sctp') return false;
      if (m.sport && inRange(sp.srcPort, m.sport) === !!m.sportNeg) return false;
      return !(m.dport && inRange(sp.dstPort, m.dport) === !!m.dportNeg);
    }
    case 'icmp': {
      if (!first || l4 instanceof Uint8Array || l4.kind !== 'icmp') return false;
      const hit = m.type === 255 || (l4.type === m.type && (m.code === undefined || l4.code === m.code));
      return hit !== m.neg;
    }
    case 'multiport': {
      const pp = l4Ports(p);
      if (!pp) return false;
      const hit = m.ports.some((r) =>
        (m.dir !== 'dports' && inRange(pp.srcPort, r)) || (m.dir !== 'sports' && inRange(pp.dstPort, r)));
      return hit !== m.neg;
    }
    case 'conntrack':
      return ((env.ctBits & m.states) !== 0) !== m.neg;
    case 'set':
      return setHit(m.name, m.flags, p, env) !== m.neg;
    case 'mark':
      return (((env.mark & m.mask) >>> 0) === m.value) !== m.neg;
    case 'comment':
      return true;
    case 'statistic': {
      // xt_statistic: (get_random_u32() & 0x7FFFFFFF) < probability; without an RNG never.
      const c = env.ctx;
      const hit = c?.random !== undefined && ((c.random() & 0x7fffffff) >>> 0) < m.probability;
      return hit !== m.neg;
    }
    case 'recent': {
      let list = env.recentLists.get(m.name);
      if (!list) env.recentLists.set(m.name, (list = new Map()));
      const now = env.nowMs;
      if (m.op === 'set') { list.set(p.src, now); return !m.neg; }
      const seen = list.get(p.src);
      let hit = seen !== undefined && (m.seconds === undefined || now - seen <= m.seconds * 1000);
      if (m.reap && m.seconds !== undefined) for (const [ip, t] of list) if (now - t > m.seconds * 1000) list.delete(ip);
      if (hit && m.op === 'update') list.set(p.src, now);
      if (hit && m.op === 'remove') { list.delete(p.src); hit = true; }
      return hit !== m.neg;
    }
    case 'addrtype': {
      if (m.src && ((addrTypeBits(p.src, env) & m.src.types) !== 0) === m.src.neg) return false;
      if (m.dst && ((addrTypeBits(p.dst, env) & m.dst.types) !== 0) === m.dst.neg) return false;
      return true;
    }
  }
}

/** True when the packet matches the rule's ip part and all its matches (a Rule's `checks`: the same without comments). */
export function ruleMatches(r: RuleSpec & { readonly checks?: readonly Match[] }, p: Ipv4Packet, env: MatchEnv): boolean {
  if (r.src && prefixContains(r.src, p.src) === !!r.srcNeg) return false;
  if (r.dst && prefixContains(r.dst, p.dst) === !!r.dstNeg) return false;
  if (r.inIface !== undefined && ifaceMatches(r.inIface, env.inDev) === !!r.inNeg) return false;
  if (r.outIface !== undefined && ifaceMatches(r.outIface, env.outDev) === !!r.outNeg) return false;
  if (r.proto !== undefined && r.proto !== 0 && (p.protocol === r.proto) === !!r.protoNeg) return false;
  if (r.proto === 0 && r.protoNeg) return false;
  const ms = r.checks ?? r.matches;
  for (let i = 0; i < ms.length; i++) if (!matchOne(ms[i]!, p, env)) return false;
  return true;
}
