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
