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
});

