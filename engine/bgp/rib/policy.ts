/**
 * Import/export policy as small composable functions over (prefix, attributes): each step
 * returns the (possibly changed) attributes or null to reject. `chain` runs steps in order.
 */
import { ipPrefixContains, parsePrefix } from '../../net/ip.ts';
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

function matchesEntry(prefix: string, e: PrefixListEntry): boolean {
  const p = parsePrefix(prefix);
  const ep = parsePrefix(e.prefix);
  if (p.family !== ep.family || p.len < ep.len) return false;
  if (!ipPrefixContains(ep, p)) return false;
  const ge = e.ge ?? ep.len;
  const le = e.le ?? (e.ge !== undefined ? (p.family === 6 ? 128 : 32) : ep.len);
  return p.len >= ge && p.len <= le;
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
