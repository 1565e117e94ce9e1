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

/** Delays up to this (a hop across a cable or veth, "right after this") may get a FIFO lane. */
const LANE_MAX_DELAY_MS = 1;
/** At most this many lanes (distinct short delays); other delays go to the heap. */
const MAX_LANES = 4;

/**
 * The callbacks scheduled with one fixed delay, in a ring: virtual time never goes back and
 * sequence numbers only grow, so each one's (time, seq) key is at least the previous one's —
 * the lane is already in run order and needs no heap.
 */
class Lane {
  t = new Float64Array(256);
  s = new Float64Array(256);
  fns: (((arg: any) => void) | undefined)[] = new Array(256);
  args: unknown[] = new Array(256);
  head = 0;
  size = 0;

  constructor(readonly delay: number) {}

  push(t: number, seq: number, fn: (arg: any) => void, arg: unknown): void {
    if (this.size === this.t.length) this.grow(this.t.length * 2);
    const i = (this.head + this.size) & (this.t.length - 1);
    this.t[i] = t;
    this.s[i] = seq;
    this.fns[i] = fn;
    this.args[i] = arg;
    this.size++;
  }

  /** Unrolls the ring into arrays of `cap` entries, head first. */
  private grow(cap: number): void {
    const t = new Float64Array(cap);
    const s = new Float64Array(cap);
    const fns: (((arg: any) => void) | undefined)[] = new Array(cap);
    const args: unknown[] = new Array(cap);
    const mask = this.t.length - 1;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & mask;
      t[k] = this.t[i]!;
      s[k] = this.s[i]!;
      fns[k] = this.fns[i];
      args[k] = this.args[i];
    }
    this.t = t;
    this.s = s;
    this.fns = fns;
    this.args = args;
    this.head = 0;
  }

  /** Drops the entries whose sequence number `dead` holds, keeping the others' order. */
  compact(dead: ReadonlySet<number>): void {
    const mask = this.t.length - 1;
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & mask;
      if (dead.has(this.s[i]!)) continue;
      const j = (this.head + n) & mask;
      this.t[j] = this.t[i]!;
      this.s[j] = this.s[i]!;
      this.fns[j] = this.fns[i];
      this.args[j] = this.args[i];
      n++;
    }
    for (let k = n; k < this.size; k++) {
      const i = (this.head + k) & mask;
      this.fns[i] = undefined;
      this.args[i] = undefined;
    }
    this.size = n;
  }
}

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
 *
 * Callbacks due after a short fixed delay — a frame's hop (the cable's latency), "right after
 * this" (0) — go to a FIFO lane per delay instead of the heap (most events of a converging
 * fabric are hops: each cost two sifts through a heap of ~20,000 queued timers). A step runs
 * the earliest (time, seq) among the heap's top and the lanes' heads: the same order as one
 * heap of everything.
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
  private readonly lanes: Lane[] = [];
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
    const d = Math.max(0, delayMs);
    const lane = d <= LANE_MAX_DELAY_MS ? this.laneFor(d) : undefined;
    if (lane) lane.push(this.now + d, id, fn, arg);
    else this.push(this.now + d, id, fn, arg);
    return id;
  }

  /** The lane of a short delay, made when first used (undefined once MAX_LANES delays have one). */
  private laneFor(d: number): Lane | undefined {
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) if (lanes[i]!.delay === d) return lanes[i];
    if (lanes.length >= MAX_LANES) return undefined;
    const l = new Lane(d);
    lanes.push(l);
    return l;
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
      if (this.cancelled.size > 1024 && this.cancelled.size * 2 > this.pending()) this.compact();
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
    for (const l of this.lanes) l.compact(this.cancelled);
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
    let n = this.n;
    for (const l of this.lanes) n += l.size;
    return n;
  }

  /** Runs every event due at or before `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    while (this.step(t));
    if (t > this.now) this.now = t;
  }

  /** Runs events until none is left or `maxMs` of virtual time have passed; returns the time reached. */
  runUntilIdle(maxMs = 3_600_000): number {
    const limit = this.now + maxMs;
    while (this.step(limit));
    return this.now;
  }

  /** Runs events until `done()` is true (checked after each event) or `maxMs` pass; returns whether done. */
  runWhile(notDone: () => boolean, maxMs: number): boolean {
    const limit = this.now + maxMs;
    while (notDone()) {
      if (!this.step(limit)) return false;
    }
    return true;
  }

  /** Takes the earliest callback due at or before `limit` off its queue and runs it (unless cancelled); false when none is due. */
  private step(limit: number): boolean {
    let t = Infinity;
    let seq = Infinity;
    if (this.n > 0) {
      t = this.at[0]!;
      seq = this.sq[0]!;
    }
    let from: Lane | undefined;
    const lanes = this.lanes;
    for (let k = 0; k < lanes.length; k++) {
      const l = lanes[k]!;
      if (l.size === 0) continue;
      const lt = l.t[l.head]!;
      if (lt < t || (lt === t && l.s[l.head]! < seq)) {
        t = lt;
        seq = l.s[l.head]!;
        from = l;
      }
    }
    if (!(t <= limit)) return false;
    let fn: (arg: any) => void;
    let arg: unknown;
    if (from) {
      const i = from.head;
      fn = from.fns[i]!;
      arg = from.args[i];
      from.fns[i] = undefined;
      from.args[i] = undefined;
      from.head = (i + 1) & (from.t.length - 1);
      from.size--;
    } else {
      fn = this.fns[0]!;
      arg = this.args[0];
      this.popTop();
    }
    if (this.cancelled.size > 0 && this.cancelled.delete(seq)) return true;
    this.now = t;
    this.executed++;
    fn(arg);
    return true;
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
  return fnv1a(FNV_BASIS, text) >>> 0;
}

/** hash32 of `a + sep + b`, without building that string. */
export function hash32Of(a: string, sep: string, b: string): number {
  return fnv1a(fnv1a(fnv1a(FNV_BASIS, a), sep), b) >>> 0;
}

const FNV_BASIS = 0x811c9dc5;

/** FNV-1a's state after `text`, from state `h` (a signed 32-bit number between calls). */
function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
