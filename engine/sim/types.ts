/**
 * The state of one simulated Linux network stack, as plain data.
 *
 * This is the contract between the simulated kernel (which owns and mutates it), the node
 * tools that print it the way iproute2 / bridge / iptables-save do, Felix's dataplane driver
 * that programs it, and the UI that shows it. It mirrors what the kernel keeps per network
 * namespace: links (netdevs), addresses, routing tables, the neighbour table, bridge FDBs,
 * sysctls and netfilter tables. Field names follow the kernel / iproute2 vocabulary so that
 * a reader of `ip -d link` recognises them.
 */
import type { IPv4, Prefix4 } from '../net/ip.ts';
import type { MAC } from '../net/packet.ts';

/** Link types as `ip -d link` names them (the "kind" of rtnl_link_ops, or plain ether). */
export type DeviceKind = 'loopback' | 'ether' | 'veth' | 'bridge' | 'ipip' | 'vxlan' | 'dummy';

/** Per-VLAN membership of a bridge port (`bridge vlan`). */
export interface BridgeVlan {
  readonly vid: number;
  /** Egress untagged. */
  readonly untagged: boolean;
  /** Port VLAN id: untagged ingress frames are classified into this VLAN. */
  readonly pvid: boolean;
}

/** A network device (struct net_device). */
export interface NetDevice {
  ifindex: number;
  name: string;
  kind: DeviceKind;
  mac: MAC;
  mtu: number;
  /** `ip link set up` (IFF_UP). */
  adminUp: boolean;
  /** Carrier (IFF_LOWER_UP): the other end of the wire/veth is up, or always for virtual devices. */
  carrier: boolean;
  /** NOARP flag: no neighbour resolution on this device (tunl0, or set by hand). */
  noArp: boolean;
  /** ifindex of the bridge this device is enslaved to. */
  master?: number;
  /** veth: the peer's ifindex; ether: none (the wire is a Link). */
  peerIfindex?: number;
  /** veth: the peer device's namespace (node) name, when it lives in another node. */
  peerNode?: string;
  txqlen: number;
  /** Bridge-specific settings (kind 'bridge'). */
  bridge?: { vlanFiltering: boolean; ageingTimeCs: number; defaultPvid: number };
  /** VLANs of a bridge port, or of the bridge device itself (`bridge vlan ... self`). */
  vlans?: BridgeVlan[];
  /** VXLAN settings (kind 'vxlan'). */
  vxlan?: { vni: number; dstPort: number; local?: IPv4; dev?: number; learning: boolean };
  /** IPIP settings (kind 'ipip'); tunl0 is the fallback device with remote/local any. */
  ipip?: { local?: IPv4; remote?: IPv4 };
  /** Counters as `ip -s link` shows them. */
  stats: { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; rxDropped: number; txDropped: number };
}

/** An interface address (struct in_ifaddr). */
export interface IfAddress {
  ifindex: number;
  /** The address with its prefix length, host part kept (10.0.0.2/24). */
  prefix: Prefix4;
  scope: 'global' | 'link' | 'host';
  broadcast?: IPv4;
  /** Label, defaults to the device name. */
  label?: string;
}

/** Route types (rtm_type). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';

/** Well-known routing protocol ids (rtm_protocol), see /etc/iproute2/rt_protos. */
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_BIRD = 12;
/** Felix programs VXLAN and no-encap routes with protocol 80 (shown as "proto 80"). */
export const RTPROT_FELIX = 80;

export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** A route (fib_info + fib_alias), in the table it belongs to. */
export interface Route {
  table: number;
  type: RouteType;
  dst: Prefix4;
  gateway?: IPv4;
  /** Output device; absent for blackhole/unreachable/prohibit. */
  ifindex?: number;
  protocol: number;
  scope: 'global' | 'link' | 'host';
  /** Preferred source address. */
  prefsrc?: IPv4;
  metric: number;
  /** RTNH_F_ONLINK: the gateway is reachable on the device even if no address covers it. */
  onlink: boolean;
}

/** Neighbour states as `ip neigh` prints them. */
export type NeighState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

/** A neighbour entry (struct neighbour); `proxy` entries are `ip neigh add proxy`. */
export interface Neighbour {
  ifindex: number;
  ip: IPv4;
  mac?: MAC;
  state: NeighState;
  router: boolean;
  /** Virtual time (ms) of the last confirmation, for REACHABLE → STALE ageing. */
  updatedMs: number;
}

/** A bridge or VXLAN forwarding database entry (`bridge fdb`). */
export interface FdbEntry {
  mac: MAC;
  /** The port (bridge) or the VXLAN device the entry belongs to. */
  ifindex: number;
  vlan?: number;
  /** VXLAN: remote VTEP. */
  dst?: IPv4;
  /** Entry lives in the bridge (`master br0`) or in the device itself (`self`). */
  where: 'master' | 'self';
  /** permanent (local MAC or `ip/bridge fdb add ... permanent`), static, or learned. */
  state: 'permanent' | 'static' | 'learned';
  updatedMs: number;
}

/** Per-device IPv4 sysctls that matter to Calico (net.ipv4.conf.<dev>.*). */
export interface DeviceSysctls {
  forwarding: boolean;
  proxyArp: boolean;
  /** 0 off, 1 strict, 2 loose. */
  rpFilter: 0 | 1 | 2;
  routeLocalnet: boolean;
}
