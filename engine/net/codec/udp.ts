/**
 * UDP (RFC 768) with the IPv4 pseudo-header checksum. A computed checksum of 0 goes on the
 * wire as 0xffff; a datagram with `noChecksum` carries 0, which is how Linux sends VXLAN
 * over IPv4 by default (`ip link add … type vxlan` without `udpcsum`). Datagrams to or from
 * port 4789 carry VXLAN and decode into a typed VXLAN header with its inner frame.
 */
import type { IPv4 } from '../ip.ts';
import type { UdpDatagram } from '../packet.ts';
import { IPPROTO_UDP, VXLAN_PORT } from '../packet.ts';
import { finishChecksum, pseudoHeaderSum, sum16 } from './checksum.ts';
import { readVxlan, vxlanLength, writeVxlan } from './vxlan.ts';
import type { DecodeOptions } from './wire.ts';
import { checkRange, DecodeError, get16, hex16, need, put16 } from './wire.ts';

/** Bytes of the datagram: 8-byte header plus payload. */
export function udpLength(u: UdpDatagram): number {
  const p = u.payload;
  return 8 + (p instanceof Uint8Array ? p.length : vxlanLength(p));
}

/** Writes `u` at `off`, checksummed against the pseudo-header of `src`→`dst`; returns the end offset. */
export function writeUdp(u: UdpDatagram, b: Uint8Array, off: number, src: IPv4, dst: IPv4): number {
  checkRange(u.srcPort, 0xffff, 'UDP source port');
  checkRange(u.dstPort, 0xffff, 'UDP destination port');
  const len = udpLength(u);
  put16(b, off, u.srcPort);
  put16(b, off + 2, u.dstPort);
  put16(b, off + 4, len);
  put16(b, off + 6, 0);
  const p = u.payload;
  const end = p instanceof Uint8Array ? (b.set(p, off + 8), off + 8 + p.length) : writeVxlan(p, b, off + 8);
  if (!u.noChecksum) {
    const c = finishChecksum(sum16(b, off, end, pseudoHeaderSum(src, dst, IPPROTO_UDP, len)));
    put16(b, off + 6, c === 0 ? 0xffff : c);
  }
  return end;
}

/** Reads a UDP datagram occupying `[off, end)` inside an IPv4 packet from `src` to `dst`. */
export function readUdp(b: Uint8Array, off: number, end: number, src: IPv4, dst: IPv4, opts: DecodeOptions): UdpDatagram {
  need(end, off, 8, 'UDP header');
  const len = get16(b, off + 4);
  if (len !== end - off) {
    throw new DecodeError(off + 4, `UDP length ${len} disagrees with the ${end - off} bytes of IP payload`);
  }
  const wire = get16(b, off + 6);
  if (wire !== 0 && opts.verifyChecksums !== false) {
    const s = sum16(b, off, end, pseudoHeaderSum(src, dst, IPPROTO_UDP, len));
    if (finishChecksum(s) !== 0) {
      const want = finishChecksum(s - wire);
      throw new DecodeError(off + 6, `bad UDP checksum 0x${hex16(wire)}, expected 0x${hex16(want === 0 ? 0xffff : want)}`);
    }
  }
  const srcPort = get16(b, off);
  const dstPort = get16(b, off + 2);
  const payload = (srcPort === VXLAN_PORT || dstPort === VXLAN_PORT ? readVxlan(b, off + 8, end, opts) : undefined) ?? b.slice(off + 8, end);
  return wire === 0 ? { kind: 'udp', srcPort, dstPort, noChecksum: true, payload } : { kind: 'udp', srcPort, dstPort, payload };
}

/** A UDP datagram with a raw payload. */
export function makeUdp(srcPort: number, dstPort: number, payload: Uint8Array): UdpDatagram {
  return { kind: 'udp', srcPort, dstPort, payload };
}
