/**
 * The simulator's typed trace stream: what the UI animates hop by hop, what captures and
 * tests subscribe to. Layers emit plain objects (no string formatting in the packet path);
 * nothing is built when nobody listens (`TraceBus.active`), like ns-3 trace sources that
 * cost nothing until connected.
 */
import type { IPv4 } from '../net/ip.ts';
import type { EthernetFrame, Ipv4Packet } from '../net/packet.ts';

/** Why a packet died, the simulator's counterpart of the kernel's SKB_DROP_REASON_*. */
export type DropReason =
  | 'no-route'          // ip_route_input/output: ENETUNREACH (no FIB entry)
  | 'blackhole'         // RTN_BLACKHOLE
  | 'unreachable'       // RTN_UNREACHABLE (EHOSTUNREACH / ICMP host unreachable)
  | 'prohibit'          // RTN_PROHIBIT (EACCES / ICMP admin prohibited)
  | 'ttl'               // ip_forward: TTL would reach 0
  | 'mtu'               // DF set and packet larger than the egress MTU
  | 'rp-filter'         // fib_validate_source failed
  | 'netfilter'         // a hook returned drop or reject
  | 'neighbour-failed'  // ARP resolution gave up (neigh FAILED)
  | 'link-down'         // device admin down or no carrier
  | 'loss'              // random loss on a Link
  | 'no-listener'       // no socket for a UDP/TCP port (ICMP/RST sent back)
  | 'forwarding-off'    // packet to forward but ip_forward is 0
  | 'not-for-us'        // L2 frame to another MAC on a non-bridged device (PACKET_OTHERHOST)
  | 'vlan-filtered'     // bridge vlan_filtering: VLAN not allowed on the port
  | 'no-fdb'            // VXLAN: no FDB entry for the inner destination
  | 'martian'           // invalid source (loopback/multicast/own address from outside)
  | 'queue-full'        // neighbour's unresolved-packets queue overflowed
  | 'no-device';        // device disappeared

/** All drop reasons, for UIs and exhaustive tests. */
export const DROP_REASONS: readonly DropReason[] = [
  'no-route', 'blackhole', 'unreachable', 'prohibit', 'ttl', 'mtu', 'rp-filter', 'netfilter',
  'neighbour-failed', 'link-down', 'loss', 'no-listener', 'forwarding-off', 'not-for-us',
  'vlan-filtered', 'no-fdb', 'martian', 'queue-full', 'no-device',
];

/** One observation from the packet path. `t` is virtual time in ms. */
export type TraceEvent =
  | { type: 'tx'; t: number; node: string; dev: string; frame: EthernetFrame }
  | { type: 'rx'; t: number; node: string; dev: string; frame: EthernetFrame }
  | { type: 'forward'; t: number; node: string; inDev: string; outDev: string; pkt: Ipv4Packet }
  | { type: 'deliver'; t: number; node: string; dev: string; pkt: Ipv4Packet }
  | { type: 'drop'; t: number; node: string; dev?: string; reason: DropReason; pkt?: Ipv4Packet; frame?: EthernetFrame; /** netfilter: the rule that decided, as iptables-save prints it */ rule?: string }
  | { type: 'encap'; t: number; node: string; dev: string; tunnel: 'ipip' | 'vxlan'; inner: Ipv4Packet; outer: Ipv4Packet }
  | { type: 'decap'; t: number; node: string; dev: string; tunnel: 'ipip' | 'vxlan'; inner: Ipv4Packet; outer: Ipv4Packet }
  /**
   * NAT rewrote the packet at a hook (nf_nat_packet): `before` → `pkt`. `rules` names the nat-table
   * rules that chose the binding, on the flow's first packet; later packets and replies follow
   * the conntrack entry and carry none.
   */
  | { type: 'nat'; t: number; node: string; dev?: string; hook: 'PREROUTING' | 'OUTPUT' | 'INPUT' | 'POSTROUTING'; before: Ipv4Packet; pkt: Ipv4Packet; rules: readonly string[] }
  | { type: 'arp'; t: number; node: string; dev: string; event: 'request' | 'reply' | 'resolved' | 'failed' | 'proxy-reply'; ip: IPv4 };

/** A fan-out of trace events to subscribers. */
export class TraceBus {
  private listeners: ((e: TraceEvent) => void)[] = [];
  /** True when someone listens; emitters check it before building an event. */
  active = false;

  /** Subscribes; returns the unsubscribe function. */
  on(fn: (e: TraceEvent) => void): () => void {
    this.listeners.push(fn);
    this.active = true;
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
      this.active = this.listeners.length > 0;
    };
  }

  /** Delivers an event to every subscriber. */
  emit(e: TraceEvent): void {
    for (const f of this.listeners) f(e);
  }
}
