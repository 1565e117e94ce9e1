/**
 * tshark as the external judge of the codecs: frames built from the typed model, written with
 * PcapWriter, must be dissected by Wireshark into the same fields, with every checksum good and
 * no malformed-packet or error-level expert info.
 */
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import {
  CALICO_VXLAN_VNI, makeArpReply, makeArpRequest, makeFragNeeded, makeFrame, makeIcmpEcho, makeIpv4, makeTcp,
  makeTimeExceeded, makeUdp, makeVxlan,
} from '../../engine/net/codec/index.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { macFromSeed } from '../../engine/net/mac.ts';
import type { ArpPacket, EthernetFrame, UdpDatagram } from '../../engine/net/packet.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../engine/net/packet.ts';
import { PcapWriter } from '../../engine/net/pcap.ts';
import { haveCommands } from '../support/system.ts';
import { tempPcap, tsharkFields } from './tshark.ts';

const ip = parseIPv4;
const NODE1 = macFromSeed('node1/eth0');
const NODE2 = macFromSeed('node2/eth0');
const POD_A = macFromSeed('pod-a/eth0');
const ENC = new TextEncoder();
const echoData = ENC.encode('podlab-ping-0123456789');

const ping = makeIpv4({ src: ip('10.244.1.5'), dst: ip('10.244.2.7'), id: 0x4d2, payload: makeIcmpEcho(8, 0x1f, 3, echoData) });
const innerFrame = makeFrame({ dst: '66:f0:00:00:00:02', src: '66:f0:00:00:00:01', payload: ping });
const vxlanCsum: UdpDatagram = { ...makeVxlan(CALICO_VXLAN_VNI, innerFrame, 40001), noChecksum: false };
const mss = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 1, 4, 2);
const bgpOpen = Uint8Array.from([...new Array(16).fill(0xff), 0, 29, 1, 4, 0xfc, 0, 0, 90, 10, 0, 0, 1, 0]);
const arpReq = makeArpRequest(NODE1, ip('10.0.0.1'), ip('10.0.0.2'));
/** A segment of one BGP connection: client 10.0.0.1:40000 → server 10.0.0.2:179, or back. */
const tcp = (fromServer: boolean, flags: number, seq: number, ack: number, payload?: Uint8Array, options?: Uint8Array) => {
  const [a, b, ma, mb] = fromServer ? [ip('10.0.0.2'), ip('10.0.0.1'), NODE2, NODE1] : [ip('10.0.0.1'), ip('10.0.0.2'), NODE1, NODE2];
  const [sp, dp] = fromServer ? [179, 40000] : [40000, 179];
  return makeFrame({ dst: mb, src: ma, payload: makeIpv4({ src: a, dst: b, payload: makeTcp({ srcPort: sp, dstPort: dp, seq, ack, flags, payload, options }) }) });
};

/** Each case: a frame and the tshark fields it must produce (every occurrence, outer to inner). */
const cases: { name: string; frame: EthernetFrame; want: Record<string, string[]> }[] = [
  {
    name: 'ICMP echo in IPv4 in Ethernet',
    frame: makeFrame({ dst: NODE2, src: NODE1, payload: ping }),
    want: {
      'eth.src': [NODE1], 'eth.type': ['0x0800'], 'ip.proto': ['1'], 'ip.src': ['10.244.1.5'], 'ip.dst': ['10.244.2.7'],
      'ip.flags.df': ['1'], 'ip.ttl': ['64'], 'icmp.type': ['8'], 'icmp.ident': ['31'], 'icmp.seq': ['3'],
      'data.data': [Buffer.from(echoData).toString('hex')],
    },
  },
  {
    name: 'IPIP: outer proto 4, inner ICMP with the pod addresses',
    frame: makeFrame({ dst: NODE2, src: NODE1, payload: makeIpv4({ src: ip('192.168.0.11'), dst: ip('192.168.0.12'), payload: ping }) }),
    want: {
      'ip.proto': ['4', '1'], 'ip.src': ['192.168.0.11', '10.244.1.5'], 'ip.dst': ['192.168.0.12', '10.244.2.7'], 'icmp.type': ['8'],
    },
  },
  {
    name: 'VXLAN on UDP 4789, VNI 4096, no UDP checksum (Linux default)',
    frame: makeFrame({ dst: NODE2, src: NODE1, payload: makeIpv4({ src: ip('192.168.0.11'), dst: ip('192.168.0.12'), payload: makeVxlan(CALICO_VXLAN_VNI, innerFrame, 40000) }) }),
    want: {
      'udp.srcport': ['40000'], 'udp.dstport': ['4789'], 'vxlan.vni': ['4096'], 'eth.src': [NODE1, '66:f0:00:00:00:01'],
      'ip.src': ['192.168.0.11', '10.244.1.5'], 'ip.proto': ['17', '1'], 'icmp.type': ['8'], 'udp.checksum': ['0x0000'],
    },
  },
  {
    name: 'VXLAN with a computed UDP checksum',
    frame: makeFrame({ dst: NODE2, src: NODE1, payload: makeIpv4({ src: ip('192.168.0.11'), dst: ip('192.168.0.12'), payload: vxlanCsum }) }),
    want: { 'vxlan.vni': ['4096'], 'udp.checksum.status': ['1'], 'icmp.type': ['8'] },
  },
  {
    name: '802.1Q tag with ARP request',
    frame: { ...arpReq, vlan: 100, pcp: 5 },
    want: { 'vlan.id': ['100'], 'vlan.priority': ['5'], 'vlan.etype': ['0x0806'], 'arp.opcode': ['1'], 'arp.src.proto_ipv4': ['10.0.0.1'], 'arp.dst.proto_ipv4': ['10.0.0.2'] },
  },
  {
    name: 'ARP request',
    frame: arpReq,
    want: { 'eth.dst': ['ff:ff:ff:ff:ff:ff'], 'arp.opcode': ['1'], 'arp.src.hw_mac': [NODE1], 'arp.dst.hw_mac': ['00:00:00:00:00:00'], 'arp.dst.proto_ipv4': ['10.0.0.2'] },
  },
  {
    name: 'ARP reply',
    frame: makeArpReply(arpReq.payload as ArpPacket, NODE2),
    want: { 'eth.dst': [NODE1], 'arp.opcode': ['2'], 'arp.src.hw_mac': [NODE2], 'arp.src.proto_ipv4': ['10.0.0.2'], 'arp.dst.hw_mac': [NODE1] },
  },
  {
    name: 'TCP SYN with MSS option',
    frame: tcp(false, TCP_SYN, 1000, 0, undefined, mss),
    want: { 'tcp.flags.syn': ['1'], 'tcp.flags.ack': ['0'], 'tcp.options.mss_val': ['1460'], 'tcp.hdr_len': ['28'], 'tcp.seq_raw': ['1000'], 'tcp.checksum.status': ['1'] },
  },
  {
    name: 'TCP SYN+ACK',
    frame: tcp(true, TCP_SYN | TCP_ACK, 5000, 1001, undefined, mss),
    want: { 'tcp.flags.syn': ['1'], 'tcp.flags.ack': ['1'], 'tcp.ack_raw': ['1001'], 'tcp.checksum.status': ['1'] },
  },
  {
    name: 'TCP data (a BGP OPEN)',
    frame: tcp(false, TCP_PSH | TCP_ACK, 1001, 5001, bgpOpen),
    want: { 'tcp.flags.push': ['1'], 'tcp.len': ['29'], 'tcp.payload': [Buffer.from(bgpOpen).toString('hex')], 'bgp.type': ['1'], 'bgp.open.myas': ['64512'], 'tcp.checksum.status': ['1'] },
  },
  {
    name: 'TCP FIN',
    frame: tcp(false, TCP_FIN | TCP_ACK, 1030, 5001),
    want: { 'tcp.flags.fin': ['1'], 'tcp.flags.ack': ['1'], 'tcp.checksum.status': ['1'] },
  },
  {
    name: 'TCP RST',
    frame: tcp(true, TCP_RST, 5001, 0),
    want: { 'tcp.flags.reset': ['1'], 'tcp.flags.ack': ['0'], 'tcp.checksum.status': ['1'] },
  },
  {
    name: 'ICMP fragmentation needed with next-hop MTU',
    frame: makeFrame({ dst: NODE1, src: NODE2, payload: makeIpv4({ src: ip('10.0.0.254'), dst: ip('10.244.1.5'), payload: makeFragNeeded(ping, 1430) }) }),
    want: { 'icmp.type': ['3', '8'], 'icmp.code': ['4', '0'], 'icmp.mtu': ['1430'], 'icmp.ident': ['31'], 'ip.src': ['10.0.0.254', '10.244.1.5'], 'ip.proto': ['1', '1'] },
  },
  {
    name: 'ICMP time exceeded',
    frame: makeFrame({ dst: NODE1, src: NODE2, payload: makeIpv4({ src: ip('10.0.0.254'), dst: ip('10.244.1.5'), payload: makeTimeExceeded({ ...ping, ttl: 1 }) }) }),
    want: { 'icmp.type': ['11', '8'], 'icmp.code': ['0', '0'], 'ip.dst': ['10.244.1.5', '10.244.2.7'] },
  },
  {
    name: 'UDP with checksum and IPv4 options',
    frame: makeFrame({ dst: NODE2, src: POD_A, payload: { ...makeIpv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), payload: makeUdp(50000, 50001, ENC.encode('hello')) }), options: Uint8Array.of(0x94, 4, 0, 0) } }),
    want: { 'ip.hdr_len': ['24'], 'ip.opt.type': ['148'], 'udp.length': ['13'], 'udp.checksum.status': ['1'], 'ip.checksum.status': ['1'] },
  },
];

const CHECKSUMS = ['ip.checksum.status', 'icmp.checksum.status', 'tcp.checksum.status', 'udp.checksum.status'];
const EXPERT = ['_ws.expert.severity', '_ws.expert.message', '_ws.malformed', 'udp.checksum', ...CHECKSUMS];
// Wireshark's checksum status values (epan/proto.h): 0 bad, 1 good, 2 not present, 3 unverified.
const GOOD = '1';
const BAD = '0';
const PI_ERROR = 8388608;

describe.skipIf(!haveCommands('tshark'))('tshark dissects our pcaps', () => {
  let rows: Record<string, string[]>[] = [];
  let cleanup = () => {};
  beforeAll(async () => {
    const w = new PcapWriter();
    cases.forEach((c, i) => w.addFrame(1_700_000_000_000 + i * 1.5, c.frame));
    const tmp = tempPcap('judge.pcap', w.bytes());
    cleanup = tmp.cleanup;
    const fields = [...new Set([...cases.flatMap((c) => Object.keys(c.want)), ...EXPERT, 'frame.time_epoch'])];
    rows = await tsharkFields(tmp.file, fields);
  });
  afterAll(() => cleanup());

  it('reads one frame per record with our timestamps', () => {
    expect(rows.length).toBe(cases.length);
    expect(rows[1]!['frame.time_epoch']![0]).toMatch(/^1700000000\.0015/);
  });

  cases.forEach((c, i) => {
    it(c.name, () => {
      const row = rows[i]!;
      for (const [field, want] of Object.entries(c.want)) expect(row[field], field).toEqual(want);
      // No malformed packets, no error-level expert info, and every checksum present is good.
      expect(row['_ws.malformed']).toEqual([]);
      const errors = row['_ws.expert.severity']!.map(Number).map((s, k) => (s >= PI_ERROR ? row['_ws.expert.message']![k] : undefined)).filter(Boolean);
      expect(errors).toEqual([]);
      // Every checksum of the outermost header of each kind is verified good; quoted headers
      // inside ICMP errors are truncated, so tshark may leave those unverified — never bad.
      for (const f of CHECKSUMS) {
        const st = row[f]!;
        expect(st, f).not.toContain(BAD);
        if (st.length === 0) continue;
        const zeroUdp = f === 'udp.checksum.status' && row['udp.checksum']![0] === '0x0000';
        expect(st[0], f).toBe(zeroUdp ? '3' : GOOD);
      }
    });
  });
});
