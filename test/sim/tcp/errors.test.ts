import { describe, expect, it } from 'vitest';
import { TCP_SYN } from '../../../engine/net/packet.ts';
import { Netfilter, iptables } from '../../../engine/sim/netfilter/index.ts';
import type { World } from '../../../engine/sim/world.ts';
import { connect, listen, ss } from '../../../engine/sim/tcp/index.ts';
import type { TcpError } from '../../../engine/sim/tcp/index.ts';
import { lan } from './net.ts';

function firewall(w: World, node: string, ...rules: string[][]): Netfilter {
  const nf = new Netfilter({ clock: () => w.clock.nowMs() });
  w.node(node).setPacketFilter(nf);
  for (const r of rules) expect(iptables(nf, r).code).toBe(0);
  return nf;
}

/** Dials and returns when/how the attempt ended, plus the SYNs a sent. */
function dial(w: World, dst: string, port: number, opts: { synRetries?: number } = {}) {
  const out: { err?: TcpError; at?: number; connected: boolean; syns: number[] } = { connected: false, syns: [] };
  w.trace.on((e) => {
    if (e.type !== 'tx' || e.node !== 'a') return;
    const p = e.frame.payload;
    if (!(p instanceof Uint8Array) && p.kind === 'ipv4' && !(p.payload instanceof Uint8Array) && p.payload.kind === 'tcp' && p.payload.flags === TCP_SYN) out.syns.push(e.t);
  });
  const t0 = w.clock.nowMs();
  connect(w.node('a'), { dst, port, ...opts }, {
    onConnect: () => { out.connected = true; },
    onClose: (err) => { out.err = err; out.at = w.clock.nowMs() - t0; },
  });
  return out;
}

describe('simulated TCP: failures surface as errno errors', () => {
  it('a closed port answers RST: ECONNREFUSED "Connection refused" after one round trip', () => {
    const w = lan();
    const r = dial(w, '10.0.0.2', 179);
    w.run(1000);
    expect(r.connected).toBe(false);
    expect(r.err?.code).toBe('ECONNREFUSED');
    expect(r.err?.message).toBe('Connection refused');
    expect(r.at).toBeLessThan(5);
    expect(r.syns.length).toBe(1);
  });

  it('iptables DROP of tcp/179: SYN retries 1,3,7,15,31,63 s, ETIMEDOUT at 127 s', () => {
    const w = lan();
    listen(w.node('b'), { port: 179 }, () => {});
    firewall(w, 'b', ['-A', 'INPUT', '-p', 'tcp', '--dport', '179', '-j', 'DROP']);
    const r = dial(w, '10.0.0.2', 179);
    w.run(126_000);
    expect(r.err).toBeUndefined();
    expect(ss(w.node('a'), ['-tn'])).toMatch(/^SYN-SENT 0      1 +10\.0\.0\.1:\d+ +10\.0\.0\.2:179 +$/m);
    w.run(2_000);
    expect(r.err?.code).toBe('ETIMEDOUT');
    expect(r.err?.message).toBe('Connection timed out');
    expect(r.at).toBe(127_000);
    const t0 = r.syns[0]!;
    expect(r.syns.map((t) => Math.round((t - t0) / 1000))).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(ss(w.node('a'), ['-tn']).split('\n').length).toBe(2); // header only
  });

  it('synRetries overrides tcp_syn_retries (2 → 7 s)', () => {
    const w = lan();
    firewall(w, 'b', ['-A', 'INPUT', '-p', 'tcp', '--dport', '179', '-j', 'DROP']);
    const r = dial(w, '10.0.0.2', 179, { synRetries: 2 });
    w.run(30_000);
    expect(r.err?.code).toBe('ETIMEDOUT');
    expect(r.at).toBe(7_000);
  });

  it('iptables REJECT (icmp-port-unreachable) is ECONNREFUSED too', () => {
    const w = lan();
    listen(w.node('b'), { port: 179 }, () => {});
    firewall(w, 'b', ['-A', 'INPUT', '-p', 'tcp', '--dport', '179', '-j', 'REJECT']);
    const r = dial(w, '10.0.0.2', 179);
    w.run(1000);
    expect(r.err?.code).toBe('ECONNREFUSED');
  });

  it('a router answering host-unreachable gives EHOSTUNREACH "No route to host"', () => {
    const w = lan();
    const r = dial(w, '10.8.0.5', 179);
    w.run(1000);
    expect(r.err?.code).toBe('EHOSTUNREACH');
    expect(r.err?.message).toBe('No route to host');
    expect(r.syns.length).toBe(1);
  });

  it('no route at all fails at once with ENETUNREACH', () => {
    const w = lan();
    const r = dial(w, '192.0.2.1', 179);
    w.run(10);
    expect(r.err?.code).toBe('ENETUNREACH');
    expect(r.err?.message).toBe('Network is unreachable');
    expect(r.syns.length).toBe(0);
  });

  it('an established connection reset by the peer reports ECONNRESET; a cut link times out with the data', () => {
    const w = lan();
    const server: { s?: import('../../../engine/sim/tcp/index.ts').TcpSocket } = {};
    listen(w.node('b'), { port: 179 }, (s) => { server.s = s; });
    let err: TcpError | undefined;
    const c = connect(w.node('a'), { dst: '10.0.0.2', port: 179 }, { onClose: (e) => { err = e; } });
    w.run(100);
    server.s!.destroy();
    w.run(100);
    expect(err?.code).toBe('ECONNRESET');
    expect(c.state).toBe('CLOSED');
    // A second connection: b starts dropping everything from a while data is outstanding;
    // retransmissions (tcp_retries2=15, backoff capped at 120 s) give up after ~15 minutes.
    const run = (cut: (w: World) => void): { err?: TcpError; after: number } => {
      const w2 = lan();
      listen(w2.node('b'), { port: 179 }, () => {});
      const out: { err?: TcpError; after: number } = { after: 0 };
      const c2 = connect(w2.node('a'), { dst: '10.0.0.2', port: 179 }, { onClose: (e) => { out.err = e; out.after = w2.clock.nowMs() - t0; } });
      w2.run(100);
      expect(c2.state).toBe('ESTABLISHED');
      cut(w2);
      const t0 = w2.clock.nowMs();
      c2.write(new Uint8Array(100));
      w2.run(3_600_000);
      return out;
    };
    const dropped = run((w2) => firewall(w2, 'b', ['-A', 'INPUT', '-s', '10.0.0.1', '-j', 'DROP']));
    expect(dropped.err?.code).toBe('ETIMEDOUT');
    expect(dropped.after).toBeGreaterThan(600_000);
    expect(dropped.after).toBeLessThan(1_800_000);
    // A cut cable makes ARP fail; the local host-unreachable is remembered as the soft error
    // and reported when the retransmissions give up (tcp_write_err): "No route to host".
    const cut = run((w2) => w2.setLink('a', 'eth0', 'down'));
    expect(cut.err?.code).toBe('EHOSTUNREACH');
    expect(cut.after).toBe(dropped.after);
  });
});
