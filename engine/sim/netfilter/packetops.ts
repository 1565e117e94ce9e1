/**
 * What netfilter needs to know about or do to a typed packet: its length on the wire
 * (byte counters, LOG's LEN=), the kernel's LOG line, and NAT rewrites (copies, never
 * mutation: packets are immutable once sent).
 */
import { formatIPv4 } from '../../net/ip.ts';
import type { IPv4 } from '../../net/ip.ts';
import type { EthernetFrame, Ipv4Packet } from '../../net/packet.ts';
import { ICMP_ERRORS, rewriteQuoted } from './tuple.ts';
import { IPPROTO_SCTP, sctpPorts, withSctpPort } from '../../net/sctp.ts';

function frameLength(f: EthernetFrame): number {
  const p = f.payload;
  const body = p instanceof Uint8Array ? p.length : p.kind === 'arp' ? 28 : ipv4Length(p);
  return 14 + (f.vlan !== undefined ? 4 : 0) + body;
}

/** Total length of an IPv4 packet as its header's Total Length field would say. */
export function ipv4Length(p: Ipv4Packet): number {
  const hdr = 20 + (p.options?.length ?? 0);
  const l4 = p.payload;
  if (l4 instanceof Uint8Array) return hdr + l4.length;
  switch (l4.kind) {
    case 'ipv4': return hdr + ipv4Length(l4);
    case 'icmp': return hdr + 8 + l4.data.length;
    case 'tcp': return hdr + 20 + (l4.options?.length ?? 0) + l4.payload.length;
    case 'udp': {
      const u = l4.payload;
      return hdr + 8 + (u instanceof Uint8Array ? u.length : 8 + frameLength(u.inner));
    }
  }
}

const hex2 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

/** The line nf_log_ipv4 writes for a LOG target (without the syslog timestamp), as the kernel formats it. */
export function logLine(prefix: string, p: Ipv4Packet, inDev: string, outDev: string, mark: number): string {
  let s = `${prefix}IN=${inDev} OUT=${outDev} SRC=${formatIPv4(p.src)} DST=${formatIPv4(p.dst)} LEN=${ipv4Length(p)} `
    + `TOS=${hex2(p.tos & 0x1e)} PREC=${hex2(p.tos & 0xe0)} TTL=${p.ttl} ID=${p.id} ${p.df ? 'DF ' : ''}${p.mf ? 'MF ' : ''}`
    + `${p.fragOffset ? `FRAG:${p.fragOffset} ` : ''}`;
  const l4 = p.payload;
  if (l4 instanceof Uint8Array || l4.kind === 'ipv4') s += `PROTO=${p.protocol} `;
  else if (l4.kind === 'tcp') {
    const f = l4.flags;
    const names = [[0x20, 'URG'], [0x10, 'ACK'], [0x08, 'PSH'], [0x04, 'RST'], [0x02, 'SYN'], [0x01, 'FIN']] as const;
    s += `PROTO=TCP SPT=${l4.srcPort} DPT=${l4.dstPort} WINDOW=${l4.window} RES=0x00 `
      + names.filter(([b]) => f & b).map(([, n]) => `${n} `).join('') + 'URGP=0 ';
  } else if (l4.kind === 'udp') {
    s += `PROTO=UDP SPT=${l4.srcPort} DPT=${l4.dstPort} LEN=${ipv4Length(p) - 20 - (p.options?.length ?? 0)} `;
  } else {
    s += `PROTO=ICMP TYPE=${l4.type} CODE=${l4.code} `;
    if (l4.type === 0 || l4.type === 8) s += `ID=${l4.rest >>> 16} SEQ=${l4.rest & 0xffff} `;
  }
  if (mark) s += `MARK=0x${mark.toString(16)} `;
  return s;
}

/**
 * A copy of the packet with its source or destination endpoint replaced (address, and the
 * TCP/UDP/SCTP port or ICMP query id). For an ICMP error, `inner` also rewrites the opposite
 * endpoint of the quoted packet, as nf_nat_icmp_reply_translation does.
 */
export function rewrite(p: Ipv4Packet, which: 'src' | 'dst', ip: IPv4, port: number, inner: boolean): Ipv4Packet {
  const l4 = p.payload;
  let payload = l4;
  if (l4 instanceof Uint8Array) {
    // SCTP (raw bytes): the port is rewritten in place and the CRC32c recomputed; addresses are not in its checksum.
    const sp = p.protocol === IPPROTO_SCTP && p.fragOffset === 0 ? sctpPorts(l4) : undefined;
    if (sp && (which === 'src' ? sp.srcPort : sp.dstPort) !== port) payload = withSctpPort(l4, which, port);
  } else {
    if (l4.kind === 'tcp' || l4.kind === 'udp') {
      payload = which === 'src' ? { ...l4, srcPort: port } : { ...l4, dstPort: port };
    } else if (l4.kind === 'icmp') {
      if (inner && ICMP_ERRORS.has(l4.type)) {
        payload = { ...l4, data: rewriteQuoted(l4.data, which === 'src' ? 'dst' : 'src', ip, port) };
      } else if (l4.type === 0 || l4.type === 8 || l4.type === 13 || l4.type === 14 || l4.type === 15 || l4.type === 16 || l4.type === 17 || l4.type === 18) {
        payload = { ...l4, rest: (((port & 0xffff) << 16) | (l4.rest & 0xffff)) >>> 0 };
      }
    }
  }
  return which === 'src' ? { ...p, src: ip, payload } : { ...p, dst: ip, payload };
}
