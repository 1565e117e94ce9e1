/**
 * Which block a node tries next. Calico walks a pool's blocks from a start index chosen by
 * a random generator seeded with the FNV hash of the hostname, wrapping around: each node
 * starts somewhere different (so two nodes rarely race for the same block) but always at
 * the same place (so a restarted node does not scatter blocks). Borrowing walks the same
 * sequence.
 *
 * The seed is the same as Calico's (32-bit FNV-1 of the hostname, Go's `fnv.New32`); the
 * generator is not: Go's math/rand is a lagged-Fibonacci generator whose 607-word seed table
 * podlab does not reproduce, so the start index differs from a real cluster's for the same
 * hostname. The properties above hold.
 */
import { addIPv4, formatPrefix4, maskOf, parsePrefix4, prefixContains } from '../../net/ip.ts';
import type { IPPool } from './types.ts';

/** 32-bit FNV-1 (multiply, then xor) of the UTF-8 bytes, as Go's hash/fnv New32. */
export function fnv1_32(text: string): number {
  let h = 0x811c9dc5;
  // Hostnames are ASCII: their UTF-8 bytes are their char codes, read without an encoder (a
  // TextEncoder made per call was most of a node's block claim at start-up).
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      ascii = false;
      break;
    }
    h = (Math.imul(h, 0x01000193) ^ c) >>> 0;
  }
  if (ascii) return h >>> 0;
  h = 0x811c9dc5;
  for (const byte of UTF8.encode(text)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h >>> 0;
}

const UTF8 = new TextEncoder();

/** A small seeded generator (mulberry32): deterministic floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pool's block prefix length (default 26). */
export function poolBlockSize(pool: IPPool): number {
  return pool.spec.blockSize ?? 26;
}

/** How many blocks the pool holds. */
export function numBlocks(pool: IPPool): number {
  const p = parsePrefix4(pool.spec.cidr);
  return 2 ** (poolBlockSize(pool) - p.len);
}

/** Where `hostname`'s walk through the pool begins: the first draw of the FNV-seeded generator. */
export function startIndex(pool: IPPool, hostname: string): number {
  return Math.floor(seededRandom(fnv1_32(hostname))() * numBlocks(pool));
}

/** The CIDR of the pool's i-th block. */
export function blockAt(pool: IPPool, i: number): string {
  const p = parsePrefix4(pool.spec.cidr);
  const size = 2 ** (32 - poolBlockSize(pool));
  return formatPrefix4({ addr: addIPv4(p.addr, i * size), len: poolBlockSize(pool) });
}

/** Every block of the pool, starting at the host's start index and wrapping around. */
export function* candidateBlocks(pool: IPPool, hostname: string): Generator<string> {
  const n = numBlocks(pool);
  const start = startIndex(pool, hostname);
  for (let k = 0; k < n; k++) yield blockAt(pool, (start + k) % n);
}

/** The CIDR of the block of `pool` that holds `ip`. */
export function blockCidrForAddress(pool: IPPool, ip: number): string {
  const len = poolBlockSize(pool);
  return formatPrefix4({ addr: (ip & maskOf(len)) >>> 0, len });
}

/** True when the pool's CIDR contains the address. */
export function poolContains(pool: IPPool, ip: number): boolean {
  return prefixContains(parsePrefix4(pool.spec.cidr), ip);
}
