/** Routes and the peers they come from, as stored in the RIBs. */
import type { PathAttrs } from './attrs.ts';

/** Who a route was learned from (or `local` for routes this speaker originates). */
export interface PeerRef {
  /** Unique key of the peer inside the speaker (its address, or "local"). */
  readonly key: string;
  readonly address: string;
  /** The peer's BGP identifier (unsigned 32-bit); the local router id for local routes. */
  readonly routerId: number;
  readonly asn: number;
  readonly ibgp: boolean;
  readonly rrClient: boolean;
  readonly local: boolean;
}

/** Address family of a prefix key. */
export type Afi = 'ipv4' | 'ipv6';

/** One path to a prefix. Prefix keys are canonical text ("10.0.0.0/24", "2001:db8::/32"). */
export interface Route {
  readonly prefix: string;
  readonly attrs: PathAttrs;
  readonly from: PeerRef;
}

/** Family of a canonical prefix key. */
export function afiOf(prefix: string): Afi {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * Routes and peer references are immutable values, and in a fabric the same ones recur on
 * every speaker: each reflector client learns each prefix from its two reflectors with the
 * attribute set all clients share (the codec and wire-map hand out one object per distinct
 * bytes) from a peer every client sees alike (same address, id, AS, role). Keeping one frozen
 * object per distinct value for the whole process takes the two path records out of the cost
 * of every (node, prefix) pair. Identity still means equality: an equal route is the same
 * object. Bounded by clearing: sharing is a saving, never a meaning.
 */
const SHARED_MAX = 1 << 20;
let sharedRoutes = new WeakMap<PeerRef, WeakMap<PathAttrs, Map<string, Route>>>();
let sharedCount = 0;
const peerRefs = new Map<string, PeerRef>();

/** The process-wide route object for (prefix, attrs, from); `attrs` and `from` by identity. */
export function sharedRoute(prefix: string, attrs: PathAttrs, from: PeerRef): Route {
  let byAttrs = sharedRoutes.get(from);
  if (!byAttrs) sharedRoutes.set(from, (byAttrs = new WeakMap()));
  let byPrefix = byAttrs.get(attrs);
  if (!byPrefix) byAttrs.set(attrs, (byPrefix = new Map()));
  let r = byPrefix.get(prefix);
  if (!r) {
    if (sharedCount >= SHARED_MAX) {
      sharedRoutes = new WeakMap();
      sharedCount = 0;
    }
    r = Object.freeze({ prefix, attrs, from });
    byPrefix.set(prefix, r);
    sharedCount++;
  }
  return r;
}

/** The process-wide object equal to `ref` (every field compared through its text key). */
export function sharedPeerRef(ref: PeerRef): PeerRef {
  const k = `${ref.key}|${ref.address}|${ref.routerId}|${ref.asn}|${ref.ibgp ? 1 : 0}${ref.rrClient ? 1 : 0}${ref.local ? 1 : 0}`;
  let r = peerRefs.get(k);
  if (!r) {
    if (peerRefs.size >= 100_000) peerRefs.clear();
    peerRefs.set(k, (r = Object.freeze({ ...ref })));
  }
  return r;
}
