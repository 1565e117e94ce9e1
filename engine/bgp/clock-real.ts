/** The wall clock over the host's timers: the I/O edge of the speaker's notion of time. */
import type { CancelTimer, Clock } from './clock.ts';

/** A Clock backed by performance.now() and setTimeout (timers do not keep the process alive). */
export function realClock(): Clock {
  return {
    now: () => performance.now(),
    setTimer(ms: number, fn: () => void): CancelTimer {
      const t = setTimeout(fn, ms);
      (t as { unref?: () => void }).unref?.();
      return () => clearTimeout(t);
    },
  };
}
