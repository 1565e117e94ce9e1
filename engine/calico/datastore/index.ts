/**
 * The datastore: one interface (types.ts), two backends (memory, etcd), Calico's key layout.
 */
export * from './types.ts';
export { MemoryDatastore } from './memory.ts';
export { EtcdDatastore, type EtcdOptions } from './etcd.ts';
export * from './keys.ts';
