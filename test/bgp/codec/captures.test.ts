/**
 * Every BGP message in the interop captures (real bird2, BIRD 1.6, GoBGP, FRR and ExaBGP
 * sessions) decodes without a problem, re-encodes to the same bytes, and carries what the
 * fixtures' README says it carries.
 */
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS,
  decodeMessage,
  decodeMessageAt,
  encodeMessage,
  findAttribute,
  formatAsPath,
  formatCommunity,
  formatLargeCommunity,
  formatNotification,
  isEndOfRib,
  normalizeAs4,
  openAsn,
  routeChanges,
  shutdownMessage,
  toHex,
  type BgpMessage,
  type NotificationMessage,
  type OpenMessage,
  type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';
import { formatIPv4, parseIPv4 } from '../../../engine/net/ip.ts';
import { captureMessages, decodeSegments, readHexCapture, type CapturedMessage } from './captures.ts';
import { pcapSegments } from './pcap-segments.ts';

const HEX_CAPTURES = ['bird-gobgp', 'frr-exabgp', 'gobgp-bird16', 'rr', 'as4-as2', 'v6'];
const PCAPS = [...HEX_CAPTURES, 'badpeeras'];

function ok(m: CapturedMessage): BgpMessage {
  if (m.outcome.kind !== 'ok') throw new Error(`${m.file} frame ${m.frame}: ${m.outcome.kind} ${JSON.stringify(m.outcome.problems)}`);
  return m.outcome.message;
}
const updates = (ms: CapturedMessage[]): UpdateMessage[] => ms.map(ok).filter((m): m is UpdateMessage => m.type === 'update');
const notifications = (ms: CapturedMessage[]): NotificationMessage[] => ms.map(ok).filter((m): m is NotificationMessage => m.type === 'notification');
const opens = (ms: CapturedMessage[]): OpenMessage[] => ms.map(ok).filter((m): m is OpenMessage => m.type === 'open');
const prefixes = (u: UpdateMessage): string[] => u.nlri.map((p) => `${formatIPv4(p.addr)}/${p.len}`);

describe('interop captures: decode and re-encode', () => {
  for (const name of PCAPS) {
    it(`${name}: every message in the pcap decodes cleanly and re-encodes byte for byte`, () => {
      const { messages, framingErrors } = decodeSegments(name, pcapSegments(name));
      expect(framingErrors).toEqual([]);
      expect(messages.length).toBeGreaterThan(3);
      for (const m of messages) {
        const msg = ok(m);
        // All captured encodings are canonical for our encoder (FRR's one-capability-per-
        // parameter OPEN is reproduced through `packing`).
        expect(toHex(encodeMessage(msg, m.opts)), `${name} frame ${m.frame}`).toBe(toHex(m.bytes));
      }
    });
  }

  it('every captured message decodes in place, inside a larger buffer (decodeMessageAt), as its own copy does', () => {
    for (const name of PCAPS) {
      for (const m of decodeSegments(name, pcapSegments(name)).messages) {
        const buf = new Uint8Array(m.bytes.length + 7).fill(0xff);
        buf.set(m.bytes, 3);
        expect(decodeMessageAt(buf, 3, 3 + m.bytes.length, m.opts), `${name} frame ${m.frame}`).toEqual(decodeMessage(m.bytes.slice(), m.opts));
      }
    }
    // A length field that disagrees with the bounds is the same header error in place.
    const keepalive = encodeMessage({ type: 'keepalive' }, { as4: true });
    const padded = new Uint8Array(40).fill(0xff);
    padded.set(keepalive, 5);
    expect(decodeMessageAt(padded, 5, 5 + 20, { as4: true })).toEqual(decodeMessage(padded.slice(5, 25), { as4: true }));
    expect(decodeMessageAt(padded, 5, 5 + 20, { as4: true }).kind).toBe('session-reset');
  });

  for (const name of HEX_CAPTURES) {
    it(`${name}: the hex dump and the pcap hold the same BGP payloads`, () => {
      const hex = readHexCapture(name).filter((s) => s.payload.length > 0);
      const pcap = pcapSegments(name);
      expect(pcap.map((s) => [s.frame, s.src, s.dst, toHex(s.payload)])).toEqual(hex.map((s) => [s.frame, s.src, s.dst, toHex(s.payload)]));
    });
  }
});

describe('interop captures: contents', () => {
  it('bird-gobgp: Cease/2, BIRD GR/LLGR/enhanced refresh OPEN, communities, large community, EoR, withdrawal', () => {
    const ms = captureMessages('bird-gobgp');
    const [cease] = notifications(ms);
    expect([cease!.code, cease!.subcode]).toEqual([6, 2]);
    expect(formatNotification(cease!)).toBe('Received: Administrative shutdown');
    const bird = opens(ms).find((o) => o.bgpId === parseIPv4('10.0.0.1'))!;
    expect(openAsn(bird)).toBe(64512);
    expect(bird.capabilities.map((c) => c.kind)).toEqual(
      ['multiprotocol', 'route-refresh', 'graceful-restart', 'as4', 'enhanced-route-refresh', 'llgr'],
    );
    expect(bird.packing).toBeUndefined();
    const gobgp = opens(ms).find((o) => o.bgpId === parseIPv4('10.0.0.2'))!;
    expect(gobgp.capabilities).toContainEqual({ kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] });
    const us = updates(ms);
    const withComm = us.find((u) => findAttribute(u.attributes, 'communities'))!;
    expect(prefixes(withComm)).toEqual(['198.51.100.0/24']);
    expect(findAttribute(withComm.attributes, 'communities')!.communities.map(formatCommunity)).toEqual(['64513:100']);
    const withLarge = us.find((u) => findAttribute(u.attributes, 'large-communities'))!;
    expect(findAttribute(withLarge.attributes, 'large-communities')!.communities.map(formatLargeCommunity)).toEqual(['64513:1:2']);
    expect(us.filter((u) => isEndOfRib(u) === 'ipv4-unicast')).toHaveLength(1);
    const wd = us.find((u) => u.withdrawn.length > 0)!;
    expect(routeChanges(wd).withdraw4.map((p) => `${formatIPv4(p.addr)}/${p.len}`)).toEqual(['198.51.100.128/25']);
  });

  it('frr-exabgp: FRR packs one capability per parameter; Cease/4; three UPDATEs in one segment; echoed AS path', () => {
    const ms = captureMessages('frr-exabgp');
    expect([notifications(ms)[0]!.code, notifications(ms)[0]!.subcode]).toEqual([6, 4]);
    const frr = opens(ms).find((o) => o.bgpId === parseIPv4('10.0.0.1'))!;
    expect(frr.packing).toBe('one-per-param');
    expect(frr.capabilities.length).toBe(10);
    expect(frr.capabilities).toContainEqual({ kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }] });
    expect(frr.capabilities).toContainEqual({ kind: 'fqdn', hostname: 'frrC', domain: '' });
    expect(frr.capabilities).toContainEqual({ kind: 'route-refresh-cisco' });
    // Frame 20 carries three UPDATEs.
    const frame20 = ms.filter((m) => m.frame === 20);
    expect(frame20.map((m) => ok(m).type)).toEqual(['update', 'update', 'update']);
    const echoed = updates(frame20.map((m) => m)).map((u) => formatAsPath(findAttribute(u.attributes, 'as-path')!.segments));
    expect(echoed).toEqual(['64512', '64512 64513', '64512 64513']);
    expect(findAttribute(updates(frame20)[0]!.attributes, 'med')!.med).toBe(0);
  });

  it('gobgp-bird16: BIRD 1.6 OPEN, MED 10 and a withdrawal', () => {
    const ms = captureMessages('gobgp-bird16');
    const us = updates(ms);
    const med = us.find((u) => findAttribute(u.attributes, 'med'))!;
    expect(findAttribute(med.attributes, 'med')!.med).toBe(10);
    expect(prefixes(med)).toEqual(['192.0.2.0/24']);
    expect(us.some((u) => u.withdrawn.length === 1 && u.nlri.length === 0)).toBe(true);
  });

  it('rr: reflected routes carry ORIGINATOR_ID and CLUSTER_LIST, and an empty AS_PATH', () => {
    const us = updates(captureMessages('rr'));
    const reflected = us.filter((u) => findAttribute(u.attributes, 'originator-id'));
    expect(reflected).toHaveLength(2);
    const byOriginator = reflected.map((u) => [prefixes(u)[0], formatIPv4(findAttribute(u.attributes, 'originator-id')!.originatorId), findAttribute(u.attributes, 'cluster-list')!.clusterIds.map(formatIPv4)]);
    expect(byOriginator).toEqual([
      ['192.0.2.0/24', '10.0.1.2', ['10.0.1.1']],
      ['198.51.100.0/24', '10.0.1.3', ['10.0.1.1']],
    ]);
    for (const u of reflected) expect(findAttribute(u.attributes, 'as-path')!.segments).toEqual([]);
    expect(findAttribute(reflected[0]!.attributes, 'local-pref')!.localPref).toBe(200);
  });

  it('as4-as2: AS_TRANS in OPEN and AS_PATH, the real AS in the capability and AS4_PATH, merged on receipt', () => {
    const ms = captureMessages('as4-as2');
    const bird = opens(ms).find((o) => o.myAs === AS_TRANS)!;
    expect(openAsn(bird)).toBe(4200000001);
    const u = updates(ms).find((x) => findAttribute(x.attributes, 'as4-path'))!;
    const m = ms.find((x) => x.outcome.kind === 'ok' && x.outcome.message === u)!;
    expect(m.opts.as4).toBe(false);
    expect(formatAsPath(findAttribute(u.attributes, 'as-path')!.segments)).toBe('23456');
    expect(findAttribute(u.attributes, 'as4-path')!.wireFlags).toBeUndefined(); // flags 0xC0 as expected
    const real = normalizeAs4(u.attributes, m.opts);
    expect(formatAsPath(findAttribute(real, 'as-path')!.segments)).toBe('4200000001');
    expect(findAttribute(real, 'as4-path')).toBeUndefined();
  });

  it('v6: MP_REACH with a 32-byte next hop (global + link-local) from BIRD, 16 bytes from GoBGP, IPv6 EoR', () => {
    const ms = captureMessages('v6');
    const us = updates(ms);
    const reaches = us.map((u) => findAttribute(u.attributes, 'mp-reach')).filter((a) => a !== undefined);
    expect(reaches.map((r) => (r.family === 'ipv6-unicast' ? [r.nextHop, r.linkLocal, r.nlri.map((p) => `${p.addr}/${p.len}`)] : null))).toEqual([
      ['fd00::1', 'fe80::cc9e:8dff:fe13:36c7', ['2001:db8:1::/48']],
      ['fd00::2', undefined, ['2001:db8:2::/48']],
    ]);
    expect(us.filter((u) => isEndOfRib(u) === 'ipv6-unicast')).toHaveLength(1);
    // BIRD puts MP_REACH first, GoBGP after AS_PATH: order is kept for byte identity.
    expect(us[0]!.attributes[0]!.kind).toBe('mp-reach');
    expect(routeChanges(us[0]!).nextHop6).toBe('fd00::1');
  });

  it('badpeeras: NOTIFICATION 6/6 then 2/2 carrying the AS, logged as BIRD does', () => {
    const { messages } = decodeSegments('badpeeras', pcapSegments('badpeeras'));
    const ns = notifications(messages);
    expect(ns.map((n) => `${n.code}/${n.subcode}`)).toEqual(['6/6', '2/2']);
    expect(formatNotification(ns[1]!)).toBe('Received: Bad peer AS: 64512');
    expect(formatNotification(ns[0]!)).toBe('Received: Configuration change');
    expect(shutdownMessage(ns[0]!)).toBeNull();
  });
});
