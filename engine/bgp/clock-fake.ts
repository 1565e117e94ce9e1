/**
 * A hand-stepped clock for deterministic tests (and a reference for the simulator's adapter):
 * `advance(ms)` fires due timers in deadline order, ties in creation order.
 */
import type { CancelTimer, Clock } from './clock.ts';

interface Pending { at: number; seq: number; fn: () => void; live: boolean }

/** A Clock whose time moves only when the test calls advance(). */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private pending: Pending[] = [];

  /** Current fake time in ms. */
  now(): number {
    return this.t;
  }

  /** Schedules `fn` at now + ms. */
  setTimer(ms: number, fn: () => void): CancelTimer {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.pending.push(p);
    return () => { p.live = false; };
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingCount(): number {
    return this.pending.filter((p) => p.live).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones they set). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.pending = this.pending.filter((p) => p.live);
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      next.live = false;
      next.fn();
    }
    this.t = end;
  }
}
