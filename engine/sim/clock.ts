/**
 * Virtual time for the simulator: a discrete-event scheduler and a seeded PRNG.
 *
 * Model code never reads the wall clock and never calls setTimeout: it schedules callbacks
 * at a virtual time and the scheduler runs them in time order. Events due at the same
 * instant run in the order they were scheduled (FIFO by a sequence number), which is what
 * makes two runs of the same scenario produce the same event stream (ns-3's Simulator with
 * its (ts, uid) ordering). The queue is a binary heap keyed by (time, seq).
 */

/** A scheduled callback's handle, for `cancel`. */
export type TimerId = number;

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** The discrete-event scheduler shared by every kernel and link of a World. */
export class Clock {
  private now = 0;
  private seq = 0;
  private heap: Pending[] = [];
  private cancelled = new Set<number>();
  /** Number of callbacks executed since creation (benchmarks report it). */
  executed = 0;

  /** Current virtual time in milliseconds. */
  nowMs(): number {
    return this.now;
  }

  /** Runs `fn` after `delayMs` of virtual time (0 = after everything already due now). */
  schedule(delayMs: number, fn: () => void): TimerId {
    const id = ++this.seq;
    this.push({ at: this.now + Math.max(0, delayMs), seq: id, fn });
    return id;
  }

  /** Cancels a scheduled callback; unknown or already-run ids are ignored. */
  cancel(id: TimerId): void {
    if (id > 0 && id <= this.seq) {
      this.cancelled.add(id);
      // Timers re-armed on every packet (hold, retransmit) are cancelled far more often than
      // they fire: drop the dead ones once they are half the queue, or they pile up with
      // their closures until their time comes.
      if (this.cancelled.size > 1024 && this.cancelled.size * 2 > this.heap.length) this.compact();
    }
  }

  /** Rebuilds the queue without cancelled callbacks (a sorted array is a valid heap; order stays (time, seq)). */
  private compact(): void {
    const live = this.heap.filter((p) => !this.cancelled.has(p.seq));
    live.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.heap = live;
    // Ids not in the queue any more (run before they were cancelled) go too: they cannot run again.
    this.cancelled.clear();
  }

  /** Number of callbacks still queued (cancelled ones included until they surface). */
  pending(): number {
    return this.heap.length;
  }

  /** Runs every event due at or before `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= t) this.step();
    if (t > this.now) this.now = t;
  }

  /** Runs events until none is left or `maxMs` of virtual time have passed; returns the time reached. */
  runUntilIdle(maxMs = 3_600_000): number {
    const limit = this.now + maxMs;
    while (this.heap.length > 0 && this.heap[0]!.at <= limit) this.step();
    return this.now;
  }

  /** Runs events until `done()` is true (checked after each event) or `maxMs` pass; returns whether done. */
  runWhile(notDone: () => boolean, maxMs: number): boolean {
    const limit = this.now + maxMs;
    while (notDone()) {
      if (this.heap.length === 0 || this.heap[0]!.at > limit) return false;
      this.step();
    }
    return true;
  }

  private step(): void {
    const ev = this.pop();
    if (this.cancelled.size > 0 && this.cancelled.delete(ev.seq)) return;
    this.now = ev.at;
    this.executed++;
    ev.fn();
  }

  private less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  // Sifts move a hole instead of swapping pairs: no temporary arrays on the per-packet path.
  private push(p: Pending): void {
    const h = this.heap;
    let i = h.length;
    h.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const up = h[parent]!;
      if (!this.less(p, up)) break;
      h[i] = up;
      i = parent;
    }
    h[i] = p;
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
        const child = h[c]!;
        if (!this.less(child, last)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/** A seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Next value in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** An independent generator derived from this one and a label (e.g. per link). */
  fork(label: string): Rng {
    return new Rng((this.nextU32() ^ hash32(label)) >>> 0);
  }
}

/** FNV-1a 32-bit hash of a string: deterministic MACs, flow hashes, RNG forks. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
