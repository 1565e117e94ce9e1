/**
 * TCP (RFC 793 / RFC 9293 §3.1): the fixed 20-byte header, raw options, payload, and the
 * checksum over the IPv4 pseudo-header. `flags` is the low byte of the flags field
 * (CWR…FIN); the reserved/AccECN bits above it are written as zero.
 */
import type { IPv4 } from '../ip.ts';
import type { TcpSegment } from '../packet.ts';
import { IPPROTO_TCP } from '../packet.ts';
import { finishChecksum, pseudoHeaderSum, sum16 } from './checksum.ts';
import type { DecodeOptions } from './wire.ts';
import { checkOptions, checkRange, DecodeError, get16, get32, hex16, need, put16, put32 } from './wire.ts';

/** Bytes of the segment: 20 plus options plus payload. */
export function tcpLength(t: TcpSegment): number {
  return 20 + (t.options?.length ?? 0) + t.payload.length;
}

/** Writes `t` at `off`, checksummed against the pseudo-header of `src`→`dst`; returns the end offset. */
export function writeTcp(t: TcpSegment, b: Uint8Array, off: number, src: IPv4, dst: IPv4): number {
  const hl = 20 + checkOptions(t.options, 'TCP');
  checkRange(t.srcPort, 0xffff, 'TCP source port');
  checkRange(t.dstPort, 0xffff, 'TCP destination port');
  checkRange(t.seq, 0xffffffff, 'TCP sequence number');
  checkRange(t.ack, 0xffffffff, 'TCP acknowledgment number');
  checkRange(t.flags, 0xff, 'TCP flags');
  checkRange(t.window, 0xffff, 'TCP window');
  const urgent = t.urgent ?? 0;
  checkRange(urgent, 0xffff, 'TCP urgent pointer');
  put16(b, off, t.srcPort);
  put16(b, off + 2, t.dstPort);
  put32(b, off + 4, t.seq);
  put32(b, off + 8, t.ack);
  b[off + 12] = (hl >>> 2) << 4;
  b[off + 13] = t.flags;
  put16(b, off + 14, t.window);
  put16(b, off + 16, 0);
  put16(b, off + 18, urgent);
  if (t.options) b.set(t.options, off + 20);
  b.set(t.payload, off + hl);
  const end = off + hl + t.payload.length;
  put16(b, off + 16, finishChecksum(sum16(b, off, end, pseudoHeaderSum(src, dst, IPPROTO_TCP, end - off))));
  return end;
}

/** Reads a TCP segment occupying `[off, end)` inside an IPv4 packet from `src` to `dst`. */
export function readTcp(b: Uint8Array, off: number, end: number, src: IPv4, dst: IPv4, opts: DecodeOptions): TcpSegment {
  need(end, off, 20, 'TCP header');
  const hl = (b[off + 12]! >>> 4) * 4;
  if (hl < 20) throw new DecodeError(off + 12, `TCP data offset ${hl} is below 20`);
  need(end, off, hl, 'TCP header with options');
  if (opts.verifyChecksums !== false) {
    const s = sum16(b, off, end, pseudoHeaderSum(src, dst, IPPROTO_TCP, end - off));
    if (finishChecksum(s) !== 0) {
      const wire = get16(b, off + 16);
      throw new DecodeError(off + 16, `bad TCP checksum 0x${hex16(wire)}, expected 0x${hex16(finishChecksum(s - wire))}`);
    }
  }
  const urgent = get16(b, off + 18);
  return {
    kind: 'tcp',
    srcPort: get16(b, off),
    dstPort: get16(b, off + 2),
    seq: get32(b, off + 4),
    ack: get32(b, off + 8),
    flags: b[off + 13]!,
    window: get16(b, off + 14),
    ...(hl > 20 ? { options: b.slice(off + 20, off + hl) } : {}),
    ...(urgent !== 0 ? { urgent } : {}),
    payload: b.slice(off + hl, end),
  };
}

/** What `makeTcp` needs; window defaults to 64240 (Linux's initial window on Ethernet). */
export interface TcpInit {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack?: number;
  readonly flags: number;
  readonly window?: number;
  readonly options?: Uint8Array;
  readonly payload?: Uint8Array;
}

/** A TCP segment with defaults (ack 0, window 64240, no options, empty payload). */
export function makeTcp(init: TcpInit): TcpSegment {
  return {
    kind: 'tcp',
    srcPort: init.srcPort,
    dstPort: init.dstPort,
    seq: init.seq >>> 0,
    ack: (init.ack ?? 0) >>> 0,
    flags: init.flags,
    window: init.window ?? 64240,
    ...(init.options ? { options: init.options } : {}),
    payload: init.payload ?? new Uint8Array(0),
  };
}
