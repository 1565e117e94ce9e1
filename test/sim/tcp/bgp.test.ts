import { describe, expect, it } from 'vitest';
import { showProtocols } from '../../../engine/bgp/index.ts';
import type { Speaker, SpeakerConfig, SpeakerEvent } from '../../../engine/bgp/index.ts';
import { simSpeaker } from '../../../engine/runtime/sim/bgp-transport.ts';
import { Netfilter, iptables } from '../../../engine/sim/netfilter/index.ts';
import type { World } from '../../../engine/sim/world.ts';
import { ss } from '../../../engine/sim/tcp/index.ts';
import { lan } from './net.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';

function cfgA(): SpeakerConfig {
  return { routerId: A, localAS: 64512, localAddress: A, peers: [{ address: B, as: 64513 }], announce: [{ prefix: '192.168.10.0/24' }] };
}
function cfgB(): SpeakerConfig {
  return { routerId: B, localAS: 64513, localAddress: B, peers: [{ address: A, as: 64512 }], announce: [{ prefix: '192.168.20.0/24', med: 7 }] };
}

function speakers(w: World): { a: Speaker; b: Speaker; ev: { a: SpeakerEvent[]; b: SpeakerEvent[] } } {
  const a = simSpeaker(w.node('a'), cfgA());
  const b = simSpeaker(w.node('b'), cfgB());
  const ev = { a: [] as SpeakerEvent[], b: [] as SpeakerEvent[] };
  a.on((e) => ev.a.push(e));
  b.on((e) => ev.b.push(e));
  return { a, b, ev };
}

/** `iptables -A INPUT -p tcp --dport 179 -j DROP` and the same for --sport (either side dialled). */
function block179(w: World, node: string): void {
  const nf = new Netfilter({ clock: () => w.clock.nowMs() });
  w.node(node).setPacketFilter(nf);
  for (const dir of ['--dport', '--sport']) expect(iptables(nf, ['-A', 'INPUT', '-p', 'tcp', dir, '179', '-j', 'DROP']).code).toBe(0);
}

describe('two built-in BGP speakers over simulated TCP', () => {
  it('reach Established over the switch, exchange routes, show up in ss; a DROP of tcp/179 expires the hold timer', () => {
    const w = lan({ seed: 11 });
    const { a, b, ev } = speakers(w);
    a.start();
    b.start();
    w.run(5_000);
    expect(a.peer(B)!.session.state).toBe('Established');
    expect(b.peer(A)!.session.state).toBe('Established');
    expect(b.rib.get('192.168.10.0/24')!.best!.attrs).toMatchObject({ nextHop: A, asPath: [{ type: 2, asns: [64512] }] });
    expect(a.rib.get('192.168.20.0/24')!.best!.attrs).toMatchObject({ nextHop: B, med: 7 });
    expect(showProtocols(a)).toMatch(/bgp_10_0_0_2 BGP +--- +up .* Established/);
    // Exactly one connection survives the collision (RFC 4271 §6.8), both listen on 179.
    const la = ss(w.node('a'), ['-tan']);
    const lb = ss(w.node('b'), ['-tan']);
    expect(la).toMatch(/^LISTEN +0 +511 +10\.0\.0\.1:179 +0\.0\.0\.0:\*/m);
    expect(lb).toMatch(/^LISTEN +0 +511 +10\.0\.0\.2:179 +0\.0\.0\.0:\*/m);
    const estab = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('ESTAB'));
    expect(estab(la).length).toBe(1);
    expect(estab(lb).length).toBe(1);
    expect(estab(la)[0]).toMatch(/10\.0\.0\.1:(179|\d{5}) +10\.0\.0\.2:(179|\d{5})/);

    // Mid-session firewall: keepalives stop arriving, the 90 s hold timer expires in virtual time.
    const t0 = w.clock.nowMs();
    block179(w, 'b');
    w.run(59_000);
    expect(b.peer(A)!.session.state).toBe('Established');
    w.run(32_000);
    const down = ev.b.find((e) => e.type === 'session' && e.from === 'Established');
    expect(down).toMatchObject({ to: 'Idle', reason: { kind: 'hold-expired' } });
    expect(down!.time - t0).toBeGreaterThan(60_000);
    expect(down!.time - t0).toBeLessThanOrEqual(90_000);
    expect(b.peer(A)!.session.state).not.toBe('Established');
    expect(b.rib.get('192.168.10.0/24')).toBeUndefined();
    // Nothing reaches b's port 179 any more: neither side gets back to Established.
    w.run(600_000);
    expect(a.peer(B)!.session.state).not.toBe('Established');
    expect(b.peer(A)!.session.state).not.toBe('Established');
  });

  it('with tcp/179 blocked from the start, sessions stay in Connect/Active and show the socket error', () => {
    const w = lan({ seed: 5 });
    block179(w, 'b');
    const { a, b, ev } = speakers(w);
    a.start();
    b.start();
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      w.run(10_000);
      seen.add(a.peer(B)!.session.state);
      seen.add(b.peer(A)!.session.state);
    }
    expect([...seen].every((s) => s === 'Connect' || s === 'Active' || s === 'Idle')).toBe(true);
    expect(seen.has('Connect') || seen.has('Active')).toBe(true);
    expect(ev.a.some((e) => e.type === 'session' && e.to === 'Established')).toBe(false);
    // a keeps dialling: its SYN to b:179 sits in SYN-SENT until ConnectRetry (120 s) restarts it.
    expect(ss(w.node('a'), ['-tn', 'state', 'syn-sent'])).toMatch(/^0 +1 +10\.0\.0\.1:\d+ +10\.0\.0\.2:179 *$/m);
  });

  it('a dial whose SYNs are dropped fails after tcp_syn_retries: "Socket: Connection timed out"', () => {
    const w = lan({ seed: 5 });
    block179(w, 'b');
    const a = simSpeaker(w.node('a'), { ...cfgA(), peers: [{ address: B, as: 64513, connectRetry: 300 }] });
    a.start();
    w.run(126_000);
    expect(a.peer(B)!.session.state).toBe('Connect');
    w.run(2_000);
    expect(a.peer(B)!.session.state).toBe('Active');
    expect(showProtocols(a)).toContain('Active        Socket: Connection timed out');
  });

  it('a peer that is not listening refuses: the FSM shows "Socket: Connection refused"', () => {
    const w = lan();
    const a = simSpeaker(w.node('a'), cfgA());
    a.start();
    w.run(2_000);
    expect(a.peer(B)!.session.state).toBe('Active');
    expect(showProtocols(a)).toContain('Active        Socket: Connection refused');
  });
});
