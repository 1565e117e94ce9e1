/**
 * Ethernet II with at most one 802.1Q tag (IEEE 802.1Q §9.6: TPID 0x8100, then PCP:3 DEI:1
 * VID:12). Frames are written without the FCS and without padding to 60 bytes, which is what
 * a capture on a Linux veth or bridge shows; decoding ignores trailing bytes past the end of
 * an IPv4 or ARP payload, so padded frames from real NICs decode too.
 */
import type { EthernetFrame } from '../packet.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN } from '../packet.ts';
import { macFromBytes, macToBytes } from '../mac.ts';
import { ARP_LENGTH, readArp, writeArp } from './arp.ts';
import { ipv4TotalLength, readIpv4, writeIpv4 } from './ipv4.ts';
import type { DecodeOptions } from './wire.ts';
import { checkRange, get16, need, put16 } from './wire.ts';

/** Bytes of the Ethernet header: 14, or 18 with an 802.1Q tag. */
export function ethernetHeaderLength(f: EthernetFrame): number {
  return f.vlan === undefined ? 14 : 18;
}

/** Length of the frame on the wire (no FCS, no padding), computed without encoding. */
export function frameLength(f: EthernetFrame): number {
  const p = f.payload;
  const body = p instanceof Uint8Array ? p.length : p.kind === 'arp' ? ARP_LENGTH : ipv4TotalLength(p);
  return ethernetHeaderLength(f) + body;
}

/** Writes `f` at `off`; returns the offset after it. */
export function writeFrame(f: EthernetFrame, b: Uint8Array, off: number): number {
  macToBytes(f.dst, b, off);
  macToBytes(f.src, b, off + 6);
  let o = off + 12;
  if (f.vlan !== undefined) {
    checkRange(f.vlan, 4095, 'VLAN id');
    const pcp = f.pcp ?? 0;
    checkRange(pcp, 7, '802.1Q priority');
    put16(b, o, ETHERTYPE_VLAN);
    put16(b, o + 2, (pcp << 13) | f.vlan);
    o += 4;
  }
  checkRange(f.etherType, 0xffff, 'EtherType');
  put16(b, o, f.etherType);
  o += 2;
  const p = f.payload;
  if (p instanceof Uint8Array) {
    b.set(p, o);
    return o + p.length;
  }
  return p.kind === 'arp' ? writeArp(p, b, o) : writeIpv4(p, b, o);
}

/** Reads a frame occupying `[off, end)`. */
export function readFrame(b: Uint8Array, off: number, end: number, opts: DecodeOptions): EthernetFrame {
  need(end, off, 14, 'Ethernet header');
  const dst = macFromBytes(b, off);
  const src = macFromBytes(b, off + 6);
  let o = off + 12;
  let etherType = get16(b, o);
  let vlan: number | undefined;
  let pcp = 0;
  if (etherType === ETHERTYPE_VLAN) {
    need(end, o, 6, '802.1Q tag');
    const tci = get16(b, o + 2);
    pcp = tci >>> 13;
    vlan = tci & 0xfff;
    o += 4;
    etherType = get16(b, o);
  }
  o += 2;
  let payload: EthernetFrame['payload'] | undefined;
  if (etherType === ETHERTYPE_IPV4) payload = readIpv4(b, o, end, opts);
  else if (etherType === ETHERTYPE_ARP) payload = readArp(b, o, end);
  payload ??= b.slice(o, end);
  return vlan === undefined ? { dst, src, etherType, payload } : { dst, src, vlan, pcp, etherType, payload };
}
