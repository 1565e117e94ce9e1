/**
 * The topology model: what a user writes in `topologies/*.yaml`, in two forms.
 *
 * - `Raw*` is the document as written, typed, with every value remembering where it was
 *   written (`Located<T>`). Shape errors (wrong types, unknown kinds) are already removed;
 *   semantic errors (unknown link targets, overlapping subnets) are not checked yet.
 * - `Topology` is the normalised, validated form later layers consume: every interface
 *   resolved (declared ones plus those links create), addresses as `Prefix4`, links as
 *   endpoint pairs, defaults filled. Only a file with no errors becomes a `Topology`.
 *
 * Everything here is plain JSON-able data (no Maps, no classes) so a recording can store a
 * topology and the browser can read it back. Lookups: `nodeByName`, `ifaceOf` in topology.ts.
 */
import type { IPv4, Prefix4 } from '../net/ip.ts';

/** A position in a source file; line and col are 1-based (the way editors count). */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A value together with where it was written. */
export interface Located<T> {
  readonly value: T;
  readonly loc: Location;
}

export type Severity = 'error' | 'warning';

/** One finding of validation: prints as `file:line:col: error: message — hint`. */
export interface Problem {
  readonly severity: Severity;
  readonly loc: Location;
  readonly message: string;
  /** What the user should do about it. */
  readonly hint?: string;
}

/** The node kinds a topology may use. */
export const NODE_KINDS = ['k8s-node', 'router', 'switch', 'host'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Defaults applied during normalisation. */
export const DEFAULT_MTU = 1500;
export const MIN_MTU = 68; // RFC 791: every IPv4 host must handle 68-byte datagrams
export const MAX_MTU = 9216; // the largest jumbo frame common switches accept
/** The VLAN untagged switch ports belong to when nothing else is said (802.1Q default VLAN). */
export const DEFAULT_VLAN = 1;

// ---------------------------------------------------------------------------------------
// Raw form: the document as written.

export interface RawInterface {
  readonly name: Located<string>;
  readonly address?: Located<string>;
  readonly mtu?: Located<number>;
  readonly loc: Location;
}

export interface RawRoute {
  readonly to: Located<string>;
  readonly via: Located<string>;
  readonly loc: Location;
}

export interface RawPeer {
  readonly address: Located<string>;
  readonly asn?: Located<number>;
  readonly description?: Located<string>;
  readonly passive?: Located<boolean>;
  readonly rrClient?: Located<boolean>;
  readonly loc: Location;
}

/** A switch port as written: `vlan`/`vlans`/`native` are ids or names from `vlans:`. */
export interface RawPort {
  readonly name: Located<string>;
  readonly mode: Located<'access' | 'trunk'>;
  readonly vlan?: Located<number | string>;
  readonly vlans?: Located<Located<number | string>[]>;
  readonly native?: Located<number | string>;
  readonly loc: Location;
}

export interface RawNode {
  readonly name: Located<string>;
  readonly kind: Located<NodeKind>;
  readonly labels?: Located<Record<string, string>>;
  readonly asn?: Located<number>;
  readonly routerId?: Located<string>;
  /** Present when the user wrote `interfaces:`; then it is the complete list. */
  readonly interfaces?: Located<RawInterface[]>;
  readonly routes?: Located<RawRoute[]>;
  readonly gateway?: Located<string>;
  readonly peers?: Located<RawPeer[]>;
  /** Present when the user wrote `ports:` on a switch; then it is the complete list. */
  readonly ports?: Located<RawPort[]>;
  readonly rack?: Located<string>;
  readonly floor?: Located<string>;
  readonly image?: Located<string>;
  readonly loc: Location;
}

export interface RawEndpoint {
  readonly node: string;
  readonly iface: string;
  readonly loc: Location;
}

export interface RawLink {
  readonly endpoints: Located<[RawEndpoint, RawEndpoint]>;
  readonly mtu?: Located<number>;
  readonly latency?: Located<string>;
  readonly loss?: Located<string>;
  readonly vlan?: Located<number | string>;
  readonly loc: Location;
}

export interface RawVlan {
  readonly name: Located<string>;
  readonly id: Located<number>;
  readonly subnet?: Located<string>;
  readonly loc: Location;
}

/** A Calico / Kubernetes manifest carried verbatim. */
export interface CalicoManifest {
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name`, when present. */
  readonly name?: string;
  /** The whole manifest as plain data (what `kubectl apply` would receive). */
  readonly manifest: Record<string, unknown>;
  readonly loc: Location;
}

export interface RawTopology {
  readonly file: string;
  readonly name?: Located<string>;
  readonly description?: Located<string>;
  readonly nodes: RawNode[];
  readonly links: RawLink[];
  readonly vlans: RawVlan[];
  readonly calico: CalicoManifest[];
  /** Nodes written in the file but dropped for shape errors (links to them are not re-reported). */
  readonly brokenNodes?: readonly string[];
}

// ---------------------------------------------------------------------------------------
// Normalised form: what later layers build from.

export interface Interface {
  readonly node: string;
  readonly name: string;
  /** Interface address with its host part (10.30.200.1/24); absent when unnumbered. */
  readonly address?: Prefix4;
  /** Interface MTU: its own `mtu`, else its link's `mtu`, else DEFAULT_MTU. */
  readonly mtu: number;
  /** Index into `Topology.links`, when a link attaches here. */
  readonly link?: number;
  /** Index into `Topology.segments`: the L2 broadcast domain this interface sits in. */
  readonly segment?: number;
  readonly loc: Location;
}

export interface StaticRoute {
  readonly to: Prefix4;
  readonly via: IPv4;
  readonly loc: Location;
}

/** A BGP session a router is configured with (k8s nodes get theirs from Calico resources). */
export interface BgpPeer {
  readonly address: IPv4;
  readonly asn: number;
  readonly description?: string;
  /** Wait for the peer to connect (BIRD `passive on`). */
  readonly passive: boolean;
  /** This router reflects routes to the peer (BIRD `rr client`). */
  readonly rrClient: boolean;
  readonly loc: Location;
}

export type SwitchPort =
  | {
      readonly name: string;
      readonly mode: 'access';
      /** VLAN id of untagged frames. */
      readonly vlan: number;
      readonly loc: Location;
    }
  | {
      readonly name: string;
      readonly mode: 'trunk';
      /** Tagged VLAN ids, ascending. */
      readonly vlans: readonly number[];
      /** VLAN id of untagged frames; absent = untagged frames are dropped. */
      readonly native?: number;
      readonly loc: Location;
    };

export interface TopoNode {
  readonly name: string;
  readonly kind: NodeKind;
  readonly labels: Readonly<Record<string, string>>;
  /** Router / k8s-node AS number (unsigned 32-bit). */
  readonly asn?: number;
  /** Router id: `routerId`, else the first interface address (declaration order). */
  readonly routerId?: IPv4;
  /** Declared interfaces first (in file order), then those only links mention. Switches: none. */
  readonly interfaces: readonly Interface[];
  /** Static routes; `gateway` is folded in as a 0.0.0.0/0 route (its loc = the gateway's). */
  readonly routes: readonly StaticRoute[];
  readonly gateway?: IPv4;
  readonly peers: readonly BgpPeer[];
  /** Switches only: every port, declared or implied by a link (implied = access DEFAULT_VLAN or the link's vlan). */
  readonly ports: readonly SwitchPort[];
  readonly rack?: string;
  readonly floor?: string;
  readonly image?: string;
  readonly loc: Location;
}

export interface Endpoint {
  readonly node: string;
  readonly iface: string;
}

export interface Link {
  readonly endpoints: readonly [Endpoint, Endpoint];
  /** Link MTU (DEFAULT_MTU when not given). */
  readonly mtu: number;
  /** One-way delay in milliseconds (0 = none). */
  readonly latencyMs: number;
  /** Random loss in percent, 0..100. */
  readonly lossPercent: number;
  /** The VLAN the non-switch end's untagged frames belong to, when given. */
  readonly vlan?: number;
  readonly loc: Location;
}

export interface Vlan {
  readonly name: string;
  readonly id: number;
  readonly subnet?: Prefix4;
  readonly loc: Location;
}

/**
 * An L2 broadcast domain: everything that hears the same ARP broadcast. Computed by
 * walking links through switches and their VLANs.
 */
export interface Segment {
  readonly id: number;
  /** VLAN id when the segment goes through a switch VLAN (the first such VLAN found). */
  readonly vlan?: number;
  /** Member L3 interfaces (non-switch), as `node:iface`, sorted. */
  readonly members: readonly string[];
  /** The switches (with the VLAN id used on each) the segment crosses. */
  readonly switches: readonly { readonly node: string; readonly vlan: number }[];
}

export interface Topology {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly nodes: readonly TopoNode[];
  readonly links: readonly Link[];
  readonly vlans: readonly Vlan[];
  readonly segments: readonly Segment[];
  readonly calico: readonly CalicoManifest[];
}

/** What `loadTopology` and `parseTopology` return: a topology, or why there is none. */
/** What an invalid topology still tells: its Calico manifests and node names and kinds. */
export interface TopologyDraft {
  readonly calico: readonly CalicoManifest[];
  readonly nodes: readonly { readonly name: string; readonly kind: string }[];
}

export type LoadResult =
  | { readonly topology: Topology; readonly problems: readonly Problem[] }
  | { readonly topology?: undefined; readonly problems: readonly Problem[]; readonly draft?: TopologyDraft };
