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

/** Link types as `ip -d link` names them (the "kind" of rtnl_link_ops; a World cable is a veth pair). */
export type DeviceKind = 'loopback' | 'veth' | 'bridge' | 'ipip' | 'vxlan' | 'dummy';

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
  /** Carrier (IFF_LOWER_UP): the veth peer is up (and, for a cable, not cut), or always for virtual devices. */
  carrier: boolean;
  /** NOARP flag: no neighbour resolution on this device (tunl0, or set by hand). */
  noArp: boolean;
  /** ifindex of the bridge this device is enslaved to. */
  master?: number;
  /** veth (also a World cable's NIC): the peer's ifindex, in the peer's namespace. */
  peerIfindex?: number;
  /** veth: the peer device's namespace (node) name, when it lives in another node. */
  peerNode?: string;
  txqlen: number;
  /**
   * Set once the device has been brought up: the kernel attaches its qdisc on the first open
   * and keeps it, so `ip link` shows `qdisc noop` only for devices never up (else `noqueue`).
   */
  everUp?: boolean;
  /** Bridge-specific settings (kind 'bridge'). */
  bridge?: {
    vlanFiltering: boolean; ageingTimeCs: number; defaultPvid: number;
    /** The user set the address (NET_ADDR_SET): the bridge no longer takes its lowest port's MAC. */
    macSet?: boolean;
  };
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
  /** RTNH_F_LINKDOWN: the output device has no carrier (`ip route` prints "linkdown"); kept by the kernel. */
  linkdown?: boolean;
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

/** Global IPv4 sysctls of a namespace (net.ipv4.*) plus the per-device ones. */
export interface Sysctls {
  ipForward: boolean;
  /** net.ipv4.conf.all.* — the kernel combines it with the device value (max for rp_filter, OR for forwarding/proxy_arp). */
  all: DeviceSysctls;
  /** net.ipv4.conf.default.* — copied into devices created afterwards. */
  default: DeviceSysctls;
  /** net.ipv4.conf.<dev>.*, keyed by ifindex. */
  conf: Map<number, DeviceSysctls>;
}

/**
 * Everything a namespace's tools print, read-only for them. The simulated kernel owns the
 * objects; tools and views must not mutate them and go through `KernelOps` instead.
 */
export interface KernelState {
  readonly node: string;
  readonly devices: ReadonlyMap<number, NetDevice>;
  readonly addresses: readonly IfAddress[];
  /** All tables; `table` tells main (254) from local (255) and others. */
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  /** Proxy neighbour entries (`ip neigh add proxy IP dev D`). */
  readonly proxyNeighbours: readonly { ifindex: number; ip: IPv4 }[];
  readonly fdb: readonly FdbEntry[];
  readonly sysctls: Sysctls;
  /** Virtual time now, in ms (for ageing shown by `bridge fdb` / `ip -s neigh`). */
  nowMs(): number;
  /**
   * How a link into another node's namespace names it: this namespace's nsid for it (IFLA_LINK_NETNSID),
   * and the name when that namespace has one iproute2 can print. Like the kernel's link dump, the
   * first call allocates the nsid.
   */
  linkNetns(node: string): { name?: string; nsid: number };
}

/** Options for creating a link with `KernelOps.addLink` (the `ip link add` subset we model). */
export type NewLink =
  | { kind: 'bridge'; name: string; vlanFiltering?: boolean; mtu?: number }
  | { kind: 'veth'; name: string; peerName: string; peerNode?: string; mtu?: number }
  | { kind: 'ipip'; name: string; local?: IPv4; remote?: IPv4; mtu?: number }
  | { kind: 'vxlan'; name: string; vni: number; dstPort: number; local?: IPv4; dev?: string; learning?: boolean; mtu?: number }
  | { kind: 'dummy'; name: string; mtu?: number };

/**
 * The mutations the kernel accepts, the rtnetlink operations `ip`, `bridge` and `sysctl`
 * perform. Each throws a KernelError whose message is what iproute2 prints for the same
 * failure (e.g. "RTNETLINK answers: File exists", "Cannot find device \"eth9\"").
 */
export interface KernelOps {
  addLink(spec: NewLink): NetDevice;
  delLink(name: string): void;
  setLink(name: string, change: { up?: boolean; mtu?: number; mac?: string; master?: string | null; noArp?: boolean; name?: string }): void;
  addAddress(dev: string, prefix: Prefix4, opts?: { scope?: IfAddress['scope']; broadcast?: IPv4 }): void;
  delAddress(dev: string, prefix: Prefix4): void;
  /** `ip route add|replace`; `replace` overwrites an existing route with the same key. */
  addRoute(route: Omit<Route, 'ifindex'> & { dev?: string }, mode: 'add' | 'replace'): void;
  delRoute(match: { dst: Prefix4; table?: number; dev?: string; gateway?: IPv4 }): void;
  addNeighbour(n: { dev: string; ip: IPv4; mac?: MAC; state: NeighState; proxy?: boolean }, mode: 'add' | 'replace'): void;
  delNeighbour(n: { dev: string; ip: IPv4; proxy?: boolean }): void;
  addFdb(e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4; where: 'master' | 'self'; permanent: boolean }, mode: 'add' | 'replace' | 'append'): void;
  delFdb(e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4 }): void;
  setBridgeVlan(dev: string, vlan: BridgeVlan, op: 'add' | 'del'): void;
  /** `sysctl -w key=value` with the kernel's key names (net.ipv4.ip_forward, net.ipv4.conf.eth0.rp_filter). */
  setSysctl(key: string, value: string): void;
}

/** An rtnetlink-style failure; `message` is what the real tool prints. */
export class KernelError extends Error {
  override name = 'KernelError';
}

/** Netfilter hooks in the order a packet meets them (see Documentation/networking/nf_conntrack). */
export type NfHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** What the kernel tells netfilter about a packet at a hook. */
export interface NfContext {
  /** Input device name (PREROUTING, INPUT, FORWARD). */
  inDev?: string;
  /** Output device name (FORWARD, OUTPUT, POSTROUTING). */
  outDev?: string;
  /** skb->mark on entry. */
  mark: number;
  nowMs: number;
  /** The primary address MASQUERADE would use on a device (the kernel's inet_select_addr). */
  addressOf(dev: string): IPv4 | undefined;
  /** True for an address of this namespace (a `local` route); used by `-m addrtype --dst-type LOCAL`. */
  isLocalAddress?(ip: IPv4): boolean;
  /** A random u32 from the namespace's seeded RNG (`-m statistic --mode random`). */
  random?(): number;
}

/** Netfilter's answer: the verdict, the possibly NATed packet, and what decided it. */
export interface NfResult {
  verdict: 'accept' | 'drop' | 'reject';
  /** For 'reject': the ICMP unreachable code to send back (e.g. 3 port, 10/13 prohibited). */
  rejectCode?: number;
  /** The packet after NAT (same object when untouched). */
  packet: import('../net/packet.ts').Ipv4Packet;
  /** skb->mark on exit. */
  mark: number;
  /** Conntrack state of the packet as seen at this hook. */
  ctState?: 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';
  /** A NAT binding made at this hook: the nat-table rules that led to it, jumps first, target last (formatted on call). */
  natRules?: () => string[];
  /** The rule that decided, as iptables-save prints it ("-A cali-tw-x ... -j DROP"), or "policy DROP". */
  decidedBy?: string;
  /** LOG target lines emitted on the way (prefix + packet summary). */
  logs?: string[];
}

/** The netfilter instance of one namespace, as the kernel's packet path calls it. */
export interface PacketFilter {
  hook(hook: NfHook, pkt: import('../net/packet.ts').Ipv4Packet, ctx: NfContext): NfResult;
  /** hook(), its result valid only until the next call (the packet path reads it at once): no object per call. */
  hookTransient?(hook: NfHook, pkt: import('../net/packet.ts').Ipv4Packet, ctx: NfContext): NfResult;
}
