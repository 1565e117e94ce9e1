/**
 * IP pools and node labels as IPAM reads them from the datastore (v3 resources), and the
 * choice of pools for a request: enabled, selecting the node, allowed for the use.
 *
 * Selector evaluation is injected (`compileSelector`), so IPAM does not depend on the
 * selector module; without one only `all()`, `!all()` and the empty selector are understood.
 */
import { resourceKey, resourcePrefix, type Datastore, type JsonValue, type KeyValue } from '../datastore/index.ts';
import { parsePrefix4, prefixCovers } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import { cidrPrefix } from './block.ts';
import { IpamError, type AllowedUse, type IPPool, type IPPoolSpec } from './types.ts';

/** Turns selector text into a predicate over labels. */
export type CompileSelector = (expr: string) => (labels: Record<string, string>) => boolean;

/** The fallback: `all()` / empty match everything, `!all()` nothing; anything else needs a real compiler. */
export const basicSelector: CompileSelector = (expr) => {
  const e = expr.trim();
  if (e === '' || e === 'all()') return () => true;
  if (e === '!all()') return () => false;
  throw new IpamError('NoQualifiedPool', `nodeSelector '${expr}' needs a selector compiler: pass compileSelector to the IPAM client`);
};

/** The v3 resource stored for a pool (defaults filled in as the API server would). */
export function poolResource(pool: IPPool): JsonValue {
  const spec: IPPoolSpec = {
    blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()',
    allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic', ...pool.spec,
  };
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: pool.name }, spec: spec as unknown as JsonValue };
}

/** Writes (creates or replaces) a pool resource. */
export async function putPool(ds: Datastore, pool: IPPool): Promise<void> {
  const p = parsePrefix4(pool.spec.cidr);
  const bs = pool.spec.blockSize ?? 26;
  if (bs < 20 || bs > 32) throw new IpamError('NoQualifiedPool', `IPPool ${pool.name}: blockSize ${bs} is outside 20..32`);
  if (p.len > bs) throw new IpamError('NoQualifiedPool', `IPPool ${pool.name}: CIDR ${pool.spec.cidr} is smaller than one /${bs} block`);
  await ds.put(resourceKey('IPPool', pool.name), poolResource(pool));
}

/** Every pool, in name order (the datastore's key order). */
export async function listPools(ds: Datastore): Promise<IPPool[]> {
  return poolsFromKvs((await ds.list(resourcePrefix('IPPool'))).kvs);
}

/** Stored IPPool key/values as IPAM reads them (for callers that listed them already). */
export function poolsFromKvs(kvs: readonly KeyValue[]): IPPool[] {
  return kvs.map((kv) => {
    const v = kv.value as unknown as { metadata: { name: string }; spec: IPPoolSpec };
    return { name: v.metadata.name, spec: v.spec };
  });
}

/** The node's labels from its Node resource (empty when there is none). */
export async function nodeLabels(ds: Datastore, node: string): Promise<Record<string, string>> {
  const kv = await ds.get(resourceKey('Node', node));
  const v = kv?.value as { metadata?: { labels?: Record<string, string> } } | undefined;
  return v?.metadata?.labels ?? {};
}

/**
 * A pool's CIDR parsed once per spec object: listPools hands out the store's own (frozen) specs
 * while the pool is unchanged, and every pod's assignment asks which pool holds its block.
 */
const POOL_PREFIXES = new WeakMap<object, Prefix4>();

function poolPrefix(p: IPPool): Prefix4 {
  const spec = p.spec;
  let hit = POOL_PREFIXES.get(spec);
  if (hit === undefined || !Object.isFrozen(spec)) {
    hit = parsePrefix4(spec.cidr);
    if (Object.isFrozen(spec)) POOL_PREFIXES.set(spec, hit);
  }
  return hit;
}

/** The pool whose CIDR holds the block/address, if any. */
export function poolFor(pools: IPPool[], cidr: string): IPPool | undefined {
  const inner = cidrPrefix(cidr);
  return pools.find((p) => prefixCovers(poolPrefix(p), inner));
}

/**
 * Calico's determinePools + filterPoolsByUse: requested pools are used as given (and must
 * exist and be enabled); otherwise enabled automatic pools whose nodeSelector matches.
 */
export function choosePools(
  all: IPPool[], requested: string[] | undefined, host: string, labels: Record<string, string>,
  use: AllowedUse, compile: CompileSelector,
): IPPool[] {
  const enabled = all.filter((p) => !p.spec.disabled && !p.spec.cidr.includes(':'));
  let chosen: IPPool[];
  if (requested && requested.length > 0) {
    chosen = requested.map((cidr) => {
      const want = parsePrefix4(cidr);
      const hit = enabled.find((p) => {
        const have = parsePrefix4(p.spec.cidr);
        return have.addr === want.addr && have.len === want.len;
      });
      if (!hit) throw new IpamError('PoolNotFound', `the given pool (${cidr}) does not exist, or is not enabled`);
      return hit;
    });
  } else {
    if (enabled.length === 0) throw new IpamError('NoQualifiedPool', 'cannot find a qualified ippool');
    chosen = enabled.filter((p) => (p.spec.assignmentMode ?? 'Automatic') === 'Automatic'
      && compile(p.spec.nodeSelector ?? 'all()')(labels));
    if (chosen.length === 0) throw new IpamError('NoPoolsForNode', `no configured Calico pools for node ${host}`);
  }
  const allowed = chosen.filter((p) => (p.spec.allowedUses ?? ['Workload', 'Tunnel']).includes(use));
  if (allowed.length === 0) {
    throw new IpamError('NoQualifiedPool', `cannot find a qualified ippool, no pools match the required use (${use})`);
  }
  return allowed;
}
