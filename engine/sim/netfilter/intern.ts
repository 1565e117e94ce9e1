/**
 * Shared, frozen rule parts. Every node of a Calico cluster holds the same few hundred rules
 * (Felix renders the same chains everywhere; only the per-pod chains differ), so a rule's
 * matches, target, addresses and strings are kept once for the whole process and each
 * namespace's Rule only adds its own counters. Frozen, so a stray in-place edit throws
 * instead of changing another namespace's rules.
 *
 * Strings are copied flat on first sight (net/intern.ts): a token cut out of an
 * `iptables-restore` input is a slice of that whole input, and keeping the slice would keep the input.
 *
 * The tables are bounded by clearing: sharing is only a saving, never a meaning.
 */

import { internString } from '../../net/intern.ts';

export { internString };

const MAX_ENTRIES = 200_000;
const values = new Map<string, unknown>();

/** A canonical key that, unlike JSON, tells an absent property from one set to undefined. */
function keyOf(x: unknown): string {
  if (x === undefined) return 'u';
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(keyOf).join(',')}]`;
  let out = '{';
  for (const k of Object.keys(x)) out += `${JSON.stringify(k)}:${keyOf((x as Record<string, unknown>)[k])},`;
  return `${out}}`;
}

function frozenCopy(x: unknown): unknown {
  if (typeof x === 'string') return internString(x);
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return Object.freeze(x.map(frozenCopy));
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(x)) o[internString(k)] = frozenCopy((x as Record<string, unknown>)[k]);
  return Object.freeze(o);
}

/** The shared frozen equal of a plain value (objects, arrays, strings, numbers, booleans). */
export function internValue<T>(x: T): T {
  const key = keyOf(x);
  let v = values.get(key);
  if (v === undefined) {
    if (values.size >= MAX_ENTRIES) values.clear();
    v = frozenCopy(x);
    values.set(key, v);
  }
  return v as T;
}
