import { describe, expect, it } from 'vitest';
import { AdjRibOut, memberBatches } from '../../engine/bgp/rib/adj-rib-out.ts';
import { internAttrs } from '../../engine/bgp/rib/attrs.ts';
import type { PathAttrs } from '../../engine/bgp/rib/attrs.ts';
import { exportAttrs, mayAdvertise } from '../../engine/bgp/rib/export.ts';
import type { ExportSpeaker, ExportTarget } from '../../engine/bgp/rib/export.ts';
import { LocRib } from '../../engine/bgp/rib/loc-rib.ts';
import { addCommunity, chain, matchCommunity, prefixList } from '../../engine/bgp/rib/policy.ts';
import { sharedPeerRef } from '../../engine/bgp/rib/route.ts';
import type { PeerRef, Route } from '../../engine/bgp/rib/route.ts';

const mk = (key: string, over: Partial<PeerRef> = {}): PeerRef => ({ key, address: key, routerId: 1, asn: 64512, ibgp: true, rrClient: false, local: false, ...over });
const attrs: PathAttrs = { origin: 0, asPath: [], nextHop: '10.0.1.2', localPref: 200, med: 7, communities: [0xfc000064] };
const sp: ExportSpeaker = { localAs: 64512, routerId: 0x0a000101, clusterId: 0x0a000101, isReflector: true };
const tgt = (key: string, over: Partial<ExportTarget> = {}): ExportTarget => ({ key, ibgp: true, rrClient: true, localAddress: '10.0.1.1', nextHopSelf: false, ...over });

describe('Loc-RIB', () => {
  it('reports best-path changes and removes all routes of a peer that goes down', () => {
    const changes: [string, string | undefined][] = [];
    const rib = new LocRib((p, best) => changes.push([p, best?.from.key]));
    const a = mk('a', { routerId: 2 });
    const b = mk('b', { routerId: 1 });
    rib.update(a, '10.0.0.0/24', attrs);
    rib.update(b, '10.0.0.0/24', attrs);
    rib.update(a, '10.0.1.0/24', attrs);
    expect(rib.get('10.0.0.0/24')!.reason).toBe('router-id');
    expect(rib.dropPeer('b')).toBe(1);
    expect(rib.get('10.0.0.0/24')!.best!.from.key).toBe('a');
    rib.withdraw(a, '10.0.1.0/24');
    expect(rib.get('10.0.1.0/24')).toBeUndefined();
    expect(changes).toEqual([['10.0.0.0/24', 'a'], ['10.0.0.0/24', 'b'], ['10.0.1.0/24', 'a'], ['10.0.0.0/24', 'a'], ['10.0.1.0/24', undefined]]);
  });
});

describe('Loc-RIB paths', () => {
  it('keeps paths in arrival order through replacement and removal, past two paths, as the list selectBest sees', () => {
    const rib = new LocRib(() => {});
    const peers = ['a', 'b', 'c', 'd'].map((k, i) => mk(k, { routerId: 10 - i }));
    const other: PathAttrs = { ...attrs, localPref: 50 };
    for (const p of peers) expect(rib.update(p, '10.0.0.0/24', attrs)).toBe(true);
    const order = (): string[] => rib.get('10.0.0.0/24')!.paths.map((r) => r.from.key);
    expect(order()).toEqual(['a', 'b', 'c', 'd']);
    expect(rib.get('10.0.0.0/24')!.best!.from.key).toBe('d');
    expect(rib.update(peers[1]!, '10.0.0.0/24', other)).toBe(false);
    expect(order()).toEqual(['a', 'b', 'c', 'd']);
    expect(rib.get('10.0.0.0/24')!.paths[1]!.attrs).toBe(other);
    expect(rib.withdraw(peers[0]!, '10.0.0.0/24')).toBe(true);
    expect(rib.withdraw(peers[0]!, '10.0.0.0/24')).toBe(false);
    expect(order()).toEqual(['b', 'c', 'd']);
    expect(rib.withdraw(peers[2]!, '10.0.0.0/24')).toBe(true);
    expect(order()).toEqual(['b', 'd']);
    expect(rib.get('10.0.0.0/24')!.best!.from.key).toBe('d');
    expect(rib.get('10.0.0.0/24')!.reason).toBe('local-pref');
    expect(rib.adjRibIn('d').get('10.0.0.0/24')!.from.key).toBe('d');
    expect(rib.dropPeer('d')).toBe(1);
    expect(order()).toEqual(['b']);
    expect(rib.get('10.0.0.0/24')!.reason).toBe('only-path');
    expect(rib.adjRibIn('d').size).toBe(0);
  });

  it('picks the same best path and reason from two paths in either arrival order', () => {
    const x = mk('x', { routerId: 5 });
    const y = mk('y', { routerId: 3 });
    for (const [first, second] of [[x, y], [y, x]] as const) {
      const rib = new LocRib(() => {});
      rib.update(first, '10.9.0.0/16', attrs);
      rib.update(second, '10.9.0.0/16', attrs);
      const d = rib.get('10.9.0.0/16')!;
      expect([d.best!.from.key, d.reason]).toEqual(['y', 'router-id']);
    }
  });
});

describe('routes shared between speakers', () => {
  it('gives equal peers one reference and equal routes one frozen object across Loc-RIBs, never mixing different ones', () => {
    const rr1 = sharedPeerRef(mk('10.0.0.1', { routerId: 7 }));
    expect(sharedPeerRef(mk('10.0.0.1', { routerId: 7 }))).toBe(rr1);
    expect(sharedPeerRef(mk('10.0.0.1', { routerId: 8 }))).not.toBe(rr1);
    expect(sharedPeerRef(mk('10.0.0.1', { routerId: 7, rrClient: true }))).not.toBe(rr1);
    const [x, y] = [new LocRib(() => {}), new LocRib(() => {})];
    x.update(rr1, '10.244.1.0/26', attrs);
    y.update(rr1, '10.244.1.0/26', attrs);
    const rx = x.get('10.244.1.0/26')!.best!;
    expect(y.get('10.244.1.0/26')!.best).toBe(rx);
    expect(Object.isFrozen(rx)).toBe(true);
    y.update(rr1, '10.244.1.0/26', { ...attrs, med: 9 });
    expect(y.get('10.244.1.0/26')!.best!.attrs.med).toBe(9);
    expect(x.get('10.244.1.0/26')!.best!.attrs.med).toBe(7);
    expect(rx).toEqual({ prefix: '10.244.1.0/26', attrs, from: rr1 });
  });
});

describe('route reflection and export rules', () => {
  const fromClient: Route = { prefix: '198.51.100.0/24', attrs, from: mk('client1', { rrClient: true, routerId: 0x0a000102 }) };
  const fromNonClient: Route = { prefix: '198.51.100.0/24', attrs, from: mk('nc', { routerId: 0x0a000109 }) };

  it('reflects client routes to everyone but the sender, non-client routes to clients only', () => {
    expect(mayAdvertise(fromClient, tgt('client1'), sp)).toBe(false);
    expect(mayAdvertise(fromClient, tgt('client2'), sp)).toBe(true);
    expect(mayAdvertise(fromClient, tgt('nc2', { rrClient: false }), sp)).toBe(true);
    expect(mayAdvertise(fromNonClient, tgt('nc2', { rrClient: false }), sp)).toBe(false);
    expect(mayAdvertise(fromNonClient, tgt('client2'), sp)).toBe(true);
    expect(mayAdvertise(fromNonClient, tgt('client2'), { ...sp, isReflector: false })).toBe(false);
  });

  it('adds ORIGINATOR_ID and CLUSTER_LIST, keeps NEXT_HOP, LOCAL_PREF and MED when reflecting', () => {
    const out = exportAttrs(fromClient, tgt('client2'), sp);
    expect(out).toMatchObject({ nextHop: '10.0.1.2', localPref: 200, med: 7, originatorId: 0x0a000102, clusterList: [0x0a000101] });
  });

  it('toward eBGP: prepends our AS, sets NEXT_HOP self, strips LOCAL_PREF, RR attributes and foreign MED', () => {
    const out = exportAttrs({ ...fromClient, attrs: { ...attrs, originatorId: 5, clusterList: [1] } }, tgt('ext', { ibgp: false, localAddress: '10.0.0.1' }), sp);
    expect(out.asPath).toEqual([{ type: 2, asns: [64512] }]);
    expect(out.nextHop).toBe('10.0.0.1');
    expect(out.localPref).toBeUndefined();
    expect(out.originatorId).toBeUndefined();
    expect(out.clusterList).toBeUndefined();
    expect(out.med).toBeUndefined();
  });

  it('next-hop-self toward iBGP and LOCAL_PREF 100 for eBGP-learned routes', () => {
    const ebgp: Route = { prefix: '203.0.113.0/24', attrs: { ...attrs, localPref: 900, asPath: [{ type: 2, asns: [64513] }] }, from: mk('x', { ibgp: false, asn: 64513 }) };
    const out = exportAttrs(ebgp, tgt('client2', { nextHopSelf: true }), sp);
    expect(out).toMatchObject({ nextHop: '10.0.1.1', localPref: 100 });
  });
});

describe('Adj-RIB-Out batching', () => {
  it('groups prefixes sharing an attribute set into one batch and drops no-op changes', () => {
    const a1 = internAttrs({ ...attrs });
    const a2 = internAttrs({ ...attrs, med: 9 });
    expect(internAttrs({ ...attrs })).toBe(a1);
    const out = new AdjRibOut();
    for (let n = 0; n < 1000; n++) out.set(`10.${n >> 8}.${n & 255}.0/24`, a1);
    out.set('192.0.2.0/24', a2);
    out.set('2001:db8::/32', a2);
    out.set('10.9.9.0/24', null);
    const b = out.flush(new Set()).batches;
    expect(b.map((x) => [x.afi, x.nlri.length, x.withdrawn.length])).toEqual([['ipv4', 1000, 0], ['ipv4', 1, 0], ['ipv6', 1, 0]]);
    out.set('10.0.0.0/24', a1);
    out.set('10.0.1.0/24', null);
    expect(out.flush(new Set()).batches).toEqual([{ afi: 'ipv4', withdrawn: ['10.0.1.0/24'], nlri: [] }]);
  });
});

describe('Adj-RIB-Out of an update group', () => {
  const fromA = internAttrs({ ...attrs, nextHop: '10.0.1.2' });
  const fromB = internAttrs({ ...attrs, nextHop: '10.0.1.3' });
  const members = new Set(['a', 'b', 'c']);
  const P = '10.0.0.0/24';
  const Q = '10.0.9.0/24';

  it('sends a best path to every member but the one it came from', () => {
    const out = new AdjRibOut();
    out.set(Q, fromB); // no source: every member gets it
    out.set(P, fromA, 'a');
    const f = out.flush(members);
    expect(f.batches.map((b) => b.nlri)).toEqual([[Q], [P]]);
    // a sees the flush without P; b and c get the group's batches.
    expect([...f.own.keys(), ...f.less.keys()]).toEqual(['a']);
    // P has a batch of its own: a gets the group's batches without it (f.less), no batches of its own.
    expect(f.less.get('a')).toEqual([1]);
    expect(memberBatches(f, 'a').map((b) => b.nlri)).toEqual([[Q]]);
    expect(memberBatches(f, 'b')).toBe(f.batches);
    expect(out.get(P, 'a')).toBeUndefined();
    expect(out.get(P, 'b')).toBe(fromA);
    expect(out.tableFor('a', () => [{ prefix: P }, { prefix: Q }]).map((b) => b.nlri)).toEqual([[Q]]);
    expect(out.tableFor('c', () => [{ prefix: P }, { prefix: Q }]).map((b) => b.nlri)).toEqual([[P], [Q]]);
  });

  it('when the best path moves from one member to another: the old source is announced it, the new one withdrawn', () => {
    const out = new AdjRibOut();
    out.set(P, fromA, 'a');
    out.flush(members);
    out.set(P, fromB, 'b');
    const f = out.flush(members);
    expect(f.batches).toEqual([{ afi: 'ipv4', withdrawn: [], attrs: fromB, nlri: [P] }]);
    // a, no longer the source, gets what every member gets: the group's batches.
    expect(f.own.has('a')).toBe(false);
    expect(f.own.get('b')).toEqual([{ afi: 'ipv4', withdrawn: [P], nlri: [] }]);
    expect(f.own.has('c')).toBe(false);
    // Same attributes, another source: only the two sources hear of it.
    out.set(P, fromB, 'c');
    const g = out.flush(members);
    expect(g.batches).toEqual([]);
    expect(g.own.get('b')).toEqual([{ afi: 'ipv4', withdrawn: [], attrs: fromB, nlri: [P] }]);
    expect(g.own.get('c')).toEqual([{ afi: 'ipv4', withdrawn: [P], nlri: [] }]);
    // Withdrawn: the source had nothing to withdraw.
    out.set(P, null);
    const h = out.flush(members);
    expect(h.batches).toEqual([{ afi: 'ipv4', withdrawn: [P], nlri: [] }]);
    expect(h.own.get('c')).toEqual([]);
    expect(out.size).toBe(0);
  });

  it('a member that is the source of one of two prefixes sharing attributes gets the other alone', () => {
    const out = new AdjRibOut();
    out.set(P, fromA, 'a');
    out.set(Q, fromA, 'b');
    out.set('10.0.8.0/24', fromB);
    const f = out.flush(members);
    expect(f.batches.map((b) => b.nlri)).toEqual([[P, Q], ['10.0.8.0/24']]);
    expect(f.less.size).toBe(0);
    expect(memberBatches(f, 'a').map((b) => b.nlri)).toEqual([[Q], ['10.0.8.0/24']]);
    expect(memberBatches(f, 'b').map((b) => b.nlri)).toEqual([[P], ['10.0.8.0/24']]);
    // Withdrawn: only those that were sent it hear of it.
    out.set(P, null);
    out.set(Q, null);
    const g = out.flush(members);
    expect(g.batches).toEqual([{ afi: 'ipv4', withdrawn: [P, Q], nlri: [] }]);
    expect(g.own.get('a')).toEqual([{ afi: 'ipv4', withdrawn: [Q], nlri: [] }]);
    expect(g.own.get('b')).toEqual([{ afi: 'ipv4', withdrawn: [P], nlri: [] }]);
  });

  it('a source that is not a member changes nothing for the members', () => {
    const out = new AdjRibOut();
    out.set(P, fromA, 'elsewhere');
    const f = out.flush(members);
    expect(f.own.size).toBe(0);
    expect(f.batches.map((b) => b.nlri)).toEqual([[P]]);
  });
});

describe('policy', () => {
  it('prefix lists with ge/le, community match and add compose', () => {
    const p = chain(prefixList([{ prefix: '10.0.0.0/8', ge: 24, le: 26 }]), matchCommunity('64512:100'), addCommunity('64512:7'));
    expect(p('10.1.2.0/24', attrs)?.communities).toEqual([0xfc000064, 0xfc000007]);
    expect(p('10.1.0.0/16', attrs)).toBeNull();
    expect(p('11.1.2.0/24', attrs)).toBeNull();
    expect(p('10.1.2.0/24', { ...attrs, communities: [] })).toBeNull();
  });
});
