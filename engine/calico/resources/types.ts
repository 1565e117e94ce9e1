/**
 * Typed Calico (projectcalico.org/v3) and Kubernetes (v1) resources, as podlab reads them
 * from the manifests a topology carries verbatim.
 *
 * Every resource keeps where it was written (`meta.loc`) so later layers can point users at
 * the manifest. Defaults are applied the way Calico applies them (the API server's
 * defaulting plus libcalico-go's validation-time defaults), so consumers never re-derive
 * "blockSize absent means 26". Plain JSON-able data: prefixes stay text (normalised).
 */
import type { Location, Problem } from '../../model/types.ts';

/** Encapsulation modes of an IPPool (`ipipMode`, `vxlanMode`). */
export const ENCAP_MODES = ['Always', 'CrossSubnet', 'Never'] as const;
export type EncapMode = (typeof ENCAP_MODES)[number];

/** The AS number Calico uses when neither the Node nor BGPConfiguration sets one. */
export const DEFAULT_AS_NUMBER = 64512;

/** Metadata common to every resource. */
export interface Meta {
  readonly name: string;
  /** Only for namespaced kinds (Pod); cluster-scoped Calico kinds never carry one. */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Where the manifest starts in its source file. */
  readonly loc: Location;
}

export interface IPPoolSpec {
  /** Normalised network text, e.g. `10.244.0.0/16`. */
  readonly cidr: string;
  readonly family: 4 | 6;
  /** Default 26 (IPv4) / 122 (IPv6). */
  readonly blockSize: number;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
  readonly disableBGPExport: boolean;
  /** Default `all()`. */
  readonly nodeSelector: string;
  /** Default `[Workload, Tunnel]`. */
  readonly allowedUses: readonly ('Workload' | 'Tunnel' | 'LoadBalancer')[];
  /** Default `Automatic` (v3.30+). */
  readonly assignmentMode: 'Automatic' | 'Manual';
}

export interface IPPool {
  readonly kind: 'IPPool';
  readonly meta: Meta;
  readonly spec: IPPoolSpec;
}

/** A community name usable in prefixAdvertisements. */
export interface NamedCommunity {
  readonly name: string;
  /** `aa:nn` or large `aa:nn:mm`. */
  readonly value: string;
}

export interface PrefixAdvertisement {
  readonly cidr: string;
  /** Community names or literal values, as written. */
  readonly communities: readonly string[];
}

/**
 * BGPConfiguration spec. Fields are optional because `node.<name>` resources override only
 * what they set; the `default` resource has asNumber, nodeToNodeMeshEnabled and
 * logSeverityScreen filled with Calico's defaults.
 */
export interface BGPConfigurationSpec {
  readonly asNumber?: number;
  readonly nodeToNodeMeshEnabled?: boolean;
  readonly listenPort?: number;
  readonly bindMode?: 'None' | 'NodeIP';
  readonly logSeverityScreen?: string;
  readonly serviceClusterIPs: readonly string[];
  readonly serviceExternalIPs: readonly string[];
  readonly serviceLoadBalancerIPs: readonly string[];
  readonly communities: readonly NamedCommunity[];
  readonly prefixAdvertisements: readonly PrefixAdvertisement[];
  /** Seconds (from a Go duration such as `120s`). */
  readonly nodeMeshMaxRestartTime?: number;
  readonly ignoredInterfaces: readonly string[];
}

export interface BGPConfiguration {
  readonly kind: 'BGPConfiguration';
  readonly meta: Meta;
  /** `default` → global; `node.<name>` → that node. */
  readonly scope: { readonly global: true } | { readonly global: false; readonly node: string };
  readonly spec: BGPConfigurationSpec;
}

export interface BGPPeerSpec {
  readonly node?: string;
  readonly nodeSelector?: string;
  /** As written (`ip` or `ip:port` / `[v6]:port`). */
  readonly peerIP?: string;
  /** The address part of peerIP. */
  readonly peerAddress?: string;
  /** The port part of peerIP, when given. */
  readonly peerPort?: number;
  readonly asNumber?: number;
  readonly peerSelector?: string;
  readonly keepOriginalNextHop: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  /** Default `UseNodeIP`. */
  readonly sourceAddress: 'UseNodeIP' | 'None';
  /** Seconds. */
  readonly maxRestartTime?: number;
  readonly numAllowedLocalASNumbers?: number;
  readonly ttlSecurity?: number;
  readonly reachableBy?: string;
  readonly filters: readonly string[];
  /** Default `Auto`: confd adds the reverse peering on the remote nodes. */
  readonly reversePeering: 'Auto' | 'Manual';
  readonly localWorkloadSelector?: string;
  readonly passwordSecretRef?: { readonly name: string; readonly key: string };
}

export interface BGPPeer {
  readonly kind: 'BGPPeer';
  readonly meta: Meta;
  readonly spec: BGPPeerSpec;
}

export interface NodeBGPSpec {
  /** Address with prefix as written (`10.0.0.2/24`); a bare address is kept bare. */
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly asNumber?: number;
  readonly routeReflectorClusterID?: string;
  readonly ipv4IPIPTunnelAddr?: string;
}

/** A Calico Node (projectcalico.org/v3), not the Kubernetes one. */
export interface CalicoNode {
  readonly kind: 'Node';
  readonly meta: Meta;
  readonly spec: {
    readonly bgp?: NodeBGPSpec;
    readonly ipv4VXLANTunnelAddr?: string;
    readonly vxlanTunnelMACAddr?: string;
    readonly ipv6VXLANTunnelAddr?: string;
    readonly vxlanTunnelMACAddrV6?: string;
    readonly wireguardInterfaceIPv4Address?: string;
    readonly orchRefs: readonly { readonly nodeName?: string; readonly orchestrator: string }[];
    readonly addresses: readonly { readonly address: string; readonly type?: string }[];
  };
}

export interface IPAMConfig {
  readonly kind: 'IPAMConfig';
  readonly meta: Meta;
  readonly spec: {
    readonly strictAffinity: boolean;
    readonly autoAllocateBlocks: boolean;
    /** 0 = unset (IPAM then applies its safeguard of 20). */
    readonly maxBlocksPerHost: number;
  };
}

/**
 * The FelixConfiguration fields podlab's Felix uses. For `default` every field is filled
 * with Felix's default; for `node.<name>` only what the manifest sets is present.
 */
export interface FelixConfigurationSpec {
  readonly ipipEnabled?: boolean;
  readonly ipipMTU?: number;
  readonly vxlanEnabled?: boolean;
  readonly vxlanVNI?: number;
  readonly vxlanPort?: number;
  readonly vxlanMTU?: number;
  readonly vxlanMTUV6?: number;
  readonly wireguardEnabled?: boolean;
  readonly wireguardMTU?: number;
  readonly mtuIfacePattern?: string;
  readonly defaultEndpointToHostAction?: 'Drop' | 'Accept' | 'Return';
  readonly interfacePrefix?: string;
  /** Seconds. */
  readonly routeRefreshInterval?: number;
  readonly ipv6Support?: boolean;
  readonly logSeverityScreen?: string;
  readonly natOutgoingAddress?: string;
  readonly deviceRouteProtocol?: number;
  readonly programClusterRoutes?: 'Enabled' | 'Disabled' | 'EnabledIPIPOnly';
  readonly chainInsertMode?: 'Insert' | 'Append';
  readonly iptablesBackend?: 'Auto' | 'Legacy' | 'NFT';
  readonly bpfEnabled?: boolean;
  readonly failsafeInboundHostPorts?: readonly { readonly protocol: string; readonly port: number }[];
  readonly failsafeOutboundHostPorts?: readonly { readonly protocol: string; readonly port: number }[];
}

export interface FelixConfiguration {
  readonly kind: 'FelixConfiguration';
  readonly meta: Meta;
  readonly scope: { readonly global: true } | { readonly global: false; readonly node: string };
  readonly spec: FelixConfigurationSpec;
}

export interface ClusterInformation {
  readonly kind: 'ClusterInformation';
  readonly meta: Meta;
  readonly spec: {
    readonly clusterGUID?: string;
    readonly clusterType?: string;
    readonly calicoVersion?: string;
    readonly datastoreReady?: boolean;
  };
}

/** Kubernetes v1 Namespace. */
export interface K8sNamespace {
  readonly kind: 'Namespace';
  readonly meta: Meta;
}

/** Kubernetes v1 Pod: what networking needs of it. */
export interface K8sPod {
  readonly kind: 'Pod';
  readonly meta: Meta & { readonly namespace: string };
  readonly spec: {
    /** The node the pod runs on; podlab does not schedule, so manifests name it. */
    readonly nodeName?: string;
    readonly serviceAccountName: string;
    readonly hostNetwork: boolean;
  };
}

/** Every resource kind this module types. */
export type Resource =
  | IPPool
  | BGPConfiguration
  | BGPPeer
  | CalicoNode
  | IPAMConfig
  | FelixConfiguration
  | ClusterInformation
  | K8sNamespace
  | K8sPod;

/** A validation finding about one resource: a model Problem plus the field path. */
export interface ResourceProblem extends Problem {
  /** `Kind/name` of the resource (name may be empty when missing). */
  readonly resource: string;
  /** Dotted field path, e.g. `spec.ipipMode`; empty for whole-resource problems. */
  readonly path: string;
}
