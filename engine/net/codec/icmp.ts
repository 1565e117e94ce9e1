/**
 * ICMP for IPv4 (RFC 792): type, code, checksum over the whole message, the 32-bit "rest of
 * header", then data. Echo keeps identifier/sequence in `rest`; fragmentation-needed keeps
 * the next-hop MTU in its low 16 bits (RFC 1191); errors quote the offending packet in `data`.
 */
import type { IcmpMessage, Ipv4Packet } from '../packet.ts';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED,
} from '../packet.ts';
import type { IPv4 } from '../ip.ts';
import { finishChecksum, internetChecksum, sum16 } from './checksum.ts';
import { ipv4TotalLength, writeIpv4 } from './ipv4.ts';
import type { DecodeOptions } from './wire.ts';
import { checkRange, DecodeError, get16, get32, hex16, need, put16, put32 } from './wire.ts';

/** Bytes of the message: 8-byte header plus data. */
export function icmpLength(m: IcmpMessage): number {
  return 8 + m.data.length;
}

/** Writes `m` at `off` with its checksum; returns the offset after it. */
export function writeIcmp(m: IcmpMessage, b: Uint8Array, off: number): number {
  checkRange(m.type, 0xff, 'ICMP type');
  checkRange(m.code, 0xff, 'ICMP code');
  b[off] = m.type;
  b[off + 1] = m.code;
  put16(b, off + 2, 0);
  put32(b, off + 4, m.rest >>> 0);
  b.set(m.data, off + 8);
  const end = off + 8 + m.data.length;
  put16(b, off + 2, internetChecksum(b, off, end));
  return end;
}

/** Reads an ICMP message occupying `[off, end)`. */
export function readIcmp(b: Uint8Array, off: number, end: number, opts: DecodeOptions): IcmpMessage {
  need(end, off, 8, 'ICMP header');
  if (opts.verifyChecksums !== false && internetChecksum(b, off, end) !== 0) {
    const want = finishChecksum(sum16(b, off, end) - get16(b, off + 2));
    throw new DecodeError(off + 2, `bad ICMP checksum 0x${hex16(get16(b, off + 2))}, expected 0x${hex16(want)}`);
  }
  return { kind: 'icmp', type: b[off]!, code: b[off + 1]!, rest: get32(b, off + 4), data: b.slice(off + 8, end) };
}

/** An echo request (type 8) or reply (type 0) with identifier, sequence number and data. */
export function makeIcmpEcho(type: typeof ICMP_ECHO_REQUEST | typeof ICMP_ECHO_REPLY, id: number, seq: number, data: Uint8Array): IcmpMessage {
  checkRange(id, 0xffff, 'ICMP echo identifier');
  checkRange(seq, 0xffff, 'ICMP echo sequence');
  return { kind: 'icmp', type, code: 0, rest: ((id << 16) | seq) >>> 0, data };
}

/** Identifier and sequence number of an echo message. */
export function icmpEchoIds(m: IcmpMessage): { id: number; seq: number } {
  return { id: m.rest >>> 16, seq: m.rest & 0xffff };
}

/**
 * How many bytes of the offending packet Linux quotes: the error must fit in 576 bytes
 * (RFC 1812 §4.3.2.3), less its own 20-byte IP and 8-byte ICMP headers (icmp_send()).
 */
export const LINUX_ICMP_QUOTE_LIMIT = 576 - 20 - 8;

/**
 * The data an ICMP error quotes (RFC 792): the original IP header (with options) and the
 * first 8 bytes of its payload — enough for the sender to find the socket (ports, or the echo
 * id/seq). Pass `limit` (e.g. LINUX_ICMP_QUOTE_LIMIT) to quote up to that many bytes instead.
 */
export function icmpQuote(original: Ipv4Packet, limit?: number): Uint8Array {
  const total = ipv4TotalLength(original);
  const buf = new Uint8Array(total);
  writeIpv4(original, buf, 0);
  const hl = 20 + (original.options?.length ?? 0);
  return buf.slice(0, Math.min(total, limit ?? hl + 8));
}

/** An ICMP error (destination unreachable, time exceeded, …) quoting `original` (see icmpQuote for `limit`). */
export function makeIcmpError(type: number, code: number, original: Ipv4Packet, rest = 0, limit?: number): IcmpMessage {
  return { kind: 'icmp', type, code, rest: rest >>> 0, data: icmpQuote(original, limit) };
}

/** Destination unreachable / fragmentation needed (3/4) with the next-hop MTU (RFC 1191). */
export function makeFragNeeded(original: Ipv4Packet, nextHopMtu: number): IcmpMessage {
  checkRange(nextHopMtu, 0xffff, 'next-hop MTU');
  return makeIcmpError(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, original, nextHopMtu);
}

/** Time exceeded in transit (11/0), what a router sends when TTL reaches zero. */
export function makeTimeExceeded(original: Ipv4Packet): IcmpMessage {
  return makeIcmpError(ICMP_TIME_EXCEEDED, 0, original);
}

/** Fields of the packet quoted in an ICMP error, as traceroute and conntrack read them. */
export interface IcmpQuoted {
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly protocol: number;
  readonly id: number;
  /** The first 8 bytes after the quoted IP header (ports for TCP/UDP, id/seq for echo). */
  readonly l4: Uint8Array;
}

/** Parses the quoted header of an ICMP error; throws DecodeError when it is too short. */
export function parseIcmpQuote(data: Uint8Array): IcmpQuoted {
  need(data.length, 0, 20, 'quoted IPv4 header');
  if (data[0]! >>> 4 !== 4) throw new DecodeError(0, `quoted header has IP version ${data[0]! >>> 4}`);
  const hl = (data[0]! & 0x0f) * 4;
  if (hl < 20) throw new DecodeError(0, `quoted IPv4 header length ${hl} is below 20`);
  need(data.length, 0, hl, 'quoted IPv4 header with options');
  return {
    src: get32(data, 12),
    dst: get32(data, 16),
    protocol: data[9]!,
    id: get16(data, 4),
    l4: data.slice(hl, Math.min(data.length, hl + 8)),
  };
}
