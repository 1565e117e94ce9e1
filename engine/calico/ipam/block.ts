/**
 * Pure operations on one allocation block: what happens inside a /26 when an address is
 * taken or given back. No I/O; the caller writes the block back with compare-and-swap.
 *
 * Order matters to learners and to Calico's behaviour: `unallocated` starts 0..N-1 and
 * assignment takes from its head, so a new block's first address is its base (usually the
 * node's tunnel address) and the first pod gets .1; released ordinals go to the tail, so an
 * address is not handed out again until the rest of the block has been used.
 */
import { addIPv4, formatIPv4, parseIPv4, parsePrefix4, prefixContains, prefixSize } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { AllocationAttribute, AllocationBlock } from './types.ts';

/**
 * Block and pool CIDRs parsed once each (frozen): every pod's assignment reads its block's
 * base address and asks which pool holds the block, always of the same few thousand texts.
 * Bounded by clearing; the cache only saves parsing.
 */
const PREFIXES = new Map<string, Prefix4>();

/** `parsePrefix4` of a block or pool CIDR, shared (do not change it). */
export function cidrPrefix(cidr: string): Prefix4 {
  let p = PREFIXES.get(cidr);
  if (p === undefined) {
    p = Object.freeze(parsePrefix4(cidr));
    if (PREFIXES.size >= 65_536) PREFIXES.clear();
    PREFIXES.set(cidr, p);
  }
  return p;
}

/** A fresh block: every ordinal free, in order. `seq` seeds the sequence number. */
export function newBlock(cidr: string, affinity: string | null, seq: number): AllocationBlock {
  const n = prefixSize(parsePrefix4(cidr));
  return {
    cidr, affinity,
    allocations: new Array<number | null>(n).fill(null),
    unallocated: Array.from({ length: n }, (_, i) => i),
    attributes: [],
    sequenceNumber: seq,
    sequenceNumberForAllocation: {},
    deleted: false,
  };
}

/** Number of addresses the block covers. */
export function blockCapacity(b: AllocationBlock): number {
  return b.allocations.length;
}

/** The address at an ordinal (0 = the block's base address). */
export function ordinalToIP(b: AllocationBlock, ordinal: number): string {
  return formatIPv4(addIPv4(cidrPrefix(b.cidr).addr, ordinal));
}

/** The ordinal of an address, or undefined when it lies outside the block. */
export function ipToOrdinal(b: AllocationBlock, ip: string): number | undefined {
  const p = cidrPrefix(b.cidr);
  const a = parseIPv4(ip);
  if (!prefixContains(p, a)) return undefined;
  return (a - p.addr) >>> 0;
}

/** Free addresses left. */
export function numFree(b: AllocationBlock): number {
  return b.unallocated.length;
}

/** Addresses in use. */
export function numInUse(b: AllocationBlock): number {
  return b.allocations.filter((a) => a !== null).length;
}

/** True when nothing in the block is allocated. */
export function isEmpty(b: AllocationBlock): boolean {
  return b.allocations.every((a) => a === null);
}

/** The host of an affinity `host:<node>`, or undefined. */
export function affinityHost(b: AllocationBlock): string | undefined {
  return b.affinity?.startsWith('host:') ? b.affinity.slice(5) : undefined;
}

function sameAttrs(a: Record<string, string> | null, b: Record<string, string> | null): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
}

function findOrAddAttribute(b: AllocationBlock, handleId: string | null, attrs: Record<string, string> | null): number {
  const i = b.attributes.findIndex((x) => x.handle_id === handleId && sameAttrs(x.secondary, attrs));
  if (i >= 0) return i;
  const attr: AllocationAttribute = { handle_id: handleId, secondary: attrs ? { ...attrs } : null };
  b.attributes.push(attr);
  return b.attributes.length - 1;
}

/**
 * Takes up to `num` addresses from the head of `unallocated`. With `affinityCheck` the block
 * must be affine to `host` (strict affinity); returns the ordinals taken. Mutates `b`.
 */
export function assignFromBlock(
  b: AllocationBlock, num: number, handleId: string | null, attrs: Record<string, string> | null,
  host: string, affinityCheck: boolean,
): number[] {
  if (affinityCheck && b.affinity !== null && b.affinity !== `host:${host}`) {
    throw new Error(`Block affinity (${b.affinity}) does not match provided (${host}:host)`);
  }
  if (affinityCheck && b.affinity === null) throw new Error(`Attempt to assign from block ${b.cidr} with no affinity`);
  const take = b.unallocated.slice(0, num);
  if (take.length === 0) return [];
  const idx = findOrAddAttribute(b, handleId, attrs);
  for (const ord of take) {
    b.allocations[ord] = idx;
    b.sequenceNumberForAllocation[String(ord)] = b.sequenceNumber;
  }
  b.unallocated = b.unallocated.slice(take.length);
  return take;
}

/** Assigns one specific address (AssignIP). Throws when it is outside the block or taken. */
export function assignAddress(
  b: AllocationBlock, ip: string, handleId: string | null, attrs: Record<string, string> | null,
  host: string, affinityCheck: boolean,
): void {
  if (affinityCheck && b.affinity !== null && b.affinity !== `host:${host}`) throw new Error('Block host affinity does not match');
  const ord = ipToOrdinal(b, ip);
  if (ord === undefined) throw new Error(`IP ${ip} not in block ${b.cidr}`);
  if (b.allocations[ord] !== null) throw new Error(`Address already assigned in block: ${ip}`);
  b.allocations[ord] = findOrAddAttribute(b, handleId, attrs);
  b.sequenceNumberForAllocation[String(ord)] = b.sequenceNumber;
  b.unallocated = b.unallocated.filter((o) => o !== ord);
}

/** Drops attributes nothing refers to any more and renumbers the allocations. */
function compactAttributes(b: AllocationBlock): void {
  const used = new Set(b.allocations.filter((a): a is number => a !== null));
  const remap = new Map<number, number>();
  const kept: AllocationAttribute[] = [];
  b.attributes.forEach((a, i) => {
    if (used.has(i)) {
      remap.set(i, kept.length);
      kept.push(a);
    }
  });
  b.attributes = kept;
  b.allocations = b.allocations.map((a) => (a === null ? null : remap.get(a)!));
}

function freeOrdinals(b: AllocationBlock, ordinals: number[]): void {
  for (const ord of ordinals) {
    b.allocations[ord] = null;
    b.unallocated.push(ord);
    delete b.sequenceNumberForAllocation[String(ord)];
  }
  compactAttributes(b);
}

/** Releases every address of a handle, lowest ordinal first; returns the ordinals freed. */
export function releaseHandleFromBlock(b: AllocationBlock, handleId: string): number[] {
  const idx = new Set(b.attributes.flatMap((a, i) => (a.handle_id === handleId ? [i] : [])));
  if (idx.size === 0) return [];
  const ords = b.allocations.flatMap((a, ord) => (a !== null && idx.has(a) ? [ord] : []));
  freeOrdinals(b, ords);
  return ords;
}

/**
 * Releases specific addresses; returns those that were not allocated and the count released
 * per handle (for decrementing the handle records).
 */
export function releaseAddresses(b: AllocationBlock, ips: string[]): { unallocated: string[]; byHandle: Map<string, number> } {
  const unallocated: string[] = [];
  const byHandle = new Map<string, number>();
  const ords: number[] = [];
  for (const ip of new Set(ips)) {
    const ord = ipToOrdinal(b, ip);
    if (ord === undefined) throw new Error(`IP ${ip} not in block ${b.cidr}`);
    const a = b.allocations[ord];
    if (a === null || a === undefined) {
      unallocated.push(ip);
      continue;
    }
    ords.push(ord);
    const h = b.attributes[a]?.handle_id;
    if (h) byHandle.set(h, (byHandle.get(h) ?? 0) + 1);
  }
  freeOrdinals(b, ords);
  return { unallocated, byHandle };
}

/** The attributes of an allocated address, or undefined when it is free. */
export function attributesOf(b: AllocationBlock, ip: string): AllocationAttribute | undefined {
  const ord = ipToOrdinal(b, ip);
  if (ord === undefined) return undefined;
  const a = b.allocations[ord];
  return a === null || a === undefined ? undefined : b.attributes[a];
}
