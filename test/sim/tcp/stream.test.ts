import { describe, expect, it } from 'vitest';
import { TCP_SYN } from '../../../engine/net/packet.ts';
import type { TcpSegment } from '../../../engine/net/packet.ts';
import { connect, listen, parseMss, ss } from '../../../engine/sim/tcp/index.ts';
import type { TcpError, TcpSocket } from '../../../engine/sim/tcp/index.ts';
import { concat, lan, pattern } from './net.ts';

describe('simulated TCP: handshake and transfer', () => {
  it('completes the 3-way handshake with the MSS from the route MTU', () => {
    const w = lan({ mtu: 1400 });
    const syns: TcpSegment[] = [];
    w.trace.on((e) => {
      if (e.type === 'tx' && e.node === 'a' && e.dev === 'eth0') {
        const p = e.frame.payload;
        if (!(p instanceof Uint8Array) && p.kind === 'ipv4' && !(p.payload instanceof Uint8Array) && p.payload.kind === 'tcp' && p.payload.flags & TCP_SYN) syns.push(p.payload);
      }
    });
    let accepted: TcpSocket | undefined;
    listen(w.node('b'), { port: 179 }, (s) => { accepted = s; });
    let connected = false;
    const c = connect(w.node('a'), { dst: '10.0.0.2', port: 179 }, { onConnect: () => { connected = true; } });
    expect(c.state).toBe('SYN_SENT');
    expect(c.localPort).toBeGreaterThanOrEqual(32768);
    expect(c.localPort).toBeLessThanOrEqual(60999);
    w.run(50);
    expect(connected).toBe(true);
    expect(c.state).toBe('ESTABLISHED');
    expect(accepted?.state).toBe('ESTABLISHED');
    expect(accepted?.remotePort).toBe(c.localPort);
    expect(syns.length).toBe(1);
    expect(parseMss(syns[0]!.options)).toBe(1360);
    const p = String(c.localPort);
    expect(ss(w.node('a'), ['-tn'])).toBe(
      `State Recv-Q Send-Q Local Address:Port${' '.repeat(p.length - 4)} Peer Address:PortProcess\n` +
      `ESTAB 0      0           10.0.0.1:${p}     10.0.0.2:179        \n`,
    );
  });

  it('delivers 1 MB in order over a link losing 3% of frames, with retransmissions', () => {
    const w = lan({ seed: 3, linkA: { lossPct: 3 } });
    const data = pattern(1 << 20);
    const got: Uint8Array[] = [];
    let ended = false;
    let serverClosed: TcpError | undefined | null = null;
    listen(w.node('b'), { port: 5001 }, (s) => {
      s.setHandlers({ onData: (c) => got.push(c), onEnd: () => { ended = true; s.end(); }, onClose: (e) => { serverClosed = e; } });
    });
    let clientClosed: TcpError | undefined | null = null;
    const c = connect(w.node('a'), { dst: '10.0.0.2', port: 5001 }, {
      onConnect: () => { c.write(data.subarray(0, 300_000)); c.write(data.subarray(300_000)); c.end(); },
      onClose: (e) => { clientClosed = e; },
    });
    w.run(600_000);
    const all = concat(got);
    expect(all.length).toBe(data.length);
    expect(Buffer.compare(all, data)).toBe(0);
    expect(ended).toBe(true);
    expect(c.retransmits).toBeGreaterThan(10);
    expect(serverClosed).toBeUndefined();
    expect(clientClosed).toBeUndefined();
    expect(c.state).toBe('CLOSED'); // TIME-WAIT (60 s) has passed as well
  });
});
