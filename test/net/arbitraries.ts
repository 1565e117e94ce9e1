/**
 * fast-check arbitraries for valid packets of every kind the codecs model, shared by the
 * property tests. "Valid" means canonical: what the decoder returns for these bytes is
 * structurally the same object (optional fields absent rather than zero/false).
 */
import fc from 'fast-check';
import type {
  ArpPacket, EthernetFrame, IcmpMessage, Ipv4Packet, TcpSegment, UdpDatagram,
} from '../../engine/net/packet.ts';
import { macFromBytes } from '../../engine/net/mac.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = u16.filter((p) => p !== 4789);
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const options = fc.option(fc.integer({ min: 1, max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })), { nil: undefined });

export const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macFromBytes(b));

export const arpArb: fc.Arbitrary<ArpPacket> = fc.record({
  kind: fc.constant('arp' as const), op: fc.constantFrom(1 as const, 2 as const),
  senderMac: macArb, senderIp: u32, targetMac: macArb, targetIp: u32,
});

export const icmpArb: fc.Arbitrary<IcmpMessage> = fc.record({
  kind: fc.constant('icmp' as const), type: u8, code: u8, rest: u32, data: bytes(64),
});

export const tcpArb: fc.Arbitrary<TcpSegment> = fc.record(
  {
    kind: fc.constant('tcp' as const), srcPort: u16, dstPort: u16, seq: u32, ack: u32, flags: u8, window: u16,
    options, urgent: fc.integer({ min: 1, max: 0xffff }), payload: bytes(64),
  },
  { requiredKeys: ['kind', 'srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'payload'] },
);

function udpArb(frame: fc.Arbitrary<EthernetFrame> | undefined): fc.Arbitrary<UdpDatagram> {
  const raw = fc.record(
    { kind: fc.constant('udp' as const), srcPort: port, dstPort: port, noChecksum: fc.constant(true as const), payload: bytes(64) },
    { requiredKeys: ['kind', 'srcPort', 'dstPort', 'payload'] },
  );
  if (!frame) return raw;
  const vxlan = fc.record(
    {
      kind: fc.constant('udp' as const), srcPort: u16, dstPort: fc.constant(4789), noChecksum: fc.constant(true as const),
      payload: fc.record({ kind: fc.constant('vxlan' as const), vni: fc.integer({ min: 0, max: 0xffffff }), inner: frame }),
    },
    { requiredKeys: ['kind', 'srcPort', 'dstPort', 'payload'] },
  );
  return fc.oneof({ arbitrary: raw, weight: 1 }, { arbitrary: vxlan, weight: 2 });
}

function ipv4Arb(depth: number): fc.Arbitrary<Ipv4Packet> {
  const inner = depth > 0 ? frameArb(depth - 1) : undefined;
  const typed: fc.Arbitrary<[number, Ipv4Packet['payload']]>[] = [
    icmpArb.map((p) => [1, p]),
    tcpArb.map((p) => [6, p]),
    udpArb(inner).map((p) => [17, p]),
    fc.tuple(fc.integer({ min: 0, max: 255 }).filter((p) => ![1, 4, 6, 17].includes(p)), bytes(64)),
  ];
  if (depth > 0) typed.push(ipv4Arb(depth - 1).map((p) => [4, p]));
  const whole = fc.tuple(fc.oneof(...typed), fc.constant(false), fc.constant(0));
  // Fragments carry raw bytes whatever the protocol.
  const fragment = fc.tuple(fc.tuple(u8, bytes(64)), fc.boolean(), fc.integer({ min: 0, max: 0x1fff }))
    .filter(([, mf, off]) => mf || off !== 0);
  return fc.record(
    {
      body: fc.oneof({ arbitrary: whole, weight: 5 }, { arbitrary: fragment, weight: 1 }), tos: u8, id: u16, df: fc.boolean(), ttl: u8, src: u32, dst: u32, options,
    },
  ).map(({ body: [[protocol, payload], mf, fragOffset], options: o, ...h }) => ({
    kind: 'ipv4' as const, ...h, mf, fragOffset, protocol, ...(o ? { options: o } : {}), payload,
  }));
}

/** A valid Ethernet frame; `depth` bounds the nesting of IPIP and VXLAN. */
export function frameArb(depth = 2): fc.Arbitrary<EthernetFrame> {
  const payload: fc.Arbitrary<[number, EthernetFrame['payload']]> = fc.oneof(
    arpArb.map((p): [number, EthernetFrame['payload']] => [0x0806, p]),
    ipv4Arb(depth).map((p): [number, EthernetFrame['payload']] => [0x0800, p]),
    fc.tuple(u16.filter((t) => ![0x0800, 0x0806, 0x8100].includes(t)), bytes(64)),
  );
  const vlan = fc.option(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 7 })), { nil: undefined });
  return fc.record({ dst: macArb, src: macArb, vlan, payload }).map(({ dst, src, vlan: v, payload: [etherType, p] }) =>
    v === undefined ? { dst, src, etherType, payload: p } : { dst, src, vlan: v[0], pcp: v[1], etherType, payload: p });
}
