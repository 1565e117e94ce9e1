/**
 * Turns a qualified operand into a filter node, with libpcap's rules and error texts
 * (gencode.c's gen_ncode / gen_mcode / gen_scode / gen_ecode / gen_proto_abbrev).
 */
import type { Dir, FilterNode, HostFamilies } from './ast.ts';
import { FilterError } from './lexer.ts';
import { ETHER_PROTOCOLS, IP_PROTOCOLS, SERVICES } from './names.ts';

/** The qualifiers in force for an operand: protocol, direction, address kind. */
export interface Qual {
  readonly proto: string;
  readonly dir: Dir;
  readonly addr: 'default' | 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'gateway';
  readonly col: number;
}

interface Ctx {
  readonly depth: number;
  readonly resolve: ((name: string) => readonly number[] | undefined) | undefined;
}

const ALL: HostFamilies = { ip: true, arp: true, rarp: true };
const TRANSPORT: Record<string, number[]> = { default: [6, 17, 132], tcp: [6], udp: [17], sctp: [132] };

function err(msg: string, col: number): never {
  throw new FilterError(msg, col);
}

/** libpcap's __pcap_atoin: "a[.b[.c[.d]]]" → value and bit length. */
function atoin(s: string, col: number): { v: number; len: number } {
  let v = 0;
  const parts = s.split('.');
  for (const p of parts) {
    const n = /^0[xX]/.test(p) ? parseInt(p.slice(2), 16) : p.length > 1 && p[0] === '0' ? parseInt(p, 8) : Number(p);
    if (!Number.isFinite(n) || n > 255) err(`invalid IPv4 address '${s}'`, col);
    v = v * 256 + n;
  }
  return { v: v >>> 0, len: parts.length * 8 };
}

function orAll(nodes: FilterNode[]): FilterNode {
  return nodes.reduce((a, b) => ({ t: 'or', a, b }));
}

function hostNode(addr: number, mask: number, q: Qual, depth: number, kind: 'host' | 'net', col: number): FilterNode {
  let fam: HostFamilies;
  switch (q.proto) {
    case 'default': fam = ALL; break;
    case 'ip': fam = { ip: true, arp: false, rarp: false }; break;
    case 'arp': fam = { ip: false, arp: true, rarp: false }; break;
    case 'rarp': fam = { ip: false, arp: false, rarp: true }; break;
    case 'link': return err('illegal link layer address', col);
    default: return err(`'${q.proto}' modifier applied to ${kind}`, col);
  }
  return { t: 'host', depth, dir: q.dir, fam, addr: addr >>> 0, mask: mask >>> 0 };
}

function portNode(lo: number, hi: number, q: Qual, depth: number, protos: readonly number[] | undefined, col: number): FilterNode {
  const allowed = TRANSPORT[q.proto === 'ip' || q.proto === 'ip6' ? 'default' : q.proto];
  if (!allowed) return err(`illegal qualifier of '${q.addr}'`, col);
  const v4 = q.proto !== 'ip6';
  const v6 = q.proto !== 'ip';
  return { t: 'port', depth, dir: q.dir, protos: protos ?? allowed, lo, hi, v4, v6 };
}

function protoNode(v: number, q: Qual, depth: number, col: number): FilterNode {
  if (q.dir !== 'default') return err('syntax error in filter expression', col);
  switch (q.proto) {
    case 'default': return { t: 'ipproto', depth, v4: true, v6: true, proto: v };
    case 'ip': return { t: 'ipproto', depth, v4: true, v6: false, proto: v };
    case 'ip6': return { t: 'ipproto', depth, v4: false, v6: true, proto: v };
    case 'link': return { t: 'ethertype', depth, types: [v] };
    default: return err(`'${q.proto} proto' is not supported by podlab's filter`, col);
  }
}

function checkPort(v: number, col: number): number {
  if (v > 65535) err(`illegal port number ${v} > 65535`, col);
  return v;
}

export const gen = {
  /** A bare protocol keyword (`ip`, `tcp`, `arp`…). */
  protoAbbrev(name: string, depth: number, col: number): FilterNode {
    const both = (p: number): FilterNode => ({ t: 'ipproto', depth, v4: true, v6: true, proto: p });
    const v4 = (p: number): FilterNode => ({ t: 'ipproto', depth, v4: true, v6: false, proto: p });
    switch (name) {
      case 'ip': return { t: 'ethertype', depth, types: [0x0800] };
      case 'ip6': return { t: 'ethertype', depth, types: [0x86dd] };
      case 'arp': return { t: 'ethertype', depth, types: [0x0806] };
      case 'rarp': return { t: 'ethertype', depth, types: [0x8035] };
      case 'tcp': return both(6);
      case 'udp': return both(17);
      case 'sctp': return both(132);
      case 'pim': return both(103);
      case 'ah': return both(51);
      case 'esp': return both(50);
      case 'icmp': return v4(1);
      case 'igmp': return v4(2);
      case 'igrp': return v4(9);
      case 'vrrp': case 'carp': return v4(112);
      case 'icmp6': return { t: 'ipproto', depth, v4: false, v6: true, proto: 58 };
      case 'link': return err('link layer applied in wrong context', col);
      default: return err(`'${name}' is not supported by podlab's filter`, col);
    }
  },

  /** `[ether|ip] broadcast|multicast`. */
  castNode(pqual: string, kind: string, depth: number, col: number): FilterNode {
    if (pqual === 'default' || pqual === 'link') return { t: kind === 'broadcast' ? 'ebroadcast' : 'emulticast' };
    if (pqual === 'ip' && kind === 'multicast') return { t: 'ipmulticast', depth };
    if (pqual === 'ip') return err("netmask not known, so 'ip broadcast' not supported", col);
    return err(`only link-layer/IP ${kind} filters supported`, col);
  },

  /** A number or dotted address under the qualifiers `q`. */
  ncode(s: string | undefined, num: number, q: Qual, ctx: Ctx, col: number): FilterNode {
    let v = num >>> 0;
    let vlen = 32;
    if (s !== undefined) ({ v, len: vlen } = atoin(s, col));
    switch (q.addr) {
      case 'default': case 'host': case 'net': {
        if (q.proto === 'link') return err('illegal link layer address', col);
        let mask = 0xffffffff;
        if (s === undefined && q.addr === 'net') {
          // Short net numbers are promoted: "net 10" is 10.0.0.0/8.
          while (v !== 0 && (v & 0xff000000) === 0) { v = (v << 8) >>> 0; mask = (mask << 8) >>> 0; }
        } else {
          v = vlen === 32 ? v : (v << (32 - vlen)) >>> 0;
          mask = vlen === 32 ? mask : (mask << (32 - vlen)) >>> 0;
        }
        return hostNode(v, mask, q, ctx.depth, q.addr === 'net' ? 'net' : 'host', col);
      }
      case 'port': case 'portrange':
        if (s !== undefined) return err(`'${q.addr}' modifier applied to ip host`, col);
        checkPort(v, col);
        return portNode(v, v, q, ctx.depth, undefined, col);
      case 'proto':
        if (s !== undefined) return err("'proto' modifier applied to ip host", col);
        return protoNode(v, q, ctx.depth, col);
      case 'gateway': return err("'gateway' requires a name", col);
    }
  },

  /** `N/len` (masklen given) or `N mask M`; libpcap 1.10 accepts them only after `net`. */
  mcode(s1: string, s2: string | undefined, masklen: number | undefined, q: Qual, ctx: Ctx, col: number): FilterNode {
    const a = atoin(s1, col);
    const n = a.len === 32 ? a.v : (a.v << (32 - a.len)) >>> 0;
    let m: number;
    let text: string;
    if (s2 !== undefined) {
      const mm = atoin(s2, col);
      m = mm.len === 32 ? mm.v : (mm.v << (32 - mm.len)) >>> 0;
      text = `${s1} mask ${s2}`;
    } else {
      if (masklen! > 32) return err('mask length must be <= 32', col);
      m = masklen === 0 ? 0 : (0xffffffff << (32 - masklen!)) >>> 0;
      text = `${s1}/${masklen}`;
    }
    if ((n & ~m) >>> 0 !== 0) return err(`non-network bits set in "${text}"`, col);
    if (q.addr !== 'net') return err('Mask syntax for networks only', col);
    return hostNode(n, m, q, ctx.depth, 'net', col);
  },

  /** A MAC address operand. */
  ecode(mac: string, q: Qual, col: number): FilterNode {
    if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'link') {
      return { t: 'ehost', dir: q.dir, mac: normaliseMac(mac) };
    }
    return err('ethernet address used in non-ether expression', col);
  },

  /** A name operand: host name, port or port-range name, protocol name. */
  scode(name: string, q: Qual, ctx: Ctx, col: number): FilterNode {
    switch (q.addr) {
      case 'default': case 'host': {
        if (q.proto === 'link') return err(`unknown ether host '${name}'`, col);
        const addrs = ctx.resolve?.(name);
        if (!addrs || addrs.length === 0) return err(`unknown host '${name}'`, col);
        return orAll(addrs.map((a) => hostNode(a, 0xffffffff, q, ctx.depth, 'host', col)));
      }
      case 'net': return err(`unknown network '${name}'`, col);
      case 'port': {
        const svc = SERVICES.get(name);
        if (!svc) return err(`unknown port '${name}'`, col);
        if (q.proto === 'udp' && !svc.udp) return err(`port '${name}' is tcp`, col);
        if (q.proto === 'tcp' && !svc.tcp) return err(`port '${name}' is udp`, col);
        const protos = q.proto !== 'default' ? undefined : svc.tcp && svc.udp ? [6, 17, 132] : svc.tcp ? [6] : [17];
        return portNode(svc.port, svc.port, q, ctx.depth, protos, col);
      }
      case 'portrange': {
        const m = /^([^-]+)-([^-]+)$/.exec(name);
        if (!m) return err(`unknown port in range '${name}'`, col);
        const [lo, hi] = [m[1]!, m[2]!].map((p) => {
          if (/^[0-9]+$/.test(p)) return checkPort(Number(p), col);
          const svc = SERVICES.get(p);
          if (!svc) return err(`unknown port in range '${name}'`, col);
          return svc.port;
        }) as [number, number];
        return portNode(Math.min(lo, hi), Math.max(lo, hi), q, ctx.depth, undefined, col);
      }
      case 'proto': {
        if (q.proto === 'link') {
          const et = ETHER_PROTOCOLS.get(name);
          if (et === undefined) return err(`unknown ether proto '${name}'`, col);
          return protoNode(et, q, ctx.depth, col);
        }
        const p = IP_PROTOCOLS.get(name);
        if (p === undefined) return err(`unknown ip proto '${name}'`, col);
        return protoNode(p, q, ctx.depth, col);
      }
      case 'gateway': return err("'gateway' not supported in this configuration", col);
    }
  },
};

/** Canonical lower-case colon form of any MAC spelling libpcap accepts. */
export function normaliseMac(text: string): string {
  const hex = text.includes(':') || text.includes('-') || text.split('.').length === 6
    ? text.split(/[:.-]/).map((p) => p.padStart(2, '0')).join('')
    : text.replace(/\./g, '');
  return hex.toLowerCase().match(/../g)!.join(':');
}
