/**
 * What two OPENs negotiate, as the codec and the FSM need it.
 *
 * A capability counts only when both sides advertised it (RFC 5492). ADD-PATH is directional
 * (RFC 7911 §4): we receive path ids for a family when we advertised receive and the peer
 * advertised send, and vice versa; so the result has one `CodecOptions` per direction.
 */
import { findCapability } from './open.ts';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type AddPathMode, type CodecOptions, type OpenMessage } from './types.ts';

export interface NegotiatedSession {
  /** Options for `decodeMessage` on this session. */
  readonly decode: CodecOptions;
  /** Options for `encodeMessage` on this session. */
  readonly encode: CodecOptions;
  /** min(local, remote) hold time (RFC 4271 §4.2); 0 disables keepalives and the hold timer. */
  readonly holdTime: number;
  /** Unicast families both sides enabled (no MP capability at all means IPv4 unicast only). */
  readonly families: { readonly ipv4: boolean; readonly ipv6: boolean };
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly gracefulRestart: boolean;
}

function families(o: OpenMessage): { ipv4: boolean; ipv6: boolean } {
  const mp = o.capabilities.filter((c) => c.kind === 'multiprotocol');
  if (mp.length === 0) return { ipv4: true, ipv6: false };
  const has = (afi: number): boolean => mp.some((c) => c.kind === 'multiprotocol' && c.afi === afi && c.safi === SAFI_UNICAST);
  return { ipv4: has(AFI_IPV4), ipv6: has(AFI_IPV6) };
}

function addPathMode(o: OpenMessage, afi: number): AddPathMode | undefined {
  return findCapability(o, 'add-path')?.families.find((f) => f.afi === afi && f.safi === SAFI_UNICAST)?.mode;
}

const sends = (m: AddPathMode | undefined): boolean => m === 'send' || m === 'both';
const receives = (m: AddPathMode | undefined): boolean => m === 'receive' || m === 'both';

/** Negotiates a session from our OPEN and the peer's. */
export function negotiate(local: OpenMessage, remote: OpenMessage): NegotiatedSession {
  const both = (k: 'as4' | 'extended-message' | 'route-refresh' | 'enhanced-route-refresh' | 'graceful-restart'): boolean =>
    !!findCapability(local, k) && !!findCapability(remote, k);
  const as4 = both('as4');
  const extendedMessage = both('extended-message');
  const lf = families(local);
  const rf = families(remote);
  const fam = { ipv4: lf.ipv4 && rf.ipv4, ipv6: lf.ipv6 && rf.ipv6 };
  const rx = {
    ipv4: fam.ipv4 && receives(addPathMode(local, AFI_IPV4)) && sends(addPathMode(remote, AFI_IPV4)),
    ipv6: fam.ipv6 && receives(addPathMode(local, AFI_IPV6)) && sends(addPathMode(remote, AFI_IPV6)),
  };
  const tx = {
    ipv4: fam.ipv4 && sends(addPathMode(local, AFI_IPV4)) && receives(addPathMode(remote, AFI_IPV4)),
    ipv6: fam.ipv6 && sends(addPathMode(local, AFI_IPV6)) && receives(addPathMode(remote, AFI_IPV6)),
  };
  const refresh = (o: OpenMessage): boolean => !!findCapability(o, 'route-refresh') || !!findCapability(o, 'route-refresh-cisco');
  return {
    decode: { as4, extendedMessage, ...(rx.ipv4 || rx.ipv6 ? { addPath: rx } : {}) },
    encode: { as4, extendedMessage, ...(tx.ipv4 || tx.ipv6 ? { addPath: tx } : {}) },
    holdTime: Math.min(local.holdTime, remote.holdTime),
    families: fam,
    routeRefresh: refresh(local) && refresh(remote),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    gracefulRestart: both('graceful-restart'),
  };
}
