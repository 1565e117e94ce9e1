/**
 * A small Wireshark-style dissector over frame bytes: a tree of layers and fields, each
 * with the byte range it came from, so the bytes pane can highlight what the tree selects.
 * Covers what podlab's fabric carries: Ethernet, 802.1Q, ARP, IPv4 (re-entered for IP-in-IP,
 * giving the stacked outer/inner IPv4 layers Wireshark shows), ICMP, UDP, VXLAN (the inner
 * frame dissected as Ethernet without FCS), TCP, and BGP on port 179 (dissect-bgp.ts).
 * Truncated input ends the tree; it never throws.
 */
import { BGP_PORT, dissectBgp } from './dissect-bgp.ts';

/** One line of the detail tree; [start, end) are byte offsets in the frame. */
export interface Field {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly children?: readonly Field[];
  /** Layer name for top-level lines (eth, vlan, arp, ip, icmp, udp, vxlan, tcp, bgp, data). */
  readonly layer?: string;
}

const hex2 = (v: number): string => v.toString(16).padStart(2, '0');
const mac = (b: Uint8Array, o: number): string => Array.from(b.subarray(o, o + 6), hex2).join(':');
const ip4 = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const f = (label: string, start: number, len: number): Field => ({ label, start, end: start + len });

const ETHERTYPES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q Virtual LAN', 0x86dd: 'IPv6' };
const PROTOS: Record<number, string> = { 1: 'ICMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP' };
const ICMP_TYPES: Record<number, string> = { 0: 'Echo (ping) reply', 3: 'Destination unreachable', 5: 'Redirect', 8: 'Echo (ping) request', 11: 'Time-to-live exceeded' };
const VXLAN_PORT = 4789;

/** Dissects a whole Ethernet frame. */
export function dissectFrame(b: Uint8Array): Field[] {
  const out: Field[] = [{ label: `Frame: ${b.length} bytes on wire (${b.length * 8} bits)`, start: 0, end: b.length, layer: 'frame' }];
  ethernet(b, 0, b.length, out, 0);
  return out;
}

/** The most specific field holding byte `offset` (a leaf before its layer), as Wireshark selects on a click in the bytes pane. */
export function fieldAt(tree: readonly Field[], offset: number): Field | undefined {
  let best: Field | undefined;
  for (const layer of tree) {
    if (layer.layer === 'frame' || offset < layer.start || offset >= layer.end) continue;
    best = layer;
    for (const c of layer.children ?? []) if (offset >= c.start && offset < c.end) return c;
  }
  // Bytes past a layer's header (payloads) belong to the innermost layer that starts before them.
  if (!best) for (const layer of tree) if (layer.layer !== 'frame' && layer.start <= offset) best = layer;
  return best;
}

function ethernet(b: Uint8Array, o: number, end: number, out: Field[], depth: number): void {
  if (end - o < 14) return trailing(b, o, end, out);
  const kids: Field[] = [f(`Destination: ${mac(b, o)}`, o, 6), f(`Source: ${mac(b, o + 6)}`, o + 6, 6)];
  let type = u16(b, o + 12);
  let p = o + 14;
  kids.push(f(`Type: ${ETHERTYPES[type] ?? 'Unknown'} (0x${type.toString(16).padStart(4, '0')})`, o + 12, 2));
  out.push({ label: `Ethernet II, Src: ${mac(b, o + 6)}, Dst: ${mac(b, o)}`, start: o, end: p, layer: 'eth', children: kids });
  if (type === 0x8100 && end - p >= 4) {
    const tci = u16(b, p);
    type = u16(b, p + 2);
    out.push({
      label: `802.1Q Virtual LAN, PRI: ${tci >> 13}, ID: ${tci & 0xfff}`, start: p, end: p + 4, layer: 'vlan',
      children: [f(`Priority: ${tci >> 13}`, p, 2), f(`ID: ${tci & 0xfff}`, p, 2), f(`Type: ${ETHERTYPES[type] ?? 'Unknown'} (0x${type.toString(16).padStart(4, '0')})`, p + 2, 2)],
    });
    p += 4;
  }
  if (type === 0x0800) ipv4(b, p, end, out, depth);
  else if (type === 0x0806) arp(b, p, end, out);
  else trailing(b, p, end, out);
}

function arp(b: Uint8Array, o: number, end: number, out: Field[]): void {
  if (end - o < 28) return trailing(b, o, end, out);
  const op = u16(b, o + 6);
  out.push({
    label: `Address Resolution Protocol (${op === 1 ? 'request' : op === 2 ? 'reply' : op})`, start: o, end: o + 28, layer: 'arp',
    children: [
      f(`Hardware type: Ethernet (${u16(b, o)})`, o, 2), f(`Protocol type: IPv4 (0x${u16(b, o + 2).toString(16).padStart(4, '0')})`, o + 2, 2),
      f(`Hardware size: ${b[o + 4]}`, o + 4, 1), f(`Protocol size: ${b[o + 5]}`, o + 5, 1), f(`Opcode: ${op === 1 ? 'request' : 'reply'} (${op})`, o + 6, 2),
      f(`Sender MAC address: ${mac(b, o + 8)}`, o + 8, 6), f(`Sender IP address: ${ip4(b, o + 14)}`, o + 14, 4),
      f(`Target MAC address: ${mac(b, o + 18)}`, o + 18, 6), f(`Target IP address: ${ip4(b, o + 24)}`, o + 24, 4),
    ],
  });
  trailing(b, o + 28, end, out);
}

function ipv4(b: Uint8Array, o: number, end: number, out: Field[], depth: number): void {
  if (end - o < 20 || b[o]! >> 4 !== 4) return trailing(b, o, end, out);
  const ihl = (b[o]! & 0xf) * 4;
  const total = Math.min(u16(b, o + 2), end - o);
  const flags = u16(b, o + 6);
  const df = (flags & 0x4000) !== 0;
  const mf = (flags & 0x2000) !== 0;
  const fragOff = flags & 0x1fff;
  const proto = b[o + 9]!;
  const kids: Field[] = [
    f(`Version: 4`, o, 1), f(`Header Length: ${ihl} bytes (${ihl / 4})`, o, 1),
    f(`Differentiated Services Field: 0x${hex2(b[o + 1]!)} (DSCP: ${b[o + 1]! >> 2}, ECN: ${b[o + 1]! & 3})`, o + 1, 1),
    f(`Total Length: ${u16(b, o + 2)}`, o + 2, 2), f(`Identification: 0x${u16(b, o + 4).toString(16).padStart(4, '0')} (${u16(b, o + 4)})`, o + 4, 2),
    f(`Flags: 0x${hex2(flags >> 8 & 0xe0)}${df ? ", Don't fragment" : ''}${mf ? ', More fragments' : ''}`, o + 6, 1),
    f(`Fragment Offset: ${fragOff * 8}`, o + 6, 2), f(`Time to Live: ${b[o + 8]}`, o + 8, 1),
    f(`Protocol: ${PROTOS[proto] ?? 'Unknown'} (${proto})`, o + 9, 1), f(`Header Checksum: 0x${u16(b, o + 10).toString(16).padStart(4, '0')}`, o + 10, 2),
    f(`Source Address: ${ip4(b, o + 12)}`, o + 12, 4), f(`Destination Address: ${ip4(b, o + 16)}`, o + 16, 4),
  ];
  if (ihl > 20) kids.push(f(`Options: (${ihl - 20} bytes)`, o + 20, ihl - 20));
  const inner = out.some((x) => x.layer === 'ip') || depth > 0;
  out.push({
    label: `Internet Protocol Version 4${inner ? ' (inner)' : ''}, Src: ${ip4(b, o + 12)}, Dst: ${ip4(b, o + 16)}`,
    start: o, end: o + ihl, layer: 'ip', children: kids,
  });
  const p = o + ihl;
  const stop = o + total;
  if (fragOff !== 0) return trailing(b, p, stop, out, 'Fragment data');
  if (proto === 4) ipv4(b, p, stop, out, depth + 1);
  else if (proto === 1) icmp(b, p, stop, out);
  else if (proto === 17) udp(b, p, stop, out, depth);
  else if (proto === 6) tcp(b, p, stop, out);
  else trailing(b, p, stop, out);
}

function icmp(b: Uint8Array, o: number, end: number, out: Field[]): void {
  if (end - o < 8) return trailing(b, o, end, out);
  const type = b[o]!;
  const kids: Field[] = [f(`Type: ${type} (${ICMP_TYPES[type] ?? 'Unknown'})`, o, 1), f(`Code: ${b[o + 1]}`, o + 1, 1), f(`Checksum: 0x${u16(b, o + 2).toString(16).padStart(4, '0')}`, o + 2, 2)];
  if (type === 0 || type === 8) kids.push(f(`Identifier (BE): ${u16(b, o + 4)} (0x${u16(b, o + 4).toString(16).padStart(4, '0')})`, o + 4, 2), f(`Sequence Number (BE): ${u16(b, o + 6)}`, o + 6, 2));
  else if (type === 3 && b[o + 1] === 4) kids.push(f(`MTU of next hop: ${u16(b, o + 6)}`, o + 6, 2));
  else if (type === 5) kids.push(f(`Gateway Address: ${ip4(b, o + 4)}`, o + 4, 4));
  if (end > o + 8) kids.push(f(`Data (${end - o - 8} bytes)`, o + 8, end - o - 8));
  out.push({ label: 'Internet Control Message Protocol', start: o, end, layer: 'icmp', children: kids });
}

function udp(b: Uint8Array, o: number, end: number, out: Field[], depth: number): void {
  if (end - o < 8) return trailing(b, o, end, out);
  const sp = u16(b, o);
  const dp = u16(b, o + 2);
  out.push({
    label: `User Datagram Protocol, Src Port: ${sp}, Dst Port: ${dp}`, start: o, end: o + 8, layer: 'udp',
    children: [f(`Source Port: ${sp}`, o, 2), f(`Destination Port: ${dp}`, o + 2, 2), f(`Length: ${u16(b, o + 4)}`, o + 4, 2), f(`Checksum: 0x${u16(b, o + 6).toString(16).padStart(4, '0')}${u16(b, o + 6) === 0 ? ' [zero-value ignored]' : ''}`, o + 6, 2)],
  });
  const p = o + 8;
  if ((dp === VXLAN_PORT) && end - p >= 8) {
    const vni = (u32(b, p + 4) >>> 8);
    out.push({
      label: `Virtual eXtensible Local Area Network, VNI: ${vni}`, start: p, end: p + 8, layer: 'vxlan',
      children: [f(`Flags: 0x${u16(b, p).toString(16).padStart(4, '0')}${b[p]! & 0x08 ? ' (VXLAN Network ID present)' : ''}`, p, 2), f(`Group Policy ID: ${u16(b, p + 2)}`, p + 2, 2), f(`VXLAN Network Identifier (VNI): ${vni}`, p + 4, 3), f('Reserved: 0', p + 7, 1)],
    });
    ethernet(b, p + 8, end, out, depth + 1);
  } else trailing(b, p, end, out);
}

function tcp(b: Uint8Array, o: number, end: number, out: Field[]): void {
  if (end - o < 20) return trailing(b, o, end, out);
  const sp = u16(b, o);
  const dp = u16(b, o + 2);
  const hl = (b[o + 12]! >> 4) * 4;
  const fl = b[o + 13]!;
  const names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'].filter((_, i) => fl & (1 << i));
  const kids: Field[] = [
    f(`Source Port: ${sp}`, o, 2), f(`Destination Port: ${dp}`, o + 2, 2), f(`Sequence Number (raw): ${u32(b, o + 4)}`, o + 4, 4),
    f(`Acknowledgment number (raw): ${u32(b, o + 8)}`, o + 8, 4), f(`Header Length: ${hl} bytes (${hl / 4})`, o + 12, 1),
    f(`Flags: 0x${hex2(fl)} (${names.join(', ')})`, o + 13, 1), f(`Window: ${u16(b, o + 14)}`, o + 14, 2),
    f(`Checksum: 0x${u16(b, o + 16).toString(16).padStart(4, '0')}`, o + 16, 2), f(`Urgent Pointer: ${u16(b, o + 18)}`, o + 18, 2),
  ];
  if (hl > 20) kids.push(f(`Options: (${hl - 20} bytes)`, o + 20, hl - 20));
  out.push({ label: `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Flags: [${names.join(', ')}]`, start: o, end: o + hl, layer: 'tcp', children: kids });
  const stop = Math.min(end, b.length);
  if ((sp === BGP_PORT || dp === BGP_PORT) && stop > o + hl) out.push(...dissectBgp(b, o + hl, stop));
  else trailing(b, o + hl, end, out);
}

function trailing(b: Uint8Array, o: number, end: number, out: Field[], what = 'Data'): void {
  const stop = Math.min(end, b.length);
  if (stop > o) out.push({ label: `${what} (${stop - o} bytes)`, start: o, end: stop, layer: 'data' });
}
