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
 */
export class Clock {
  private now = 0;
  private seq = 0;
  private at = new Float64Array(1024);
  private sq = new Float64Array(1024);
  private fns: ((() => void) | undefined)[] = [];
  private n = 0;
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
    this.push(this.now + Math.max(0, delayMs), id, fn);
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

  /** Rebuilds the queue without cancelled callbacks (a sorted array is a valid heap; order stays (time, seq)). */
  private compact(): void {
    const live: number[] = [];
    for (let i = 0; i < this.n; i++) if (!this.cancelled.has(this.sq[i]!)) live.push(i);
    const at = this.at;
    const sq = this.sq;
    live.sort((a, b) => at[a]! - at[b]! || sq[a]! - sq[b]!);
    const nat = new Float64Array(Math.max(1024, this.at.length));
    const nsq = new Float64Array(nat.length);
    const nfn: ((() => void) | undefined)[] = [];
    live.forEach((i, j) => { nat[j] = at[i]!; nsq[j] = sq[i]!; nfn.push(this.fns[i]); });
    this.at = nat;
    this.sq = nsq;
    this.fns = nfn;
    this.n = live.length;
    // Ids not in the queue any more (run before they were cancelled) go too: they cannot run again.
    this.cancelled.clear();
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
    this.popTop();
    if (this.cancelled.size > 0 && this.cancelled.delete(seq)) return;
    this.now = at;
    this.executed++;
    fn();
  }

  // Sifts move a hole instead of swapping pairs: no temporary arrays on the per-packet path.
  private push(t: number, seq: number, fn: () => void): void {
    if (this.n === this.at.length) this.grow();
    const at = this.at;
    const sq = this.sq;
    const fns = this.fns;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = at[parent]!;
      if (t > pt || (t === pt && seq > sq[parent]!)) break;
      at[i] = pt;
      sq[i] = sq[parent]!;
      fns[i] = fns[parent];
      i = parent;
    }
    at[i] = t;
    sq[i] = seq;
    fns[i] = fn;
  }

  /** Removes the earliest entry: the last one goes into the hole at the top and sinks. */
  private popTop(): void {
    const n = --this.n;
    const at = this.at;
    const sq = this.sq;
    const fns = this.fns;
    const t = at[n]!;
    const seq = sq[n]!;
    const fn = fns[n];
    fns[n] = undefined; // the queue keeps no callback it will not run
    if (n === 0) return;
    let i = 0;
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
      i = c;
    }
    at[i] = t;
    sq[i] = seq;
    fns[i] = fn;
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
