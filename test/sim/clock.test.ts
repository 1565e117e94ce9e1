/** The virtual clock drops cancelled callbacks once they are half its queue, and still runs the rest in (time, seq) order. */
import { describe, expect, it } from 'vitest';
import { Clock, Rng } from '../../engine/sim/clock.ts';

describe('Clock', () => {
  it('compacts cancelled timers away and runs the live ones in order, same-time ones FIFO', () => {
    const c = new Clock();
    const ran: number[] = [];
    const ids: number[] = [];
    // 5,000 timers over 50 distinct times; cancel four in five (re-armed hold timers look like this).
    for (let i = 0; i < 5000; i++) ids.push(c.schedule((i * 7) % 50, () => ran.push(i)));
    for (let i = 0; i < 5000; i++) if (i % 5 !== 0) c.cancel(ids[i]!);
    expect(c.pending()).toBeLessThan(5000); // compacted, not waiting for the dead ones to surface
    c.cancel(ids[0]!); // a live one cancelled after compaction is still honoured
    c.runUntilIdle();
    const want = [...Array(5000).keys()].filter((i) => i % 5 === 0 && i !== 0).sort((a, b) => ((a * 7) % 50) - ((b * 7) % 50) || a - b);
    expect(ran).toEqual(want);
    expect(c.pending()).toBe(0);
  });

  it('runs a random mix of timers, cancels and timers set from callbacks in (time, seq) order, past its first queue size', () => {
    const c = new Clock();
    const rng = new Rng(11);
    const ran: number[] = [];
    // The reference: every timer ever set, with its due time and order of setting.
    const set: { at: number; seq: number; id: number; dead: boolean }[] = [];
    const schedule = (delay: number): void => {
      const seq = set.length;
      const at = c.nowMs() + delay;
      const id = c.schedule(delay, () => {
        ran.push(seq);
        // A third of the callbacks set more timers, some at the same instant (0 ms): FIFO after what is due now.
        if (rng.next() < 0.34) for (let k = 0; k < 2; k++) schedule(Math.floor(rng.next() * 3) * 5);
      });
      set.push({ at, seq, id, dead: false });
    };
    for (let i = 0; i < 3000; i++) schedule(Math.floor(rng.next() * 200));
    for (const x of set) if (rng.next() < 0.3) { x.dead = true; c.cancel(x.id); }
    c.runUntil(100);
    for (const x of set) if (x.at > 100 && !x.dead && rng.next() < 0.3) { x.dead = true; c.cancel(x.id); }
    c.runUntilIdle();
    const want = set.filter((x) => !x.dead).sort((a, b) => a.at - b.at || a.seq - b.seq).map((x) => x.seq);
    expect(ran).toEqual(want);
    expect(c.pending()).toBe(0);
  });

  it('hands each callback the argument it was scheduled with, through sifts and compactions', () => {
    const c = new Clock();
    const rng = new Rng(5);
    const got: [number, number][] = [];
    // One shared receiver, as a cable end is: only the argument tells the frames apart.
    const receive = (x: { n: number }): void => { got.push([x.n, c.nowMs()]); };
    const due: { n: number; at: number; id: number; dead: boolean }[] = [];
    for (let n = 0; n < 4000; n++) {
      const delay = Math.floor(rng.next() * 100);
      const id = n % 3 === 0 ? c.schedule(delay, () => got.push([n, c.nowMs()])) : c.schedule(delay, receive, { n });
      due.push({ n, at: delay, id, dead: false });
    }
    // Cancel enough to force compactions (more than 1,024 and half the queue).
    for (const d of due) if (rng.next() < 0.7) { d.dead = true; c.cancel(d.id); }
    expect(c.pending()).toBeLessThan(4000);
    c.runUntilIdle();
    const want = due.filter((d) => !d.dead).sort((a, b) => a.at - b.at || a.n - b.n).map((d) => [d.n, d.at]);
    expect(got).toEqual(want);
  });

  it('short delays ride FIFO lanes and still run in (time, seq) order with the heap, through cancels, compactions and limits', () => {
    // Hops (0.05 ms), "right after this" (0) and other short delays get lanes (four at most:
    // the fifth short delay and long ones go to the heap); the order must be one heap's.
    const c = new Clock();
    const rng = new Rng(23);
    const delays = [0.05, 0, 0.5, 1, 0.25, 0.05, 0.05, 3, 40, 0];
    const ran: number[] = [];
    const set: { at: number; seq: number; id: number; dead: boolean }[] = [];
    const receive = (seq: number): void => {
      ran.push(seq);
      if (rng.next() < 0.45) for (let k = 0; k < 2; k++) schedule(delays[Math.floor(rng.next() * delays.length)]!);
    };
    const schedule = (delay: number): void => {
      const seq = set.length;
      const id = c.schedule(delay, receive, seq);
      set.push({ at: c.nowMs() + delay, seq, id, dead: false });
    };
    for (let i = 0; i < 6000; i++) schedule(delays[Math.floor(rng.next() * delays.length)]!);
    // Cancel most of them: more than 1,024 and half the queue, so lanes are compacted too.
    for (const x of set) if (rng.next() < 0.7) { x.dead = true; c.cancel(x.id); }
    expect(c.pending()).toBeLessThan(4000);
    c.runUntil(0.3);
    let steps = 0;
    expect(c.runWhile(() => ++steps < 500, 1000)).toBe(true);
    for (const x of set) if (x.at > c.nowMs() && !x.dead && rng.next() < 0.2) { x.dead = true; c.cancel(x.id); }
    c.runUntilIdle();
    const want = set.filter((x) => !x.dead).sort((a, b) => a.at - b.at || a.seq - b.seq).map((x) => x.seq);
    expect(ran).toEqual(want);
    expect(ran.length).toBeGreaterThan(2500);
    expect(c.pending()).toBe(0);
  });
});
