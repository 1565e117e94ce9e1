/**
 * Packet identity across hops. A packet keeps its innermost IPv4 header (addresses,
 * protocol, IP id) and its ICMP echo id/sequence or L4 ports from the first host to the
 * last, through forwarding and tunnel encap/decap; that tuple is how the UI finds every
 * hop of the packet a user clicked. NAT rewrites break the chain (podlab shows the path up
 * to the rewrite, which is where the packet became a different one for Linux too).
 */
import type { EthernetFrame, Ipv4Packet } from '../net/packet.ts';
import { formatIPv4 } from '../net/ip.ts';

/** The innermost IPv4 packet of a frame or packet (through IPIP and VXLAN), or undefined. */
export function innermostIpv4(p: EthernetFrame | Ipv4Packet): Ipv4Packet | undefined {
  let ip: Ipv4Packet | undefined = 'kind' in p ? p : ethIpv4(p);
  for (let depth = 0; ip && depth < 8; depth++) {
    const pl: Ipv4Packet['payload'] = ip.payload;
    if (pl instanceof Uint8Array || ip.fragOffset !== 0) return ip;
    if (pl.kind === 'ipv4') ip = pl;
    else if (pl.kind === 'udp' && !(pl.payload instanceof Uint8Array)) {
      const inner = ethIpv4(pl.payload.inner);
      if (!inner) return ip;
      ip = inner;
    } else return ip;
  }
  return ip;
}

function ethIpv4(f: EthernetFrame): Ipv4Packet | undefined {
  const pl = f.payload;
  return pl instanceof Uint8Array || pl.kind !== 'ipv4' ? undefined : pl;
}

/** The identity of one IPv4 packet (see the module comment). */
export function ipv4Key(ip: Ipv4Packet): string {
  const inner = innermostIpv4(ip) ?? ip;
  let l4 = '';
  const pl = inner.payload;
  if (!(pl instanceof Uint8Array) && inner.fragOffset === 0) {
    if (pl.kind === 'icmp') l4 = `/icmp${pl.type}.${pl.code}.${pl.rest >>> 0}`;
    else if (pl.kind === 'udp') l4 = `/u${pl.srcPort}.${pl.dstPort}`;
    else if (pl.kind === 'tcp') l4 = `/t${pl.srcPort}.${pl.dstPort}.${pl.seq >>> 0}.${pl.flags}`;
  }
  return `${formatIPv4(inner.src)}>${formatIPv4(inner.dst)}/${inner.protocol}/${inner.id}/${inner.fragOffset}${l4}`;
}

/** The identity of a frame: its innermost IPv4 packet's, or the ARP exchange's; undefined for other frames. */
export function frameKey(f: EthernetFrame): string | undefined {
  const p = f.payload;
  if (p instanceof Uint8Array) return undefined;
  if (p.kind === 'arp') return `arp${p.op}:${formatIPv4(p.senderIp)}>${formatIPv4(p.targetIp)}`;
  return ipv4Key(p);
}
