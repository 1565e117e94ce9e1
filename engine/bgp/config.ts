/** Speaker configuration as plain data (what the YAML file and confd produce). */
import type { PolicyStep } from './rib/policy.ts';

/** One configured neighbour. */
export interface PeerConfig {
  readonly address: string;
  readonly as: number;
  /** Protocol name shown by `show protocols` (default bgp_<address>). */
  readonly name?: string;
  readonly passive?: boolean;
  /** Proposed hold time in seconds (default: the speaker's, 90). */
  readonly holdTime?: number;
  readonly routeReflectorClient?: boolean;
  /** Remote TCP port (default 179). */
  readonly port?: number;
  readonly nextHopSelf?: boolean;
  /** Toward eBGP, pass the received NEXT_HOP unchanged (route-server style). */
  readonly nextHopKeep?: boolean;
  /** ConnectRetry seconds (default: the speaker's, 120). */
  readonly connectRetry?: number;
  readonly importPolicy?: PolicyStep;
  readonly exportPolicy?: PolicyStep;
}

/** A route this speaker originates. */
export interface AnnounceConfig {
  readonly prefix: string;
  /** Next hop; default: our address on each session. */
  readonly nextHop?: string;
  readonly localPref?: number;
  readonly med?: number;
  /** "asn:value" strings. */
  readonly communities?: readonly string[];
}

/** The whole speaker. */
export interface SpeakerConfig {
  readonly routerId: string;
  readonly localAS: number;
  /** Address to bind for listening and dialing (default: any). */
  readonly localAddress?: string;
  /** Our IPv6 next hop for IPv6 routes on IPv4 sessions (default: IPv4-mapped address). */
  readonly localAddress6?: string;
  /** Port to listen on (default 179); `listen: false` disables listening. */
  readonly listenPort?: number;
  readonly listen?: boolean;
  readonly peers: readonly PeerConfig[];
  /** Route-reflector cluster id (default: the router id). */
  readonly clusterId?: string;
  readonly announce?: readonly AnnounceConfig[];
  readonly holdTime?: number;
  readonly connectRetry?: number;
  /** Seconds Idle after an error before restarting (default 5). */
  readonly idleHold?: number;
}
