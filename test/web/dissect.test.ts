/**
 * The browser's dissector against the codec (the bytes it describes) and against tshark
 * (where Wireshark says each field sits: PDML pos/size), for plain ICMP, IP-in-IP, VXLAN,
 * 802.1Q, ARP, TCP and BGP (OPEN, UPDATE, NOTIFICATION, KEEPALIVE) frames.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, makeIcmpEcho, makeIpv4, makeTcp, makeUdp, makeVxlan } from '../../engine/net/codec/index.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import type { EthernetFrame, Ipv4Packet } from '../../engine/net/packet.ts';
import { PcapWriter } from '../../engine/net/pcap.ts';
import { dissectFrame, fieldAt, type Field } from '../../web/src/domain/dissect.ts';
import { buildOpen, encodeMessage, encodeMessages, notification, type BgpMessage } from '../../engine/bgp/codec/index.ts';
import { haveCommands } from '../support/system.ts';

const A = 'aa:00:00:00:00:01';
const B = 'aa:00:00:00:00:02';
const ip = (s: string): number => parseIPv4(s);
const data = new Uint8Array(56).map((_, i) => i);
const echo = (src: string, dst: string, id = 7): Ipv4Packet => makeIpv4({ src: ip(src), dst: ip(dst), id, payload: makeIcmpEcho(8, 0x1234, 1, data) });
const eth = (payload: Ipv4Packet, vlan?: number): EthernetFrame => ({ src: A, dst: B, etherType: 0x0800, payload, ...(vlan !== undefined ? { vlan } : {}) });

const UPDATE: BgpMessage = {
  type: 'update', withdrawn: [{ addr: ip('10.5.1.0'), len: 26 }],
  attributes: [{ kind: 'origin', origin: 'igp' }, { kind: 'as-path', segments: [{ type: 'sequence', asns: [64512] }] }, { kind: 'next-hop', nextHop: ip('10.30.200.2') }],
  nlri: [{ addr: ip('10.5.119.128'), len: 26 }],
};
/** A BGP segment from the speaker (port 179) to a peer. */
function bgp(payload: Uint8Array): EthernetFrame {
  return eth(makeIpv4({ src: ip('10.30.200.2'), dst: ip('10.30.200.1'), payload: makeTcp({ srcPort: 179, dstPort: 40000, seq: 1, ack: 1, flags: 0x18, window: 64240, payload }) }));
}

const FRAMES: Record<string, EthernetFrame> = {
  icmp: eth(echo('10.30.200.1', '10.30.200.2')),
  ipip: eth(makeIpv4({ src: ip('10.30.200.1'), dst: ip('10.30.200.2'), id: 9, payload: echo('10.5.1.1', '10.5.2.1') })),
  vxlan: eth(makeIpv4({ src: ip('10.30.200.1'), dst: ip('10.30.200.2'), payload: makeVxlan(4096, eth(echo('10.5.1.1', '10.5.2.1')), 51000) })),
  vlan: eth(echo('192.168.10.1', '192.168.10.2'), 10),
  arp: { src: A, dst: 'ff:ff:ff:ff:ff:ff', etherType: 0x0806, payload: { kind: 'arp', op: 1, senderMac: A, senderIp: ip('10.0.0.1'), targetMac: '00:00:00:00:00:00', targetIp: ip('10.0.0.2') } },
  tcp: eth(makeIpv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), payload: makeTcp({ srcPort: 40000, dstPort: 179, seq: 1000, ack: 0, flags: 0x02, window: 64240, payload: new Uint8Array(0) }) })),
  udp: eth(makeIpv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), payload: makeUdp(5000, 53, new Uint8Array([1, 2, 3])) })),
  bgpOpen: bgp(encodeMessage(buildOpen({ asn: 64512, holdTime: 90, bgpId: ip('10.30.200.1'), capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }] }), { as4: true })),
  bgpUpdate: bgp(encodeMessage(UPDATE, { as4: true })),
  bgpNotify: bgp(encodeMessage(notification(6, 2), { as4: true })),
  // Two messages in one segment: a KEEPALIVE then an UPDATE.
  bgpTwo: bgp(encodeMessages([{ type: 'keepalive' }, UPDATE], { as4: true })),
};

const layers = (t: Field[]): string[] => t.map((f) => f.layer ?? '?');
const fieldsOf = (t: Field[], layer: string, label: string): Field[] =>
  t.filter((l) => l.layer === layer).flatMap((l) => (l.children ?? []).filter((c) => c.label.startsWith(label)));
const hexOf = (b: Uint8Array, f: Field): string => Array.from(b.subarray(f.start, f.end), (x) => x.toString(16).padStart(2, '0')).join('');

describe('dissector over codec bytes', () => {
  it('stacks the layers Wireshark shows', () => {
    expect(layers(dissectFrame(encodeFrame(FRAMES.icmp!)))).toEqual(['frame', 'eth', 'ip', 'icmp']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.ipip!)))).toEqual(['frame', 'eth', 'ip', 'ip', 'icmp']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.vxlan!)))).toEqual(['frame', 'eth', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'icmp']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.vlan!)))).toEqual(['frame', 'eth', 'vlan', 'ip', 'icmp']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.arp!)))).toEqual(['frame', 'eth', 'arp']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.tcp!)))).toEqual(['frame', 'eth', 'ip', 'tcp']);
  });

  it('gives outer and inner IPv4 addresses the bytes that hold them (IPIP)', () => {
    const b = encodeFrame(FRAMES.ipip!);
    const t = dissectFrame(b);
    const ips = t.filter((l) => l.layer === 'ip');
    expect(ips[0]!.label).toBe('Internet Protocol Version 4, Src: 10.30.200.1, Dst: 10.30.200.2');
    expect(ips[1]!.label).toBe('Internet Protocol Version 4 (inner), Src: 10.5.1.1, Dst: 10.5.2.1');
    const src = fieldsOf(t, 'ip', 'Source Address');
    expect(src.map((f) => hexOf(b, f))).toEqual(['0a1ec801', '0a050101']);
    expect(fieldsOf(t, 'ip', 'Protocol').map((f) => f.label)).toEqual(['Protocol: IPIP (4)', 'Protocol: ICMP (1)']);
  });

  it('reads the VNI and the inner frame of VXLAN', () => {
    const b = encodeFrame(FRAMES.vxlan!);
    const t = dissectFrame(b);
    const vni = fieldsOf(t, 'vxlan', 'VXLAN Network Identifier')[0]!;
    expect(vni.label).toContain('4096');
    expect(hexOf(b, vni)).toBe('001000');
    expect(t.filter((l) => l.layer === 'ip')[1]!.label).toContain('Src: 10.5.1.1');
  });

  it('names BGP messages and their fields with the codec: OPEN capabilities, UPDATE attributes and NLRI, NOTIFICATION names, KEEPALIVE', () => {
    const labels = (name: string) => dissectFrame(encodeFrame(FRAMES[name]!)).filter((l) => l.layer === 'bgp').map((l) => [l.label, ...(l.children ?? []).map((c) => c.label)]);
    const [open] = labels('bgpOpen');
    expect(open).toEqual(expect.arrayContaining(['Border Gateway Protocol - OPEN Message', 'My AS: 64512', 'Hold Time: 90', 'BGP Identifier: 10.30.200.1',
      'Capability: multiprotocol 1/1', 'Capability: route-refresh', 'Capability: as4 64512']));
    const [update] = labels('bgpUpdate');
    expect(update).toEqual(expect.arrayContaining(['Border Gateway Protocol - UPDATE Message', 'Withdrawn route: 10.5.1.0/26', 'NLRI: 10.5.119.128/26']));
    expect(update!.filter((l) => l.startsWith('Path Attribute - '))).toEqual(['Path Attribute - ORIGIN: IGP', 'Path Attribute - AS_PATH: 64512', 'Path Attribute - NEXT_HOP: 10.30.200.2']);
    const [notify] = labels('bgpNotify');
    expect(notify).toEqual(expect.arrayContaining(['Border Gateway Protocol - NOTIFICATION Message: Administrative shutdown', 'Major error Code: Cease (6)', 'Minor error Code: Administrative shutdown (2)']));
    expect(labels('bgpTwo').map((l) => l[0])).toEqual(['Border Gateway Protocol - KEEPALIVE Message', 'Border Gateway Protocol - UPDATE Message']);
    expect(layers(dissectFrame(encodeFrame(FRAMES.bgpTwo!)))).toEqual(['frame', 'eth', 'ip', 'tcp', 'bgp', 'bgp']);
  });

  it('finds the field a clicked byte belongs to', () => {
    const t = dissectFrame(encodeFrame(FRAMES.ipip!));
    expect(fieldAt(t, 0)!.label).toBe(`Destination: ${B}`);
    expect(fieldAt(t, 14 + 12)!.label).toBe('Source Address: 10.30.200.1');
    expect(fieldAt(t, 34 + 12)!.label).toBe('Source Address: 10.5.1.1');
    expect(fieldAt(t, 54 + 6)!.label).toBe('Sequence Number (BE): 1');
  });

  it('never throws on truncated bytes', () => {
    for (const b of [encodeFrame(FRAMES.vxlan!), encodeFrame(FRAMES.bgpOpen!), encodeFrame(FRAMES.bgpTwo!)]) for (let n = 0; n <= b.length; n++) {
      const t = dissectFrame(b.subarray(0, n));
      for (const f of t) expect(f.end).toBeLessThanOrEqual(Math.max(n, f.start));
    }
  });
});

// tshark's PDML names every field with its byte position and size: the judge of our ranges.
const ok = haveCommands('tshark');
describe.skipIf(!ok)('dissector field positions agree with tshark', () => {
  const PAIRS: [string, string, string][] = [
    // [wireshark field, our layer, our label prefix]
    ['eth.dst', 'eth', 'Destination'], ['eth.src', 'eth', 'Source'], ['eth.type', 'eth', 'Type'],
    ['vlan.id', 'vlan', 'ID'], ['ip.ttl', 'ip', 'Time to Live'], ['ip.proto', 'ip', 'Protocol'], ['ip.id', 'ip', 'Identification'],
    ['ip.src', 'ip', 'Source Address'], ['ip.dst', 'ip', 'Destination Address'], ['ip.len', 'ip', 'Total Length'], ['ip.checksum', 'ip', 'Header Checksum'],
    ['icmp.type', 'icmp', 'Type'], ['icmp.seq', 'icmp', 'Sequence Number'], ['udp.srcport', 'udp', 'Source Port'], ['udp.dstport', 'udp', 'Destination Port'],
    ['vxlan.vni', 'vxlan', 'VXLAN Network Identifier'], ['tcp.srcport', 'tcp', 'Source Port'], ['tcp.window_size_value', 'tcp', 'Window'],
    ['arp.src.proto_ipv4', 'arp', 'Sender IP'], ['arp.dst.proto_ipv4', 'arp', 'Target IP'], ['arp.opcode', 'arp', 'Opcode'],
    ['bgp.marker', 'bgp', 'Marker'], ['bgp.length', 'bgp', 'Length'], ['bgp.type', 'bgp', 'Type'], ['bgp.open.myas', 'bgp', 'My AS'],
    ['bgp.open.holdtime', 'bgp', 'Hold Time'], ['bgp.open.identifier', 'bgp', 'BGP Identifier'], ['bgp.cap', 'bgp', 'Capability'],
    ['bgp.notify.major_error', 'bgp', 'Major error Code'], ['bgp.update.withdrawn_routes.length', 'bgp', 'Withdrawn Routes Length'],
    ['bgp.update.path_attributes.length', 'bgp', 'Total Path Attribute Length'], ['bgp.update.path_attribute', 'bgp', 'Path Attribute'], ['bgp.update.nlri', 'bgp', 'NLRI'],
  ];
  it.each(Object.keys(FRAMES))('%s', (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'podlab-dissect-'));
    try {
      const b = encodeFrame(FRAMES[name]!);
      const w = new PcapWriter();
      w.addFrame(0, FRAMES[name]!);
      writeFileSync(join(dir, 'f.pcap'), w.bytes());
      const pdml = execFileSync('tshark', ['-r', join(dir, 'f.pcap'), '-T', 'pdml'], { encoding: 'utf8' });
      const t = dissectFrame(b);
      let compared = 0;
      for (const [wsName, layer, label] of PAIRS) {
        const theirs = [...pdml.matchAll(new RegExp(`<field name="${wsName.replace(/\./g, '\\.')}"[^>]*? size="(\\d+)" pos="(\\d+)"`, 'g'))].map((m) => [Number(m[2]), Number(m[2]) + Number(m[1])]);
        const ours = fieldsOf(t, layer, label).map((f) => [f.start, f.end]);
        if (!theirs.length && !ours.length) continue;
        // tshark reports 12-bit/3-byte fields by their containing bytes as we do.
        expect({ field: wsName, ranges: ours }).toEqual({ field: wsName, ranges: theirs });
        compared++;
      }
      expect(compared).toBeGreaterThan(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
