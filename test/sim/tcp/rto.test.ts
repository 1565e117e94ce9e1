/**
 * The retransmission timer is re-armed by every ACK that leaves data in flight (tcp_rearm_rto):
 * the first retransmission goes out one RTO after the last such ACK, to the instant, however
 * the timer is kept (the socket moves a deadline instead of cancelling and queueing a timer
 * per ACK).
 */
import { describe, expect, it } from 'vitest';
import { connect, listen } from '../../../engine/sim/tcp/index.ts';
import { Netfilter, iptables } from '../../../engine/sim/netfilter/index.ts';
import type { EthernetFrame, TcpSegment } from '../../../engine/net/packet.ts';
import { lan, pattern } from './net.ts';

function tcpOf(frame: EthernetFrame): TcpSegment | undefined {
  const p = frame.payload;
  if (p instanceof Uint8Array || p.kind !== 'ipv4') return undefined;
  const l4 = p.payload;
  return !(l4 instanceof Uint8Array) && l4.kind === 'tcp' ? l4 : undefined;
}

describe('retransmission timer', () => {
  it('fires one RTO after the last ACK that advanced, after many partial ACKs moved it', () => {
    const w = lan({ seed: 2 });
    listen(w.node('b'), { port: 80 }, (s) => s.setHandlers({ onData: () => {} }));
    const c = connect(w.node('a'), { dst: '10.0.0.2', port: 80 });
    w.run(100);
    expect(c.state).toBe('ESTABLISHED');
    const acks: number[] = []; // times a's acknowledged sequence moved on
    let lastAck = -1;
    let maxSeq = -1;
    let firstRetransmitAt: number | undefined;
    w.trace.on((e) => {
      if ((e.type !== 'rx' && e.type !== 'tx') || e.node !== 'a') return;
      const seg = tcpOf(e.frame);
      if (!seg) return;
      if (e.type === 'rx' && seg.ack !== lastAck) { lastAck = seg.ack; acks.push(e.t); }
      if (e.type === 'tx' && seg.payload.length > 0) {
        if (seg.seq <= maxSeq && firstRetransmitAt === undefined) firstRetransmitAt = e.t;
        maxSeq = Math.max(maxSeq, seg.seq);
      }
    });
    c.write(pattern(200_000));
    w.run(0.7); // a few round trips: ACKs arrive while data is still in flight
    // From now on b's ACKs never leave b: a's last RTO deadline is the last ACK's + one RTO.
    const nf = new Netfilter({ clock: () => w.clock.nowMs() });
    w.node('b').setPacketFilter(nf);
    expect(iptables(nf, ['-A', 'OUTPUT', '-d', '10.0.0.1', '-j', 'DROP']).code).toBe(0);
    w.run(2000);
    expect(acks.length).toBeGreaterThan(5);
    expect(c.retransmits).toBeGreaterThan(0);
    const rto = (c as unknown as { rto: { base(): number } }).rto.base(); // no RTT sample after the cut (Karn)
    expect(rto).toBeGreaterThan(200);
    expect(firstRetransmitAt).toBe(acks.at(-1)! + rto);
  });
});
