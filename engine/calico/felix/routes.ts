/**
 * The kernel side of Felix's desired state (ipip_mgr, vxlan_mgr, endpoint_mgr, route table):
 * tunnel devices and their /32 addresses, VXLAN VTEPs (permanent ARP + FDB), routes to remote
 * VXLAN blocks, blackholes for local VXLAN blocks, workload /32 routes and interface sysctls.
 *
 * Not here, on purpose: IPIP and plain-BGP block routes and their blackholes. BIRD programs
 * those (`proto bird`, confd's calico_kernel_programming filter); Felix does not (up to v3.32).
 */
import type { DesiredAddress, DesiredDevice, DesiredFdb, DesiredNeighbour, DesiredRoute, DesiredSysctl } from '../../dataplane/types.ts';
import { networkOf, parseIPv4, parsePrefix4, prefixContains, prefixCovers } from '../../net/ip.ts';
import { matchSelector, parseSelector } from '../selector/index.ts';
import { vxlanMac } from './names.ts';
import type { FelixBlock, FelixNode, FelixPool, FelixSnapshot, FelixWorkload } from './types.ts';

/** rtm_protocol Felix uses for blackholes and same-subnet (no-encap) routes when DeviceRouteProtocol is boot. */
export const RTPROT_FELIX = 80;
/** Felix's default DeviceRouteProtocol (boot): hidden by `ip route`. */
export const RTPROT_BOOT = 3;

/** Felix's VXLAN defaults. */
export const VXLAN_DEFAULTS = { vni: 4096, port: 4789, device: 'vxlan.calico' } as const;

/** True when the pool's nodeSelector selects the node (and the pool is enabled). */
export function poolSelectsNode(pool: FelixPool, node: FelixNode): boolean {
  if (pool.disabled) return false;
  return matchSelector(parseSelector(pool.nodeSelector || 'all()'), node.labels);
}

/** The enabled pool containing a prefix or address, if any. */
export function poolOf(pools: readonly FelixPool[], cidr: string): FelixPool | undefined {
  const p = parsePrefix4(cidr.includes('/') ? cidr : `${cidr}/32`);
  return pools.find((x) => !x.disabled && !x.cidr.includes(':') && prefixCovers(parsePrefix4(x.cidr), p));
}

/** The node's own address without prefix (`spec.bgp.ipv4Address`). */
export function nodeIp(n: FelixNode | undefined): string | undefined {
  return n?.ipv4Address?.split('/')[0];
}

/** True when `other`'s address lies in this node's subnet (the prefix of its ipv4Address): CrossSubnet's test. */
export function sameSubnet(self: FelixNode, other: FelixNode): boolean {
  const ip = nodeIp(other);
  if (!self.ipv4Address?.includes('/') || !ip) return false;
  return prefixContains(networkOf(parsePrefix4(self.ipv4Address)), parseIPv4(ip));
}

/** The host interface carrying an address (the VXLAN parent device). */
export function interfaceWith(s: FelixSnapshot, ip: string): string | undefined {
  const a = parseIPv4(ip);
  return s.hostInterfaces.find((i) => i.addresses.some((c) => parsePrefix4(c).addr === a))?.name;
}

/** The first block (in list order) containing an address, by a lookup per block length; cached per blocks list. */
const BLOCK_INDEX = new WeakMap<readonly FelixBlock[], (a: number) => FelixBlock | undefined>();

function blockIndex(blocks: readonly FelixBlock[]): (a: number) => FelixBlock | undefined {
  let f = BLOCK_INDEX.get(blocks);
  if (f) return f;
  const lens: number[] = [];
  const at = new Map<number, number>();
  blocks.forEach((b, i) => {
    const p = networkOf(parsePrefix4(b.cidr));
    if (!lens.includes(p.len)) lens.push(p.len);
    const k = p.addr * 33 + p.len;
    if (!at.has(k)) at.set(k, i);
  });
  f = (a) => {
    let best: number | undefined;
    for (const len of lens) {
      const i = at.get(networkOf({ addr: a, len }).addr * 33 + len);
      if (i !== undefined && (best === undefined || i < best)) best = i;
    }
    return best === undefined ? undefined : blocks[best];
  };
  BLOCK_INDEX.set(blocks, f);
  return f;
}

/** Endpoints with an address not in a block affine to their own node (or not IPv4): the only ones that can need a borrowed route. */
const BORROWED = new WeakMap<readonly FelixWorkload[], { blocks: readonly FelixBlock[]; out: readonly FelixWorkload[] }>();

function borrowedCandidates(workloads: readonly FelixWorkload[], blocks: readonly FelixBlock[]): readonly FelixWorkload[] {
  const c = BORROWED.get(workloads);
  if (c && c.blocks === blocks) return c.out;
  const blockOf = blockIndex(blocks);
  const out = workloads.filter((w) => w.ips.some((ip) => ip.includes(':') || blockOf(parseIPv4(ip))?.affinity !== w.node));
  BORROWED.set(workloads, { blocks, out });
  return out;
}

/** Nodes by name, per Nodes list (the syncer's list is the same array while no Node changed). */
const NODE_INDEX = new WeakMap<readonly FelixNode[], ReadonlyMap<string, FelixNode>>();

/** A node of a Nodes list by name, through an index built once per list (not a scan per Felix pass). */
export function nodeNamed(nodes: readonly FelixNode[], name: string): FelixNode | undefined {
  let m = NODE_INDEX.get(nodes);
  if (!m) {
    const idx = new Map<string, FelixNode>();
    // The first of a name wins, as Array.find did.
    for (const n of nodes) if (!idx.has(n.name)) idx.set(n.name, n);
    NODE_INDEX.set(nodes, (m = idx));
  }
  return m.get(name);
}

/** Kernel-side desired state computed by routes(). */
export interface KernelDesired {
  devices: DesiredDevice[];
  addresses: DesiredAddress[];
  routes: DesiredRoute[];
  neighbours: DesiredNeighbour[];
  fdb: DesiredFdb[];
  sysctls: DesiredSysctl[];
}

/** What routes() needs to know besides the snapshot. */
export interface RouteOptions {
  readonly ipip: boolean;
  readonly vxlan: boolean;
  readonly ipipMtu: number;
  readonly vxlanMtu: number;
  readonly vni: number;
  readonly port: number;
  readonly deviceProtocol: number;
  readonly local: readonly FelixWorkload[];
}

/** Devices, addresses, VTEPs, routes and sysctls for this node. */
export function kernelDesired(s: FelixSnapshot, o: RouteOptions): KernelDesired {
  const out: KernelDesired = { devices: [], addresses: [], routes: [], neighbours: [], fdb: [], sysctls: [] };
  const self = nodeNamed(s.nodes, s.nodeName);
  const myIp = nodeIp(self);
  const dev = VXLAN_DEFAULTS.device;

  if (o.ipip) {
    out.devices.push({ kind: 'ipip', name: 'tunl0', mtu: o.ipipMtu });
    if (self?.ipv4IPIPTunnelAddr) out.addresses.push({ dev: 'tunl0', cidr: `${self.ipv4IPIPTunnelAddr}/32` });
  }

  const parent = myIp ? interfaceWith(s, myIp) : undefined;
  const vtepUp = o.vxlan && !!self?.ipv4VXLANTunnelAddr && !!parent && !!myIp;
  if (vtepUp) {
    out.devices.push({ kind: 'vxlan', name: dev, mtu: o.vxlanMtu, vni: o.vni, port: o.port, local: myIp!, parent: parent!, mac: vxlanMac(self!.name, self!.vxlanTunnelMACAddr), learning: false });
    out.addresses.push({ dev, cidr: `${self!.ipv4VXLANTunnelAddr}/32` });
    for (const n of s.nodes) {
      const ip = nodeIp(n);
      if (n.name === s.nodeName || !n.ipv4VXLANTunnelAddr || !ip) continue;
      const mac = vxlanMac(n.name, n.vxlanTunnelMACAddr);
      out.neighbours.push({ dev, ip: n.ipv4VXLANTunnelAddr, mac });
      out.fdb.push({ dev, mac, dst: ip });
    }
  }

  // VXLAN pools: Felix owns both ends of the block routing.
  const remoteRoute = (dst: string, owner: FelixNode | undefined, pool: FelixPool): DesiredRoute | undefined => {
    if (!owner || !self) return undefined;
    if (pool.vxlanMode === 'CrossSubnet' && sameSubnet(self, owner) && parent && nodeIp(owner)) {
      return { dst, type: 'unicast', gateway: nodeIp(owner)!, dev: parent, protocol: RTPROT_FELIX, scope: 'global', onlink: true };
    }
    if (!vtepUp || !owner.ipv4VXLANTunnelAddr) return undefined;
    return { dst, type: 'unicast', gateway: owner.ipv4VXLANTunnelAddr, dev, protocol: o.deviceProtocol, scope: 'global', onlink: true };
  };
  if (o.vxlan) {
    for (const b of s.blocks) {
      const pool = poolOf(s.pools, b.cidr);
      if (!pool || pool.vxlanMode === 'Never' || !b.affinity) continue;
      if (b.affinity === s.nodeName) {
        out.routes.push({ dst: b.cidr, type: 'blackhole', protocol: RTPROT_FELIX, scope: 'global', onlink: false });
        continue;
      }
      const r = remoteRoute(b.cidr, nodeNamed(s.nodes, b.affinity), pool);
      if (r) out.routes.push(r);
    }
    // Borrowed addresses: a remote pod whose IP lies in a block affine to another node. Only
    // endpoints with such an address are walked (found once per endpoint and block lists).
    const blockOf = blockIndex(s.blocks);
    for (const w of borrowedCandidates(s.workloads, s.blocks)) {
      if (w.node === s.nodeName) continue;
      for (const ip of w.ips) {
        const pool = poolOf(s.pools, ip);
        if (!pool || pool.vxlanMode === 'Never') continue;
        const block = blockOf(parseIPv4(ip));
        if (block?.affinity === w.node) continue;
        const r = remoteRoute(`${ip}/32`, nodeNamed(s.nodes, w.node), pool);
        if (r) out.routes.push(r);
      }
    }
  }

  out.sysctls.push({ key: 'net.ipv4.ip_forward', value: '1' });
  for (const w of o.local) {
    // endpoint_mgr configureInterface, in Felix's order.
    out.sysctls.push(
      { key: `net.ipv4.conf.${w.iface}.route_localnet`, value: '1' },
      { key: `net.ipv4.neigh.${w.iface}.proxy_delay`, value: '0' },
      { key: `net.ipv4.conf.${w.iface}.proxy_arp`, value: '1' },
      { key: `net.ipv4.conf.${w.iface}.forwarding`, value: '1' },
      { key: `net.ipv4.conf.${w.iface}.rp_filter`, value: '1' },
    );
    for (const ip of w.ips) {
      if (ip.includes(':')) continue;
      out.routes.push({ dst: `${ip}/32`, type: 'unicast', dev: w.iface, protocol: o.deviceProtocol, scope: 'link', onlink: false });
      if (w.mac) out.neighbours.push({ dev: w.iface, ip, mac: w.mac.toLowerCase() });
    }
  }
  out.routes.sort((a, b) => {
    const pa = parsePrefix4(a.dst);
    const pb = parsePrefix4(b.dst);
    return pa.addr - pb.addr || pa.len - pb.len;
  });
  return out;
}
