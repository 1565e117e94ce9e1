/**
 * Conntrack tuples: what identifies a flow direction (nf_conntrack_tuple), taken from a
 * packet, and from the header an ICMP error quotes. ICMP echo-like queries use the
 * identifier as the "source port" and the type as the "destination port"; the reply
 * tuple carries the reply type, as the kernel's icmp_invert_tuple does.
 */
import type { IPv4 } from '../../net/ip.ts';
import type { Ipv4Packet } from '../../net/packet.ts';
import { IPPROTO_SCTP, sctpPorts } from '../../net/sctp.ts';

export interface Tuple {
  proto: number;
  src: IPv4;
  dst: IPv4;
  /** TCP/UDP source port; ICMP query identifier; 0 otherwise. */
  sport: number;
  /** TCP/UDP destination port; ICMP type (code is always 0 for queries); 0 otherwise. */
  dport: number;
}

/** ICMP query type → its answer type (echo, timestamp, info, address mask). */
export const ICMP_REPLY_OF: Readonly<Record<number, number>> = { 8: 0, 13: 14, 15: 16, 17: 18, 0: 8, 14: 13, 16: 15, 18: 17 };
const ICMP_QUERIES = new Set([8, 13, 15, 17]);
/** ICMP error types that quote a packet (unreachable, source quench, redirect, time exceeded, parameter problem). */
export const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

/** The tuple of a packet as it is now, or undefined for an ICMP error (handled as RELATED). */
export function tupleOf(p: Ipv4Packet): Tuple {
  return tupleInto(p, { proto: 0, src: 0, dst: 0, sport: 0, dport: 0 });
}

/** Writes a packet's tuple into `t` (a lookup's scratch tuple: no object per packet) and returns it. */
export function tupleInto(p: Ipv4Packet, t: Tuple): Tuple {
  t.proto = p.protocol;
  t.src = p.src;
  t.dst = p.dst;
  t.sport = 0;
  t.dport = 0;
  const l4 = p.payload;
  if (l4 instanceof Uint8Array) {
    // SCTP travels as raw bytes: its ports are the first four (the conntrack tuple of sctp flows).
    const sp = p.protocol === IPPROTO_SCTP && p.fragOffset === 0 ? sctpPorts(l4) : undefined;
    if (sp) { t.sport = sp.srcPort; t.dport = sp.dstPort; }
    return t;
  }
  if (l4.kind === 'ipv4') return t;
  if (l4.kind === 'tcp' || l4.kind === 'udp') {
    t.sport = l4.srcPort;
    t.dport = l4.dstPort;
  } else if (l4.kind === 'icmp') {
    t.sport = l4.rest >>> 16;
    t.dport = l4.type;
  }
  return t;
}

/** The ports of a first fragment's TCP, UDP or SCTP header; undefined for other protocols. */
export function l4Ports(p: Ipv4Packet): { readonly kind: 'tcp' | 'udp' | 'sctp'; readonly srcPort: number; readonly dstPort: number } | undefined {
  if (p.fragOffset !== 0) return undefined;
  const l4 = p.payload;
  if (l4 instanceof Uint8Array) {
    const sp = p.protocol === IPPROTO_SCTP ? sctpPorts(l4) : undefined;
    return sp ? { kind: 'sctp', ...sp } : undefined;
  }
  return l4.kind === 'tcp' || l4.kind === 'udp' ? l4 : undefined;
}

/** True for ICMP types that start a conntrack entry. */
export function isIcmpQuery(type: number): boolean {
  return ICMP_QUERIES.has(type);
}

/** The reverse direction's tuple. */
export function invert(t: Tuple): Tuple {
  if (t.proto === 1) return { proto: 1, src: t.dst, dst: t.src, sport: t.sport, dport: ICMP_REPLY_OF[t.dport] ?? t.dport };
  return { proto: t.proto, src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

/** Hash key of a tuple. */
export function tupleKey(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.dst}|${t.sport}|${t.dport}`;
}

/** True when both tuples are the same. */
export function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** The tuple of the IP header (+ 8 bytes) an ICMP error quotes, or undefined when truncated. */
export function quotedTuple(data: Uint8Array): Tuple | undefined {
  if (data.length < 20 || data[0]! >> 4 !== 4) return undefined;
  const ihl = (data[0]! & 15) * 4;
  const t: Tuple = { proto: data[9]!, src: u32(data, 12), dst: u32(data, 16), sport: 0, dport: 0 };
  if (t.proto === 6 || t.proto === 17 || t.proto === 132) {
    if (data.length < ihl + 4) return undefined;
    t.sport = u16(data, ihl);
    t.dport = u16(data, ihl + 2);
  } else if (t.proto === 1) {
    if (data.length < ihl + 8) return undefined;
    t.dport = data[ihl]!;
    t.sport = u16(data, ihl + 4);
  }
  return t;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}

/** Ones'-complement checksum of a byte range. */
function csum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** RFC 1624 incremental update of a stored checksum when a 16-bit word changes old → new. */
function adjust(b: Uint8Array, at: number, oldW: number, newW: number): void {
  let s = (~u16(b, at) & 0xffff) + (~oldW & 0xffff) + newW;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  put16(b, at, ~s & 0xffff);
}

/**
 * A copy of quoted bytes with the quoted source or destination endpoint replaced (NAT of
 * the packet inside an ICMP error), fixing the quoted IP checksum and, when present, the
 * quoted TCP/UDP checksum.
 */
export function rewriteQuoted(data: Uint8Array, which: 'src' | 'dst', ip: IPv4, port: number): Uint8Array {
  const b = data.slice();
  const ihl = (b[0]! & 15) * 4;
  const ipOff = which === 'src' ? 12 : 16;
  const oldHi = u16(b, ipOff);
  const oldLo = u16(b, ipOff + 2);
  put16(b, ipOff, ip >>> 16);
  put16(b, ipOff + 2, ip & 0xffff);
  put16(b, 10, 0);
  put16(b, 10, csum(b, 0, ihl));
  const proto = b[9]!;
  if ((proto === 6 || proto === 17) && b.length >= ihl + 4) {
    const portOff = ihl + (which === 'src' ? 0 : 2);
    const oldPort = u16(b, portOff);
    put16(b, portOff, port);
    const ckOff = ihl + (proto === 6 ? 16 : 6);
    if (b.length >= ckOff + 2 && !(proto === 17 && u16(b, ckOff) === 0)) {
      adjust(b, ckOff, oldHi, ip >>> 16);
      adjust(b, ckOff, oldLo, ip & 0xffff);
      adjust(b, ckOff, oldPort, port);
    }
  } else if (proto === 1 && which === 'src' && b.length >= ihl + 8) {
    const oldId = u16(b, ihl + 4);
    put16(b, ihl + 4, port);
    adjust(b, ihl + 2, oldId, port);
  }
  return b;
}
