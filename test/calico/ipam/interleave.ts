/**
 * A deterministic interleaver for datastore clients: every agent (one IPAM process) gets its
 * own view of a shared store, and each call it makes (get / put / delete / list) is held
 * until the test lets it through. A test can then script an exact order of writes across
 * agents (`until` a chosen step, `crash` an agent mid-claim), or let a seeded scheduler pick
 * the order (`runSeeded`), without relying on timing or machine load.
 *
 * Against the memory store nothing else yields, so "every live agent is waiting at its gate"
 * is a stable state and the same script or seed always gives the same history.
 */
import type {
  CancelWatch, Datastore, DeleteOptions, JsonValue, KeyValue, ListResult, PutOptions, WatchEvent,
} from '../../../engine/calico/datastore/index.ts';

/** One datastore call an agent is about to make. */
export interface Op {
  readonly agent: string;
  readonly kind: 'get' | 'put' | 'delete' | 'list';
  readonly key: string;
  readonly value?: JsonValue;
  readonly prevRevision?: number;
}

/** How an agent's task ended. */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** One IPAM process whose datastore calls are released one at a time. */
export class Agent {
  /** The store as this agent sees it; hand it to the agent's IpamClient. */
  readonly ds: Datastore;
  private held: { op: Op; go: () => void } | undefined;
  private outcome: Outcome | undefined;
  private free = false;
  private crashed = false;
  private wake: () => void = () => undefined;

  constructor(readonly name: string, inner: Datastore, private readonly log: Op[]) {
    this.ds = gated(inner, (op) => this.gate({ ...op, agent: name }));
  }

  /** Starts the agent's task; its datastore calls wait at the gate from now on. */
  start<T>(task: (ds: Datastore) => Promise<T>): Promise<T> {
    const p = task(this.ds);
    p.then((value) => this.settle({ ok: true, value }), (error: unknown) => this.settle({ ok: false, error }));
    return p;
  }

  /** The call the agent waits to make, or 'done' once its task has ended. */
  async next(): Promise<Op | 'done'> {
    for (;;) {
      if (this.held) return this.held.op;
      if (this.outcome || this.crashed) return 'done';
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Lets the held call through (the agent then runs to its next call or the end). */
  release(): void {
    const h = this.held;
    if (!h) throw new Error(`agent ${this.name} holds no call to release`);
    this.held = undefined;
    this.log.push(h.op);
    h.go();
  }

  /** Releases calls one by one until the next one matches; that one is held and returned. */
  async until(what: string, match: (op: Op) => boolean): Promise<Op> {
    for (;;) {
      const n = await this.next();
      if (n === 'done') throw new Error(`agent ${this.name} ended before ${what}`);
      if (match(n)) return n;
      this.release();
    }
  }

  /** Lets the agent run freely to the end of its task. */
  finish(): void {
    this.free = true;
    if (this.held) this.release();
  }

  /** The process dies: its held call and every later one never run. */
  crash(): void {
    this.crashed = true;
    this.held = undefined;
    this.wake();
  }

  private gate(op: Op): Promise<void> {
    if (this.crashed) return new Promise(() => undefined);
    if (this.free) {
      this.log.push(op);
      return Promise.resolve();
    }
    return new Promise((go) => {
      this.held = { op, go };
      this.wake();
    });
  }

  private settle(o: Outcome): void {
    this.outcome = o;
    this.wake();
  }
}

/** Agents over one shared store, and the order in which their calls ran. */
export class Interleaver {
  /** Every call let through, in the order it ran. */
  readonly log: Op[] = [];
  private readonly agents: Agent[] = [];

  constructor(readonly store: Datastore) {}

  /** A new agent over the shared store. */
  agent(name: string): Agent {
    const a = new Agent(name, this.store, this.log);
    this.agents.push(a);
    return a;
  }

  /**
   * Runs every agent to the end, each step releasing the held call of one agent chosen by
   * a seeded generator among those waiting. Deterministic for a given seed.
   */
  async runSeeded(seed: number): Promise<void> {
    const rand = xorshift(seed);
    for (;;) {
      const waiting: Agent[] = [];
      for (const a of this.agents) if ((await a.next()) !== 'done') waiting.push(a);
      if (waiting.length === 0) return;
      waiting[Math.floor(rand() * waiting.length)]!.release();
    }
  }
}

/** A small seeded generator (xorshift32), so a failing seed can be replayed. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** The store with each data call passed through `gate` first. */
function gated(inner: Datastore, gate: (op: Omit<Op, 'agent'>) => Promise<void>): Datastore {
  return {
    kind: inner.kind,
    async get(key: string): Promise<KeyValue | undefined> {
      await gate({ kind: 'get', key });
      return inner.get(key);
    },
    async put(key: string, value: JsonValue, opts?: PutOptions): Promise<KeyValue> {
      await gate({ kind: 'put', key, value, ...(opts?.prevRevision !== undefined ? { prevRevision: opts.prevRevision } : {}) });
      return inner.put(key, value, opts);
    },
    async delete(key: string, opts?: DeleteOptions): Promise<number> {
      await gate({ kind: 'delete', key, ...(opts?.prevRevision !== undefined ? { prevRevision: opts.prevRevision } : {}) });
      return inner.delete(key, opts);
    },
    async list(prefix: string): Promise<ListResult> {
      await gate({ kind: 'list', key: prefix });
      return inner.list(prefix);
    },
    watch: (prefix: string, from: number | undefined, cb: (e: WatchEvent) => void): Promise<CancelWatch> => inner.watch(prefix, from, cb),
    revision: () => inner.revision(),
    grantLease: (ttl: number) => inner.grantLease(ttl),
    revokeLease: (id: string) => inner.revokeLease(id),
    close: async () => undefined, // the shared store outlives each agent's view
  };
}
