/**
 * Routes the kernel derives from addresses and device state, and `ip route add/del`
 * validation — the configuration side of the FIB (net/ipv4/fib_frontend.c, fib_semantics.c).
 *
 * Measured on a 6.x kernel and mirrored here:
 * - fib_add_ifaddr(): an address always gets `local A table local` (src = its primary);
 *   when the device is up, a primary also gets the prefix route `N/len dev D proto kernel
 *   scope link src A` in main (type local in table local for loopback) unless /32, and
 *   `broadcast <subnet bcast>` in local when len < 31 (no network-address broadcast since 5.x).
 * - NETDEV_DOWN (admin down): every route through the device goes, except local routes;
 *   coming back up re-adds only the address-derived routes, static routes stay lost.
 * - carrier loss marks non-local routes `linkdown` (RTNH_F_LINKDOWN) but keeps them.
 * - deleting a primary address deletes its secondaries (promote_secondaries=0) and routes
 *   with that prefsrc; when the device has no address left every route through it goes
 *   (fib_disable_ip with force).
 */
import type { IPv4, Prefix4 } from '../net/ip.ts';
import { broadcastOf, isNetworkPrefix, maskOf, networkOf, prefixContains } from '../net/ip.ts';
import type { IfAddress, NetDevice, Route } from './types.ts';
import { KernelError, RT_TABLE_LOCAL, RT_TABLE_MAIN, RTPROT_KERNEL } from './types.ts';
import { indexOfRoute, RT_TABLE_DEFAULT } from './fib.ts';
import type { Kernel } from './kernel.ts';

/** The primary address an address hangs off (itself when primary). */
export function primaryOf(k: Kernel, a: IfAddress): IfAddress {
  for (const p of k.addresses) {
    if (p.ifindex === a.ifindex && p.prefix.len === a.prefix.len && prefixContains(networkOf(p.prefix), a.prefix.addr)) return p;
  }
  return a;
}

/** True when `a` is a secondary address (another address of its subnet came first). */
export function isSecondary(k: Kernel, a: IfAddress): boolean {
  return primaryOf(k, a) !== a;
}

type AddressRoute = Pick<Route, 'table' | 'type' | 'dst' | 'ifindex' | 'scope' | 'prefsrc'>;

function kernelRoute(k: Kernel, r: AddressRoute): void {
  // One literal in the spread's field order, not `{ ...r, protocol, … }`: V8 (Node 20) gives
  // nearly every spread-plus-fields copy a hidden class of its own, and every reader of the
  // route table (FIB lookups, link refreshes, sorting) then misses its inline caches.
  const route: Route = { table: r.table, type: r.type, dst: r.dst, ifindex: r.ifindex, scope: r.scope, prefsrc: r.prefsrc, protocol: RTPROT_KERNEL, metric: 0, onlink: false };
  // Put in dump order when the list is next read, and told to the FIB index at once (as
  // addRoute does): an index rebuild per address (every pod's lo and eth0) is not needed.
  k.appendRoute(route);
  k.routeInserted(route);
}

/** fib_add_ifaddr(): the routes an address implies, given the device state. */
export function addAddressRoutes(k: Kernel, a: IfAddress): void {
  const dev = k.devices.get(a.ifindex)!;
  const prim = primaryOf(k, a);
  const src = prim.prefix.addr;
  const loopback = dev.kind === 'loopback';
  kernelRoute(k, { table: RT_TABLE_LOCAL, type: 'local', dst: { addr: a.prefix.addr, len: 32 }, ifindex: a.ifindex, scope: 'host', prefsrc: src });
  if (a.broadcast !== undefined && a.broadcast !== 0xffffffff) {
    kernelRoute(k, { table: RT_TABLE_LOCAL, type: 'broadcast', dst: { addr: a.broadcast, len: 32 }, ifindex: a.ifindex, scope: 'link', prefsrc: src });
  }
  if (!dev.adminUp || prim !== a) return;
  const net = networkOf(a.prefix);
  if (net.addr !== 0 && (net.addr !== a.prefix.addr || a.prefix.len < 32)) {
    kernelRoute(k, loopback
      ? { table: RT_TABLE_LOCAL, type: 'local', dst: net, ifindex: a.ifindex, scope: 'host', prefsrc: src }
      : { table: RT_TABLE_MAIN, type: 'unicast', dst: net, ifindex: a.ifindex, scope: 'link', prefsrc: src });
    const bcast = broadcastOf(a.prefix);
    if (a.prefix.len < 31 && bcast !== a.broadcast) {
      kernelRoute(k, { table: RT_TABLE_LOCAL, type: 'broadcast', dst: { addr: bcast, len: 32 }, ifindex: a.ifindex, scope: 'link', prefsrc: src });
    }
  }
  k.refreshLinkdown(a.ifindex);
}

/** Removes routes matching `pred` and bumps the FIB version when any went. */
export function removeRoutes(k: Kernel, pred: (r: Route) => boolean): void {
  // A device coming up usually has no kernel route to drop: the list (and the FIB index built
  // for it) then stays as it is.
  if (!k.routes.some(pred)) return;
  k.routes = k.routes.filter((r) => !pred(r));
  k.routesChanged();
}

/** NETDEV_UP: re-adds the address-derived routes of every address on the device. */
export function deviceUp(k: Kernel, dev: NetDevice): void {
  removeRoutes(k, (r) => r.ifindex === dev.ifindex && r.protocol === RTPROT_KERNEL);
  for (const a of k.addresses) if (a.ifindex === dev.ifindex) addAddressRoutes(k, a);
}

/** NETDEV_DOWN: fib_disable_ip() without force keeps only the local routes. */
export function deviceDown(k: Kernel, dev: NetDevice): void {
  removeRoutes(k, (r) => r.ifindex === dev.ifindex && r.type !== 'local');
}

/**
 * `ip addr add`: inet_insert_ifa() checks, then fib_add_ifaddr(). `routes` false: the caller
 * brings the device up right after (deviceUp adds every address's routes).
 */
export function addAddress(k: Kernel, dev: NetDevice, prefix: Prefix4, scope: IfAddress['scope'], broadcast?: IPv4, routes = true): void {
  for (const a of k.addresses) {
    if (a.ifindex === dev.ifindex && a.prefix.addr === prefix.addr && a.prefix.len === prefix.len) {
      throw new KernelError('Error: ipv4: Address already assigned.');
    }
  }
  const a: IfAddress = { ifindex: dev.ifindex, prefix: { addr: prefix.addr >>> 0, len: prefix.len }, scope, label: dev.name };
  if (broadcast !== undefined) a.broadcast = broadcast;
  k.addresses.push(a);
  if (routes) addAddressRoutes(k, a);
}

/** `ip addr del`: fib_del_ifaddr() plus secondaries and, for the last address, fib_disable_ip(force). */
export function delAddress(k: Kernel, dev: NetDevice, prefix: Prefix4): void {
  const a = k.addresses.find((x) => x.ifindex === dev.ifindex && x.prefix.addr === prefix.addr && x.prefix.len === prefix.len);
  if (!a) throw new KernelError('Error: ipv4: Address not found.');
  const gone = new Set<IfAddress>([a]);
  if (!isSecondary(k, a)) {
    const net = networkOf(a.prefix);
    for (const x of k.addresses) {
      if (x.ifindex === a.ifindex && x.prefix.len === a.prefix.len && prefixContains(net, x.prefix.addr)) gone.add(x);
    }
  }
  const addrs = new Set<number>([...gone].map((x) => x.prefix.addr));
  k.addresses = k.addresses.filter((x) => !gone.has(x));
  const stillLocal = (ip: number): boolean => k.addresses.some((x) => x.prefix.addr === ip);
  removeRoutes(k, (r) => {
    if (r.ifindex !== a.ifindex && r.type !== 'local') return r.prefsrc !== undefined && addrs.has(r.prefsrc) && !stillLocal(r.prefsrc);
    if (r.protocol === RTPROT_KERNEL && r.ifindex === a.ifindex) {
      if (r.type === 'local' && r.dst.len === 32) return addrs.has(r.dst.addr);
      return r.prefsrc !== undefined && addrs.has(r.prefsrc);
    }
    return r.prefsrc !== undefined && addrs.has(r.prefsrc) && !stillLocal(r.prefsrc);
  });
  if (!k.addresses.some((x) => x.ifindex === a.ifindex)) {
    removeRoutes(k, (r) => r.ifindex === a.ifindex);
  }
}

/**
 * Route destinations are frozen and shared by every namespace: on a fabric of N nodes each
 * node holds a route to every other node's block, the same N prefixes N times over.
 * Bounded by clearing (sharing saves memory, it means nothing).
 */
const prefixes = new Map<number, Prefix4>();
/**
 * Up to /30 the two low bits of a network address are zero: addr >>> 2 keys one map per length
 * with a small integer (addr * 64 + len made a heap number for every lookup, an allocation per
 * route added); /31 and /32 keep the wide key.
 */
const prefixesByLen: Map<number, Prefix4>[] = Array.from({ length: 31 }, () => new Map());
let prefixCount = 0;
function sharedPrefix(addr: number, len: number): Prefix4 {
  const m = len <= 30 ? prefixesByLen[len]! : prefixes;
  const key = len <= 30 ? addr >>> 2 : addr * 64 + len;
  let p = m.get(key);
  if (!p) {
    if (prefixCount >= 500_000) { prefixes.clear(); for (const x of prefixesByLen) x.clear(); prefixCount = 0; }
    p = Object.freeze({ addr, len });
    m.set(key, p);
    prefixCount++;
  }
  return p;
}

/**
 * Routes via a gateway, frozen and shared by every namespace that holds the same one: each of
 * N nodes installs a route to every other node's block via that node (`via G dev tunl0
 * onlink proto bird`, tunl0 having the same ifindex everywhere), so N² routes are ~N
 * distinct objects — ~100 B saved per route per node. A shared route is never changed in
 * place (refreshLinkdown replaces it). Keyed by destination, then compared field by field;
 * bounded by clearing (sharing saves memory, it means nothing).
 */
const sharedRoutes = new Map<Prefix4, Route[]>();
let sharedCount = 0;
/**
 * The shared route `spec` describes via its gateway on `ifindex`, found without building one
 * (BIRD adds a route per other node's block on every node: N² adds, ~N distinct routes), or
 * built whole and frozen: its fields then sit in the object itself. Keyed by the destination
 * object, itself shared (sharedPrefix): an identity hash, no number made per lookup.
 */
function sharedGatewayRoute(spec: Omit<Route, 'ifindex'>, dst: Prefix4, ifindex: number): Route {
  let list = sharedRoutes.get(dst);
  if (list) {
    for (const x of list) {
      if (x.gateway === spec.gateway && x.ifindex === ifindex && x.table === spec.table && x.metric === spec.metric && x.protocol === spec.protocol &&
        x.type === spec.type && x.scope === spec.scope && x.onlink === spec.onlink) return x;
    }
  } else {
    if (sharedCount >= 500_000) { sharedRoutes.clear(); sharedCount = 0; }
    sharedRoutes.set(dst, (list = []));
  }
  // Same keys in the same order as the general form.
  const r: Route = Object.freeze({
    table: spec.table, type: spec.type, dst, protocol: spec.protocol, scope: spec.scope, metric: spec.metric, onlink: spec.onlink, gateway: spec.gateway, ifindex,
  });
  list.push(r);
  sharedCount++;
  return r;
}

/** `ip route add|replace`: fib_create_info() validation then fib_table_insert(). */
export function addRoute(k: Kernel, spec: Omit<Route, 'ifindex'> & { dev?: string }, mode: 'add' | 'replace'): void {
  if (!isNetworkPrefix(spec.dst)) throw new KernelError('Error: Invalid prefix for given prefix length.');
  let dev: NetDevice | undefined;
  if (spec.dev !== undefined) dev = k.deviceByName(spec.dev);
  let ifindex: number | undefined;
  if (spec.type === 'unicast') {
    if (spec.gateway !== undefined) {
      if (spec.onlink) {
        if (!dev) throw new KernelError('Error: Nexthop device required for onlink.');
        if (!dev.adminUp) throw new KernelError('Error: Nexthop device is not up.');
      } else {
        // fib_check_nh_v4_gw(): the gateway must be reachable through a link/host-scope route.
        const via = k.route(spec.gateway, { minScope: 253, ...(dev ? { oif: dev.ifindex } : {}) });
        if (!via || (via.type !== 'unicast' && via.type !== 'local')) throw new KernelError('Error: Nexthop has invalid gateway.');
        if (!dev) dev = k.devices.get(via.ifindex!);
        if (via.type === 'unicast' && dev && via.ifindex !== dev.ifindex) throw new KernelError('Error: Nexthop has invalid gateway.');
      }
    } else if (!dev) {
      throw new KernelError('Error: Device for nexthop is not up.');
    }
    if (!dev!.adminUp) throw new KernelError('Error: Device for nexthop is not up.');
    ifindex = dev!.ifindex;
  } else if (spec.type === 'local' || spec.type === 'broadcast') {
    if (!dev) throw new KernelError('Error: Device for nexthop is not up.');
    ifindex = dev.ifindex;
  }
  const dst = sharedPrefix(spec.dst.addr >>> 0, spec.dst.len);
  let route: Route;
  if (spec.type === 'unicast' && spec.gateway !== undefined && spec.prefsrc === undefined && dev!.carrier) {
    // What BIRD installs, one per other node's block: most often held already by another namespace.
    route = sharedGatewayRoute(spec, dst, ifindex!);
  } else {
    route = { table: spec.table, type: spec.type, dst, protocol: spec.protocol, scope: spec.scope, metric: spec.metric, onlink: spec.onlink };
    if (spec.prefsrc !== undefined) route.prefsrc = spec.prefsrc;
    if (spec.type === 'unicast' && spec.gateway !== undefined) route.gateway = spec.gateway;
    if (ifindex !== undefined) route.ifindex = ifindex;
    if (spec.type === 'unicast' && !dev!.carrier) route.linkdown = true;
  }
  // The index finds a route with the same key (table, prefix, metric) without scanning the table.
  const old = k.routeWithKeyOf(route);
  if (old) {
    if (mode === 'add') throw new KernelError('RTNETLINK answers: File exists');
    const routes = k.routes;
    routes[indexOfRoute(routes, old)] = route;
    k.routeReplaced(old, route);
  } else {
    // Put in dump order when the list is next read (Kernel.routes); the index has it at once.
    k.appendRoute(route);
    k.routeInserted(route);
  }
}

/** `ip route del`: fib_table_delete() — first route of that prefix matching the given keys. */
export function delRoute(k: Kernel, match: { dst: Prefix4; table?: number; dev?: string; gateway?: IPv4 }): void {
  const table = match.table ?? RT_TABLE_MAIN;
  const dev = match.dev !== undefined ? k.deviceByName(match.dev) : undefined;
  const net = match.dst.addr >>> 0;
  // The index holds the prefix's routes in dump order: the first that matches is the one to go.
  k.fib.ensure(k.routes, k.routesVersion);
  const r = k.fib.routesOf(table, net, match.dst.len).find((x) => x.dst.addr === net &&
    (dev === undefined || x.ifindex === dev.ifindex) && (match.gateway === undefined || x.gateway === match.gateway));
  if (!r) throw new KernelError('RTNETLINK answers: No such process');
  k.routes.splice(indexOfRoute(k.routes, r), 1);
  k.routeRemoved(r);
}

/** The route tables the default policy rules consult, in order. */
export const DEFAULT_RULE_TABLES = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT] as const;

/** inet_select_addr(): the address a packet out of `dev` towards `dst` uses as source. */
export function selectSource(k: Kernel, ifindex: number | undefined, dst: IPv4, scope: 'global' | 'link' | 'host' = 'global'): IPv4 | undefined {
  let any: IPv4 | undefined;
  for (const a of k.addresses) {
    if (a.scope === 'host' && scope !== 'host') continue;
    if (ifindex !== undefined && a.ifindex !== ifindex) continue;
    if (isSecondary(k, a)) continue;
    if ((dst & maskOf(a.prefix.len)) === (a.prefix.addr & maskOf(a.prefix.len))) return a.prefix.addr;
    if (any === undefined) any = a.prefix.addr;
  }
  if (any !== undefined) return any;
  // No address on the device: the kernel takes the first global address of the namespace.
  for (const a of k.addresses) if (a.scope === 'global') return a.prefix.addr;
  return undefined;
}
