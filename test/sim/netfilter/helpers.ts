/** Packet and context builders for the netfilter tests (real packet objects, no mocks). */
import { parseIPv4 } from '../../../engine/net/ip.ts';
import type { Ipv4Packet } from '../../../engine/net/packet.ts';
import { TCP_ACK, TCP_SYN } from '../../../engine/net/packet.ts';
import type { NfContext } from '../../../engine/sim/types.ts';

export const ip = parseIPv4;

function base(src: string, dst: string, protocol: number, payload: Ipv4Packet['payload']): Ipv4Packet {
  return { kind: 'ipv4', tos: 0, id: 1, df: true, mf: false, fragOffset: 0, ttl: 64, protocol, src: ip(src), dst: ip(dst), payload };
}

/** A TCP segment with the given flags (SYN by default) and no data. */
export function tcp(src: string, sport: number, dst: string, dport: number, flags = TCP_SYN): Ipv4Packet {
  return base(src, dst, 6, { kind: 'tcp', srcPort: sport, dstPort: dport, seq: 1, ack: flags & TCP_ACK ? 1 : 0, flags, window: 64240, payload: new Uint8Array(0) });
}

/** A UDP datagram with `n` bytes of payload. */
export function udp(src: string, sport: number, dst: string, dport: number, n = 4): Ipv4Packet {
  return base(src, dst, 17, { kind: 'udp', srcPort: sport, dstPort: dport, payload: new Uint8Array(n) });
}

/** ICMP echo request (type 8) or reply (type 0). */
export function echo(src: string, dst: string, id: number, seq: number, type: 0 | 8 = 8): Ipv4Packet {
  return base(src, dst, 1, { kind: 'icmp', type, code: 0, rest: ((id << 16) | seq) >>> 0, data: new Uint8Array(56) });
}

/** The first 28 bytes of a UDP packet as an ICMP error quotes them (checksums valid). */
export function quoteUdp(p: Ipv4Packet): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45; b[2] = 0; b[3] = 28; b[8] = p.ttl; b[9] = p.protocol;
  const put32 = (o: number, v: number): void => { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255; };
  put32(12, p.src); put32(16, p.dst);
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const ck = ~s & 0xffff;
  b[10] = ck >>> 8; b[11] = ck & 255;
  const l4 = p.payload as { srcPort: number; dstPort: number };
  b[20] = l4.srcPort >>> 8; b[21] = l4.srcPort & 255; b[22] = l4.dstPort >>> 8; b[23] = l4.dstPort & 255;
  b[25] = 12;
  return b;
}

/** ICMP destination unreachable from `src` to `dst` quoting packet `q`. */
export function unreach(src: string, dst: string, code: number, q: Ipv4Packet): Ipv4Packet {
  return base(src, dst, 1, { kind: 'icmp', type: 3, code, rest: 0, data: quoteUdp(q) });
}

/** A hook context: devices, mark, time, and the device addresses MASQUERADE picks from. */
export function ctx(opts: { in?: string; out?: string; mark?: number; now?: number; addrs?: Record<string, string>; local?: string[] } = {}): NfContext {
  const addrs = opts.addrs ?? {};
  return {
    inDev: opts.in, outDev: opts.out, mark: opts.mark ?? 0, nowMs: opts.now ?? 0,
    addressOf: (dev) => (addrs[dev] ? ip(addrs[dev]!) : undefined),
    isLocalAddress: (a) => (opts.local ?? []).some((l) => ip(l) === a),
  };
}
