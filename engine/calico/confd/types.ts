/**
 * confd's inputs and its output, the BGP INTENT of one node: what Calico's confd would write
 * into BIRD's configuration, as plain data. Renderers turn it into BIRD 1.6 text
 * (bird.ts, bird-ipam.ts) or into podlab's built-in speaker configuration (speaker.ts).
 */
import type { BGPPeer, IPPool } from '../resources/types.ts';

/** Evaluates a Calico selector against labels (the selector module in production). */
export type SelectorMatcher = (selector: string, labels: Readonly<Record<string, string>>) => boolean;

/** One Calico node as confd sees it (`/calico/bgp/v1/host/<name>/…`). */
export interface ConfdNode {
  readonly name: string;
  /** Address with prefix, e.g. `10.0.0.2/24` (the prefix gives CrossSubnet's subnet). */
  readonly ipv4Address?: string;
  /** The node's own AS; absent = the global AS. */
  readonly asNumber?: number;
  readonly rrClusterId?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** An IPAM block affine to a node (`/calico/ipam/v2/host/<node>/ipv4/block/<cidr>`). */
export interface AffineBlock {
  readonly cidr: string;
  /** Affinity state; absent = "implicitly confirmed" (older data without a state). */
  readonly state?: 'confirmed' | 'pending' | 'pendingDeletion';
}

/** Global BGP settings confd reads (`/calico/bgp/v1/global/…`). */
export interface ConfdGlobal {
  readonly asNumber: number;
  readonly nodeToNodeMeshEnabled: boolean;
  readonly listenPort?: number;
  readonly bindMode?: 'None' | 'NodeIP';
  /** `debug`, `info` or `none` (BGPConfiguration.logSeverityScreen folded as confd does). */
  readonly logLevel?: 'debug' | 'info' | 'none';
  readonly nodeMeshRestartTime?: number;
  readonly ignoredInterfaces?: readonly string[];
  readonly serviceClusterIPs: readonly string[];
  readonly serviceExternalIPs: readonly string[];
  readonly serviceLoadBalancerIPs: readonly string[];
  /** Prefix → community values (names already resolved). */
  readonly prefixAdvertisements: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
}

/** Per-node overrides from `BGPConfiguration node.<name>`. */
export interface ConfdNodeOverrides {
  readonly listenPort?: number;
  readonly bindMode?: 'None' | 'NodeIP';
  readonly logLevel?: 'debug' | 'info' | 'none';
  readonly prefixAdvertisements?: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
}

/** Everything confd needs to compute every node's intent. */
export interface ConfdInput {
  readonly nodes: readonly ConfdNode[];
  readonly pools: readonly IPPool[];
  readonly peers: readonly BGPPeer[];
  readonly global: ConfdGlobal;
  readonly perNode: Readonly<Record<string, ConfdNodeOverrides>>;
  /** Node name → its affine blocks. */
  readonly blocks: Readonly<Record<string, readonly AffineBlock[]>>;
  /** Node name → addresses it borrowed from other nodes' blocks (exported as /32). */
  readonly borrowed?: Readonly<Record<string, readonly string[]>>;
  /**
   * Node name → the /32s confd's route generator adds for Services with
   * externalTrafficPolicy Local that have an endpoint on the node (advertised beside the CIDRs).
   */
  readonly serviceRoutes?: Readonly<Record<string, readonly string[]>>;
  readonly match: SelectorMatcher;
}

export type PeerKind = 'Mesh' | 'Global' | 'Node';

/** One BGP session of the node, with confd's name for it. */
export interface PeerIntent {
  /** BIRD protocol name: `Mesh_10_0_0_2`, `Global_10_0_0_1_port_1790`, `Node_…`. */
  readonly name: string;
  readonly kind: PeerKind;
  /** The datastore key confd renders in its `# For peer …` comment. */
  readonly key: string;
  readonly ip: string;
  readonly port?: number;
  readonly asNumber: number;
  /** Same AS as this node: iBGP (calico_export_to_bgp_peers(true)). */
  readonly internal: boolean;
  readonly passive: boolean;
  /** Our address for the TCP connection, when confd pins it (`source address`). */
  readonly sourceAddress?: string;
  readonly rrClient: boolean;
  /** The cluster id rendered with `rr client`. */
  readonly rrClusterId?: string;
  readonly nextHopKeep: boolean;
  readonly nextHopSelf: boolean;
  readonly allowLocalAs?: number;
  readonly ttlSecurity?: number;
  readonly gracefulRestartTime?: number;
  /** The Calico node at the other end, when it is one. */
  readonly peerNode?: string;
  /** Why this session exists: `node-to-node mesh`, `BGPPeer <name>`, `reverse of BGPPeer <name>`. */
  readonly origin: string;
}

/** An entry of the node-to-node mesh section, including the ones confd skips with a comment. */
export type MeshEntry =
  | { readonly type: 'peer'; readonly node: string; readonly peer: PeerIntent }
  | { readonly type: 'self'; readonly node: string; readonly ip: string }
  | { readonly type: 'route-reflector'; readonly node: string; readonly ip: string; readonly clusterId: string }
  | { readonly type: 'no-address'; readonly node: string };

/** An entry of the global / node-specific sections (peers, or skipped ourselves). */
export type PeerEntry =
  | { readonly type: 'peer'; readonly peer: PeerIntent }
  | { readonly type: 'self'; readonly key: string; readonly ip: string };

/** What BIRD does with a learned route before installing it (filter calico_kernel_programming). */
export type KernelRule =
  | { readonly cidr: string; readonly action: 'reject-static' }
  | { readonly cidr: string; readonly action: 'reject-vxlan' }
  | { readonly cidr: string; readonly action: 'tunnel'; readonly tunnel: '' | 'tunl0' }
  | { readonly cidr: string; readonly action: 'cross-subnet'; readonly network: string; readonly tunnel: '' | 'tunl0' };

/** The BGP intent of one node. */
export interface BgpIntent {
  readonly node: string;
  /** False when the node has no IPv4 address: confd renders "# IPv4 disabled on this node." */
  readonly ipv4Enabled: boolean;
  readonly routerId: string;
  /** The node's address without prefix. */
  readonly address: string;
  /** The node's subnet (network of ipv4Address), CrossSubnet's "same subnet". */
  readonly network?: string;
  readonly localAS: number;
  readonly listenPort?: number;
  /** Where listenPort came from: this node's BGPConfiguration or the global one. */
  readonly listenPortScope?: 'node' | 'global';
  readonly listenAddress?: string;
  readonly logLevel?: 'debug' | 'info' | 'none';
  readonly ignoredInterfaces: readonly string[];
  readonly rrClusterId?: string;
  /** Mesh configured globally (even if this node, as an RR, ignores it). */
  readonly meshEnabled: boolean;
  readonly mesh: readonly MeshEntry[];
  readonly globalPeers: readonly PeerEntry[];
  readonly nodePeers: readonly PeerEntry[];
  /** Every session, in render order: mesh, global, node-specific. */
  readonly peers: readonly PeerIntent[];
  /** Affine blocks sorted as confd lists them. */
  readonly blocks: readonly AffineBlock[];
  /** Static blackhole routes: the affine blocks except /32 ones. */
  readonly blackholes: readonly string[];
  /** Service CIDRs advertised (static blackholes, never installed locally). */
  readonly staticRoutes: readonly string[];
  /** `/32 via <gw>` routes for peers with reachableBy. */
  readonly reachableBy: readonly { readonly dest: string; readonly via: string }[];
  /** Addresses borrowed from other nodes' blocks, exported as /32. */
  readonly borrowed: readonly string[];
  /** Pools in confd's order, with what export does with them. */
  readonly pools: readonly { readonly cidr: string; readonly disableBGPExport: boolean }[];
  readonly kernelRules: readonly KernelRule[];
  readonly communities: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
  /** Load-balancer CIDRs a route reflector passes on. */
  readonly rrLoadBalancerIPs: readonly string[];
}
