/**
 * What Felix reads, as one plain snapshot: the datastore state it syncs (pools, nodes, IPAM
 * blocks, workload endpoints, policies, tiers, namespaces, FelixConfiguration) plus the two
 * things it learns from its own host (its name and its interfaces, for the MTU rule).
 * Felix's computation (compute.ts) is a pure function of this.
 */
import type { FelixConfigurationSpec, IPPoolSpec } from '../resources/types.ts';
import type { Namespace, NamedPort, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../policy/index.ts';

/** An IP pool as Felix uses it (name + the IPPool spec fields that matter to the dataplane). */
export type FelixPool = { readonly name: string } & Pick<IPPoolSpec, 'cidr' | 'blockSize' | 'ipipMode' | 'vxlanMode' | 'natOutgoing' | 'disabled' | 'nodeSelector'>;

/** A Calico Node: addresses and tunnel settings (from `spec.bgp` and the VXLAN fields). */
export interface FelixNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.bgp.ipv4Address` with its prefix, e.g. `10.30.200.1/24`. */
  readonly ipv4Address?: string;
  readonly ipv4IPIPTunnelAddr?: string;
  readonly ipv4VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddr?: string;
}

/** An IPAM block and the node it is affine to (`host:<node>`), if any. */
export interface FelixBlock {
  readonly cidr: string;
  readonly affinity?: string;
}

/** A workload endpoint (a pod's interface), anywhere in the cluster. */
export interface FelixWorkload {
  readonly node: string;
  readonly namespace: string;
  readonly pod: string;
  /** Host-side interface, `cali…`. */
  readonly iface: string;
  /** Addresses without prefix (`10.5.1.2`). */
  readonly ips: readonly string[];
  /** The pod side's MAC (Felix programs a permanent ARP entry for it). */
  readonly mac?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly ports?: readonly NamedPort[];
  /** Profiles; default `kns.<namespace>` and `ksa.<namespace>.<serviceAccount>`. */
  readonly profiles?: readonly string[];
}

/** A host interface as Felix's MTU detection sees it. */
export interface HostInterface {
  readonly name: string;
  readonly mtu: number;
  readonly up: boolean;
  /** IPv4 addresses with prefix, to find the VXLAN parent device. */
  readonly addresses: readonly string[];
}

/**
 * The FelixConfiguration fields podlab's Felix honours (merged: node-specific over default).
 * defaultEndpointToHostAction: podlab defaults it to `Accept`, as calico.yaml sets
 * FELIX_DEFAULTENDPOINTTOHOSTACTION (Felix alone: Drop).
 */
export type FelixConfig = Pick<FelixConfigurationSpec,
  | 'ipipEnabled' | 'ipipMTU' | 'vxlanEnabled' | 'vxlanVNI' | 'vxlanPort' | 'vxlanMTU'
  | 'defaultEndpointToHostAction' | 'interfacePrefix' | 'mtuIfacePattern' | 'deviceRouteProtocol'>;

/** Everything Felix on one node reads. */
export interface FelixSnapshot {
  readonly nodeName: string;
  readonly pools: readonly FelixPool[];
  readonly nodes: readonly FelixNode[];
  readonly blocks: readonly FelixBlock[];
  /** All workload endpoints of the cluster (selector IP sets need the remote ones too). */
  readonly workloads: readonly FelixWorkload[];
  /**
   * This node's endpoints, when the reader keeps them indexed by node (FelixSyncerCache);
   * otherwise Felix filters `workloads`.
   */
  readonly localWorkloads?: readonly FelixWorkload[];
  readonly namespaces: readonly Namespace[];
  readonly policies: readonly Policy[];
  readonly tiers?: readonly Tier[];
  /** ServiceAccounts with labels (the `pcsa.*` labels of the pods running as them). */
  readonly serviceAccounts?: readonly ServiceAccount[];
  /** Services with their endpoints, for `services:` rule matches. */
  readonly services?: readonly ServiceEndpoints[];
  readonly config?: FelixConfig;
  readonly hostInterfaces: readonly HostInterface[];
}
