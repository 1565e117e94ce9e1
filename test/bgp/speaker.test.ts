import { describe, expect, it, vi } from 'vitest';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import { buildOpen, notification } from '../../engine/bgp/open.ts';
import { Framer } from '../../engine/bgp/codec/index.ts';
import { showProtocols, showRoute } from '../../engine/bgp/views.ts';
import { lab } from './helpers.ts';
import type { BgpMessage } from '../../engine/bgp/codec/types.ts';
import type { PathAttrs } from '../../engine/bgp/rib/attrs.ts';
import { FakeClock } from '../../engine/bgp/clock-fake.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import type { WireCodec } from '../../engine/bgp/session.ts';
import { MemoryNetwork } from '../../engine/bgp/transport-memory.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';

describe('speaker over the in-memory transport', () => {
  it('establishes eBGP, exchanges routes both ways, withdraws, and drops routes when the session goes down', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513, connectRetry: 5 }], announce: [{ prefix: '192.0.2.0/24', communities: ['64512:100'] }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512, passive: true }], announce: [{ prefix: '198.51.100.0/24', med: 5 }] });
    a.sp.start();
    b.sp.start();
    l.run(200);
    expect(a.sp.peer(B)!.session.state).toBe('Established');
    expect(b.sp.peer(A)!.session.state).toBe('Established');
    const atB = b.sp.rib.get('192.0.2.0/24')!.best!;
    expect(atB.attrs).toMatchObject({ nextHop: A, asPath: [{ type: 2, asns: [64512] }], communities: [(64512 << 16 | 100) >>> 0] });
    expect(atB.attrs.localPref).toBeUndefined();
    const atA = a.sp.rib.get('198.51.100.0/24')!.best!;
    expect(atA.attrs).toMatchObject({ nextHop: B, med: 5 });
    expect(a.events.some((e) => e.type === 'end-of-rib' && e.direction === 'in')).toBe(true);
    expect(showProtocols(a.sp)).toMatch(/bgp_10_0_0_2 BGP +--- +up .* Established/);
    expect(showRoute(b.sp, { all: true })).toContain('192.0.2.0/24         unicast [bgp_10_0_0_1');
    expect(showRoute(b.sp, { all: true })).toContain('BGP.community: (64512,100)');

    a.sp.withdrawLocal('192.0.2.0/24');
    l.run(50);
    expect(b.sp.rib.get('192.0.2.0/24')).toBeUndefined();
    expect(b.events.some((e) => e.type === 'prefix-received' && e.action === 'withdraw' && e.prefix === '192.0.2.0/24')).toBe(true);

    b.sp.stop();
    l.run(50);
    expect(a.sp.rib.get('198.51.100.0/24')).toBeUndefined();
    const down = a.events.find((e) => e.type === 'session' && e.from === 'Established');
    expect(down).toMatchObject({ to: 'Idle', reason: { kind: 'notification-received', notification: { code: 6, subcode: 2 } } });
  });

  it('reflects between clients with ORIGINATOR_ID and CLUSTER_LIST, never back to the sender', () => {
    const l = lab();
    const rr = l.speaker({ routerId: '10.0.1.1', localAS: 64512, localAddress: '10.0.1.1', peers: [
      { address: '10.0.1.2', as: 64512, routeReflectorClient: true, passive: true },
      { address: '10.0.1.3', as: 64512, routeReflectorClient: true, passive: true },
    ] });
    const c1 = l.speaker({ routerId: '10.0.1.2', localAS: 64512, localAddress: '10.0.1.2', peers: [{ address: '10.0.1.1', as: 64512 }], announce: [{ prefix: '203.0.113.0/24', localPref: 200, nextHop: '10.0.1.2' }] });
    const c2 = l.speaker({ routerId: '10.0.1.3', localAS: 64512, localAddress: '10.0.1.3', peers: [{ address: '10.0.1.1', as: 64512 }] });
    for (const s of [rr, c1, c2]) s.sp.start();
    l.run(300);
    const got = c2.sp.rib.get('203.0.113.0/24')!.best!;
    expect(got.attrs).toMatchObject({ nextHop: '10.0.1.2', localPref: 200, originatorId: 0x0a000102, clusterList: [0x0a000101], asPath: [] });
    expect(c1.sp.rib.get('203.0.113.0/24')!.paths.length).toBe(1);
    expect(c1.sp.rib.get('203.0.113.0/24')!.best!.from.local).toBe(true);
    expect(rr.sp.peer('10.0.1.2')!.group!.out.get('203.0.113.0/24', '10.0.1.2')).toBeUndefined();
    expect(rr.sp.peer('10.0.1.3')!.group!.out.get('203.0.113.0/24', '10.0.1.3')).toBeDefined();
  });

  it('resolves a connection collision: both dial, one session survives (Cease/7 on the other)', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513 }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512 }] });
    a.sp.start();
    b.sp.start();
    l.run(500);
    expect(a.sp.peer(B)!.session.state).toBe('Established');
    expect(b.sp.peer(A)!.session.state).toBe('Established');
    const fromAEst = a.events.filter((e) => e.type === 'session' && e.to === 'Established').length;
    expect(fromAEst).toBe(1);
  });

  it('sends 4/0 when the hold timer expires, and 2/2 to a peer with the wrong AS', () => {
    for (const scenario of ['hold', 'badas'] as const) {
      const l = lab();
      const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513, holdTime: 9 }] });
      const got: BgpMessage[] = [];
      // A hand-driven peer: answers the OPEN and one KEEPALIVE, then falls silent.
      l.net.listen({ address: B, port: 179 }, (s) => {
        const f = new Framer();
        s.onData((chunk) => {
          const { messages: frames } = f.push(chunk);
          for (const fr of frames) {
            const out = wireCodec.decode(fr, { as4: true });
            if (out.kind !== 'ok') continue;
            got.push(out.message);
            if (out.message.type === 'open') {
              s.write(wireCodec.encode(buildOpen({ localAs: scenario === 'badas' ? 64599 : 64513, routerId: 0x0a000002, holdTime: 9, peerAs: 64512, families: ['ipv4'] }), { as4: true }));
              s.write(wireCodec.encode({ type: 'keepalive' }, { as4: true }));
            }
          }
        });
      });
      a.sp.start();
      l.run(100);
      if (scenario === 'hold') {
        expect(a.sp.peer(B)!.session.state).toBe('Established');
        l.run(9_100);
        expect(got.find((m) => m.type === 'notification')).toMatchObject({ code: 4, subcode: 0 });
        expect(a.sp.peer(B)!.session.state).not.toBe('Established');
      } else {
        expect(got.find((m) => m.type === 'notification')).toMatchObject({ code: 2, subcode: 2, data: new Uint8Array([0, 0, 0xfc, 0x57]) });
        expect(showProtocols(a.sp)).toContain('BGP Error: OPEN message error: bad peer AS (AS 64599)');
      }
    }
  });
});

describe('speaker timers, refresh and IPv6', () => {
  it('keepalives hold the session beyond the hold time; an error leads to Idle then a restart', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, idleHold: 2, peers: [{ address: B, as: 64513, holdTime: 9, connectRetry: 1 }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512, passive: true }] });
    a.sp.start();
    b.sp.start();
    l.run(60_000);
    expect(a.events.filter((e) => e.type === 'session' && e.to === 'Established').length).toBe(1);
    expect(a.sp.peer(B)!.session.negotiated).toMatchObject({ holdTime: 9, keepaliveTime: 3 });
    // b restarts its session (Cease 6/4): a goes Idle, waits idleHold, reconnects.
    b.sp.peer(A)!.session.stop(notification(6, 4));
    b.sp.peer(A)!.session.start();
    l.run(5_000);
    expect(a.events.filter((e) => e.type === 'session' && e.to === 'Established').length).toBe(2);
    expect(a.events.find((e) => e.type === 'session' && e.to === 'Idle')).toMatchObject({ reason: { notification: { code: 6, subcode: 4, sent: false } } });
  });

  it('answers ROUTE-REFRESH with the full table', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513 }], announce: [{ prefix: '192.0.2.0/24' }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512, passive: true }] });
    a.sp.start();
    b.sp.start();
    l.run(200);
    const before = b.events.filter((e) => e.type === 'prefix-received').length;
    b.sp.peer(A)!.session.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'request' });
    l.run(100);
    expect(b.events.filter((e) => e.type === 'prefix-received').length).toBe(before + 1);
  });

  it('carries IPv6 routes in MP_REACH over an IPv4 session (IPv4-mapped next hop by default)', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513 }], announce: [{ prefix: '2001:db8:1::/48' }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, localAddress6: 'fd00::2', peers: [{ address: A, as: 64512, passive: true }], announce: [{ prefix: '2001:db8:2::/48' }] });
    a.sp.start();
    b.sp.start();
    l.run(200);
    const got = b.sp.rib.get('2001:db8:1::/48')!.best!.attrs;
    expect(got.asPath).toEqual([{ type: 2, asns: [64512] }]);
    // RFC 5952 §5 prefers ::ffff:10.0.0.1; the codec currently prints the hex form.
    expect(got.nextHop).toMatch(/^::ffff:(10\.0\.0\.1|a00:1)$/);
    expect(a.sp.rib.get('2001:db8:2::/48')!.best!.attrs.nextHop).toBe('fd00::2');
    a.sp.withdrawLocal('2001:db8:1::/48');
    l.run(50);
    expect(b.sp.rib.get('2001:db8:1::/48')).toBeUndefined();
  });
});

describe('speaker events', () => {
  it('reports UPDATEs received and sent with prefix counts', () => {
    const l = lab();
    const a = l.speaker({ routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513 }], announce: [{ prefix: '192.0.2.0/24' }, { prefix: '192.0.2.128/25' }] });
    const b = l.speaker({ routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512, passive: true }] });
    a.sp.start();
    b.sp.start();
    l.run(200);
    expect(a.events.find((e) => e.type === 'update-sent')).toMatchObject({ peer: B, messages: 1, announced: 2, withdrawn: 0 });
    expect(b.events.find((e) => e.type === 'update-received' && e.announced > 0)).toMatchObject({ peer: A, announced: 2, withdrawn: 0, treatAsWithdraw: false });
    expect(b.events.filter((e) => e.type === 'route' && e.action === 'added').length).toBe(2);
  });
});

describe('export policies on a reflector', () => {
  it('each client gets its own policy\'s result, and a policy reading outside state is asked again on the next change', () => {
    const l = lab();
    let tag = 1;
    // Two clients share one policy object (as confd's peers do), the third has its own.
    const shared = (_prefix: string, a: PathAttrs) => ({ ...a, med: tag });
    const own = (_prefix: string, a: PathAttrs) => ({ ...a, med: 100 + tag });
    const rr = l.speaker({ routerId: '10.0.1.1', localAS: 64512, localAddress: '10.0.1.1', peers: [
      { address: '10.0.1.2', as: 64512, routeReflectorClient: true, passive: true, exportPolicy: shared },
      { address: '10.0.1.3', as: 64512, routeReflectorClient: true, passive: true, exportPolicy: shared },
      { address: '10.0.1.4', as: 64512, routeReflectorClient: true, passive: true, exportPolicy: own },
    ] });
    const cs = ['10.0.1.2', '10.0.1.3', '10.0.1.4'].map((ip) => l.speaker({ routerId: ip, localAS: 64512, localAddress: ip, peers: [{ address: '10.0.1.1', as: 64512 }] }));
    for (const s of [rr, ...cs]) s.sp.start();
    l.run(300);
    rr.sp.announce({ prefix: '203.0.113.0/24', nextHop: '10.0.1.1' });
    l.run(50);
    expect(cs.map((c) => c.sp.rib.get('203.0.113.0/24')?.best?.attrs.med)).toEqual([1, 1, 101]);
    tag = 2;
    rr.sp.announce({ prefix: '203.0.113.0/24', nextHop: '10.0.1.1', localPref: 150 });
    l.run(50);
    expect(cs.map((c) => c.sp.rib.get('203.0.113.0/24')?.best?.attrs.med)).toEqual([2, 2, 102]);
  });
});

describe('UPDATEs a reflector shares between clients', () => {
  it('put the same bytes on each client\'s wire as encoding every message per peer does', () => {
    const run = (shared: boolean, prefixesEach = 2): string[][] => {
      const clock = new FakeClock();
      const net = new MemoryNetwork({ defer: (fn) => { clock.setTimer(0, fn); } });
      const seen = new Map<string, string[]>();
      const codecFor = (who: string): WireCodec => ({
        encode: wireCodec.encode,
        ...(shared ? { encodeMany: wireCodec.encodeMany! } : {}),
        decode: (frame, opts) => {
          const list = seen.get(who) ?? [];
          list.push(Buffer.from(frame).toString('hex'));
          seen.set(who, list);
          return wireCodec.decode(frame, opts);
        },
      });
      const clients = ['10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5'];
      const rr = new Speaker({ routerId: '10.0.1.1', localAS: 64512, localAddress: '10.0.1.1', peers: clients.map((address) => ({ address, as: 64512, routeReflectorClient: true, passive: true })) }, { clock, transport: net, codec: codecFor('rr') });
      const cs = clients.map((ip, i) => new Speaker({ routerId: ip, localAS: 64512, localAddress: ip, peers: [{ address: '10.0.1.1', as: 64512 }], announce: [{ prefix: `10.244.${i}.0/26`, nextHop: ip }, { prefix: `10.245.${i}.0/26`, nextHop: ip }].slice(0, prefixesEach) }, { clock, transport: net, codec: codecFor(ip) }));
      rr.start();
      for (const c of cs) c.start();
      for (let t = 0; t < 300; t += 10) clock.advance(10);
      cs[0]!.withdrawLocal(prefixesEach > 1 ? '10.245.0.0/26' : '10.244.0.0/26');
      for (let t = 0; t < 50; t += 10) clock.advance(10);
      if (prefixesEach > 1) expect(cs[3]!.rib.get('10.244.0.0/26')?.best?.attrs.nextHop).toBe('10.0.1.2');
      expect(cs[3]!.rib.get(prefixesEach > 1 ? '10.245.0.0/26' : '10.244.0.0/26')).toBeUndefined();
      expect(cs[3]!.rib.get('10.244.2.0/26')?.best?.attrs.nextHop).toBe('10.0.1.4');
      return clients.map((ip) => seen.get(ip) ?? []);
    };
    const shared = run(true);
    expect(shared.every((frames) => frames.length > 5)).toBe(true);
    expect(shared).toEqual(run(false));
    // One prefix per client: a flush carrying several clients' prefixes goes to each as the
    // pieces of the group's bytes around its own (sendLess), the same frames as encoding per peer.
    const pieces = vi.spyOn(Speaker.prototype as unknown as { sendLess: () => void }, 'sendLess');
    const alone = run(true, 1);
    expect(pieces).toHaveBeenCalled();
    pieces.mockRestore();
    expect(alone.every((frames) => frames.length > 3)).toBe(true);
    expect(alone).toEqual(run(false, 1));
  });
});
