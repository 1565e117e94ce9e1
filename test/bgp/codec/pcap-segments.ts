/**
 * Test helper: TCP payloads of a capture through podlab's own pcap reader and frame decoder
 * (engine/net). engine/net decodes IPv4 only, so IPv6 frames get a minimal fixed-header
 * parse here (the captures carry no extension headers).
 */
import { readFileSync } from 'node:fs';
import { readPcap } from '../../../engine/net/pcap.ts';
import { decodeFrame } from '../../../engine/net/codec/index.ts';
import { formatIPv4 } from '../../../engine/net/ip.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_TCP } from '../../../engine/net/packet.ts';
import { formatIPv6Bytes } from '../../../engine/bgp/codec/index.ts';
import { FIXTURES } from './captures.ts';

/** {frame, src, dst, payload} for every TCP segment with a payload, frames numbered from 1. */
export function pcapSegments(name: string): { frame: number; src: string; dst: string; payload: Uint8Array }[] {
  const file = readPcap(new Uint8Array(readFileSync(`${FIXTURES}${name}.pcap`)));
  const out: { frame: number; src: string; dst: string; payload: Uint8Array }[] = [];
  file.records.forEach((rec, i) => {
    // tcpdump on the sending host sees offloaded (unfinished) TCP checksums.
    const f = decodeFrame(rec.data, { verifyChecksums: false });
    if (f.etherType === ETHERTYPE_IPV4 && typeof f.payload === 'object' && 'kind' in f.payload && f.payload.kind === 'ipv4') {
      const ip = f.payload;
      if (ip.payload instanceof Uint8Array || ip.payload.kind !== 'tcp') return;
      if (ip.payload.payload.length === 0) return;
      out.push({ frame: i + 1, src: formatIPv4(ip.src), dst: formatIPv4(ip.dst), payload: ip.payload.payload });
    } else if (f.etherType === ETHERTYPE_IPV6 && f.payload instanceof Uint8Array) {
      const b = f.payload;
      if (b[6] !== IPPROTO_TCP) return;
      const payloadLen = (b[4]! << 8) | b[5]!;
      const tcp = b.subarray(40, 40 + payloadLen);
      const dataOff = (tcp[12]! >> 4) * 4;
      const data = tcp.slice(dataOff);
      if (data.length === 0) return;
      out.push({ frame: i + 1, src: formatIPv6Bytes(b, 8), dst: formatIPv6Bytes(b, 24), payload: data });
    }
  });
  return out;
}
