import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteQueue, RtoEstimator, DEFAULT_TUNABLES, connect, listen, mssOption, parseMss, seqAdd, seqLt, tcpStack } from '../../../engine/sim/tcp/index.ts';
import { lan, pattern } from './net.ts';

describe('TCP pure helpers', () => {
  it('compares sequence numbers across the 2^32 wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLt(0x10, 0xfffffff0)).toBe(false);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
  });

  it('round-trips the MSS option and skips NOPs', () => {
    expect(parseMss(mssOption(1460))).toBe(1460);
    expect(parseMss(Uint8Array.of(1, 1, 2, 4, 0x05, 0xb4))).toBe(1460);
    expect(parseMss(Uint8Array.of(2, 9))).toBeUndefined();
  });

  it('ByteQueue reads any range and drops from the front like a flat buffer', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 10 }), fc.nat(200), fc.nat(200), fc.nat(60), (chunks, dropN, off, len) => {
      const q = new ByteQueue();
      const flat: number[] = [];
      for (const c of chunks) { q.push(c); flat.push(...c); }
      q.drop(dropN);
      const rest = flat.slice(Math.min(dropN, flat.length));
      expect(q.length).toBe(rest.length);
      const o = Math.min(off, rest.length);
      const l = Math.min(len, rest.length - o);
      expect([...q.read(o, l)]).toEqual(rest.slice(o, o + l));
    }));
  });

  it('ByteQueue stays a flat buffer across interleaved pushes, in-order and backward reads, and drops', () => {
    // read() resumes from where the last read ended; drops and reads behind it must not confuse it.
    const op = fc.oneof(
      fc.record({ push: fc.uint8Array({ maxLength: 30 }) }),
      fc.record({ read: fc.tuple(fc.nat(120), fc.nat(80)) }),
      fc.record({ drop: fc.nat(40) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const q = new ByteQueue();
      let flat: number[] = [];
      for (const o of ops) {
        if ('push' in o) { q.push(o.push); flat.push(...o.push); }
        else if ('drop' in o) { q.drop(o.drop); flat = flat.slice(Math.min(o.drop, flat.length)); }
        else {
          const off = Math.min(o.read[0], flat.length);
          const len = Math.min(o.read[1], flat.length - off);
          expect([...q.read(off, len)]).toEqual(flat.slice(off, off + len));
        }
        expect(q.length).toBe(flat.length);
      }
    }));
  });

  it('ByteQueue keeps a copy of what is written, or the bytes themselves when the writer hands them over', () => {
    const q = new ByteQueue();
    const copied = Uint8Array.of(1, 2, 3);
    const owned = Uint8Array.of(4, 5, 6);
    q.push(copied);
    q.push(owned, false);
    copied[0] = 9; // the writer's later change does not reach a copied chunk
    expect([...q.read(0, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(q.read(3, 3).buffer).toBe(owned.buffer); // a segment of a handed-over chunk is a view of it
  });

  it('RFC 6298 estimator: 1 s before samples, SRTT + max(4·RTTVAR, 200 ms) after, doubling on backoff', () => {
    const r = new RtoEstimator(DEFAULT_TUNABLES);
    expect(r.current()).toBe(1000);
    r.sample(0.2);
    expect(r.current()).toBeCloseTo(200.2, 5);
    r.sample(100);
    expect(r.srtt).toBeCloseTo(0.875 * 0.2 + 12.5, 5);
    r.backoff = 3;
    expect(r.current()).toBeCloseTo(8 * r.base(), 5);
    r.backoff = 30;
    expect(r.current()).toBe(120_000);
  });
});

describe('determinism', () => {
  it('same seed, same ports, sequence numbers and frame timeline', () => {
    const run = (): string[] => {
      const w = lan({ seed: 4, linkA: { lossPct: 5 } });
      const log: string[] = [];
      w.trace.on((e) => {
        if (e.type !== 'tx' || e.node !== 'a') return;
        const p = e.frame.payload;
        if (!(p instanceof Uint8Array) && p.kind === 'ipv4' && !(p.payload instanceof Uint8Array) && p.payload.kind === 'tcp') log.push(`${e.t} ${p.payload.srcPort} ${p.payload.seq} ${p.payload.ack} ${p.payload.flags} ${p.payload.payload.length}`);
      });
      listen(w.node('b'), { port: 80 }, (s) => s.setHandlers({ onEnd: () => s.end() }));
      const c = connect(w.node('a'), { dst: '10.0.0.2', port: 80 }, { onConnect: () => { c.write(pattern(50_000)); c.end(); } });
      w.run(120_000);
      return log;
    };
    const one = run();
    expect(one.length).toBeGreaterThan(30);
    expect(run()).toEqual(one);
  });
});

describe('a burst of SYNs beyond the listen backlog', () => {
  // 1,000 calico-nodes dialling one route reflector at once overflow a 511-entry SYN queue.
  const burst = (syncookies: number): { connectedAt: number[]; cookies: number; overflows: number } => {
    const w = lan({ seed: 3 });
    tcpStack(w.node('b'), { syncookies });
    const l = listen(w.node('b'), { port: 179, backlog: 2 }, () => {});
    const connectedAt: number[] = [];
    const t0 = w.clock.nowMs();
    for (let i = 0; i < 6; i++) connect(w.node('a'), { dst: '10.0.0.2', port: 179 }, { onConnect: () => connectedAt.push(w.clock.nowMs() - t0) });
    w.run(5_000);
    return { connectedAt, cookies: l.syncookiesSent, overflows: l.overflows };
  };

  it('is answered with SYN cookies (tcp_syncookies=1, Linux\'s default): every connection in one round trip', () => {
    const r = burst(DEFAULT_TUNABLES.syncookies);
    expect(r.connectedAt).toHaveLength(6);
    expect(Math.max(...r.connectedAt)).toBeLessThan(100);
    expect(r.cookies).toBe(4);
    expect(r.overflows).toBe(0);
  });

  it('without syncookies the SYNs beyond the backlog are dropped and retried after the 1 s initial RTO', () => {
    const r = burst(0);
    expect(r.connectedAt).toHaveLength(6);
    expect(r.overflows).toBeGreaterThan(0);
    expect(r.cookies).toBe(0);
    expect(Math.max(...r.connectedAt)).toBeGreaterThanOrEqual(1000);
  });
});
