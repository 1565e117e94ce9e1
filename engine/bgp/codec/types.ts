/**
 * BGP-4 messages and path attributes as plain typed data.
 *
 * Everything the wire carries is here as data the FSM, RIBs and UI can read without touching
 * bytes: `encodeMessage(msg, opts)` / `decodeMessage(bytes, opts)` convert between these and
 * the wire (RFC 4271 plus capabilities, MP-BGP, 4-octet AS, communities, route reflection).
 *
 * Conventions:
 * - IPv4 addresses and 32-bit numbers (ASNs, LOCAL_PREF, MED, communities, BGP ids) are
 *   unsigned 32-bit `number`s (never negative).
 * - IPv6 addresses are canonical RFC 5952 text ("fd00::1"); see `./ipv6.ts`.
 * - Attributes are kept in wire order so that re-encoding a received UPDATE gives the same
 *   bytes. `wireFlags` appears only when the received flags differ from what the encoder
 *   would choose (e.g. an Extended Length bit on a short attribute), so that messages built
 *   by hand and messages decoded from canonical bytes deep-equal each other.
 * - Decoding never throws for protocol errors: it returns a `DecodeOutcome`.
 */
import type { IPv4, Prefix4 } from '../../net/ip.ts';

/** IPv6 address as canonical RFC 5952 text, lower case, e.g. "fe80::1". */
export type IPv6 = string;

/** An IPv6 prefix with host bits cleared. */
export interface Prefix6 {
  readonly addr: IPv6;
  readonly len: number;
}

/** An IPv4 NLRI entry; `pathId` is present only on ADD-PATH sessions (RFC 7911). */
export interface Nlri4 extends Prefix4 {
  readonly pathId?: number;
}

/** An IPv6 NLRI entry; `pathId` is present only on ADD-PATH sessions (RFC 7911). */
export interface Nlri6 extends Prefix6 {
  readonly pathId?: number;
}

// ---------------------------------------------------------------------------------------------
// Constants

export const BGP_PORT = 179;
export const BGP_VERSION = 4;
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654: maximum length once the Extended Message capability is negotiated both ways. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
/** RFC 6793: the 2-octet stand-in for a 4-octet AS number. */
export const AS_TRANS = 23456;

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** Path attribute type codes. */
export const ATTR = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MED: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
} as const;

/** Attribute flag bits (RFC 4271 §4.3). */
export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED_LENGTH = 0x10;

/** Capability codes (IANA registry). */
export const CAP = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  GRACEFUL_RESTART: 64,
  AS4: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LLGR: 71,
  FQDN: 73,
  ROUTE_REFRESH_CISCO: 128,
} as const;

// ---------------------------------------------------------------------------------------------
// Session context

/** Which unicast families carry ADD-PATH path identifiers in the direction being coded. */
export interface AddPathFamilies {
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
}

/**
 * What the two OPENs negotiated, as far as the wire format depends on it. Pass the receive
 * direction's view to `decodeMessage` and the send direction's to `encodeMessage` (they differ
 * only for ADD-PATH, which is negotiated per direction).
 */
export interface CodecOptions {
  /** Both sides advertised capability 65: AS_PATH/AGGREGATOR carry 4-byte ASNs. */
  readonly as4: boolean;
  /** ADD-PATH (RFC 7911) in this direction, per family; absent = none. */
  readonly addPath?: AddPathFamilies;
  /** Both sides advertised Extended Message (RFC 8654): UPDATEs may reach 65535 bytes. */
  readonly extendedMessage?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Capabilities (OPEN optional parameter 2, RFC 5492)

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'route-refresh' }
  /** Pre-standard Cisco route refresh, code 128. */
  | { readonly kind: 'route-refresh-cisco' }
  | { readonly kind: 'enhanced-route-refresh' }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'as4'; readonly asn: number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538): the sender supports GR for NOTIFICATIONs. */
      readonly notification: boolean;
      /** Restart time in seconds (12 bits). */
      readonly time: number;
      readonly families: readonly GracefulRestartFamily[];
    }
  | { readonly kind: 'add-path'; readonly families: readonly AddPathFamily[] }
  | { readonly kind: 'extended-next-hop'; readonly entries: readonly ExtendedNextHopEntry[] }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly kind: 'llgr'; readonly families: readonly LlgrFamily[] }
  /** A capability we do not model, or a known one whose value did not parse: kept verbatim. */
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

export type CapabilityKind = Capability['kind'];

export interface GracefulRestartFamily extends AfiSafi {
  /** F bit: forwarding state was preserved. */
  readonly forwarding: boolean;
}

/** ADD-PATH send/receive mode: 1 receive, 2 send, 3 both. */
export type AddPathMode = 'receive' | 'send' | 'both';

export interface AddPathFamily extends AfiSafi {
  readonly mode: AddPathMode;
}

export interface ExtendedNextHopEntry extends AfiSafi {
  readonly nextHopAfi: number;
}

export interface LlgrFamily extends AfiSafi {
  readonly flags: number;
  /** Long-lived stale time in seconds (24 bits). */
  readonly staleTime: number;
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface OpenMessage {
  readonly type: 'open';
  /** Always 4 on the wire we send; decoded as received (a 2/1 error is reported otherwise). */
  readonly version: number;
  /** The 2-octet My AS field: AS_TRANS (23456) when the real AS is > 65535 (see `openAsn`). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: IPv4;
  /** Capabilities in wire order. */
  readonly capabilities: readonly Capability[];
  /**
   * How the capabilities were packed into optional parameters: absent = all in one
   * parameter (BIRD, GoBGP, ExaBGP; what we send), 'one-per-param' = one parameter each (FRR).
   */
  readonly packing?: 'one-per-param';
}

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast withdrawals (IPv6 ones travel in an MP_UNREACH_NLRI attribute). */
  readonly withdrawn: readonly Nlri4[];
  /** Path attributes in wire order. */
  readonly attributes: readonly PathAttribute[];
  /** IPv4 unicast announcements (IPv6 ones travel in an MP_REACH_NLRI attribute). */
  readonly nlri: readonly Nlri4[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 2918 ROUTE-REFRESH; RFC 7313 reuses the reserved byte as a subtype. */
export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** 'request' (0), 'borr' begin-of-route-refresh (1), 'eorr' end-of-route-refresh (2). */
  readonly subtype: 'request' | 'borr' | 'eorr' | number;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

export type MessageType = BgpMessage['type'];

// ---------------------------------------------------------------------------------------------
// Path attributes

export type Origin = 'igp' | 'egp' | 'incomplete';

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface LargeCommunity {
  readonly global: number;
  readonly local1: number;
  readonly local2: number;
}

/** One extended community (RFC 4360): the 8 raw bytes plus their interpretation. */
export interface ExtendedCommunity {
  readonly raw: Uint8Array;
  /** Derived from `raw` by `parseExtendedCommunity`; the encoder only looks at `raw`. */
  readonly parsed: ExtendedCommunityParsed;
}

export type ExtendedCommunityParsed =
  | {
      readonly kind: 'route-target' | 'route-origin';
      /** 'as2' = 2-octet AS:4-octet number, 'ipv4' = address:2-octet, 'as4' = 4-octet AS:2-octet. */
      readonly format: 'as2' | 'ipv4' | 'as4';
      readonly global: number;
      readonly local: number;
      readonly transitive: boolean;
    }
  | { readonly kind: 'other'; readonly type: number; readonly subtype: number; readonly transitive: boolean };

/** Fields every attribute may carry: received flags when they were not the canonical ones. */
interface AttrBase {
  readonly wireFlags?: number;
}

export interface OriginAttr extends AttrBase { readonly kind: 'origin'; readonly origin: Origin }
export interface AsPathAttr extends AttrBase { readonly kind: 'as-path'; readonly segments: readonly AsPathSegment[] }
export interface NextHopAttr extends AttrBase { readonly kind: 'next-hop'; readonly nextHop: IPv4 }
export interface MedAttr extends AttrBase { readonly kind: 'med'; readonly med: number }
export interface LocalPrefAttr extends AttrBase { readonly kind: 'local-pref'; readonly localPref: number }
export interface AtomicAggregateAttr extends AttrBase { readonly kind: 'atomic-aggregate' }
export interface AggregatorAttr extends AttrBase { readonly kind: 'aggregator'; readonly asn: number; readonly address: IPv4 }
export interface CommunitiesAttr extends AttrBase { readonly kind: 'communities'; readonly communities: readonly number[] }
export interface OriginatorIdAttr extends AttrBase { readonly kind: 'originator-id'; readonly originatorId: IPv4 }
export interface ClusterListAttr extends AttrBase { readonly kind: 'cluster-list'; readonly clusterIds: readonly IPv4[] }
export interface ExtendedCommunitiesAttr extends AttrBase {
  readonly kind: 'extended-communities';
  readonly communities: readonly ExtendedCommunity[];
}
export interface As4PathAttr extends AttrBase { readonly kind: 'as4-path'; readonly segments: readonly AsPathSegment[] }
export interface As4AggregatorAttr extends AttrBase { readonly kind: 'as4-aggregator'; readonly asn: number; readonly address: IPv4 }
export interface LargeCommunitiesAttr extends AttrBase {
  readonly kind: 'large-communities';
  readonly communities: readonly LargeCommunity[];
}

/** MP_REACH_NLRI (RFC 4760). Families other than IPv4/IPv6 unicast are kept raw. */
export type MpReachAttr =
  | (AttrBase & {
      readonly kind: 'mp-reach';
      readonly family: 'ipv6-unicast';
      /** Global next hop. */
      readonly nextHop: IPv6;
      /** Link-local next hop, present when the next hop field was 32 bytes (RFC 2545). */
      readonly linkLocal?: IPv6;
      readonly nlri: readonly Nlri6[];
    })
  | (AttrBase & {
      readonly kind: 'mp-reach';
      readonly family: 'ipv4-unicast';
      readonly nextHop: IPv4;
      readonly nlri: readonly Nlri4[];
    })
  | (AttrBase & {
      readonly kind: 'mp-reach';
      readonly family: 'other';
      readonly afi: number;
      readonly safi: number;
      readonly nextHop: Uint8Array;
      readonly nlri: Uint8Array;
    });

/** MP_UNREACH_NLRI (RFC 4760). An empty IPv6 one is the IPv6 End-of-RIB. */
export type MpUnreachAttr =
  | (AttrBase & { readonly kind: 'mp-unreach'; readonly family: 'ipv6-unicast'; readonly withdrawn: readonly Nlri6[] })
  | (AttrBase & { readonly kind: 'mp-unreach'; readonly family: 'ipv4-unicast'; readonly withdrawn: readonly Nlri4[] })
  | (AttrBase & {
      readonly kind: 'mp-unreach';
      readonly family: 'other';
      readonly afi: number;
      readonly safi: number;
      readonly withdrawn: Uint8Array;
    });

/**
 * An attribute we do not model. Optional transitive ones are passed on (with the Partial bit,
 * see `attributesForPropagation`); unknown non-transitive ones are dropped there.
 */
export interface UnknownAttr {
  readonly kind: 'unknown';
  readonly code: number;
  /** Flags as received (without the Extended Length bit, which the encoder chooses). */
  readonly flags: number;
  readonly value: Uint8Array;
  readonly wireFlags?: number;
}

export type PathAttribute =
  | OriginAttr
  | AsPathAttr
  | NextHopAttr
  | MedAttr
  | LocalPrefAttr
  | AtomicAggregateAttr
  | AggregatorAttr
  | CommunitiesAttr
  | OriginatorIdAttr
  | ClusterListAttr
  | MpReachAttr
  | MpUnreachAttr
  | ExtendedCommunitiesAttr
  | As4PathAttr
  | As4AggregatorAttr
  | LargeCommunitiesAttr
  | UnknownAttr;

export type AttributeKind = PathAttribute['kind'];

/** The attribute of a given kind, e.g. `AttrOf<'med'>` is `MedAttr`. */
export type AttrOf<K extends AttributeKind> = Extract<PathAttribute, { kind: K }>;

// ---------------------------------------------------------------------------------------------
// Decode outcomes (RFC 7606)

/** What the receiver must do about a problem, weakest first. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

/** One problem found while decoding: what, where, and the NOTIFICATION it maps to. */
export interface DecodeProblem {
  readonly action: ErrorAction;
  /** NOTIFICATION code/subcode this problem corresponds to (sent only for session-reset). */
  readonly code: number;
  readonly subcode: number;
  /** Attribute type code when the problem is in an attribute. */
  readonly attrCode?: number;
  /** Human-readable explanation, e.g. "ORIGIN length 2, expected 1". */
  readonly reason: string;
}

/**
 * Result of decoding one message.
 * - 'ok': use `message`.
 * - 'attribute-discard': `message` is usable; the malformed attributes were removed from it.
 * - 'treat-as-withdraw': every prefix the UPDATE announces (nlri + MP_REACH) must be treated as
 *   withdrawn; `message` holds what could be parsed (malformed attributes removed).
 * - 'session-reset': send `notification` and close the session.
 */
export type DecodeOutcome =
  | { readonly kind: 'ok'; readonly message: BgpMessage }
  | {
      readonly kind: 'attribute-discard' | 'treat-as-withdraw';
      readonly message: UpdateMessage;
      readonly problems: readonly DecodeProblem[];
    }
  | {
      readonly kind: 'session-reset';
      readonly notification: NotificationMessage;
      readonly problems: readonly DecodeProblem[];
    };
