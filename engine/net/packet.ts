/**
 * Packets as typed headers.
 *
 * The simulator moves these objects, not bytes: a frame is an Ethernet header whose payload
 * is a typed ARP or IPv4 packet, whose payload is typed ICMP/UDP/TCP or another IPv4 packet
 * (IP-in-IP), and a UDP datagram to port 4789 carries a typed VXLAN header around a whole
 * inner Ethernet frame. Every header maps one-to-one onto its wire format, so the codecs in
 * this folder encode any of them to the exact bytes Linux would put on the wire (for pcaps,
 * the UI's hex view and the BGP transport) and decode bytes back.
 *
 * Fields that the wire derives (lengths, checksums) are not stored: encoders compute them,
 * decoders verify them. Payloads the model does not interpret stay `Uint8Array`.
 *
 * Treat packets as immutable once sent: a device that changes a header (TTL, NAT) makes a
 * shallow copy of the layer it changes, like ns-3's `Packet::Copy()` per receiver.
 */
import type { IPv4 } from './ip.ts';

/** MAC address in canonical lower-case colon form, e.g. "ee:ee:ee:ee:ee:ee". */
export type MAC = string;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const VXLAN_PORT = 4789;

export const BROADCAST_MAC: MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: MAC = '00:00:00:00:00:00';

/** Ethernet II frame, optionally with one 802.1Q tag. */
export interface EthernetFrame {
  readonly dst: MAC;
  readonly src: MAC;
  /** 802.1Q VLAN id when the frame is tagged on the wire. */
  readonly vlan?: number;
  /** 802.1Q priority code point (0 when absent). */
  readonly pcp?: number;
  /** EtherType of the payload (after the tag, if any). */
  readonly etherType: number;
  readonly payload: ArpPacket | Ipv4Packet | Uint8Array;
}

/** ARP for IPv4 over Ethernet (RFC 826). */
export interface ArpPacket {
  readonly kind: 'arp';
  /** 1 = request, 2 = reply. */
  readonly op: 1 | 2;
  readonly senderMac: MAC;
  readonly senderIp: IPv4;
  readonly targetMac: MAC;
  readonly targetIp: IPv4;
}

/** IPv4 header plus payload (RFC 791). Total length and checksum are derived. */
export interface Ipv4Packet {
  readonly kind: 'ipv4';
  /** DSCP+ECN byte. */
  readonly tos: number;
  readonly id: number;
  /** Don't Fragment. */
  readonly df: boolean;
  /** More Fragments. */
  readonly mf: boolean;
  /** Fragment offset in 8-byte units. */
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: IPv4;
  readonly dst: IPv4;
  /** Raw option bytes (a multiple of 4), if any. */
  readonly options?: Uint8Array;
  readonly payload: IcmpMessage | UdpDatagram | TcpSegment | Ipv4Packet | Uint8Array;
}

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
/** Destination-unreachable codes used by Linux. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_PKT_FILTERED = 13;

/**
 * ICMP message (RFC 792). `rest` is the 32-bit "rest of header": identifier<<16|sequence
 * for echo, next-hop MTU in the low 16 bits for fragmentation-needed (RFC 1191), 0 otherwise.
 * For errors, `data` holds the quoted original IP header plus at least 8 payload bytes.
 */
export interface IcmpMessage {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly rest: number;
  readonly data: Uint8Array;
}

/** UDP datagram (RFC 768); a payload to port 4789 decodes as VXLAN. */
export interface UdpDatagram {
  readonly kind: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  /**
   * True when the datagram is sent with checksum 0 ("none"), as Linux sends VXLAN over IPv4
   * by default. Absent/false: the encoder computes the pseudo-header checksum.
   */
  readonly noChecksum?: boolean;
  readonly payload: VxlanPacket | Uint8Array;
}

/** VXLAN header (RFC 7348) around an inner Ethernet frame. */
export interface VxlanPacket {
  readonly kind: 'vxlan';
  /** 24-bit VXLAN network identifier. */
  readonly vni: number;
  readonly inner: EthernetFrame;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/** TCP segment (RFC 793); `flags` is the low byte of the flags field (TCP_* bits). */
export interface TcpSegment {
  readonly kind: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Raw option bytes (a multiple of 4), if any. */
  readonly options?: Uint8Array;
  /** Urgent pointer (meaningful with TCP_URG); absent means 0. */
  readonly urgent?: number;
  readonly payload: Uint8Array;
}
