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

/**
 * The discrete-event scheduler shared by every kernel and link of a World.
 *
 * The queue is a binary heap kept as columns — times and sequence numbers in typed arrays,
 * callbacks in an array beside them — rather than an array of {at, seq, fn} objects: a sift
 * compares keys that sit next to each other in memory instead of chasing a pointer per
 * comparison into objects scattered over the heap (tens of thousands of timers are queued on
 * a large fabric: hold, keepalive and retransmission timers of every session), and
 * scheduling allocates no object.
 *
 * A callback may take one argument kept in a column beside it (`schedule(ms, fn, arg)`): a
 * frame crossing a cable or a veth is one event per hop, and a closure per hop to carry the
 * frame was the simulator's largest allocation (a converged 300-node fabric made ~2.5 M).
 * The receiver is made once per cable end; only the frame travels in the queue.
 */
export class Clock {
  private now = 0;
  private seq = 0;
  private at = new Float64Array(1024);
  private sq = new Float64Array(1024);
  private fns: (((arg: any) => void) | undefined)[] = [];
  private args: unknown[] = [];
  private n = 0;
  private cancelled = new Set<number>();
  /** Number of callbacks executed since creation (benchmarks report it). */
  executed = 0;

  /** Current virtual time in milliseconds. */
  nowMs(): number {
    return this.now;
  }

  /** Runs `fn` (with `arg`, if given) after `delayMs` of virtual time (0 = after everything already due now). */
  schedule(delayMs: number, fn: () => void): TimerId;
  schedule<T>(delayMs: number, fn: (arg: T) => void, arg: T): TimerId;
  schedule(delayMs: number, fn: (arg: unknown) => void, arg?: unknown): TimerId {
    const id = ++this.seq;
    this.push(this.now + Math.max(0, delayMs), id, fn, arg);
    return id;
  }

  /** Runs `fn` (with `arg`) at virtual time `t` (now if `t` has passed): a timer that re-queues itself for a deadline it computed earlier keeps that exact time. */
  scheduleAt<T>(t: number, fn: (arg: T) => void, arg: T): TimerId {
    const id = ++this.seq;
    this.push(Math.max(this.now, t), id, fn, arg);
    return id;
  }

  /** Cancels a scheduled callback; unknown or already-run ids are ignored. */
  cancel(id: TimerId): void {
    if (id > 0 && id <= this.seq) {
      this.cancelled.add(id);
      // Timers re-armed on every packet (hold, retransmit) are cancelled far more often than
      // they fire: drop the dead ones once they are half the queue, or they pile up with
      // their closures until their time comes.
      if (this.cancelled.size > 1024 && this.cancelled.size * 2 > this.n) this.compact();
    }
  }

  /** Rebuilds the queue without cancelled callbacks (the live ones heapified in place: O(n), and the (time, seq) order of runs cannot change). */
  private compact(): void {
    const at = this.at;
    const sq = this.sq;
    const fns = this.fns;
    const args = this.args;
    let n = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.cancelled.has(sq[i]!)) continue;
      at[n] = at[i]!;
      sq[n] = sq[i]!;
      fns[n] = fns[i];
      args[n] = args[i];
      n++;
    }
    for (let i = n; i < this.n; i++) { fns[i] = undefined; args[i] = undefined; }
    this.n = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.sink(i);
    // Ids not in the queue any more (run before they were cancelled) go too: they cannot run again.
    this.cancelled.clear();
  }

  /** Moves entry `i` down until neither child is earlier (Floyd's heap construction). */
  private sink(i: number): void {
    const at = this.at;
    const sq = this.sq;
    const fns = this.fns;
    const args = this.args;
    const n = this.n;
    const t = at[i]!;
    const seq = sq[i]!;
    const fn = fns[i];
    const arg = args[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (at[r]! < at[l]! || (at[r] === at[l] && sq[r]! < sq[l]!)) ? r : l;
      const ct = at[c]!;
      if (ct > t || (ct === t && sq[c]! > seq)) break;
      at[i] = ct;
      sq[i] = sq[c]!;
      fns[i] = fns[c];
      args[i] = args[c];
      i = c;
    }
    at[i] = t;
    sq[i] = seq;
    fns[i] = fn;
    args[i] = arg;
  }

  /** Number of callbacks still queued (cancelled ones included until they surface). */
  pending(): number {
    return this.n;
  }

  /** Runs every event due at or before `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    while (this.n > 0 && this.at[0]! <= t) this.step();
    if (t > this.now) this.now = t;
  }

  /** Runs events until none is left or `maxMs` of virtual time have passed; returns the time reached. */
  runUntilIdle(maxMs = 3_600_000): number {
    const limit = this.now + maxMs;
    while (this.n > 0 && this.at[0]! <= limit) this.step();
    return this.now;
  }

  /** Runs events until `done()` is true (checked after each event) or `maxMs` pass; returns whether done. */
  runWhile(notDone: () => boolean, maxMs: number): boolean {
    const limit = this.now + maxMs;
    while (notDone()) {
      if (this.n === 0 || this.at[0]! > limit) return false;
      this.step();
    }
    return true;
  }

  private step(): void {
    const at = this.at[0]!;
    const seq = this.sq[0]!;
    const fn = this.fns[0]!;
    const arg = this.args[0];
    this.popTop();
    if (this.cancelled.size > 0 && this.cancelled.delete(seq)) return;
    this.now = at;
    this.executed++;
    fn(arg);
  }

  // Sifts move a hole instead of swapping pairs: no temporary arrays on the per-packet path.
  private push(t: number, seq: number, fn: (arg: any) => void, arg: unknown): void {
    if (this.n === this.at.length) this.grow();
    const at = this.at;
    const sq = this.sq;
    const fns = this.fns;
    const args = this.args;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = at[parent]!;
      if (t > pt || (t === pt && seq > sq[parent]!)) break;
      at[i] = pt;
      sq[i] = sq[parent]!;
      fns[i] = fns[parent];
      args[i] = args[parent];
      i = parent;
    }
    at[i] = t;
    sq[i] = seq;
    fns[i] = fn;
    args[i] = arg;
  }

  /** Removes the earliest entry: the last one goes into the hole at the top and sinks. */
  private popTop(): void {
    const n = --this.n;
    this.at[0] = this.at[n]!;
    this.sq[0] = this.sq[n]!;
    this.fns[0] = this.fns[n];
    this.args[0] = this.args[n];
    this.fns[n] = undefined; // the queue keeps no callback (or argument) it will not run
    this.args[n] = undefined;
    if (n > 1) this.sink(0);
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    const sq = new Float64Array(at.length);
    at.set(this.at);
    sq.set(this.sq);
    this.at = at;
    this.sq = sq;
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
