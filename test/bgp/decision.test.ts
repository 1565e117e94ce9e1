import { describe, expect, it } from 'vitest';
import { selectBest } from '../../engine/bgp/rib/decision.ts';
import type { PathAttrs } from '../../engine/bgp/rib/attrs.ts';
import type { PeerRef, Route } from '../../engine/bgp/rib/route.ts';

const peer = (address: string, over: Partial<PeerRef> = {}): PeerRef => ({
  key: address, address, routerId: Number(address.split('.')[3]), asn: 64513, ibgp: false, rrClient: false, local: false, ...over,
});
const base: PathAttrs = { origin: 0, asPath: [{ type: 2, asns: [64513] }], nextHop: '10.0.0.2' };
const route = (from: PeerRef, attrs: Partial<PathAttrs> = {}): Route => ({ prefix: '192.0.2.0/24', attrs: { ...base, ...attrs }, from });

describe('decision process', () => {
  it('explains each step in RFC order', () => {
    const a = peer('10.0.0.2');
    const b = peer('10.0.0.3');
    const ib = (addr: string) => peer(addr, { ibgp: true, asn: 64512 });
    const cases: [Route, Route, string][] = [
      [route(ib('10.0.0.9'), { localPref: 200 }), route(ib('10.0.0.8'), { localPref: 100 }), 'local-pref'],
      [route(a), route(b, { asPath: [{ type: 2, asns: [64513, 64999] }] }), 'as-path-length'],
      [route(b, { origin: 0 }), route(a, { origin: 2 }), 'origin'],
      [route(b, { med: 5 }), route(a, { med: 10 }), 'med'],
      [route(b), route(ib('10.0.0.1'), { asPath: [{ type: 2, asns: [64513] }] }), 'ebgp-over-ibgp'],
      [route(a), route(b), 'router-id'],
      [route(ib('10.0.0.7'), { originatorId: 1, clusterList: [9] }), route(ib('10.0.0.6'), { originatorId: 1, clusterList: [9, 8] }), 'cluster-list-length'],
      [route(peer('10.0.0.4', { routerId: 1 })), route(peer('10.0.0.5', { routerId: 1 })), 'peer-address'],
    ];
    for (const [winner, loser, reason] of cases) {
      expect(selectBest([loser, winner])).toEqual({ best: winner, reason });
      expect(selectBest([winner, loser])).toEqual({ best: winner, reason });
    }
  });

  it('breaks the last tie on the IPv6 peer address, whatever way it is written', () => {
    // Same router id, so only the peer address is left; the dotted IPv4 tail is part of the address.
    const lower = route(peer('2001:db8::10.0.0.2', { routerId: 1 }));
    const higher = route(peer('2001:db8::10.0.0.3', { routerId: 1 }));
    expect(selectBest([higher, lower])).toEqual({ best: lower, reason: 'peer-address' });
    expect(selectBest([lower, higher])).toEqual({ best: lower, reason: 'peer-address' });
    const scoped = route(peer('fe80::1%eth0', { routerId: 1 }));
    expect(selectBest([route(peer('fe80::2%eth0', { routerId: 1 })), scoped])!.best).toBe(scoped);
  });

  it('ignores MED between different neighbour ASes and LOCAL_PREF from eBGP', () => {
    const a = route(peer('10.0.0.2'), { med: 100, asPath: [{ type: 2, asns: [64513] }] });
    const b = route(peer('10.0.0.3', { asn: 64514 }), { med: 1, asPath: [{ type: 2, asns: [64514] }] });
    expect(selectBest([b, a])!.reason).toBe('router-id');
    const c = route(peer('10.0.0.3'), { localPref: 500 });
    expect(selectBest([c, route(peer('10.0.0.2'))])!.reason).toBe('router-id');
  });

  it('uses the IGP cost hook', () => {
    const a = route(peer('10.0.0.3'), { nextHop: '10.1.1.1' });
    const b = route(peer('10.0.0.2'), { nextHop: '10.2.2.2' });
    expect(selectBest([b, a], { igpCost: (nh) => (nh === '10.1.1.1' ? 1 : 10) })).toEqual({ best: a, reason: 'igp-cost' });
  });

  it('compares router ids as unsigned 32-bit values', () => {
    const hi = route(peer('10.0.0.2', { routerId: 0xf0000000 }));
    const lo = route(peer('10.0.0.3', { routerId: 0x10000000 }));
    expect(selectBest([hi, lo])!.best).toBe(lo);
  });
});
