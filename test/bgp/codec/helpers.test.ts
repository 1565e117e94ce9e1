/**
 * AS4 transition, formatting, IPv6 text, End-of-RIB, route changes, negotiation and OPEN
 * building: the helpers the speaker and UI call.
 */
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS,
  buildOpen,
  community,
  decodeMessage,
  encodeMessage,
  endOfRib,
  findAttribute,
  formatAsPath,
  formatAttribute,
  formatCommunity,
  formatExtendedCommunity,
  formatMessage,
  formatNotification,
  isEndOfRib,
  mergeAs4Path,
  negotiate,
  normalizeAs4,
  notificationName,
  parseCommunity,
  parseIPv6,
  parseLargeCommunity,
  routeChanges,
  routeTarget,
  shutdownMessage,
  shutdownNotification,
  toHex,
  type AsPathSegment,
  type CodecOptions,
  type OpenMessage,
  type PathAttribute,
  type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';
import { parseIPv4 } from '../../../engine/net/ip.ts';
import { captureMessages } from './captures.ts';

const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });

function roundTrip(m: UpdateMessage, opts: CodecOptions): UpdateMessage {
  const o = decodeMessage(encodeMessage(m, opts), opts);
  if (o.kind !== 'ok' || o.message.type !== 'update') throw new Error(JSON.stringify(o));
  return o.message;
}

describe('RFC 6793: 4-octet AS towards and from a 2-octet peer', () => {
  const attrs: PathAttribute[] = [
    { kind: 'origin', origin: 'igp' },
    { kind: 'as-path', segments: [seq(4200000001, 64512, 4200000002)] },
    { kind: 'next-hop', nextHop: parseIPv4('10.0.0.1') },
    { kind: 'aggregator', asn: 4200000001, address: parseIPv4('10.0.0.9') },
  ];
  const u: UpdateMessage = { type: 'update', withdrawn: [], attributes: attrs, nlri: [{ addr: parseIPv4('10.1.0.0'), len: 16 }] };

  it('encoding for a 2-octet peer writes AS_TRANS plus AS4_PATH / AS4_AGGREGATOR', () => {
    const got = roundTrip(u, { as4: false });
    expect(formatAsPath(findAttribute(got.attributes, 'as-path')!.segments)).toBe('23456 64512 23456');
    expect(findAttribute(got.attributes, 'as4-path')!.segments).toEqual([seq(4200000001, 64512, 4200000002)]);
    expect(findAttribute(got.attributes, 'aggregator')!.asn).toBe(AS_TRANS);
    expect(findAttribute(got.attributes, 'as4-aggregator')!.asn).toBe(4200000001);
    expect(got.attributes.map((a) => a.kind)).toEqual(['origin', 'as-path', 'next-hop', 'aggregator', 'as4-path', 'as4-aggregator']);
    // …and the receiver rebuilds exactly what was sent.
    expect(normalizeAs4(got.attributes, { as4: false })).toEqual(attrs);
  });

  it('a 4-octet session carries the real ASNs directly (4200000001 survives unsigned)', () => {
    const got = roundTrip(u, { as4: true });
    expect(got).toEqual(u);
    expect(findAttribute(got.attributes, 'as-path')!.segments[0]!.asns[0]).toBe(4200000001);
  });

  it('AS4_* from a 4-octet peer are dropped; a real 2-octet AGGREGATOR makes them stale', () => {
    const withAs4: PathAttribute[] = [...attrs.slice(0, 3), { kind: 'as4-path', segments: [seq(1)] }];
    expect(normalizeAs4(withAs4, { as4: true })).toEqual(attrs.slice(0, 3));
    const stale: PathAttribute[] = [
      { kind: 'as-path', segments: [seq(AS_TRANS, 100)] },
      { kind: 'aggregator', asn: 100, address: 1 },
      { kind: 'as4-path', segments: [seq(4200000001, 100)] },
    ];
    expect(formatAsPath(findAttribute(normalizeAs4(stale, { as4: false }), 'as-path')!.segments)).toBe('23456 100');
  });

  it('merge keeps the leading ASNs AS4_PATH does not cover, ignores a longer AS4_PATH, counts a set as one', () => {
    expect(formatAsPath(mergeAs4Path([seq(64512, AS_TRANS, AS_TRANS)], [seq(4200000001, 4200000002)]))).toBe('64512 4200000001 4200000002');
    expect(formatAsPath(mergeAs4Path([seq(AS_TRANS)], [seq(1, 2)]))).toBe('23456');
    expect(formatAsPath(mergeAs4Path([seq(65001, AS_TRANS), set(1, 2)], [seq(4200000001), set(1, 2)]))).toBe('65001 4200000001 {1 2}');
  });
});

describe('text forms', () => {
  it('AS paths, communities, large and extended communities', () => {
    expect(formatAsPath([seq(64512, 64513), set(1, 2), { type: 'confed-sequence', asns: [65000] }])).toBe('64512 64513 {1 2} (65000)');
    expect(formatCommunity(community(64512, 100))).toBe('64512:100');
    expect(formatCommunity(0xffffff01)).toBe('no-export');
    expect(parseCommunity('no-advertise')).toBe(0xffffff02);
    expect(parseCommunity('64512:100')).toBe(community(64512, 100));
    expect(parseCommunity('70000:1')).toBeNull();
    expect(parseLargeCommunity('4200000001:1:2')).toEqual({ global: 4200000001, local1: 1, local2: 2 });
    expect(formatExtendedCommunity(routeTarget(64512, 100))).toBe('rt 64512:100');
    expect(formatExtendedCommunity(routeTarget(4200000001, 7))).toBe('rt 4200000001:7');
    expect(formatAttribute({ kind: 'local-pref', localPref: 0x80000005 })).toBe('LOCAL_PREF: 2147483653');
  });

  it('NOTIFICATION names and BIRD-style log lines', () => {
    expect(notificationName(1, 1)).toBe('Connection not synchronized');
    expect(notificationName(4, 0)).toBe('Hold timer expired');
    expect(notificationName(6, 9)).toBe('Hard reset');
    expect(notificationName(7, 1)).toBe('Invalid ROUTE-REFRESH message length');
    expect(notificationName(3, 99)).toBe('Invalid UPDATE message (subcode 99)');
    // Every code/subcode of RFC 4271, 4486, 6608, 7313 and 8538 has its own name.
    const all: [number, number[]][] = [[1, [1, 2, 3]], [2, [1, 2, 3, 4, 6, 7]], [3, [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]], [5, [1, 2, 3]], [6, [1, 2, 3, 4, 5, 6, 7, 8, 9]], [7, [1]]];
    const names = all.flatMap(([c, subs]) => subs.map((s) => notificationName(c, s)));
    expect(names.filter((n) => /subcode|Unknown/.test(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    const n = shutdownNotification(2, 'maintenance — back at 5');
    expect(shutdownMessage(n)).toBe('maintenance — back at 5');
    expect(formatNotification(n)).toBe('Received: Administrative shutdown: "maintenance — back at 5"');
    expect(formatNotification({ type: 'notification', code: 3, subcode: 8, data: new Uint8Array([0x40, 3, 4]) }, 'sent')).toBe('Error: Invalid NEXT_HOP attribute: 400304');
    expect(shutdownMessage(shutdownNotification(4, 'x'.repeat(300)))!.length).toBe(255);
  });

  it('IPv6 text is canonical RFC 5952', () => {
    expect(parseIPv6('2001:0DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(parseIPv6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(parseIPv6('0:0:0:0:0:0:0:0')).toBe('::');
    expect(parseIPv6('::1')).toBe('::1');
    expect(parseIPv6('fe80::')).toBe('fe80::');
    expect(parseIPv6('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1'); // RFC 5952 §5: mapped addresses keep the dotted quad
    expect(() => parseIPv6('1::2::3')).toThrow();
    expect(() => parseIPv6('1:2:3:4:5:6:7:8:9')).toThrow();
  });

  it('formatMessage summarises every message of a capture', () => {
    const lines = captureMessages('bird-gobgp').map((m) => (m.outcome.kind === 'ok' ? formatMessage(m.outcome.message) : ''));
    expect(lines).toContain('UPDATE End-of-RIB ipv4-unicast');
    expect(lines).toContain('UPDATE announce 198.51.100.0/24 [ORIGIN: INCOMPLETE, AS_PATH: 64513, NEXT_HOP: 10.0.0.2, COMMUNITIES: 64513:100]');
  });
});

describe('End-of-RIB, route changes, ROUTE-REFRESH', () => {
  it('End-of-RIB markers encode as RFC 4724 says: empty UPDATE / empty MP_UNREACH', () => {
    expect(toHex(encodeMessage(endOfRib('ipv4-unicast'), { as4: true }))).toBe(`${'ff'.repeat(16)}0017020000000`.padEnd(46, '0'));
    expect(toHex(encodeMessage(endOfRib('ipv6-unicast'), { as4: true }))).toBe(`${'ff'.repeat(16)}001d0200000006800f03000201`);
    expect(isEndOfRib(endOfRib('ipv6-unicast'))).toBe('ipv6-unicast');
    expect(isEndOfRib({ type: 'update', withdrawn: [{ addr: 0, len: 0 }], attributes: [], nlri: [] })).toBeNull();
  });

  it('a prefix both withdrawn and announced in one UPDATE counts as announced', () => {
    const p = { addr: parseIPv4('10.9.0.0'), len: 16 };
    const q = { addr: parseIPv4('10.8.0.0'), len: 16 };
    const rc = routeChanges({ type: 'update', withdrawn: [p, q], attributes: [{ kind: 'next-hop', nextHop: 5 }], nlri: [p] });
    expect(rc.announce4).toEqual([p]);
    expect(rc.withdraw4).toEqual([q]);
    expect(rc.nextHop4).toBe(5);
  });

  it('ROUTE-REFRESH with RFC 7313 subtypes round-trips', () => {
    for (const subtype of ['request', 'borr', 'eorr'] as const) {
      const m = { type: 'route-refresh' as const, afi: 2, safi: 1, subtype };
      const o = decodeMessage(encodeMessage(m, { as4: true }), { as4: true });
      expect(o.kind === 'ok' && o.message).toEqual(m);
    }
  });
});

describe('OPEN building and negotiation', () => {
  it('buildOpen puts AS_TRANS in My AS and the real AS in capability 65', () => {
    const o = buildOpen({ asn: 4200000001, holdTime: 90, bgpId: parseIPv4('10.0.0.1'), capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }] });
    expect(o.myAs).toBe(AS_TRANS);
    expect(o.capabilities).toContainEqual({ kind: 'as4', asn: 4200000001 });
    const back = decodeMessage(encodeMessage(o, { as4: false }), { as4: false });
    expect(back.kind === 'ok' && back.message).toEqual(o);
  });

  it('negotiates FRR against ExaBGP as they did on the wire: AS4 and Extended Message, no ADD-PATH', () => {
    const opens = captureMessages('frr-exabgp').flatMap((m) => (m.outcome.kind === 'ok' && m.outcome.message.type === 'open' ? [m.outcome.message] : []));
    const [frr, exa] = opens as [OpenMessage, OpenMessage];
    const s = negotiate(frr, exa);
    expect(s.decode).toEqual({ as4: true, extendedMessage: true });
    expect(s.holdTime).toBe(90);
    expect(s.families).toEqual({ ipv4: true, ipv6: false });
    expect(s.routeRefresh).toBe(false);
  });

  it('ADD-PATH is per direction', () => {
    const a = buildOpen({ asn: 1, holdTime: 90, bgpId: 1, capabilities: [{ kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }] }] });
    const b = buildOpen({ asn: 2, holdTime: 30, bgpId: 2, capabilities: [{ kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] }] });
    const s = negotiate(a, b);
    expect(s.decode.addPath).toEqual({ ipv4: true, ipv6: false });
    expect(s.encode.addPath).toBeUndefined();
    expect(s.holdTime).toBe(30);
    const u: UpdateMessage = { type: 'update', withdrawn: [{ addr: parseIPv4('10.0.0.0'), len: 8, pathId: 7 }], attributes: [], nlri: [] };
    expect(roundTrip(u, s.decode)).toEqual(u);
  });
});
