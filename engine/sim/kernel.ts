/**
 * One simulated Linux network namespace: its state (links, addresses, routes, neighbours,
 * FDB, sysctls) and the rtnetlink-style operations `ip`, `bridge` and `sysctl` perform.
 *
 * State mutations follow what a 6.x kernel does (see fib-config.ts for the address → route
 * rules); error messages are the exact lines iproute2 prints for the same failure. The packet
 * path lives in its own modules (device.ts, ipv4-input.ts, ipv4-output.ts, neigh.ts, …)
 * which read and update this object; a Kernel without a World has its own clock and can be
 * configured and inspected, it just has no wires.
 */
import type { IPv4, Prefix4 } from '../net/ip.ts';
import type { EthernetFrame, Ipv4Packet, MAC } from '../net/packet.ts';
import { ZERO_MAC } from '../net/packet.ts';
import { Clock, hash32, hash32Of, Rng } from './clock.ts';
import { compareRoutes, FibIndex, upperBound } from './fib.ts';
import type { LookupOpts } from './fib.ts';
import * as cfg from './fib-config.ts';
import * as l2 from './l2-config.ts';
import * as link from './link-config.ts';
import { defaultDeviceSysctls, freshSysctls, writeSysctl } from './sysctl.ts';
import { TraceBus } from './trace.ts';
import type {
  BridgeVlan, FdbEntry, IfAddress, KernelOps, KernelState, NeighState, Neighbour, NetDevice, NewLink, PacketFilter, Route,
} from './types.ts';
import { KernelError, RT_TABLE_LOCAL, RTPROT_BIRD } from './types.ts';

/** What a Kernel needs from the fabric it lives in (World implements it). */
export interface KernelHost {
  readonly clock: Clock;
  readonly trace: TraceBus;
  readonly rng: Rng;
  /** Another node's kernel (veth peers across namespaces). */
  kernel(name: string): Kernel | undefined;
  /** True when that node's namespace has a /var/run/netns name iproute2 prints (`link-netns NAME`). */
  isNamedNetns?(name: string): boolean;
}

/** The far side of a veth: a peer in reach (`ip link add … type veth`) or a World cable's end. */
export type Attachment =
  | { type: 'wire'; wire: WireEnd }
  | { type: 'veth'; peer: Kernel; peerIfindex: number; receive: (frame: EthernetFrame) => void };

/** One end of a World Link (a cable: a veth pair with latency, loss and a cut), as the driver sees it. */
export interface WireEnd {
  /** Puts a frame on the wire (the far device receives it after the link's latency). */
  transmit(frame: EthernetFrame): void;
  /** True when the cable is connected and the far device is up (PHY link). */
  farEndUp(): boolean;
  /** This NIC's admin state changed: the far NIC re-evaluates its carrier. */
  stateChanged(): void;
  /** This end is being deleted (`ip link del`): the far end goes with it, as a veth peer does. */
  unplug(): void;
}

/** Per-namespace counters (the packet path increments them; `nstat`-like). */
export interface KernelCounters {
  ipInReceives: number;
  ipForwarded: number;
  ipInDelivers: number;
  ipOutRequests: number;
  ipDrops: number;
  fragCreates: number;
  icmpOutMsgs: number;
  arpRequests: number;
  arpReplies: number;
}

const ERR_EXISTS = 'RTNETLINK answers: File exists';
/** Route lists up to this long take an added route in place at once (Kernel.appendRoute). */
const SHORT_ROUTE_LIST = 32;

/** A deterministic locally administered unicast MAC for a node's interface. */
export function deterministicMac(node: string, ifname: string): MAC {
  // Every pod makes three devices: hashed and spelled without the intermediate strings and arrays.
  const h1 = hash32Of(node, '/', ifname);
  const h2 = hash32Of(ifname, '@', node);
  return `${HEX2[(((h1 >>> 24) & 0xfe) | 0x02) & 0xff]}:${HEX2[(h1 >>> 16) & 255]}:${HEX2[(h1 >>> 8) & 255]}:${HEX2[h1 & 255]}:${HEX2[(h2 >>> 8) & 255]}:${HEX2[h2 & 255]}`;
}

/** Two lowercase hex digits per byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function newDevice(ifindex: number, name: string, kind: NetDevice['kind'], mac: MAC, mtu: number): NetDevice {
  return {
    ifindex, name, kind, mac, mtu, adminUp: false, carrier: false, noArp: false, txqlen: 1000,
    stats: { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0 },
  };
}

/**
 * A kernel's state as its tools read it. A class, so its accessors live once on the prototype
 * instead of as closures on every namespace (a cluster has one namespace per pod).
 */
class KernelStateView implements KernelState {
  constructor(private readonly k: Kernel) {}
  get node(): string { return this.k.node; }
  get devices(): ReadonlyMap<number, NetDevice> { return this.k.devices; }
  get addresses(): readonly IfAddress[] { return this.k.addresses; }
  get routes(): readonly Route[] { return this.k.routes; }
  get neighbours(): readonly Neighbour[] {
    const out: Neighbour[] = [];
    for (const m of this.k.neigh.values()) for (const n of m.values()) out.push(n);
    return out;
  }
  get proxyNeighbours(): readonly { ifindex: number; ip: IPv4 }[] { return this.k.proxyNeighbours; }
  get fdb(): readonly FdbEntry[] { return this.k.fdb; }
  get sysctls(): KernelState['sysctls'] { return this.k.sysctls; }
  nowMs(): number { return this.k.clock.nowMs(); }
  linkNetns(node: string): { name?: string; nsid: number } {
    const nsid = this.k.peernetId(node);
    return this.k.world?.isNamedNetns?.(node) ? { name: node, nsid } : { nsid };
  }
}

/** The simulated network stack of one node (a network namespace). */
export class Kernel implements KernelOps {
  readonly node: string;
  readonly world: KernelHost | undefined;
  readonly clock: Clock;
  readonly trace: TraceBus;
  /** This node's random stream (neighbour timers, flow hashes), forked from the World's seed. */
  readonly rng: Rng;
  readonly state: KernelState;
  // ---- state owned by the sim modules (tools read `state`, never these) ----
  readonly devices = new Map<number, NetDevice>();
  /** deviceByName's last answer (checked before use: still registered, still that name). */
  private lastByName: NetDevice | undefined;
  addresses: IfAddress[] = [];
  /**
   * The routes in dump order, but for those added since the last read (`unordered`): `routes`
   * puts them in place when someone reads the list. BIRD adds routes a few at a time, one per
   * other node's block, and inserting each into a list of N in order moved N/2 entries —
   * N² per node, N³ across a fabric. The FIB index knows every route at once, so lookups
   * (the packet path) never wait for the list.
   */
  private routeList: Route[] = [];
  private unordered: Route[] = [];
  /** Bumped on every route change; the FIB index and route caches key on it. */
  routesVersion = 0;
  /**
   * Bumped when a change touches a `proto bird` route, or many routes at once: BIRD's kernel
   * protocol compares it with what its own changes left to learn that someone else changed
   * its routes.
   */
  birdRoutesVersion = 0;
  /** Bumped when a change touches a route of any other protocol, or many at once (what BIRD's next-hop resolution and `learn` read). */
  foreignRoutesVersion = 0;
  /** Neighbours by ifindex, then IP (the arp_tbl hash). */
  readonly neigh = new Map<number, Map<IPv4, Neighbour>>();
  proxyNeighbours: { ifindex: number; ip: IPv4 }[] = [];
  fdb: FdbEntry[] = [];
  readonly sysctls = freshSysctls();
  readonly fib = new FibIndex();
  readonly attachments = new Map<number, Attachment>();
  readonly counters: KernelCounters = {
    ipInReceives: 0, ipForwarded: 0, ipInDelivers: 0, ipOutRequests: 0, ipDrops: 0, fragCreates: 0, icmpOutMsgs: 0, arpRequests: 0, arpReplies: 0,
  };
  packetFilter: PacketFilter | undefined;
  /** Raw ICMP sockets (ping, traceroute): every ICMP message delivered locally. */
  readonly icmpSockets = new Set<(pkt: Ipv4Packet, dev: NetDevice) => void>();
  /** Bound UDP sockets by local port. */
  readonly udpSockets = new Map<number, (pkt: Ipv4Packet, dev: NetDevice) => void>();
  /** Listening TCP sockets by local port (SYNs to other ports get a RST). */
  readonly tcpListeners = new Map<number, (pkt: Ipv4Packet, dev: NetDevice) => void>();
  /** A stopped node drops everything it receives and sends nothing (`stopNode`). */
  stopped = false;
  /** IPv4 identification counter (ip_select_ident is per-destination in Linux; one counter is enough here). */
  ipId = 0;
  private nextIfindex = 1;
  /** This namespace's ids for other namespaces (net->netns_ids), by node name. */
  private readonly nsids = new Map<string, number>();

  constructor(opts: { node: string; world?: KernelHost }) {
    this.node = opts.node;
    this.world = opts.world;
    this.clock = opts.world?.clock ?? new Clock();
    this.trace = opts.world?.trace ?? new TraceBus();
    this.rng = opts.world ? opts.world.rng.fork(opts.node) : new Rng(hash32(opts.node));
    this.state = new KernelStateView(this);
    // A fresh namespace has lo DOWN and without 127.0.0.1 until someone runs `ip link set lo up`
    // (the runtime does, for nodes and pods); the address comes with the first up (link-config.ts).
    this.createDevice('lo', 'loopback', ZERO_MAC, 65536);
  }

  /**
   * peernet2id_alloc(): this namespace's id for another one, allocated on first use (the lowest
   * free id from 0). Linux allocates it when a veth into that namespace is created from here,
   * or else when a link dump first reports such a veth; the tools call this in dump order.
   */
  peernetId(node: string): number {
    let id = this.nsids.get(node);
    if (id === undefined) {
      // Ids are never given back here, so the ones in use are 0 … size-1 and the lowest free is the next.
      id = this.nsids.size;
      this.nsids.set(node, id);
    }
    return id;
  }

  /** Installs (or removes, with undefined) the netfilter instance of this namespace. */
  setPacketFilter(pf: PacketFilter | undefined): void {
    this.packetFilter = pf;
  }

  /** Looks a device up by name; throws iproute2's "Cannot find device" error. */
  deviceByName(name: string): NetDevice {
    // The last device found answers again while it still holds that name and is still here
    // (names are unique in a namespace): BIRD adds a thousand routes via tunl0 in a row.
    const last = this.lastByName;
    if (last !== undefined && last.name === name && this.devices.get(last.ifindex) === last) return last;
    for (const d of this.devices.values()) {
      if (d.name === name) {
        this.lastByName = d;
        return d;
      }
    }
    throw new KernelError(`Cannot find device "${name}"`);
  }

  /** The device with this name, or undefined. */
  findDevice(name: string): NetDevice | undefined {
    for (const d of this.devices.values()) if (d.name === name) return d;
    return undefined;
  }

  /** Every route in dump order (routes added since the last read are put in place first). */
  get routes(): Route[] {
    if (this.unordered.length > 0) this.placeUnordered();
    return this.routeList;
  }

  /** Replaces the whole list (which must be in dump order). */
  set routes(list: Route[]) {
    this.unordered = [];
    this.routeList = list;
  }

  /** Adds a route to the list, ordered now or when next read (see `routes`); the caller tells the FIB index (routeInserted). */
  appendRoute(r: Route): void {
    // A short list with nothing pending (a pod's namespace) takes it in place at once: sorting
    // a batch of one on the next read costs more than moving a few entries.
    const list = this.routeList;
    if (this.unordered.length === 0 && list.length < SHORT_ROUTE_LIST) list.splice(upperBound(list, r), 0, r);
    else this.unordered.push(r);
  }

  /**
   * Puts the routes added since the last read in dump order into the list, in place (the FIB
   * index keys on the list object): each one's place found by bisection among the ordered
   * ones, then the list moved up once, from the end. A route goes after routes with an equal
   * key, and after those added before it (list_add_tail).
   */
  private placeUnordered(): void {
    const add = this.unordered;
    this.unordered = [];
    add.sort(compareRoutes); // stable: equal keys keep the order they were added in
    const list = this.routeList;
    const at = add.map((r) => upperBound(list, r));
    let end = list.length;
    list.length += add.length;
    for (let j = add.length - 1; j >= 0; j--) {
      const from = at[j]!;
      for (let i = end - 1; i >= from; i--) list[i + j + 1] = list[i]!;
      list[from + j] = add[j]!;
      end = from;
    }
  }

  /** The FIB index built for every route, the unordered ones included (a rebuild reads the list, so it orders it first). */
  private fibReady(): void {
    if (!this.fib.isBuiltFor(this.routeList, this.routesVersion)) this.fib.ensure(this.routes, this.routesVersion);
  }

  /** fib_lookup() with the default rules (local, main, default). */
  route(dst: IPv4, opts?: LookupOpts): Route | undefined {
    this.fibReady();
    return this.fib.lookup(this.routeList, this.routesVersion, dst, opts);
  }

  /** The table-local route for an address (local or broadcast type), if any. */
  localRoute(ip: IPv4): Route | undefined {
    this.fibReady();
    return this.fib.lookupTable(RT_TABLE_LOCAL, ip);
  }

  /** The routes of one prefix in one table, in dump order (through the FIB index, no scan). */
  routesOf(table: number, dst: Prefix4): readonly Route[] {
    this.fibReady();
    return this.fib.routesOf(table, dst.addr >>> 0, dst.len);
  }

  /** The route with `r`'s key (table, prefix, metric), if any: what a replace replaces and an add collides with. */
  routeWithKeyOf(r: Route): Route | undefined {
    this.fibReady();
    return this.fib.sameKey(r);
  }

  /** Marks the FIB changed (invalidates lookup indexes and route caches). */
  routesChanged(): void {
    this.routesVersion++;
    this.birdRoutesVersion++;
    this.foreignRoutesVersion++;
  }

  /** One route was inserted into `routes` (in dump order, or by appendRoute): the FIB index follows without a rebuild. */
  routeInserted(r: Route): void {
    this.fib.noteInsert(this.routeList, this.routesVersion, ++this.routesVersion, r);
    this.touched(r);
  }

  /** One route was removed from `routes`. */
  routeRemoved(r: Route): void {
    this.fib.noteRemove(this.routeList, this.routesVersion, ++this.routesVersion, r);
    this.touched(r);
  }

  /** `old` was replaced in place by `r` (same table, prefix and metric). */
  routeReplaced(old: Route, r: Route): void {
    this.fib.noteReplace(this.routeList, this.routesVersion, ++this.routesVersion, old, r);
    this.touched(old);
    this.touched(r);
  }

  private touched(r: Route): void {
    if (r.protocol === RTPROT_BIRD) this.birdRoutesVersion++;
    else this.foreignRoutesVersion++;
  }

  /** Creates a device with the next ifindex (dev_new_index) and default per-device sysctls. */
  createDevice(name: string, kind: NetDevice['kind'], mac: MAC | undefined, mtu: number): NetDevice {
    if (this.findDevice(name)) throw new KernelError(ERR_EXISTS);
    const d = newDevice(this.nextIfindex++, name, kind, mac ?? deterministicMac(this.node, name), mtu);
    this.devices.set(d.ifindex, d);
    this.sysctls.conf.set(d.ifindex, { ...(this.sysctls.default ?? defaultDeviceSysctls()) });
    return d;
  }

  /** `ip link add` (link-config.ts). */
  addLink(spec: NewLink): NetDevice {
    return link.addLink(this, spec);
  }

  /** `ip link del` (link-config.ts). */
  delLink(name: string): void {
    link.delLink(this, name);
  }

  /** unregister_netdevice: drops everything that refers to the device. */
  removeDevice(ifindex: number): void {
    link.removeDevice(this, ifindex);
  }

  /** `ip link set` (link-config.ts). */
  setLink(name: string, change: link.LinkChange): void {
    link.setLink(this, name, change);
  }

  /** Recomputes IFF_LOWER_UP of a device from its wire, peer or ports, cascading to whoever depends on it. */
  recomputeCarrier(d: NetDevice): void {
    link.recomputeCarrier(this, d);
  }

  /** NETDEV_CHANGE: linkdown flags, neighbour flush on carrier loss, the bridge's own carrier. */
  afterCarrierChange(d: NetDevice): void {
    link.afterCarrierChange(this, d);
  }

  /** Sets RTNH_F_LINKDOWN on the non-local routes through a device from its carrier. */
  refreshLinkdown(ifindex: number): void {
    link.refreshLinkdown(this, ifindex);
  }

  addAddress(dev: string, prefix: Prefix4, opts?: { scope?: IfAddress['scope']; broadcast?: IPv4 }): void {
    const d = this.deviceByName(dev);
    const scope = opts?.scope ?? ((prefix.addr >>> 24) === 127 ? 'host' : 'global');
    cfg.addAddress(this, d, prefix, scope, opts?.broadcast);
  }

  delAddress(dev: string, prefix: Prefix4): void {
    cfg.delAddress(this, this.deviceByName(dev), prefix);
  }

  addRoute(route: Omit<Route, 'ifindex'> & { dev?: string }, mode: 'add' | 'replace'): void {
    cfg.addRoute(this, route, mode);
  }

  delRoute(match: { dst: Prefix4; table?: number; dev?: string; gateway?: IPv4 }): void {
    cfg.delRoute(this, match);
  }

  /** The neighbour entry for (device, IP), if any. */
  neighbour(ifindex: number, ip: IPv4): Neighbour | undefined {
    return this.neigh.get(ifindex)?.get(ip);
  }

  /** Creates or returns the neighbour entry (neigh_create). */
  neighbourEntry(ifindex: number, ip: IPv4, state: NeighState): Neighbour {
    let m = this.neigh.get(ifindex);
    if (!m) this.neigh.set(ifindex, (m = new Map()));
    let n = m.get(ip);
    if (!n) m.set(ip, (n = { ifindex, ip, state, router: false, updatedMs: this.clock.nowMs() }));
    return n;
  }

  addNeighbour(n: { dev: string; ip: IPv4; mac?: MAC; state: NeighState; proxy?: boolean }, mode: 'add' | 'replace'): void {
    l2.addNeighbour(this, n, mode);
  }

  delNeighbour(n: { dev: string; ip: IPv4; proxy?: boolean }): void {
    l2.delNeighbour(this, n);
  }

  addFdb(e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4; where: 'master' | 'self'; permanent: boolean }, mode: 'add' | 'replace' | 'append'): void {
    l2.addFdb(this, e, mode);
  }

  delFdb(e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4 }): void {
    l2.delFdb(this, e);
  }

  setBridgeVlan(dev: string, vlan: BridgeVlan, op: 'add' | 'del'): void {
    l2.setBridgeVlan(this, dev, vlan, op);
  }

  setSysctl(key: string, value: string): void {
    writeSysctl(this.sysctls, this.devices, key, value);
  }

  /** Enables or disables vlan_filtering on a bridge (`ip link set br0 type bridge vlan_filtering 1`). */
  setBridgeOptions(dev: string, opts: { vlanFiltering?: boolean; ageingTimeCs?: number; defaultPvid?: number }): void {
    const d = this.deviceByName(dev);
    if (!d.bridge) throw new KernelError('RTNETLINK answers: Operation not supported');
    if (opts.vlanFiltering !== undefined) d.bridge.vlanFiltering = opts.vlanFiltering;
    if (opts.ageingTimeCs !== undefined) d.bridge.ageingTimeCs = opts.ageingTimeCs;
    if (opts.defaultPvid !== undefined) d.bridge.defaultPvid = opts.defaultPvid;
  }
}
