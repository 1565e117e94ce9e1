/**
 * Import/export policy as small composable functions over (prefix, attributes): each step
 * returns the (possibly changed) attributes or null to reject. `chain` runs steps in order.
 */
import { maskOf } from '../../net/ip.ts';
import { parseCommunity } from './attrs.ts';
import type { PathAttrs } from './attrs.ts';

/** One policy step: attributes out, or null to reject the route. */
export type PolicyStep = (prefix: string, attrs: PathAttrs) => PathAttrs | null;

/** Runs steps in order, stopping at the first rejection. */
export function chain(...steps: PolicyStep[]): PolicyStep {
  return (prefix, attrs) => {
    let a: PathAttrs | null = attrs;
    for (const s of steps) {
      a = s(prefix, a);
      if (!a) return null;
    }
    return a;
  };
}

/** One entry of a prefix list: a prefix plus optional ge/le bounds on the route's length. */
export interface PrefixListEntry {
  prefix: string;
  ge?: number;
  le?: number;
  action?: 'permit' | 'deny';
}

function v4(text: string): number {
  return text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) >>> 0;
}

function matchesEntry(prefix: string, e: PrefixListEntry): boolean {
  const [addr, lenText] = prefix.split('/') as [string, string];
  const [eAddr, eLenText] = e.prefix.split('/') as [string, string];
  const len = Number(lenText);
  const eLen = Number(eLenText);
  if (addr.includes(':') || eAddr.includes(':')) {
    if (addr.includes(':') !== eAddr.includes(':')) return false;
    // IPv6: exact or bounded match on text of the covering prefix is enough for lab use.
    if (e.ge === undefined && e.le === undefined) return prefix === e.prefix;
  } else {
    if (((v4(addr) ^ v4(eAddr)) & maskOf(eLen)) >>> 0 !== 0 || len < eLen) return false;
  }
  const ge = e.ge ?? eLen;
  const le = e.le ?? (e.ge !== undefined ? (addr.includes(':') ? 128 : 32) : eLen);
  return len >= ge && len <= le;
}

/** A prefix list: the first matching entry decides; no match rejects (like FRR/BIRD). */
export function prefixList(entries: PrefixListEntry[]): PolicyStep {
  return (prefix, attrs) => {
    for (const e of entries) if (matchesEntry(prefix, e)) return (e.action ?? 'permit') === 'permit' ? attrs : null;
    return null;
  };
}

/** Passes only routes carrying the community ("asn:value"). */
export function matchCommunity(community: string): PolicyStep {
  const c = parseCommunity(community);
  return (_p, attrs) => (attrs.communities?.includes(c) ? attrs : null);
}

/** Rejects routes carrying the community. */
export function rejectCommunity(community: string): PolicyStep {
  const c = parseCommunity(community);
  return (_p, attrs) => (attrs.communities?.includes(c) ? null : attrs);
}

/** Adds a community (once). */
export function addCommunity(community: string): PolicyStep {
  const c = parseCommunity(community);
  return (_p, attrs) => (attrs.communities?.includes(c) ? attrs : { ...attrs, communities: [...(attrs.communities ?? []), c] });
}

/** Sets LOCAL_PREF. */
export function setLocalPref(value: number): PolicyStep {
  return (_p, attrs) => ({ ...attrs, localPref: value >>> 0 });
}

/** Sets MED. */
export function setMed(value: number): PolicyStep {
  return (_p, attrs) => ({ ...attrs, med: value >>> 0 });
}

/** Sets NEXT_HOP to a fixed address. */
export function setNextHop(address: string): PolicyStep {
  return (_p, attrs) => ({ ...attrs, nextHop: address });
}

/** Accepts everything unchanged. */
export const acceptAll: PolicyStep = (_p, attrs) => attrs;

/** Rejects everything. */
export const rejectAll: PolicyStep = () => null;
