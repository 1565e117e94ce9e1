/**
 * Packet codecs: typed headers ⇄ wire bytes.
 *
 * The model (../packet.ts) is a tree of plain objects, one per header: an EthernetFrame whose
 * payload is an ArpPacket or an Ipv4Packet, whose payload is ICMP, UDP, TCP or — for IP-in-IP,
 * protocol 4 — another Ipv4Packet; a UDP datagram to or from port 4789 carries a VxlanPacket
 * around a whole inner EthernetFrame. Anything the model does not interpret (an unknown
 * EtherType or IP protocol, a fragment, a VXLAN extension) is a raw Uint8Array, so every byte
 * sequence that decodes also re-encodes.
 *
 * The model stores no derived fields. Encoders compute lengths and checksums (IPv4 header,
 * ICMP, UDP and TCP with the pseudo-header); decoders verify them and throw DecodeError —
 * the only exception a decoder throws on bad input — naming the byte offset and the problem.
 * Encoders throw RangeError for a model that cannot be put on the wire (a VLAN id of 5000).
 *
 * Lengths are computed structurally (`frameLength`, `ipv4TotalLength`): the simulator asks
 * for them at every hop (MTU checks) and must not pay for an encode. Encoding sizes the
 * buffer once and each layer writes into it in place (`writeFrame` lets a pcap writer encode
 * straight into its own buffer). Frames are written as a Linux veth capture shows them:
 * no FCS, no padding to 60 bytes.
 *
 * One file per protocol: ethernet (with 802.1Q), arp, ipv4, icmp, udp, vxlan, tcp, plus the
 * internet checksum and the shared wire helpers. Pure code: no Node APIs (the web bundle
 * uses it).
 */
import type { ArpPacket, EthernetFrame, Ipv4Packet, MAC } from '../packet.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../packet.ts';
import { frameLength, readFrame, writeFrame } from './ethernet.ts';
import { ipv4TotalLength, readIpv4, writeIpv4 } from './ipv4.ts';
import type { DecodeOptions } from './wire.ts';

export { DecodeError } from './wire.ts';
export type { DecodeOptions } from './wire.ts';
export { frameLength, writeFrame, ethernetHeaderLength } from './ethernet.ts';
export { ipv4TotalLength, ipv4HeaderLength, writeIpv4, makeIpv4 } from './ipv4.ts';
export type { Ipv4Init } from './ipv4.ts';
export { ARP_LENGTH } from './arp.ts';
export {
  makeIcmpEcho, icmpEchoIds, icmpQuote, LINUX_ICMP_QUOTE_LIMIT, makeIcmpError, makeFragNeeded, makeTimeExceeded, parseIcmpQuote,
} from './icmp.ts';
export type { IcmpQuoted } from './icmp.ts';
export { makeUdp } from './udp.ts';
export { makeVxlan, CALICO_VXLAN_VNI } from './vxlan.ts';
export { makeTcp } from './tcp.ts';
export type { TcpInit } from './tcp.ts';
export {
  sum16, foldSum, finishChecksum, internetChecksum, pseudoHeaderSum, adjustChecksum,
} from './checksum.ts';

/** Encodes a frame to its wire bytes (checksums and lengths computed). */
export function encodeFrame(f: EthernetFrame): Uint8Array {
  const b = new Uint8Array(frameLength(f));
  writeFrame(f, b, 0);
  return b;
}

/** Decodes a whole frame; throws DecodeError on malformed bytes. Payload bytes are copied. */
export function decodeFrame(b: Uint8Array, opts: DecodeOptions = {}): EthernetFrame {
  return readFrame(b, 0, b.length, opts);
}

/** Encodes an IPv4 packet (header, payload, all checksums) without a link-layer header. */
export function encodeIpv4(p: Ipv4Packet): Uint8Array {
  const b = new Uint8Array(ipv4TotalLength(p));
  writeIpv4(p, b, 0);
  return b;
}

/** Decodes an IPv4 packet; bytes past its total length are ignored. Throws DecodeError. */
export function decodeIpv4(b: Uint8Array, opts: DecodeOptions = {}): Ipv4Packet {
  return readIpv4(b, 0, b.length, opts);
}

/** What `makeFrame` needs: the EtherType follows from a typed payload. */
export interface FrameInit {
  readonly dst: MAC;
  readonly src: MAC;
  readonly payload: ArpPacket | Ipv4Packet | Uint8Array;
  readonly etherType?: number;
  readonly vlan?: number;
  readonly pcp?: number;
}

/** An Ethernet frame with the EtherType taken from its payload (ARP or IPv4) unless given. */
export function makeFrame(init: FrameInit): EthernetFrame {
  const p = init.payload;
  const etherType = init.etherType ?? (p instanceof Uint8Array ? undefined : p.kind === 'arp' ? ETHERTYPE_ARP : ETHERTYPE_IPV4);
  if (etherType === undefined) throw new RangeError('makeFrame: a raw payload needs an explicit etherType');
  const base = { dst: init.dst, src: init.src, etherType, payload: p };
  return init.vlan === undefined ? base : { ...base, vlan: init.vlan, pcp: init.pcp ?? 0 };
}

/** An ARP request (who-has `targetIp` tell `senderIp`), broadcast, as Linux sends it. */
export function makeArpRequest(senderMac: MAC, senderIp: number, targetIp: number): EthernetFrame {
  const arp: ArpPacket = { kind: 'arp', op: 1, senderMac, senderIp, targetMac: '00:00:00:00:00:00', targetIp };
  return { dst: 'ff:ff:ff:ff:ff:ff', src: senderMac, etherType: ETHERTYPE_ARP, payload: arp };
}

/** The ARP reply answering `request` with `mac` (is-at), unicast back to the asker. */
export function makeArpReply(request: ArpPacket, mac: MAC): EthernetFrame {
  const arp: ArpPacket = {
    kind: 'arp', op: 2, senderMac: mac, senderIp: request.targetIp, targetMac: request.senderMac, targetIp: request.senderIp,
  };
  return { dst: request.senderMac, src: mac, etherType: ETHERTYPE_ARP, payload: arp };
}
