/**
 * Time as the BGP speaker sees it. The speaker never calls setTimeout itself: the real clock
 * (clock-real.ts) wraps the host timers, the fake clock (clock-fake.ts) lets unit tests step
 * time by hand, and the simulator adapts its virtual clock to this same interface.
 */

/** Cancels a pending timer; calling it twice or after the timer fired is harmless. */
export type CancelTimer = () => void;

/** A source of time in milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}
