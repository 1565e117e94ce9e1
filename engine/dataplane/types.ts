/**
 * The Dataplane seam: what Felix asks of a node's kernel, as plain data.
 *
 * Felix computes a `DesiredDataplane` (pure, engine/calico/felix); a driver makes a kernel
 * look like it (the simulator driver through KernelOps + the node's Netfilter, a Linux driver
 * through `ip`, `bridge`, `sysctl`, `ipset` and `iptables-restore`). Everything here is
 * renderable as those commands (see commands.ts), so the two drivers cannot drift apart.
 *
 * Addresses and prefixes stay text (`10.5.1.0/26`, `10.5.1.1`): the form the tools print,
 * JSON-able for events and the UI.
 */
import type { IptRule } from './iptables.ts';

/** A tunnel device Felix ensures exists (tunl0, vxlan.calico). */
export type DesiredDevice =
  | { readonly kind: 'ipip'; readonly name: string; readonly mtu: number }
  | {
      readonly kind: 'vxlan';
      readonly name: string;
      readonly mtu: number;
      readonly vni: number;
      readonly port: number;
      /** The parent device's address: the outer source of encapsulated frames. */
      readonly local: string;
      /** The parent (underlay) device, e.g. eth0. */
      readonly parent: string;
      readonly mac: string;
      /** Always false for Felix's device (`nolearning`): the FDB is programmed. */
      readonly learning: boolean;
    };

/** An address on a device (`ip addr add CIDR dev DEV`). */
export interface DesiredAddress {
  readonly dev: string;
  /** Address with prefix length, e.g. `10.5.1.0/32`. */
  readonly cidr: string;
}

/** A route in the main table, in iproute2's vocabulary. */
export interface DesiredRoute {
  readonly dst: string;
  readonly type: 'unicast' | 'blackhole';
  readonly dev?: string;
  readonly gateway?: string;
  /** rtm_protocol: 3 (boot, hidden by `ip route`) or 80 (Felix's no-encap/blackhole routes). */
  readonly protocol: number;
  readonly scope: 'global' | 'link';
  readonly onlink: boolean;
}

/** A permanent neighbour entry (`ip neigh replace IP lladdr MAC dev DEV nud permanent`). */
export interface DesiredNeighbour {
  readonly dev: string;
  readonly ip: string;
  readonly mac: string;
}

/** A VXLAN FDB entry (`bridge fdb replace MAC dev DEV dst IP self permanent`). */
export interface DesiredFdb {
  readonly dev: string;
  readonly mac: string;
  readonly dst: string;
}

/** One sysctl (`sysctl -w key=value`), kernel key names. */
export interface DesiredSysctl {
  readonly key: string;
  readonly value: string;
}

/** An iptables user chain Felix owns, with its rules in order. */
export interface IptChain {
  readonly name: string;
  readonly rules: readonly IptRule[];
}

/** Felix's part of one iptables table. */
export interface IptTable {
  /** Felix's own chains (all named `cali-…`). */
  readonly chains: readonly IptChain[];
  /** Rules inserted at the top of built-in chains (`-I INPUT 1 … -j cali-INPUT`). */
  readonly inserts: Readonly<Record<string, readonly IptRule[]>>;
  /** Rules appended at the end of built-in chains (FORWARD's accept rules, nat POSTROUTING). */
  readonly appends: Readonly<Record<string, readonly IptRule[]>>;
}

/** An IP set Felix owns (`cali40…`). */
export interface DesiredIpset {
  readonly name: string;
  readonly type: 'hash:net' | 'hash:ip' | 'hash:ip,port';
  /** Members as ipset prints them (`10.5.1.2`, `10.5.0.0/16`, `10.5.1.2,tcp:80`), sorted. */
  readonly members: readonly string[];
}

/** Everything Felix wants on one node. */
export interface DesiredDataplane {
  readonly node: string;
  readonly devices: readonly DesiredDevice[];
  readonly addresses: readonly DesiredAddress[];
  readonly routes: readonly DesiredRoute[];
  readonly neighbours: readonly DesiredNeighbour[];
  readonly fdb: readonly DesiredFdb[];
  readonly sysctls: readonly DesiredSysctl[];
  readonly ipsets: readonly DesiredIpset[];
  readonly iptables: { readonly filter: IptTable; readonly nat: IptTable };
  /** Notes for learners on what podlab's Felix leaves out (e.g. named ports). */
  readonly notes: readonly string[];
}

/** What one `apply` changed, one line each, in the words of the tools (for events). */
export interface DataplaneChange {
  readonly kind: 'device' | 'address' | 'route' | 'neighbour' | 'fdb' | 'sysctl' | 'ipset' | 'chain' | 'rule';
  readonly op: 'added' | 'removed' | 'changed';
  /** The object as `ip route` / `ip neigh` / `bridge fdb` / iptables-save would print it. */
  readonly object: string;
  /** `route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink`. */
  readonly text: string;
}

/** A driver: makes one kernel look like the desired dataplane. */
export interface Dataplane {
  /**
   * Applies `desired`, touching only what this driver programmed before; returns what changed.
   * The simulator answers at once; a real kernel's driver answers when its commands ran.
   */
  apply(desired: DesiredDataplane): DataplaneChange[] | Promise<DataplaneChange[]>;
}

/** An empty desired dataplane (what a node without Calico asks for). */
export function emptyDataplane(node: string): DesiredDataplane {
  const table: IptTable = { chains: [], inserts: {}, appends: {} };
  return { node, devices: [], addresses: [], routes: [], neighbours: [], fdb: [], sysctls: [], ipsets: [], iptables: { filter: table, nat: table }, notes: [] };
}
