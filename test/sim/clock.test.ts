/** The virtual clock drops cancelled callbacks once they are half its queue, and still runs the rest in (time, seq) order. */
import { describe, expect, it } from 'vitest';
import { Clock } from '../../engine/sim/clock.ts';

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
});
