/**
 * Evaluates a compiled filter tree against a typed frame, reading the header fields libpcap's
 * BPF program would read (same offsets after `vlan`, same "unfragmented only" rule for ports
 * and transport byte loads). Byte loads (`tcp[13]`, `ip[8]`) read the encoded frame, produced
 * once per packet and only when the expression has loads; a load past the end of the packet
 * rejects the packet outright, as a BPF program returns 0 on an out-of-bounds load.
 */
import type { Arith, Dir, FilterNode, LoadBase } from './ast.ts';
import type { EthernetFrame, Ipv4Packet } from '../packet.ts';
import { encodeFrame } from '../codec/index.ts';

/** What one evaluation sees: the frame, its captured length, direction, lazily its bytes. */
export interface MatchInput {
  readonly frame: EthernetFrame;
  readonly len: number;
  readonly dir: 'In' | 'Out' | undefined;
  bytes?: Uint8Array;
}

class OutOfBounds extends Error {}

interface L3 {
  readonly et: number;
  readonly payload: EthernetFrame['payload'] | undefined;
  readonly off: number;
}

/** The EtherType and payload libpcap sees `depth` VLAN tags in (undefined: not representable). */
function l3At(f: EthernetFrame, depth: number): L3 | undefined {
  const tagged = f.vlan !== undefined;
  if (depth === 0) return tagged ? { et: 0x8100, payload: undefined, off: 14 } : { et: f.etherType, payload: f.payload, off: 14 };
  if (depth === 1 && tagged) return { et: f.etherType, payload: f.payload, off: 18 };
  return undefined;
}

function ipv4At(f: EthernetFrame, depth: number): Ipv4Packet | undefined {
  const l3 = l3At(f, depth);
  if (!l3 || l3.et !== 0x0800 || !l3.payload || l3.payload instanceof Uint8Array || l3.payload.kind !== 'ipv4') return undefined;
  return l3.payload;
}

function raw6At(f: EthernetFrame, depth: number): Uint8Array | undefined {
  const l3 = l3At(f, depth);
  if (!l3 || l3.et !== 0x86dd || !(l3.payload instanceof Uint8Array) || l3.payload.length < 40) return undefined;
  return l3.payload;
}

function dirMatch(dir: Dir, src: boolean, dst: boolean): boolean {
  switch (dir) {
    case 'src': return src;
    case 'dst': return dst;
    case 'and': return src && dst;
    default: return src || dst;
  }
}

function inNet(a: number, addr: number, mask: number): boolean {
  return ((a & mask) >>> 0) === addr;
}

function ports(ip: Ipv4Packet): [number, number] | undefined {
  const p = ip.payload;
  if (p instanceof Uint8Array) return p.length >= 4 ? [(p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!] : undefined;
  if (p.kind === 'tcp' || p.kind === 'udp') return [p.srcPort, p.dstPort];
  return undefined;
}

/** Evaluates `n` for one packet; false when a byte load falls outside the packet. */
export function evaluate(n: FilterNode, input: MatchInput): boolean {
  try {
    return evalNode(n, input);
  } catch (e) {
    if (e instanceof OutOfBounds) return false;
    throw e;
  }
}

function evalNode(n: FilterNode, m: MatchInput): boolean {
  const f = m.frame;
  switch (n.t) {
    case 'true': return true;
    case 'and': return evalNode(n.a, m) && evalNode(n.b, m);
    case 'or': return evalNode(n.a, m) || evalNode(n.b, m);
    case 'not': return !evalNode(n.a, m);
    case 'ethertype': {
      const l3 = l3At(f, n.depth);
      if (!l3) return byteNode(n, m, n.depth);
      return n.types.includes(l3.et);
    }
    case 'ipproto': {
      if (!l3At(f, n.depth)) return byteNode(n, m, n.depth);
      if (n.v4) {
        const ip = ipv4At(f, n.depth);
        if (ip && ip.protocol === n.proto) return true;
      }
      if (n.v6) {
        const b = raw6At(f, n.depth);
        if (b && (b[6] === n.proto || (b[6] === 44 && b.length >= 48 && b[40] === n.proto))) return true;
      }
      return false;
    }
    case 'host': {
      const l3 = l3At(f, n.depth);
      if (!l3) return byteNode(n, m, n.depth);
      if (!l3.payload) return false;
      const p = l3.payload;
      if (n.fam.ip && l3.et === 0x0800 && !(p instanceof Uint8Array) && p.kind === 'ipv4') {
        return dirMatch(n.dir, inNet(p.src, n.addr, n.mask), inNet(p.dst, n.addr, n.mask));
      }
      if (n.fam.arp && l3.et === 0x0806 && !(p instanceof Uint8Array) && p.kind === 'arp') {
        return dirMatch(n.dir, inNet(p.senderIp, n.addr, n.mask), inNet(p.targetIp, n.addr, n.mask));
      }
      if (n.fam.rarp && l3.et === 0x8035 && p instanceof Uint8Array && p.length >= 28) {
        return dirMatch(n.dir, inNet(u32(p, 14), n.addr, n.mask), inNet(u32(p, 24), n.addr, n.mask));
      }
      return false;
    }
    case 'ehost': return dirMatch(n.dir, f.src.toLowerCase() === n.mac, f.dst.toLowerCase() === n.mac);
    case 'port': {
      if (!l3At(f, n.depth)) return byteNode(n, m, n.depth);
      let pp: [number, number] | undefined;
      if (n.v4) {
        const ip = ipv4At(f, n.depth);
        if (ip && n.protos.includes(ip.protocol) && ip.fragOffset === 0) pp = ports(ip);
      }
      if (!pp && n.v6) {
        const b = raw6At(f, n.depth);
        if (b && n.protos.includes(b[6]!) && b.length >= 44) pp = [(b[40]! << 8) | b[41]!, (b[42]! << 8) | b[43]!];
      }
      if (!pp) return false;
      return dirMatch(n.dir, pp[0] >= n.lo && pp[0] <= n.hi, pp[1] >= n.lo && pp[1] <= n.hi);
    }
    case 'vlan':
      return n.depth === 0 && f.vlan !== undefined && (n.id === undefined || (f.vlan & 0xfff) === n.id);
    case 'ebroadcast': return f.dst.toLowerCase() === 'ff:ff:ff:ff:ff:ff';
    case 'emulticast': return (parseInt(f.dst.slice(0, 2), 16) & 1) === 1;
    case 'ipmulticast': {
      if (!l3At(f, n.depth)) return byteNode(n, m, n.depth);
      const ip = ipv4At(f, n.depth);
      return ip !== undefined && ip.dst >>> 24 >= 224;
    }
    case 'direction': return m.dir === n.dir;
    case 'rel': {
      const guard = loadGuards(n.a, m) && loadGuards(n.b, m);
      if (!guard) return false;
      const a = evalArith(n.a, m);
      const b = evalArith(n.b, m);
      switch (n.op) {
        case '>': return a > b;
        case '>=': return a >= b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '=': return a === b;
        case '!=': return a !== b;
      }
    }
  }
}

/** libpcap ANDs each load with "is this protocol (and, for transport, unfragmented)". */
function loadGuards(a: Arith, m: MatchInput): boolean {
  switch (a.t) {
    case 'bin': return loadGuards(a.a, m) && loadGuards(a.b, m);
    case 'neg': return loadGuards(a.a, m);
    case 'load': return loadGuards(a.off, m) && baseOffset(a.base, a.depth, m) !== undefined;
    default: return true;
  }
}

/** Byte offset where `base[...]` counts from, or undefined when the packet is not that protocol. */
function baseOffset(base: LoadBase, depth: number, m: MatchInput): number | undefined {
  if (base === 'link') return 0;
  const l3 = l3At(m.frame, depth);
  if (!l3) return undefined;
  const want: Record<string, number> = { ip: 0x0800, arp: 0x0806, rarp: 0x8035, ip6: 0x86dd };
  if (base in want) return l3.et === want[base] ? l3.off : undefined;
  const ip = ipv4At(m.frame, depth);
  const proto: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, igmp: 2, sctp: 132 };
  if (!ip || ip.protocol !== proto[base] || ip.fragOffset !== 0) return undefined;
  return l3.off + 20 + (ip.options?.length ?? 0);
}

function evalArith(a: Arith, m: MatchInput): number {
  switch (a.t) {
    case 'num': return a.v >>> 0;
    case 'len': return m.len >>> 0;
    case 'neg': return (-evalArith(a.a, m)) >>> 0;
    case 'load': {
      const base = baseOffset(a.base, a.depth, m)!;
      const off = base + evalArith(a.off, m);
      const b = (m.bytes ??= encodeFrame(m.frame));
      if (off + a.size > b.length) throw new OutOfBounds();
      if (a.size === 1) return b[off]!;
      if (a.size === 2) return (b[off]! << 8) | b[off + 1]!;
      return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
    }
    case 'bin': {
      const x = evalArith(a.a, m);
      const y = evalArith(a.b, m);
      switch (a.op) {
        case '+': return (x + y) >>> 0;
        case '-': return (x - y) >>> 0;
        case '*': return Math.imul(x, y) >>> 0;
        case '/': if (y === 0) throw new OutOfBounds(); return Math.floor(x / y) >>> 0;
        case '%': if (y === 0) throw new OutOfBounds(); return (x % y) >>> 0;
        case '&': return (x & y) >>> 0;
        case '|': return (x | y) >>> 0;
        case '^': return (x ^ y) >>> 0;
        case '<<': return y >= 32 ? 0 : (x << y) >>> 0;
        case '>>': return y >= 32 ? 0 : x >>> y;
      }
      return 0;
    }
  }
}

function u16(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new OutOfBounds();
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  if (o + 4 > b.length) throw new OutOfBounds();
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function u8(b: Uint8Array, o: number): number {
  if (o >= b.length) throw new OutOfBounds();
  return b[o]!;
}

/**
 * The same primitives read from the encoded bytes at libpcap's fixed offsets, for the cases
 * the typed view cannot express: a primitive written after `vlan` applied to an untagged
 * frame (or after two `vlan`s), where libpcap reads whatever bytes sit 4 or 8 bytes further
 * on — `not vlan and icmp` can match an ARP frame whose sender MAC ends in 01.
 */
function byteNode(n: FilterNode, m: MatchInput, depth: number): boolean {
  const b = (m.bytes ??= encodeFrame(m.frame));
  const lt = 12 + 4 * depth;
  const pl = lt + 2;
  const et = u16(b, lt);
  switch (n.t) {
    case 'ethertype': return n.types.includes(et);
    case 'ipproto':
      if (n.v4 && et === 0x0800 && u8(b, pl + 9) === n.proto) return true;
      if (n.v6 && et === 0x86dd && (u8(b, pl + 6) === n.proto || (u8(b, pl + 6) === 44 && u8(b, pl + 40) === n.proto))) return true;
      return false;
    case 'host':
      if (n.fam.ip && et === 0x0800) return dirMatch(n.dir, inNet(u32(b, pl + 12), n.addr, n.mask), inNet(u32(b, pl + 16), n.addr, n.mask));
      if ((n.fam.arp && et === 0x0806) || (n.fam.rarp && et === 0x8035)) {
        return dirMatch(n.dir, inNet(u32(b, pl + 14), n.addr, n.mask), inNet(u32(b, pl + 24), n.addr, n.mask));
      }
      return false;
    case 'port': {
      let sp: number; let dp: number;
      if (n.v4 && et === 0x0800 && n.protos.includes(u8(b, pl + 9)) && (u16(b, pl + 6) & 0x1fff) === 0) {
        const hl = (u8(b, pl) & 0x0f) * 4;
        sp = u16(b, pl + hl); dp = u16(b, pl + hl + 2);
      } else if (n.v6 && et === 0x86dd && n.protos.includes(u8(b, pl + 6))) {
        sp = u16(b, pl + 40); dp = u16(b, pl + 42);
      } else return false;
      return dirMatch(n.dir, sp >= n.lo && sp <= n.hi, dp >= n.lo && dp <= n.hi);
    }
    case 'ipmulticast': return et === 0x0800 && u8(b, pl + 16) >= 224;
    default: return false;
  }
}
