/**
 * The etcd v3 backend, through the `etcd3` client (grpc-js).
 *
 * Compare-and-swap is an etcd transaction: `if mod(key) == rev then put(key), range(key)
 * else range(key)`; the range in each branch tells the caller what it raced against
 * (gone → NotFound, different revision → RevisionMismatch) without a second round trip.
 * Creation compares `create(key) == 0`, which etcd defines as "absent". Watches start from
 * a revision, so history replays, and carry previous values.
 *
 * `root` prefixes every key, so several stores (tests, labs) can share one etcd without
 * seeing each other's keys; callers always see keys without it.
 *
 * A listing comes in pages (as kube-apiserver and Calico's syncer page theirs): every page
 * at the first page's revision, so the whole is one consistent snapshot, and no response
 * grows with the cluster past gRPC's 4 MB message limit (10,000 endpoints are ~7 MB).
 */
import { Etcd3, Range, type IOptions, type Lease } from 'etcd3';
import {
  KeyExists, NotFound, RevisionMismatch,
  type CancelWatch, type Datastore, type DeleteOptions, type JsonValue, type KeyValue,
  type ListResult, type PutOptions, type WatchEvent,
} from './types.ts';

/** How to reach etcd. */
export interface EtcdOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: string[];
  /** Prepended to every key (default none). */
  readonly root?: string;
  /** Passed through to the etcd3 client (TLS, auth, timeouts). */
  readonly client?: Partial<IOptions>;
  /** Keys per page of a listing (default 1,000). */
  readonly listPage?: number;
}

interface RawKv {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  lease: string;
}

/** A Datastore backed by a real etcd v3 cluster. */
export class EtcdDatastore implements Datastore {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly root: string;
  private readonly leases = new Map<string, Lease>();
  private readonly listPage: number;

  constructor(opts: EtcdOptions) {
    this.client = new Etcd3({ ...opts.client, hosts: opts.endpoints });
    this.root = opts.root ?? '';
    this.listPage = Math.max(1, opts.listPage ?? 1000);
  }

  /** The key's value and revisions, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.client.get(this.root + key).exec();
    const raw = res.kvs[0] as RawKv | undefined;
    return raw ? this.decode(raw) : undefined;
  }

  /** Writes a value; a prevRevision turns the write into a compare-and-swap transaction. */
  async put(key: string, value: JsonValue, opts: PutOptions = {}): Promise<KeyValue> {
    const full = this.root + key;
    const put = this.client.put(full).value(JSON.stringify(value));
    if (opts.lease !== undefined) put.lease(opts.lease);
    const txn = opts.prevRevision === undefined
      ? this.client.if(full, 'Version', '>', -1)
      : opts.prevRevision === 0
        ? this.client.if(full, 'Create', '==', 0)
        : this.client.if(full, 'Mod', '==', opts.prevRevision);
    const res = await txn.then(put, this.client.get(full)).else(this.client.get(full)).commit();
    const raw = res.responses[res.succeeded ? 1 : 0]?.response_range?.kvs[0] as RawKv | undefined;
    if (!res.succeeded) {
      if (opts.prevRevision === 0) throw new KeyExists(key, raw ? this.decode(raw) : undefined);
      if (!raw) throw new NotFound(key);
      throw new RevisionMismatch(key, opts.prevRevision!, Number(raw.mod_revision));
    }
    return this.decode(raw!);
  }

  /** Deletes a key (guarded by prevRevision when given). */
  async delete(key: string, opts: DeleteOptions = {}): Promise<number> {
    const full = this.root + key;
    const guard = opts.prevRevision === undefined
      ? this.client.if(full, 'Create', '>', 0)
      : this.client.if(full, 'Mod', '==', opts.prevRevision);
    const res = await guard.then(this.client.delete().key(full)).else(this.client.get(full)).commit();
    if (!res.succeeded) {
      const raw = res.responses[0]?.response_range?.kvs[0] as RawKv | undefined;
      if (!raw) throw new NotFound(key);
      throw new RevisionMismatch(key, opts.prevRevision!, Number(raw.mod_revision));
    }
    return Number(res.header.revision);
  }

  /** Every key under the prefix at one revision, in key order (page by page, see the header). */
  async list(prefix: string): Promise<ListResult> {
    const whole = Range.prefix(this.root + prefix);
    const kvs: KeyValue[] = [];
    let start = whole.start;
    let revision: number | undefined;
    for (;;) {
      let page = this.client.getAll().inRange(new Range(start, whole.end)).sort('Key', 'Ascend').limit(this.listPage);
      if (revision !== undefined) page = page.revision(revision);
      const res = await page.exec();
      revision ??= Number(res.header.revision);
      const raw = res.kvs as RawKv[];
      for (const r of raw) kvs.push(this.decode(r));
      if (!res.more || raw.length === 0) break;
      // The next page starts just after this one's last key.
      start = Buffer.concat([raw[raw.length - 1]!.key, Buffer.from([0])]);
    }
    return { kvs, revision };
  }

  /** Watches the prefix from a revision; events arrive in revision order. */
  async watch(prefix: string, fromRevision: number | undefined, onEvent: (e: WatchEvent) => void): Promise<CancelWatch> {
    let b = this.client.watch().prefix(this.root + prefix).withPreviousKV();
    if (fromRevision !== undefined) b = b.startRevision(String(fromRevision));
    const watcher = await b.create();
    let active = true;
    watcher.on('data', (res) => {
      if (!active) return;
      for (const ev of res.events) {
        const kv = ev.kv as RawKv;
        const prev = ev.prev_kv ? this.decode(ev.prev_kv as RawKv) : undefined;
        const revision = Number(kv.mod_revision);
        if (ev.type === 'Put') {
          onEvent({ type: 'put', revision, kv: this.decode(kv), ...(prev ? { prev } : {}) });
        } else {
          onEvent({ type: 'delete', revision, key: this.strip(kv.key), ...(prev ? { prev } : {}) });
        }
      }
    });
    // The client reconnects and resumes on its own; errors here are reported, not thrown.
    watcher.on('error', () => undefined);
    return async () => {
      active = false;
      await watcher.cancel();
    };
  }

  /** The cluster's current revision. */
  async revision(): Promise<number> {
    // etcd refuses an empty key; any key works, the header carries the store revision.
    const res = await this.client.get(`${this.root}\u0000`).exec();
    return Number(res.header.revision);
  }

  /** Grants a lease that this client keeps alive until revoked or closed. */
  async grantLease(ttlSeconds: number): Promise<string> {
    const lease = this.client.lease(ttlSeconds);
    const id = await lease.grant();
    this.leases.set(id, lease);
    return id;
  }

  /** Revokes a lease; etcd deletes its keys. */
  async revokeLease(id: string): Promise<void> {
    const lease = this.leases.get(id);
    this.leases.delete(id);
    if (lease) await lease.revoke();
    else await this.client.leaseClient.leaseRevoke({ ID: id });
  }

  /** Stops keep-alives (leases then expire by TTL) and closes the connection. */
  async close(): Promise<void> {
    for (const l of this.leases.values()) l.release();
    this.leases.clear();
    this.client.close();
  }

  private strip(key: Buffer): string {
    return key.toString('utf8').slice(this.root.length);
  }

  private decode(raw: RawKv): KeyValue {
    const lease = raw.lease && raw.lease !== '0' ? { lease: raw.lease } : {};
    return {
      key: this.strip(raw.key),
      value: JSON.parse(raw.value.toString('utf8')) as JsonValue,
      createRevision: Number(raw.create_revision),
      modRevision: Number(raw.mod_revision),
      version: Number(raw.version),
      ...lease,
    };
  }
}
