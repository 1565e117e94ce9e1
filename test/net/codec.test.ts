import { describe, it, expect } from 'vitest';
import {
  adjustChecksum, CALICO_VXLAN_VNI, decodeFrame, decodeIpv4, DecodeError, encodeFrame, encodeIpv4, frameLength,
  icmpEchoIds, icmpQuote, internetChecksum, LINUX_ICMP_QUOTE_LIMIT, makeIcmpError, ipv4TotalLength, makeArpReply, makeArpRequest, makeFragNeeded, makeFrame,
  makeIcmpEcho, makeIpv4, makeTcp, makeTimeExceeded, makeUdp, makeVxlan, parseIcmpQuote, pseudoHeaderSum, sum16, finishChecksum,
} from '../../engine/net/codec/index.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import type { EthernetFrame, IcmpMessage, Ipv4Packet, TcpSegment, UdpDatagram } from '../../engine/net/packet.ts';
import { ETHERTYPE_IPV6, ICMP_ECHO_REQUEST, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../engine/net/packet.ts';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((h) => parseInt(h, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const A = parseIPv4('10.0.0.1');
const B = parseIPv4('10.0.0.2');
const MAC1 = '02:00:00:00:00:01';
const MAC2 = '02:00:00:00:00:02';

function roundTrip(f: EthernetFrame): EthernetFrame {
  const bytes = encodeFrame(f);
  expect(bytes.length).toBe(frameLength(f));
  const d = decodeFrame(bytes);
  expect(toHex(encodeFrame(d))).toBe(toHex(bytes));
  return d;
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('internet checksum', () => {
  it('matches the RFC 1071 §3 worked example', () => {
    // 0001 + f203 + f4f5 + f6f7 = 2ddf0 → folded ddf2 → complement 220d.
    const b = hex('0001f203f4f5f6f7');
    expect(sum16(b, 0, b.length)).toBe(0x2ddf0);
    expect(internetChecksum(b)).toBe(0x220d);
  });
  it('matches a known IPv4 header (checksum b861)', () => {
    const h = hex('450000730000400040110000c0a80001c0a800c7');
    expect(internetChecksum(h)).toBe(0xb861);
    h[10] = 0xb8; h[11] = 0x61;
    expect(internetChecksum(h)).toBe(0);
  });
  it('pads an odd trailing byte with zero and sums in pieces', () => {
    const b = hex('0102030405');
    expect(internetChecksum(b)).toBe(~(0x0102 + 0x0304 + 0x0500) & 0xffff);
    expect(finishChecksum(sum16(b, 2, 5, sum16(b, 0, 2)))).toBe(internetChecksum(b));
  });
  it('updates incrementally (RFC 1624) the same as a full recompute after a TTL decrement', () => {
    const p = makeIpv4({ src: A, dst: B, ttl: 64, payload: makeIcmpEcho(8, 7, 1, new Uint8Array(4)) });
    const before = encodeIpv4(p);
    const after = encodeIpv4({ ...p, ttl: 63 });
    const old = (before[10]! << 8) | before[11]!;
    const want = (after[10]! << 8) | after[11]!;
    expect(adjustChecksum(old, (64 << 8) | 1, (63 << 8) | 1)).toBe(want);
  });
});

describe('Ethernet and 802.1Q', () => {
  it('lays out an untagged IPv4 frame byte for byte (hand-computed IP checksum 26dc)', () => {
    const f = makeFrame({ dst: MAC2, src: MAC1, payload: makeIpv4({ src: A, dst: B, payload: makeIcmpEcho(8, 1, 1, hex('010203')) }) });
    // IP header sum: 4500+001f+0000+4000+4001+0a00+0001+0a00+0002 = d923 → ~ = 26dc.
    // ICMP sum: 0800+0000+0001+0001+0102+0300 = 0c04 → ~ = f3fb.
    expect(toHex(encodeFrame(f))).toBe(
      '020000000002' + '020000000001' + '0800' +
      '4500001f00004000400126dc0a0000010a000002' +
      '0800f3fb00010001010203',
    );
    expect(roundTrip(f)).toEqual(f);
  });
  it('writes one 802.1Q tag (TPID 8100, PCP and VID in the TCI)', () => {
    const f = makeFrame({ dst: MAC2, src: MAC1, vlan: 100, pcp: 5, payload: makeArpRequest(MAC1, A, B).payload });
    const b = encodeFrame(f);
    expect(toHex(b.slice(12, 18))).toBe('8100a0640806');
    expect(b.length).toBe(18 + 28);
    expect(roundTrip(f)).toEqual(f);
  });
  it('keeps unknown EtherTypes raw', () => {
    const f = makeFrame({ dst: MAC2, src: MAC1, etherType: ETHERTYPE_IPV6, payload: hex('6000000000083a40') });
    const d = roundTrip(f);
    expect(d.payload).toBeInstanceOf(Uint8Array);
    expect(d.etherType).toBe(0x86dd);
  });
  it('ignores Ethernet padding after the IPv4 total length', () => {
    const f = makeFrame({ dst: MAC2, src: MAC1, payload: makeIpv4({ src: A, dst: B, payload: makeIcmpEcho(0, 1, 1, new Uint8Array(0)) }) });
    const b = encodeFrame(f);
    const padded = new Uint8Array(60);
    padded.set(b);
    expect(decodeFrame(padded)).toEqual(f);
  });
  it('rejects frames shorter than the header or the tag', () => {
    expect(decodeError(() => decodeFrame(new Uint8Array(13))).offset).toBe(0);
    expect(decodeError(() => decodeFrame(hex('020000000002020000000001810000'))).reason).toMatch(/802\.1Q/);
  });
  it('refuses to encode impossible headers', () => {
    const f = makeFrame({ dst: MAC2, src: MAC1, vlan: 5000, payload: hex('00') , etherType: 0x88b5 });
    expect(() => encodeFrame(f)).toThrow(RangeError);
    expect(() => encodeFrame({ ...f, vlan: 1, dst: 'not-a-mac' })).toThrow();
  });
});

describe('ARP', () => {
  it('encodes a request and its reply as RFC 826 Ethernet/IPv4 packets', () => {
    const req = makeArpRequest(MAC1, A, B);
    expect(toHex(encodeFrame(req))).toBe(
      'ffffffffffff' + '020000000001' + '0806' +
      '0001' + '0800' + '06' + '04' + '0001' + '020000000001' + '0a000001' + '000000000000' + '0a000002',
    );
    expect(roundTrip(req)).toEqual(req);
    const rep = makeArpReply(req.payload as never, MAC2);
    expect(rep.dst).toBe(MAC1);
    const d = roundTrip(rep);
    expect(d.payload).toEqual({ kind: 'arp', op: 2, senderMac: MAC2, senderIp: B, targetMac: MAC1, targetIp: A });
  });
  it('keeps non-Ethernet/IPv4 ARP (or RARP opcodes) raw and rejects truncated ARP', () => {
    const b = encodeFrame(makeArpRequest(MAC1, A, B));
    b[21] = 3; // RARP request
    expect(decodeFrame(b).payload).toBeInstanceOf(Uint8Array);
    const short = encodeFrame(makeArpRequest(MAC1, A, B)).slice(0, 30);
    expect(decodeError(() => decodeFrame(short)).reason).toMatch(/ARP/);
  });
});

describe('IPv4', () => {
  const base = makeIpv4({ src: A, dst: B, id: 0x1234, payload: makeUdp(5000, 53, hex('abcd')) });
  it('computes total length structurally, equal to the encoded length', () => {
    expect(ipv4TotalLength(base)).toBe(20 + 8 + 2);
    expect(encodeIpv4(base).length).toBe(30);
    const withOpts: Ipv4Packet = { ...base, options: hex('94040000') };
    expect(ipv4TotalLength(withOpts)).toBe(34);
    expect(encodeIpv4(withOpts)[0]).toBe(0x46);
  });
  it('round-trips options, DF/MF/offset, TOS and TTL', () => {
    const p: Ipv4Packet = { ...base, tos: 0xb8, ttl: 1, options: hex('94040000') };
    expect(decodeIpv4(encodeIpv4(p))).toEqual(p);
    const frag: Ipv4Packet = { ...base, df: false, mf: true, fragOffset: 0, protocol: 17, payload: hex('1388003500100000') };
    const d = decodeIpv4(encodeIpv4(frag));
    expect(d.mf).toBe(true);
    expect(d.payload).toBeInstanceOf(Uint8Array); // a first fragment stays raw
    const later: Ipv4Packet = { ...frag, mf: false, fragOffset: 185 };
    const b = encodeIpv4(later);
    expect(toHex(b.slice(6, 8))).toBe('00b9');
    expect(decodeIpv4(b)).toEqual(later);
  });
  it('verifies the header checksum and names the field offset', () => {
    const b = encodeFrame(makeFrame({ dst: MAC2, src: MAC1, payload: base }));
    b[14 + 8] ^= 1; // TTL
    const e = decodeError(() => decodeFrame(b));
    expect(e.offset).toBe(14 + 10);
    expect(e.reason).toMatch(/IPv4 header checksum/);
    expect(() => decodeFrame(b, { verifyChecksums: false })).not.toThrow();
  });
  it('rejects bad version, header length and total length', () => {
    const b = encodeIpv4(base);
    const v6 = b.slice(); v6[0] = 0x65;
    expect(decodeError(() => decodeIpv4(v6)).reason).toMatch(/version 6/);
    const ihl = b.slice(); ihl[0] = 0x44;
    expect(decodeError(() => decodeIpv4(ihl)).reason).toMatch(/header length 16/);
    expect(decodeError(() => decodeIpv4(b.slice(0, 29))).reason).toMatch(/total length 30 exceeds/);
    expect(decodeError(() => decodeIpv4(b.slice(0, 10))).reason).toMatch(/truncated IPv4 header/);
  });
  it('carries IP-in-IP (protocol 4) as a typed inner packet', () => {
    const inner = makeIpv4({ src: parseIPv4('192.168.1.2'), dst: parseIPv4('192.168.2.3'), payload: makeIcmpEcho(8, 9, 9, hex('00')) });
    const outer = makeIpv4({ src: A, dst: B, payload: inner });
    expect(outer.protocol).toBe(4);
    expect(ipv4TotalLength(outer)).toBe(20 + 20 + 9);
    expect(decodeIpv4(encodeIpv4(outer))).toEqual(outer);
  });
  it('keeps unknown protocols raw and refuses a payload that contradicts the protocol', () => {
    const gre = makeIpv4({ src: A, dst: B, protocol: 47, payload: hex('00000800') });
    expect(decodeIpv4(encodeIpv4(gre))).toEqual(gre);
    expect(() => encodeIpv4({ ...base, protocol: 6 })).toThrow(RangeError);
    expect(() => makeIpv4({ src: A, dst: B, payload: hex('00') })).toThrow(RangeError);
  });
});

describe('ICMP', () => {
  it('echo keeps id and sequence in rest', () => {
    const m = makeIcmpEcho(ICMP_ECHO_REQUEST, 0xbeef, 3, hex('61626364'));
    expect(m.rest).toBe(0xbeef0003);
    expect(icmpEchoIds(m)).toEqual({ id: 0xbeef, seq: 3 });
    const p = makeIpv4({ src: A, dst: B, payload: m });
    expect(decodeIpv4(encodeIpv4(p))).toEqual(p);
  });
  it('frag-needed carries the next-hop MTU and quotes header + 8 bytes', () => {
    const big = makeIpv4({ src: A, dst: B, id: 77, payload: makeTcp({ srcPort: 40000, dstPort: 179, seq: 1, flags: TCP_ACK, payload: new Uint8Array(1460) }) });
    const err = makeFragNeeded(big, 1430);
    expect(err.type).toBe(3);
    expect(err.code).toBe(4);
    expect(err.rest & 0xffff).toBe(1430);
    expect(err.data.length).toBe(28);
    expect(toHex(err.data)).toBe(toHex(encodeIpv4(big).slice(0, 28)));
    const q = parseIcmpQuote(err.data);
    expect(q).toMatchObject({ src: A, dst: B, protocol: 6, id: 77 });
    expect(toHex(q.l4.slice(0, 4))).toBe('9c4000b3');
    const reply = makeIpv4({ src: parseIPv4('10.0.0.254'), dst: A, payload: err });
    const d = decodeIpv4(encodeIpv4(reply)).payload as IcmpMessage;
    expect(d).toEqual(err);
  });
  it('time-exceeded quotes the whole packet when it is shorter than header + 8', () => {
    const tiny = makeIpv4({ src: A, dst: B, ttl: 1, payload: makeIcmpEcho(8, 1, 1, new Uint8Array(0)) });
    const te = makeTimeExceeded(tiny);
    expect(te.type).toBe(11);
    expect(icmpQuote(tiny).length).toBe(28);
    expect(decodeError(() => parseIcmpQuote(new Uint8Array(10))).reason).toMatch(/quoted/);
  });
  it('quotes up to a limit when asked (Linux fits the error in 576 bytes)', () => {
    const big = makeIpv4({ src: A, dst: B, payload: makeUdp(1, 2, new Uint8Array(1400)) });
    expect(LINUX_ICMP_QUOTE_LIMIT).toBe(548);
    const q = icmpQuote(big, LINUX_ICMP_QUOTE_LIMIT);
    expect(toHex(q)).toBe(toHex(encodeIpv4(big).slice(0, 548)));
    expect(makeIcmpError(3, 3, big, 0, LINUX_ICMP_QUOTE_LIMIT).data.length).toBe(548);
  });
  it('verifies the ICMP checksum', () => {
    const b = encodeIpv4(makeIpv4({ src: A, dst: B, payload: makeIcmpEcho(8, 1, 1, hex('00ff')) }));
    b[b.length - 1] ^= 0x10;
    const e = decodeError(() => decodeIpv4(b));
    expect(e.offset).toBe(22);
    expect(e.reason).toMatch(/ICMP checksum/);
  });
});

describe('UDP', () => {
  it('matches a hand-computed pseudo-header checksum', () => {
    // pseudo: 0a00+0001+0a00+0002+0011+000a = 141e; udp: 04d2+0050+000a+6869 = 6d95; sum 81b3 → ~ 7e4c
    const p = makeIpv4({ src: A, dst: B, payload: makeUdp(1234, 80, hex('6869')) });
    expect(toHex(encodeIpv4(p).slice(20))).toBe('04d20050000a7e4c6869');
    expect(pseudoHeaderSum(A, B, 17, 10)).toBe(0x141e);
  });
  it('sends a computed checksum of 0 as ffff and still verifies it', () => {
    // Choose the payload word so the one's-complement sum is ffff (checksum would be 0).
    const s = pseudoHeaderSum(A, B, 17, 10) + 1234 + 80 + 10;
    const folded = (s & 0xffff) + (s >>> 16);
    const w = 0xffff - folded;
    const p = makeIpv4({ src: A, dst: B, payload: makeUdp(1234, 80, Uint8Array.of(w >> 8, w & 0xff)) });
    const b = encodeIpv4(p);
    expect(toHex(b.slice(26, 28))).toBe('ffff');
    expect(decodeIpv4(b)).toEqual(p);
  });
  it('rejects a length field that disagrees with the IP payload, and bad checksums', () => {
    const b = encodeIpv4(makeIpv4({ src: A, dst: B, payload: makeUdp(1, 2, hex('0000')) }));
    const bad = b.slice(); bad[25] = 9;
    expect(decodeError(() => decodeIpv4(bad)).reason).toMatch(/UDP length 9/);
    const sum = b.slice(); sum[29] ^= 1;
    expect(decodeError(() => decodeIpv4(sum)).offset).toBe(26);
  });
});

describe('VXLAN', () => {
  const inner = makeFrame({
    dst: '66:00:00:00:00:02', src: '66:00:00:00:00:01',
    payload: makeIpv4({ src: parseIPv4('10.244.1.5'), dst: parseIPv4('10.244.2.7'), payload: makeIcmpEcho(8, 5, 1, hex('aa')) }),
  });
  const udp = makeVxlan(CALICO_VXLAN_VNI, inner, 51234);
  it('writes flags 08, the 24-bit VNI and no UDP checksum, like Linux', () => {
    const b = encodeIpv4(makeIpv4({ src: A, dst: B, payload: udp }));
    expect(toHex(b.slice(20, 36))).toBe('c82212b5' + (8 + 8 + 14 + 29).toString(16).padStart(4, '0') + '0000' + '0800000000100000');
    const d = decodeIpv4(b).payload as UdpDatagram;
    expect(d).toEqual(udp);
  });
  it('decodes from port 4789 in either direction, checksummed or not', () => {
    const back: UdpDatagram = { kind: 'udp', srcPort: 4789, dstPort: 40000, payload: { kind: 'vxlan', vni: 0xffffff, inner } };
    const p = makeIpv4({ src: A, dst: B, payload: back });
    expect(decodeIpv4(encodeIpv4(p))).toEqual(p);
  });
  it('leaves non-standard VXLAN headers raw instead of normalising them', () => {
    const b = encodeIpv4(makeIpv4({ src: A, dst: B, payload: udp }));
    b[28] = 0x88; // G bit (GBP extension) set
    expect((decodeIpv4(b).payload as UdpDatagram).payload).toBeInstanceOf(Uint8Array);
  });
});

describe('TCP', () => {
  const mss = hex('020405b4' + '01010402'); // MSS 1460, NOP, NOP, SACK permitted
  const cases: [string, TcpSegment][] = [
    ['SYN', makeTcp({ srcPort: 40000, dstPort: 179, seq: 0xfffffff0, flags: TCP_SYN, options: mss })],
    ['SYN+ACK', makeTcp({ srcPort: 179, dstPort: 40000, seq: 1, ack: 0xfffffff1, flags: TCP_SYN | TCP_ACK, options: mss })],
    ['data', makeTcp({ srcPort: 40000, dstPort: 179, seq: 0xfffffff1, ack: 2, flags: TCP_PSH | TCP_ACK, payload: hex('ffffffffffffffffffffffffffffffff001304') })],
    ['FIN', makeTcp({ srcPort: 40000, dstPort: 179, seq: 5, ack: 2, flags: TCP_FIN | TCP_ACK })],
    ['RST', makeTcp({ srcPort: 179, dstPort: 40000, seq: 2, flags: TCP_RST, window: 0 })],
    ['URG', { ...makeTcp({ srcPort: 1, dstPort: 2, seq: 3, flags: 0x20 | TCP_ACK, payload: hex('41') }), urgent: 1 }],
  ];
  for (const [name, seg] of cases) {
    it(`${name} round-trips with a valid checksum`, () => {
      const p = makeIpv4({ src: A, dst: B, payload: seg });
      const b = encodeIpv4(p);
      const tcpLen = b.length - 20;
      expect(finishChecksum(sum16(b, 20, b.length, pseudoHeaderSum(A, B, 6, tcpLen)))).toBe(0);
      expect(b[32]! >>> 4).toBe((20 + (seg.options?.length ?? 0)) / 4);
      expect(decodeIpv4(b)).toEqual(p);
    });
  }
  it('rejects a data offset below 5 or beyond the segment, and bad options', () => {
    const b = encodeIpv4(makeIpv4({ src: A, dst: B, payload: cases[0]![1] }));
    const low = b.slice(); low[32] = 0x40;
    expect(decodeError(() => decodeIpv4(low, { verifyChecksums: false })).reason).toMatch(/data offset 16/);
    const high = b.slice(); high[32] = 0xf0;
    expect(decodeError(() => decodeIpv4(high, { verifyChecksums: false })).reason).toMatch(/truncated TCP header with options/);
    expect(() => encodeIpv4(makeIpv4({ src: A, dst: B, payload: makeTcp({ srcPort: 1, dstPort: 2, seq: 0, flags: 2, options: hex('020405') }) }))).toThrow(RangeError);
  });
});
