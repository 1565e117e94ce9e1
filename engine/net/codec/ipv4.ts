/**
 * IPv4 (RFC 791). The header checksum is computed on encode and verified on decode; total
 * length is derived from the payload. A payload is decoded into a typed header only when the
 * packet is not a fragment (MF clear, offset 0) — a fragment's bytes are a slice of some
 * upper-layer message, so they stay raw, as they do in the kernel until reassembly.
 */
import type { IPv4 } from '../ip.ts';
import type { Ipv4Packet } from '../packet.ts';
import { IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP } from '../packet.ts';
import { finishChecksum, internetChecksum, sum16 } from './checksum.ts';
import { icmpLength, readIcmp, writeIcmp } from './icmp.ts';
import { readTcp, tcpLength, writeTcp } from './tcp.ts';
import { readUdp, udpLength, writeUdp } from './udp.ts';
import type { DecodeOptions } from './wire.ts';
import { checkOptions, checkRange, DecodeError, get16, get32, hex16, need, put16, put32 } from './wire.ts';

const PROTOCOL_OF_KIND = { icmp: IPPROTO_ICMP, udp: IPPROTO_UDP, tcp: IPPROTO_TCP, ipv4: IPPROTO_IPIP } as const;

/** Header length in bytes (20 plus options). */
export function ipv4HeaderLength(p: Ipv4Packet): number {
  return 20 + (p.options?.length ?? 0);
}

/** The total-length field: header plus payload, computed from the structure without encoding. */
export function ipv4TotalLength(p: Ipv4Packet): number {
  const q = p.payload;
  let body: number;
  if (q instanceof Uint8Array) body = q.length;
  else if (q.kind === 'icmp') body = icmpLength(q);
  else if (q.kind === 'udp') body = udpLength(q);
  else if (q.kind === 'tcp') body = tcpLength(q);
  else body = ipv4TotalLength(q);
  return 20 + (p.options?.length ?? 0) + body;
}

/** Writes `p` at `off` (checksums included); returns the offset after it. */
export function writeIpv4(p: Ipv4Packet, b: Uint8Array, off: number): number {
  const hl = 20 + checkOptions(p.options, 'IPv4');
  const total = ipv4TotalLength(p);
  if (total > 0xffff) throw new RangeError(`IPv4 packet of ${total} bytes exceeds 65535`);
  checkRange(p.tos, 0xff, 'IPv4 TOS');
  checkRange(p.id, 0xffff, 'IPv4 id');
  checkRange(p.fragOffset, 0x1fff, 'IPv4 fragment offset');
  checkRange(p.ttl, 0xff, 'IPv4 TTL');
  checkRange(p.protocol, 0xff, 'IPv4 protocol');
  const q = p.payload;
  if (!(q instanceof Uint8Array) && PROTOCOL_OF_KIND[q.kind] !== p.protocol) {
    throw new RangeError(`IPv4 protocol ${p.protocol} does not match its ${q.kind} payload (${PROTOCOL_OF_KIND[q.kind]})`);
  }
  b[off] = 0x40 | (hl >>> 2);
  b[off + 1] = p.tos;
  put16(b, off + 2, total);
  put16(b, off + 4, p.id);
  put16(b, off + 6, (p.df ? 0x4000 : 0) | (p.mf ? 0x2000 : 0) | p.fragOffset);
  b[off + 8] = p.ttl;
  b[off + 9] = p.protocol;
  put16(b, off + 10, 0);
  put32(b, off + 12, p.src);
  put32(b, off + 16, p.dst);
  if (p.options) b.set(p.options, off + 20);
  put16(b, off + 10, internetChecksum(b, off, off + hl));
  const o = off + hl;
  if (q instanceof Uint8Array) {
    b.set(q, o);
    return o + q.length;
  }
  switch (q.kind) {
    case 'icmp': return writeIcmp(q, b, o);
    case 'udp': return writeUdp(q, b, o, p.src, p.dst);
    case 'tcp': return writeTcp(q, b, o, p.src, p.dst);
    case 'ipv4': return writeIpv4(q, b, o);
  }
}

/** Reads an IPv4 packet at `off`; bytes past its total length (Ethernet padding) are ignored. */
export function readIpv4(b: Uint8Array, off: number, end: number, opts: DecodeOptions): Ipv4Packet {
  need(end, off, 20, 'IPv4 header');
  const version = b[off]! >>> 4;
  if (version !== 4) throw new DecodeError(off, `IPv4 header has version ${version}`);
  const hl = (b[off]! & 0x0f) * 4;
  if (hl < 20) throw new DecodeError(off, `IPv4 header length ${hl} is below 20`);
  need(end, off, hl, 'IPv4 header with options');
  const total = get16(b, off + 2);
  if (total < hl) throw new DecodeError(off + 2, `IPv4 total length ${total} is shorter than its ${hl}-byte header`);
  if (off + total > end) throw new DecodeError(off + 2, `IPv4 total length ${total} exceeds the ${end - off} bytes present`);
  if (opts.verifyChecksums !== false && internetChecksum(b, off, off + hl) !== 0) {
    const want = finishChecksum(sum16(b, off, off + hl) - get16(b, off + 10));
    throw new DecodeError(off + 10, `bad IPv4 header checksum 0x${hex16(get16(b, off + 10))}, expected 0x${hex16(want)}`);
  }
  const frag = get16(b, off + 6);
  const df = (frag & 0x4000) !== 0;
  const mf = (frag & 0x2000) !== 0;
  const fragOffset = frag & 0x1fff;
  const protocol = b[off + 9]!;
  const src = get32(b, off + 12);
  const dst = get32(b, off + 16);
  const o = off + hl;
  const e = off + total;
  let payload: Ipv4Packet['payload'];
  if (mf || fragOffset !== 0) payload = b.slice(o, e);
  else if (protocol === IPPROTO_ICMP) payload = readIcmp(b, o, e, opts);
  else if (protocol === IPPROTO_UDP) payload = readUdp(b, o, e, src, dst, opts);
  else if (protocol === IPPROTO_TCP) payload = readTcp(b, o, e, src, dst, opts);
  else if (protocol === IPPROTO_IPIP) payload = readIpv4(b, o, e, opts);
  else payload = b.slice(o, e);
  const base = { kind: 'ipv4' as const, tos: b[off + 1]!, id: get16(b, off + 4), df, mf, fragOffset, ttl: b[off + 8]!, protocol, src, dst };
  return hl > 20 ? { ...base, options: b.slice(off + 20, o), payload } : { ...base, payload };
}

/** What `makeIpv4` needs; everything else gets Linux-like defaults. */
export interface Ipv4Init {
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly payload: Ipv4Packet['payload'];
  /** Defaults to the protocol of a typed payload; required for a raw one. */
  readonly protocol?: number;
  /** Default 64 (Linux net.ipv4.ip_default_ttl). */
  readonly ttl?: number;
  /** Default true: Linux sets DF on everything it sends while path-MTU discovery is on. */
  readonly df?: boolean;
  /** Default 0. */
  readonly id?: number;
  /** Default 0. */
  readonly tos?: number;
}

/** An unfragmented IPv4 packet with sane defaults (TTL 64, DF set, id 0, protocol from payload). */
export function makeIpv4(init: Ipv4Init): Ipv4Packet {
  const q = init.payload;
  const protocol = init.protocol ?? (q instanceof Uint8Array ? undefined : PROTOCOL_OF_KIND[q.kind]);
  if (protocol === undefined) throw new RangeError('makeIpv4: a raw payload needs an explicit protocol');
  return {
    kind: 'ipv4',
    tos: init.tos ?? 0,
    id: init.id ?? 0,
    df: init.df ?? true,
    mf: false,
    fragOffset: 0,
    ttl: init.ttl ?? 64,
    protocol,
    src: init.src,
    dst: init.dst,
    payload: q,
  };
}
