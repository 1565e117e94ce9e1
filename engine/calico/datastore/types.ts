/**
 * The datastore seam: what Felix, confd, IPAM and the CNI plugin read and write.
 *
 * Modelled on etcd v3 because that is what Calico's etcdv3 backend speaks: one global
 * revision that every write advances, per-key createRevision/modRevision/version, atomic
 * compare-and-swap on a key's mod revision, and watches that can start from an old revision
 * and replay history. Two backends implement it: `MemoryDatastore` (embedded, deterministic)
 * and `EtcdDatastore` (a real etcd through the `etcd3` client).
 */

/** Any JSON value; the store keeps values as JSON (etcd stores their UTF-8 text). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One key with its value and etcd-style revisions. */
export interface KeyValue {
  readonly key: string;
  readonly value: JsonValue;
  /** Revision of the write that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last write to the key; the token for compare-and-swap. */
  readonly modRevision: number;
  /** Number of writes since creation (1 after create). */
  readonly version: number;
  /** Lease the key is attached to, if any. */
  readonly lease?: string;
}

/** Options of `put`. */
export interface PutOptions {
  /**
   * Compare-and-swap guard. `0` means "the key must not exist" (create; `KeyExists` if it
   * does). A positive number means "the key's modRevision must equal this" (`NotFound` if
   * the key is gone, `RevisionMismatch` if someone wrote it since).
   */
  readonly prevRevision?: number;
  /** Attach the key to a lease: revoking (or, in etcd, expiry of) the lease deletes it. */
  readonly lease?: string;
}

/** Options of `delete`. */
export interface DeleteOptions {
  /** Delete only if the key's modRevision equals this (`RevisionMismatch` otherwise). */
  readonly prevRevision?: number;
}

/** Result of a prefix listing: the keys in lexicographic order and the store revision read at. */
export interface ListResult {
  readonly kvs: KeyValue[];
  readonly revision: number;
}

/** One change seen by a watch, in revision order. */
export type WatchEvent =
  | { readonly type: 'put'; readonly revision: number; readonly kv: KeyValue; readonly prev?: KeyValue }
  | { readonly type: 'delete'; readonly revision: number; readonly key: string; readonly prev?: KeyValue };

/** Stops a watch; no event is delivered after it resolves. */
export type CancelWatch = () => Promise<void>;

/** The datastore interface every Calico component in podlab uses. */
export interface Datastore {
  /** Which backend this is (`memory`, `etcd`), for logs and the UI. */
  readonly kind: string;
  /** The key's value and revisions, or undefined when absent. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Writes a value; returns the stored key with its new revisions. */
  put(key: string, value: JsonValue, opts?: PutOptions): Promise<KeyValue>;
  /** Deletes a key; returns the revision of the deletion. `NotFound` when absent. */
  delete(key: string, opts?: DeleteOptions): Promise<number>;
  /** Every key starting with `prefix`, in key order, read at one revision. */
  list(prefix: string): Promise<ListResult>;
  /**
   * Delivers, in order, every change under `prefix` with revision >= `fromRevision`
   * (history first, then live changes). `fromRevision` undefined means "changes after now".
   * Resolves once the watch is established; `Compacted` if history before it is gone.
   */
  watch(prefix: string, fromRevision: number | undefined, onEvent: (e: WatchEvent) => void): Promise<CancelWatch>;
  /** The current global revision (the revision of the last write). */
  revision(): Promise<number>;
  /** Grants a lease with a time to live in seconds; returns its id. */
  grantLease(ttlSeconds: number): Promise<string>;
  /** Revokes a lease, deleting every key attached to it. */
  revokeLease(id: string): Promise<void>;
  /** Releases connections and watches. */
  close(): Promise<void>;
}

/** Error codes of the datastore, shared by both backends. */
export type DatastoreErrorCode = 'KeyExists' | 'RevisionMismatch' | 'NotFound' | 'Compacted' | 'LeaseNotFound';

/** Base class of datastore errors; `code` tells which. */
export class DatastoreError extends Error {
  override name = 'DatastoreError';
  constructor(readonly code: DatastoreErrorCode, readonly key: string, message: string) {
    super(message);
  }
}

/** A create (`prevRevision: 0`) found the key already there. */
export class KeyExists extends DatastoreError {
  override name = 'KeyExists';
  constructor(key: string, readonly current?: KeyValue) {
    super('KeyExists', key, `key already exists: ${key}`);
  }
}

/** A compare-and-swap found a different mod revision: someone else wrote the key first. */
export class RevisionMismatch extends DatastoreError {
  override name = 'RevisionMismatch';
  constructor(key: string, readonly expected: number, readonly actual: number) {
    super('RevisionMismatch', key, `update conflict on ${key}: expected revision ${expected}, found ${actual}`);
  }
}

/** The key does not exist. */
export class NotFound extends DatastoreError {
  override name = 'NotFound';
  constructor(key: string) {
    super('NotFound', key, `resource does not exist: ${key}`);
  }
}

/** A watch asked for history that compaction already removed. */
export class Compacted extends DatastoreError {
  override name = 'Compacted';
  constructor(key: string, readonly requested: number, readonly compactRevision: number) {
    super('Compacted', key, `required revision ${requested} has been compacted (compact revision ${compactRevision})`);
  }
}

/** True for a compare-and-swap loss (either flavour), the signal to re-read and retry. */
export function isConflict(e: unknown): e is KeyExists | RevisionMismatch {
  return e instanceof KeyExists || e instanceof RevisionMismatch;
}
