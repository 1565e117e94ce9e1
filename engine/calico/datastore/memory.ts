/**
 * The embedded datastore: an in-process map with etcd's revision model.
 *
 * Every operation completes synchronously (the async signatures match the etcd backend),
 * so a run is deterministic: the same calls give the same revisions and the same event
 * order. Watch events are queued and drained in revision order; a watcher that writes from
 * inside its callback has its own write delivered after the current event, never nested.
 * Leases here never expire by time (there is no wall clock in the simulator); they end
 * when revoked.
 *
 * Scale: keys are also kept sorted (in bounded chunks, sorted-keys.ts), so a prefix list is a
 * binary search to the first key of the range plus the range itself (not a scan of the store),
 * and a new key costs one chunk's move, not the store's. Values are copied once on the
 * way in (they cross the store boundary as etcd's bytes would) and deep-frozen; reads and
 * watch events hand out those frozen objects with no copy. A caller that wants to change
 * what it read copies it first (structuredClone, a spread) — mutating throws.
 */
import {
  Compacted, DatastoreError, KeyExists, NotFound, RevisionMismatch,
  type CancelWatch, type Datastore, type DeleteOptions, type JsonValue, type KeyValue,
  type ListResult, type PutOptions, type WatchEvent,
} from './types.ts';
import { SortedKeys } from './sorted-keys.ts';

interface Watch {
  readonly prefix: string;
  readonly onEvent: (e: WatchEvent) => void;
  active: boolean;
}

/** Hands back the object it is given (a base constructor's return value becomes `this`). */
class Given {
  constructor(o: object) {
    return o;
  }
}

/**
 * The mark of a value this store made (a deep-frozen copy): a new value may hold it as it is.
 * A private field stamped on the store's own objects (constructing a subclass over an object
 * a base constructor hands back adds the subclass's fields to it): no property a spread,
 * Object.assign, JSON, Reflect.ownKeys or structuredClone sees or carries to a copy, and
 * added through an inline cache instead of Object.defineProperty's runtime call (5× cheaper
 * per object with the freeze; a WeakSet of them cost more still and grew the collector's
 * ephemeron work with every write).
 */
class Owned extends Given {
  #owned = true;

  /** True for an object the store made. */
  static has(o: object): boolean {
    return #owned in o;
  }
}

function isOwned(v: object): boolean {
  return Owned.has(v);
}

/**
 * The stored form of a value: what etcd's bytes would give back (JSON's rules: undefined and
 * functions dropped from objects, null in arrays, non-finite numbers null), deep-frozen. Parts
 * that are already stored values — a block rewritten from the one read, with one more
 * allocation — are shared instead of copied again, so a write costs what it changes.
 */
function frozenCopy<T extends JsonValue>(v: T): T {
  // A bare scalar is stored as given, as it always was.
  return v === null || typeof v !== 'object' ? v : (stored(v) as T);
}

/** JSON's rules for a value that is not an object; undefined where JSON leaves it out (null in an array). */
function scalar(x: unknown): unknown {
  switch (typeof x) {
    case 'string': case 'boolean': return x;
    case 'number': return Number.isFinite(x) ? x + 0 : null;
    case 'undefined': case 'function': case 'symbol': return undefined;
    // Anything JSON cannot hold (a bigint) fails as JSON fails on it.
    default: return JSON.parse(JSON.stringify(x) ?? 'null') as unknown;
  }
}

function stored(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return scalar(v) ?? null;
  if (isOwned(v)) return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return deepFreezeOwned(JSON.parse(JSON.stringify(v)) as unknown);
  let out: unknown;
  // Strings, booleans, null and finite numbers are taken as they are without a call each: a
  // block's allocation lists are 64 numbers or nulls, and most fields are strings.
  if (Array.isArray(v)) {
    // A spread, not slice(): V8 slices a frozen array on its slow path (~40× slower).
    const a: unknown[] = [...(v as unknown[])];
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x === 'number') {
        // -0 is written 0, a non-finite number null.
        if (x === 0 || !Number.isFinite(x)) a[i] = x === 0 ? 0 : null;
      } else if (typeof x === 'object') {
        if (x !== null) a[i] = stored(x);
      } else if (typeof x !== 'string' && typeof x !== 'boolean') a[i] = scalar(x) ?? null;
    }
    out = a;
  } else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'string' || typeof x === 'boolean') o[k] = x;
      else if (typeof x === 'object') o[k] = x === null ? null : stored(x);
      else if (typeof x === 'number' && Number.isFinite(x)) o[k] = x + 0;
      else {
        const y = scalar(x);
        if (y !== undefined) o[k] = y;
      }
    }
    out = o;
  }
  return own(out);
}

function own(o: unknown): unknown {
  new Owned(o as object);
  return Object.freeze(o);
}

function deepFreezeOwned(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  for (const x of Object.values(v)) deepFreezeOwned(x);
  return own(v);
}

/** How many listings of prefixes ending in '/' the store keeps (see keepListing). */
const MAX_LISTINGS = 8192;

/** Options of the embedded store. */
export interface MemoryDatastoreOptions {
  /**
   * How many revisions of history a watch can still start from, as etcd's
   * `--auto-compaction-mode=revision --auto-compaction-retention=N` keeps (default 1,000).
   * Older ones are compacted: a watch from there fails with Compacted.
   */
  readonly historyRevisions?: number;
}

/** An etcd-like store held in memory. */
export class MemoryDatastore implements Datastore {
  readonly kind = 'memory';
  /**
   * The history kept for watches that start in the past. Watchers already open got every
   * event as it happened (delivery is synchronous), so they need none of it; without this
   * bound every version of every value (each block once per pod) stayed alive.
   */
  private readonly retain: number;

  constructor(opts: MemoryDatastoreOptions = {}) {
    this.retain = Math.max(1, opts.historyRevisions ?? 1000);
  }

  // etcd starts a fresh cluster at revision 1; the first write gets revision 2.
  private rev = 1;
  private compactRev = 0;
  private readonly data = new Map<string, KeyValue>();
  /** Every key, in byte order (JS string order equals it for the ASCII keys Calico uses). */
  private readonly sorted = new SortedKeys();
  private readonly history: WatchEvent[] = [];
  private readonly watches = new Set<Watch>();
  /** Pending deliveries; `head` is the next one (no Array.shift: it is O(n) per call). */
  private queue: Array<{ w: Watch; e: WatchEvent }> = [];
  private head = 0;
  private draining = false;
  private nextLease = 1;
  private readonly leases = new Map<string, Set<string>>();
  /**
   * Listings by prefix, kept until a write under the prefix: Felix and confd list the same
   * few prefixes (Nodes, pools, blocks) on every pass while most writes touch other keys.
   * The arrays are frozen, like the values in them.
   */
  private readonly listings = new Map<string, readonly KeyValue[]>();
  /** The cached prefixes that do not end in '/' (a write checks these one by one; the others by its own '/' boundaries). */
  private readonly oddListings = new Set<string>();
  /**
   * How many cached prefixes ending in '/' there are of each length: a write cuts its key at
   * only those of its '/' where one could be (a slice and a lookup of each of the key's eight
   * or so levels was most of a write's bookkeeping).
   */
  private readonly listedLengths = new Map<number, number>();

  /** The value and revisions of a key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    return this.getSync(key);
  }

  /** Synchronous read, for callers inside the simulator's event loop. */
  getSync(key: string): KeyValue | undefined {
    return this.data.get(key);
  }

  /** Writes a value, honouring the compare-and-swap guard. */
  async put(key: string, value: JsonValue, opts: PutOptions = {}): Promise<KeyValue> {
    return this.putSync(key, value, opts);
  }

  /** Synchronous `put`. */
  putSync(key: string, value: JsonValue, opts: PutOptions = {}): KeyValue {
    const cur = this.data.get(key);
    this.check(key, cur, opts.prevRevision);
    if (opts.lease !== undefined && !this.leases.has(opts.lease)) {
      throw new DatastoreError('LeaseNotFound', key, `requested lease not found: ${opts.lease}`);
    }
    const revision = ++this.rev;
    if (cur?.lease !== undefined) this.leases.get(cur.lease)?.delete(key);
    const kv: KeyValue = Object.freeze({
      key, value: frozenCopy(value),
      createRevision: cur ? cur.createRevision : revision,
      modRevision: revision,
      version: cur ? cur.version + 1 : 1,
      ...(opts.lease !== undefined ? { lease: opts.lease } : {}),
    });
    if (!cur) this.sorted.insert(key);
    this.data.set(key, kv);
    if (opts.lease !== undefined) this.leases.get(opts.lease)!.add(key);
    this.emit(Object.freeze({ type: 'put', revision, kv, ...(cur ? { prev: cur } : {}) }));
    return kv;
  }

  /** Deletes a key; NotFound when absent. */
  async delete(key: string, opts: DeleteOptions = {}): Promise<number> {
    return this.deleteSync(key, opts);
  }

  /** Synchronous `delete`. */
  deleteSync(key: string, opts: DeleteOptions = {}): number {
    const cur = this.data.get(key);
    if (!cur) throw new NotFound(key);
    this.check(key, cur, opts.prevRevision);
    return this.remove(cur);
  }

  /** All keys under a prefix, sorted like etcd (byte order). */
  async list(prefix: string): Promise<ListResult> {
    return this.listSync(prefix);
  }

  /** Synchronous `list`. */
  listSync(prefix: string): ListResult {
    let kvs = this.listings.get(prefix);
    if (!kvs) {
      const out: KeyValue[] = [];
      for (const k of this.sorted.withPrefix(prefix)) out.push(this.data.get(k)!);
      kvs = Object.freeze(out);
      this.keepListing(prefix, kvs);
    }
    return { kvs: kvs as KeyValue[], revision: this.rev };
  }

  /**
   * Caches a listing. Prefixes that end in '/' cost a write a lookup per level of its key
   * whatever their number, so many are kept (each node's affinities: IPAM reads its host's on
   * every pod), the oldest dropped when full; the others are tested one by one by every write,
   * so only a few.
   */
  private keepListing(prefix: string, kvs: readonly KeyValue[]): void {
    if (!prefix.endsWith('/')) {
      if (this.oddListings.size >= 32) return;
      this.oddListings.add(prefix);
      this.listings.set(prefix, kvs);
      return;
    }
    if (this.listings.size - this.oddListings.size >= MAX_LISTINGS) {
      for (const old of this.listings.keys()) {
        if (this.oddListings.has(old)) continue;
        this.forgetListing(old);
        break;
      }
    }
    this.listings.set(prefix, kvs);
    this.listedLengths.set(prefix.length, (this.listedLengths.get(prefix.length) ?? 0) + 1);
  }

  /** Drops a cached listing of a prefix ending in '/'. */
  private forgetListing(prefix: string): void {
    if (!this.listings.delete(prefix)) return;
    const n = this.listedLengths.get(prefix.length) ?? 1;
    if (n > 1) this.listedLengths.set(prefix.length, n - 1);
    else this.listedLengths.delete(prefix.length);
  }

  /** Replays history from `fromRevision`, then follows live changes under the prefix. */
  async watch(prefix: string, fromRevision: number | undefined, onEvent: (e: WatchEvent) => void): Promise<CancelWatch> {
    const start = fromRevision ?? this.rev + 1;
    if (start <= this.compactRev) throw new Compacted(prefix, start, this.compactRev);
    const w: Watch = { prefix, onEvent, active: true };
    for (const e of this.history) {
      if (e.revision >= start && keyOf(e).startsWith(prefix)) this.queue.push({ w, e });
    }
    this.watches.add(w);
    this.drain();
    return async () => {
      w.active = false;
      this.watches.delete(w);
    };
  }

  /** The revision of the last write. */
  async revision(): Promise<number> {
    return this.rev;
  }

  /** Grants a lease (it lives until revoked). */
  async grantLease(_ttlSeconds: number): Promise<string> {
    const id = String(this.nextLease++);
    this.leases.set(id, new Set());
    return id;
  }

  /** Revokes a lease and deletes its keys in one revision, as etcd's revoke transaction does. */
  async revokeLease(id: string): Promise<void> {
    const keys = this.leases.get(id);
    if (!keys) throw new DatastoreError('LeaseNotFound', '', `requested lease not found: ${id}`);
    this.leases.delete(id);
    if (keys.size === 0) return;
    const revision = ++this.rev;
    for (const k of [...keys].sort()) {
      const cur = this.data.get(k);
      if (cur) this.remove(cur, revision);
    }
  }

  /** Drops history at and before `revision`; later watches from there fail with Compacted. */
  compact(revision: number): void {
    this.compactRev = Math.max(this.compactRev, revision);
    let i = 0;
    while (i < this.history.length && this.history[i]!.revision <= this.compactRev) i++;
    this.history.splice(0, i);
  }

  /** Nothing to release; cancels all watches. */
  async close(): Promise<void> {
    for (const w of this.watches) w.active = false;
    this.watches.clear();
  }

  private check(key: string, cur: KeyValue | undefined, prevRevision: number | undefined): void {
    if (prevRevision === undefined) return;
    if (prevRevision === 0) {
      if (cur) throw new KeyExists(key, cur);
      return;
    }
    if (!cur) throw new NotFound(key);
    if (cur.modRevision !== prevRevision) throw new RevisionMismatch(key, prevRevision, cur.modRevision);
  }

  private remove(cur: KeyValue, revision = ++this.rev): number {
    this.data.delete(cur.key);
    this.sorted.remove(cur.key);
    if (cur.lease !== undefined) this.leases.get(cur.lease)?.delete(cur.key);
    this.emit(Object.freeze({ type: 'delete', revision, key: cur.key, prev: cur }));
    return revision;
  }

  private emit(e: WatchEvent): void {
    this.history.push(e);
    // Auto-compaction, amortised: when twice the retention is held, drop down to the retention.
    if (this.history.length >= 2 * this.retain) this.compact(e.revision - this.retain);
    const key = keyOf(e);
    this.dropListings(key);
    for (const w of this.watches) if (key.startsWith(w.prefix)) this.queue.push({ w, e });
    this.drain();
  }

  /**
   * Forgets the cached listings a write to `key` changes: a prefix ending in '/' that covers the
   * key ends at one of the key's own '/' (looked up, not scanned), the rare others are tested.
   */
  private dropListings(key: string): void {
    if (this.listings.size === 0) return;
    const lengths = this.listedLengths;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      if (lengths.has(i + 1)) this.forgetListing(key.slice(0, i + 1));
    }
    for (const p of this.oddListings) {
      if (!key.startsWith(p)) continue;
      this.listings.delete(p);
      this.oddListings.delete(p);
    }
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const { w, e } = this.queue[this.head++]!;
        if (w.active) w.onEvent(e);
      }
    } finally {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
      this.draining = false;
    }
  }
}

function keyOf(e: WatchEvent): string {
  return e.type === 'put' ? e.kv.key : e.key;
}
