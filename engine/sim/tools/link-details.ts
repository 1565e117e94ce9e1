/**
 * The `ip -d link` tail: promiscuity, MTU limits, the per-kind block (veth, bridge, vxlan,
 * ipip), the bridge_slave block of bridge ports, and the generic queue/GSO numbers.
 *
 * The constants are what a 6.x kernel reports for these drivers, measured with iproute2 6.1
 * (Debian 12): they do not depend on traffic. Two host facts vary between machines and are
 * options: the number of possible CPUs (veth gets one queue per CPU) and whether the kernel
 * was built with bridge VLAN filtering (Debian's is; then the bridge reports vlan_protocol,
 * vlan_default_pvid and the vlan stats switches).
 */
import type { KernelState, NetDevice } from '../types.ts';
import { formatIPv4 } from '../../net/ip.ts';
import { lowerUp } from './link-view.ts';

/** Host facts that show in `ip -d link` and differ between machines. */
export interface HostFacts {
  /** num_possible_cpus(): veth's default queue count. */
  possibleCpus: number;
  /** CONFIG_BRIDGE_VLAN_FILTERING: the bridge reports its VLAN attributes. */
  bridgeVlanSupport: boolean;
}

/** Debian 12 on a 2-CPU machine, the reference the simulator imitates by default. */
export const DEFAULT_HOST: HostFacts = { possibleCpus: 2, bridgeVlanSupport: true };

function mtuLimits(d: NetDevice): [number, number] {
  switch (d.kind) {
    case 'loopback':
    case 'dummy':
      return [0, 0];
    case 'ipip':
      return [68, 65515]; // IP_MAX_MTU minus the outer IPv4 header
    default:
      return [68, 65535];
  }
}

/** "8000.2:0:0:0:0:10": priority in hex, then ether_ntoa's unpadded MAC. */
export function bridgeId(mac: string, priority = 0x8000): string {
  const p = priority.toString(16).padStart(4, '0');
  return `${p}.${mac.split(':').map((b) => parseInt(b, 16).toString(16)).join(':')}`;
}

function timer(sec: number): string {
  const whole = Math.floor(sec);
  const hund = Math.floor((sec - whole) * 100);
  return `${String(whole).padStart(4)}.${String(hund).padStart(2, '0')}`;
}

function bridgeBlock(d: NetDevice, s: KernelState, host: HostFacts): string {
  const b = d.bridge ?? { vlanFiltering: false, ageingTimeCs: 30000, defaultPvid: 1 };
  const id = bridgeId(d.mac);
  // The garbage collector runs every ageing_time/10 capped at hold time; its remaining time is
  // what the kernel reports while the bridge is up (and 0 while it is down).
  const gcPeriod = 300;
  const gc = d.adminUp ? gcPeriod - ((s.nowMs() / 1000) % gcPeriod) : 0;
  const parts = [
    `forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${b.ageingTimeCs} stp_state 0 priority 32768`,
    `vlan_filtering ${b.vlanFiltering ? 1 : 0}`,
  ];
  if (host.bridgeVlanSupport) parts.push('vlan_protocol 802.1Q');
  parts.push(
    `bridge_id ${id} designated_root ${id} root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0`,
    `hello_timer ${timer(0)} tcn_timer ${timer(0)} topology_change_timer ${timer(0)} gc_timer ${timer(gc)}`,
  );
  if (host.bridgeVlanSupport) parts.push(`vlan_default_pvid ${b.defaultPvid} vlan_stats_enabled 0 vlan_stats_per_port 0`);
  parts.push(
    'group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 ' +
      'mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 ' +
      'mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 ' +
      'mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 ' +
      'mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 ' +
      'mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0',
  );
  return `bridge ${parts.join(' ')} `;
}

function vxlanBlock(d: NetDevice, s: KernelState): string {
  const v = d.vxlan!;
  let t = `vxlan id ${v.vni} `;
  if (v.local !== undefined) t += `local ${formatIPv4(v.local)} `;
  if (v.dev !== undefined) {
    const lower = s.devices.get(v.dev);
    if (lower) t += `dev ${lower.name} `;
  }
  t += `srcport 0 0 dstport ${v.dstPort} `;
  if (!v.learning) t += 'nolearning ';
  return t + 'ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx ';
}

function ipipBlock(d: NetDevice): string {
  const ip = d.ipip ?? {};
  const remote = ip.remote ? formatIPv4(ip.remote) : 'any';
  const local = ip.local ? formatIPv4(ip.local) : 'any';
  return `ipip ipip remote ${remote} local ${local} ttl inherit nopmtudisc `;
}

/** The port number a port has on its bridge: ports numbered in ifindex order from 1. */
function portNo(d: NetDevice, s: KernelState): number {
  const ports = [...s.devices.values()].filter((p) => p.master === d.master).map((p) => p.ifindex).sort((a, b) => a - b);
  return ports.indexOf(d.ifindex) + 1;
}

/** STP port state without STP: forwarding when port and bridge are up with carrier, else disabled. */
export function portState(d: NetDevice, s: KernelState): 'forwarding' | 'disabled' {
  const br = d.master !== undefined ? s.devices.get(d.master) : undefined;
  return br && br.adminUp && lowerUp(d) ? 'forwarding' : 'disabled';
}

/** Port path cost from the link speed: veth reports 10 Gb/s (cost 2), others no speed (100). */
export function portCost(d: NetDevice): number {
  return d.kind === 'veth' ? 2 : 100;
}

function slaveBlock(d: NetDevice, s: KernelState): string {
  const br = s.devices.get(d.master!)!;
  const no = portNo(d, s);
  const id = bridgeId(br.mac);
  return `bridge_slave state ${portState(d, s)} priority 32 cost ${portCost(d)} hairpin off guard off root_block off ` +
    `fastleave off learning on flood on port_id 0x${(0x8000 + no).toString(16)} port_no 0x${no.toString(16)} ` +
    `designated_port ${0x8000 + no} designated_cost 0 designated_bridge ${id} designated_root ${id} ` +
    `hold_timer ${timer(0)} message_age_timer ${timer(0)} forward_delay_timer ${timer(0)} topology_change_ack 0 ` +
    'config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on ' +
    'bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 ' +
    'vlan_tunnel off isolated off locked off ';
}

/**
 * The text `ip -d` appends to the link/ether line: starts with a space, may span lines
 * ("\n    veth ..."), ends with a space like iproute2's.
 */
export function linkDetails(d: NetDevice, s: KernelState, host: HostFacts): string {
  const isPort = d.master !== undefined && s.devices.get(d.master)?.kind === 'bridge';
  const [minMtu, maxMtu] = mtuLimits(d);
  const promisc = isPort ? 1 : 0;
  let t = ` promiscuity ${promisc}  allmulti ${promisc} minmtu ${minMtu} maxmtu ${maxMtu} `;
  if (d.kind === 'veth') t += '\n    veth ';
  else if (d.kind === 'bridge') t += `\n    ${bridgeBlock(d, s, host)}`;
  else if (d.kind === 'vxlan' && d.vxlan) t += `\n    ${vxlanBlock(d, s)}`;
  else if (d.kind === 'ipip') t += `\n    ${ipipBlock(d)}`;
  else if (d.kind === 'dummy') t += '\n    dummy ';
  if (isPort) t += `\n    ${slaveBlock(d, s)}`;
  const queues = d.kind === 'veth' ? host.possibleCpus : 1;
  const tso = d.kind === 'vxlan' ? (d.vxlan?.dev !== undefined ? 524280 : 65536) : d.kind === 'ipip' ? 65536 : 524280;
  t += `addrgenmode eui64 numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 ` +
    `tso_max_size ${tso} tso_max_segs 65535 gro_max_size 65536 `;
  return t;
}
