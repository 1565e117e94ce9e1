/**
 * VXLAN (RFC 7348 §5): flags byte 0x08 (the I bit: VNI valid), 3 reserved bytes, the 24-bit
 * VNI, 1 reserved byte, then a whole inner Ethernet frame. Headers with other flags (GBP,
 * GPE) or non-zero reserved bits are extensions the model does not carry, so they stay raw
 * UDP payload rather than being silently normalised.
 */
import type { EthernetFrame, UdpDatagram, VxlanPacket } from '../packet.ts';
import { VXLAN_PORT } from '../packet.ts';
import { frameLength, readFrame, writeFrame } from './ethernet.ts';
import type { DecodeOptions } from './wire.ts';
import { checkRange, get32, put32 } from './wire.ts';

/** The VNI Calico uses for its vxlan.calico device. */
export const CALICO_VXLAN_VNI = 4096;

/** Bytes of the VXLAN header plus the inner frame. */
export function vxlanLength(v: VxlanPacket): number {
  return 8 + frameLength(v.inner);
}

/** Writes `v` at `off`; returns the offset after the inner frame. */
export function writeVxlan(v: VxlanPacket, b: Uint8Array, off: number): number {
  checkRange(v.vni, 0xffffff, 'VXLAN VNI');
  put32(b, off, 0x08000000);
  put32(b, off + 4, (v.vni << 8) >>> 0);
  return writeFrame(v.inner, b, off + 8);
}

/** Reads VXLAN at `off`, or returns undefined when the bytes are not a plain VXLAN header. */
export function readVxlan(b: Uint8Array, off: number, end: number, opts: DecodeOptions): VxlanPacket | undefined {
  if (end - off < 8) return undefined;
  const w0 = get32(b, off);
  const w1 = get32(b, off + 4);
  if (w0 !== 0x08000000 || (w1 & 0xff) !== 0) return undefined;
  return { kind: 'vxlan', vni: w1 >>> 8, inner: readFrame(b, off + 8, end, opts) };
}

/**
 * A VXLAN-in-UDP datagram as Linux's vxlan driver sends it: destination port 4789, the given
 * source port (Linux hashes the inner flow into it), and no UDP checksum (the IPv4 default).
 */
export function makeVxlan(vni: number, inner: EthernetFrame, srcPort: number): UdpDatagram {
  return { kind: 'udp', srcPort, dstPort: VXLAN_PORT, noChecksum: true, payload: { kind: 'vxlan', vni, inner } };
}
