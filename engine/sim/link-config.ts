/**
 * Link configuration (`ip link add|del|set`): device kinds as rtnl_newlink creates them,
 * bridge ports (br_add_if / br_del_if), and carrier (IFF_LOWER_UP) with what follows a
 * change: linkdown routes, neighbour flushes, the bridge's own carrier. The Kernel's
 * KernelOps methods delegate here, as they do to fib-config.ts and l2-config.ts.
 */
import { ZERO_MAC } from '../net/packet.ts';
import { isGroupMac, netifReceive } from './device.ts';
import * as cfg from './fib-config.ts';
import { changeBridgeAddress, fdbAddLocal, fdbDeleteLocal, localEntriesOf, portAddressChanged, recalculateBridgeAddress } from './bridge-addr.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice, NewLink, Route } from './types.ts';
import { KernelError } from './types.ts';

const ERR_EXISTS = 'RTNETLINK answers: File exists';
/** INADDR_LOOPBACK, 127.0.0.1. */
const LOOPBACK_ADDR = 0x7f000001;

/** What `ip link set` may change in one call. */
export type LinkChange = { up?: boolean; mtu?: number; mac?: string; master?: string | null; noArp?: boolean; name?: string };

const MAX_MTU: Record<NetDevice['kind'], number> = { loopback: 65536, veth: 65535, bridge: 65535, ipip: 65515, vxlan: 65535, dummy: 65535 };

/** `ip link add`: creates a device of `spec.kind` (both ends for a veth, possibly across namespaces). */
export function addLink(k: Kernel, spec: NewLink): NetDevice {
  const mtu = spec.mtu;
  switch (spec.kind) {
    case 'bridge': {
      const d = k.createDevice(spec.name, 'bridge', undefined, mtu ?? 1500);
      d.bridge = { vlanFiltering: spec.vlanFiltering ?? false, ageingTimeCs: 30000, defaultPvid: 1 };
      d.vlans = [{ vid: 1, pvid: true, untagged: true }];
      const now = k.clock.nowMs();
      k.fdb.push({ mac: d.mac, ifindex: d.ifindex, vlan: 1, where: 'master', state: 'permanent', updatedMs: now });
      k.fdb.push({ mac: d.mac, ifindex: d.ifindex, where: 'master', state: 'permanent', updatedMs: now });
      return d;
    }
    case 'veth': {
      let peerK: Kernel = k;
      if (spec.peerNode !== undefined && spec.peerNode !== k.node) {
        const other = k.world?.kernel(spec.peerNode);
        if (!other) throw new KernelError(`Cannot open network namespace "${spec.peerNode}": No such file or directory`);
        peerK = other;
      }
      if (k.findDevice(spec.name) || peerK.findDevice(spec.peerName) || spec.name === spec.peerName && peerK === k) throw new KernelError(ERR_EXISTS);
      // veth_newlink registers the peer first, so it gets the lower ifindex.
      const p = peerK.createDevice(spec.peerName, 'veth', undefined, mtu ?? 1500);
      const d = k.createDevice(spec.name, 'veth', undefined, mtu ?? 1500);
      d.peerIfindex = p.ifindex;
      p.peerIfindex = d.ifindex;
      if (peerK !== k) {
        d.peerNode = peerK.node;
        p.peerNode = k.node;
        // The new device's RTM_NEWLINK carries the peer's nsid: the creating namespace allocates
        // it now; the peer's namespace only when something there first dumps its links.
        k.peernetId(peerK.node);
      }
      // Each end's receive is made once: a frame crosses the pair as the clock's argument, not in a closure per frame.
      k.attachments.set(d.ifindex, { type: 'veth', peer: peerK, peerIfindex: p.ifindex, receive: (f) => netifReceive(peerK, p.ifindex, f) });
      peerK.attachments.set(p.ifindex, { type: 'veth', peer: k, peerIfindex: d.ifindex, receive: (f) => netifReceive(k, d.ifindex, f) });
      return d;
    }
    case 'ipip': {
      const d = k.createDevice(spec.name, 'ipip', ZERO_MAC, mtu ?? 1480);
      d.noArp = true;
      d.ipip = {};
      if (spec.local !== undefined) d.ipip.local = spec.local;
      if (spec.remote !== undefined) d.ipip.remote = spec.remote;
      return d;
    }
    case 'vxlan': {
      const lower = spec.dev !== undefined ? k.deviceByName(spec.dev) : undefined;
      const d = k.createDevice(spec.name, 'vxlan', undefined, mtu ?? (lower ? lower.mtu - 50 : 1500));
      d.vxlan = { vni: spec.vni, dstPort: spec.dstPort, learning: spec.learning ?? true };
      if (spec.local !== undefined) d.vxlan.local = spec.local;
      if (lower) d.vxlan.dev = lower.ifindex;
      return d;
    }
    case 'dummy': {
      const d = k.createDevice(spec.name, 'dummy', undefined, mtu ?? 1500);
      d.noArp = true;
      return d;
    }
  }
}

/** `ip link del`: a veth (a cable's too) takes its peer with it; lo cannot go. */
export function delLink(k: Kernel, name: string): void {
  const d = k.deviceByName(name);
  if (d.kind === 'loopback') throw new KernelError('RTNETLINK answers: Operation not supported');
  if (d.kind === 'veth') {
    const att = k.attachments.get(d.ifindex);
    if (att?.type === 'veth') removeDevice(att.peer, att.peerIfindex);
    else if (att?.type === 'wire') att.wire.unplug();
  }
  removeDevice(k, d.ifindex);
}

/** unregister_netdevice: drops everything that refers to the device. */
export function removeDevice(k: Kernel, ifindex: number): void {
  const d = k.devices.get(ifindex);
  if (!d) return;
  if (d.adminUp) setLink(k, d.name, { up: false });
  for (const p of k.devices.values()) if (p.master === ifindex) release(k, p);
  if (d.master !== undefined) release(k, d);
  k.addresses = k.addresses.filter((a) => a.ifindex !== ifindex);
  cfg.removeRoutes(k, (r) => r.ifindex === ifindex);
  k.neigh.delete(ifindex);
  k.proxyNeighbours = k.proxyNeighbours.filter((p) => p.ifindex !== ifindex);
  k.fdb = k.fdb.filter((e) => e.ifindex !== ifindex);
  k.sysctls.conf.delete(ifindex);
  k.attachments.delete(ifindex);
  k.devices.delete(ifindex);
}

/** `ip link set`: rename, MTU, MAC, master, arp, then up/down with their carrier and route consequences. */
export function setLink(k: Kernel, name: string, change: LinkChange): void {
  const d = k.deviceByName(name);
  if (change.mtu !== undefined) {
    if (change.mtu > MAX_MTU[d.kind]) throw new KernelError('Error: mtu greater than device maximum.');
    if (change.mtu < 68) throw new KernelError('Error: mtu less than device minimum.');
  }
  if (change.name !== undefined && change.name !== d.name) {
    if (k.findDevice(change.name)) throw new KernelError(ERR_EXISTS);
    if (d.adminUp) throw new KernelError('RTNETLINK answers: Device or resource busy');
    d.name = change.name;
    for (const a of k.addresses) if (a.ifindex === d.ifindex && a.label === name) a.label = change.name;
  }
  if (change.mac !== undefined) {
    const mac = change.mac.toLowerCase();
    // eth_mac_addr() / br_set_mac_address(): !is_valid_ether_addr is EADDRNOTAVAIL.
    if (d.kind !== 'loopback' && d.kind !== 'ipip' && (mac === ZERO_MAC || isGroupMac(mac))) {
      throw new KernelError('RTNETLINK answers: Cannot assign requested address');
    }
  }
  if (change.mtu !== undefined) d.mtu = change.mtu;
  if (change.mac !== undefined) setAddress(k, d, change.mac.toLowerCase());
  if (change.noArp !== undefined) d.noArp = change.noArp;
  if (change.master !== undefined) {
    if (change.master === null) {
      if (d.master !== undefined) release(k, d);
    } else {
      const br = k.deviceByName(change.master);
      if (br.kind !== 'bridge' || br === d) throw new KernelError('RTNETLINK answers: Operation not supported');
      if (d.master !== br.ifindex) {
        if (d.master !== undefined) release(k, d);
        enslave(k, br, d);
      }
    }
  }
  if (change.up === true && !d.adminUp) {
    d.adminUp = true;
    d.everUp = true;
    // inetdev_event(NETDEV_UP) gives loopback 127.0.0.1/8 (kept across later downs, never doubled).
    if (d.kind === 'loopback' && !k.addresses.some((a) => a.ifindex === d.ifindex && a.prefix.addr === LOOPBACK_ADDR)) {
      // Its routes come with deviceUp below (adding them here too made them, then removed them).
      cfg.addAddress(k, d, { addr: LOOPBACK_ADDR, len: 8 }, 'host', undefined, false);
    }
    recomputeCarrier(k, d);
    afterCarrierChange(k, d);
    cfg.deviceUp(k, d);
    wireChanged(k, d);
  } else if (change.up === false && d.adminUp) {
    d.adminUp = false;
    cfg.deviceDown(k, d);
    k.neigh.delete(d.ifindex); // neigh_ifdown
    k.fdb = k.fdb.filter((e) => !(e.ifindex === d.ifindex && e.state === 'learned'));
    recomputeCarrier(k, d);
    afterCarrierChange(k, d);
    wireChanged(k, d);
  }
  notifyLink(k, d);
}

/**
 * rtmsg_ifinfo(): every RTM_NEWLINK the kernel sends about a veth into another namespace carries
 * IFLA_LINK_NETNSID, and building it allocates this namespace's id for the peer's, listener or not.
 */
function notifyLink(k: Kernel, d: NetDevice): void {
  if (d.kind === 'veth' && d.peerNode !== undefined) k.peernetId(d.peerNode);
}

/** dev_set_mac_address(): a bridge keeps an address set by the user; a port's new address re-elects its bridge's. */
function setAddress(k: Kernel, d: NetDevice, mac: string): void {
  if (d.bridge) {
    if (mac !== d.mac) changeBridgeAddress(k, d, mac);
    d.bridge.macSet = true; // NET_ADDR_SET, even when the address did not change
    return;
  }
  const old = d.mac;
  d.mac = mac;
  const br = d.master !== undefined ? k.devices.get(d.master) : undefined;
  if (br?.bridge && old !== mac) portAddressChanged(k, br, d, old);
}

function wireChanged(k: Kernel, d: NetDevice): void {
  const att = k.attachments.get(d.ifindex);
  if (att?.type === 'wire') att.wire.stateChanged();
}

/**
 * br_add_if(): the port joins with the default PVID untagged and local FDB entries for its MAC,
 * then the bridge re-elects its address (the lowest port MAC).
 */
function enslave(k: Kernel, br: NetDevice, port: NetDevice): void {
  port.master = br.ifindex;
  const pvid = br.bridge?.defaultPvid ?? 1;
  port.vlans = pvid ? [{ vid: pvid, pvid: true, untagged: true }] : [];
  // The kernel adds VLAN 0 then the PVID and dumps newest first; the FDB list is kept in dump order.
  if (pvid) fdbAddLocal(k, br, port, port.mac, pvid);
  fdbAddLocal(k, br, port, port.mac, undefined);
  recalculateBridgeAddress(k, br);
  recomputeCarrier(k, br);
}

/** br_del_if(): the port leaves with its VLANs; its local entries pass on or go, learnt ones go; the bridge re-elects its address. */
function release(k: Kernel, port: NetDevice): void {
  const br = port.master !== undefined ? k.devices.get(port.master) : undefined;
  if (br) for (const e of localEntriesOf(k, port)) fdbDeleteLocal(k, br, port, e);
  delete port.master;
  delete port.vlans;
  k.fdb = k.fdb.filter((e) => !(e.ifindex === port.ifindex && e.where === 'master'));
  if (br) {
    recalculateBridgeAddress(k, br);
    recomputeCarrier(k, br);
  }
}

/** Recomputes IFF_LOWER_UP of a device from its wire, peer or ports, cascading to whoever depends on it. */
export function recomputeCarrier(k: Kernel, d: NetDevice): void {
  const before = d.carrier;
  const att = k.attachments.get(d.ifindex);
  if (d.kind === 'veth' && att?.type === 'wire') {
    // A cable: the far end's own recompute runs through WireEnd.stateChanged().
    d.carrier = d.adminUp && att.wire.farEndUp();
  } else if (d.kind === 'veth') {
    const peer = att?.type === 'veth' ? att.peer.devices.get(att.peerIfindex) : undefined;
    const on = d.adminUp && !!peer?.adminUp;
    d.carrier = on;
    if (peer && att?.type === 'veth' && peer.carrier !== on) {
      peer.carrier = on;
      afterCarrierChange(att.peer, peer);
    }
  } else if (d.kind === 'bridge') {
    // br_port_carrier_check(): carrier when a port forwards; a bridge without ports keeps carrier on (6.x).
    let ports = 0;
    let any = false;
    for (const p of k.devices.values()) {
      if (p.master !== d.ifindex) continue;
      ports++;
      if (p.adminUp && p.carrier) any = true;
    }
    d.carrier = ports === 0 || any;
  } else {
    d.carrier = true;
  }
  if (before !== d.carrier) afterCarrierChange(k, d);
}

/** NETDEV_CHANGE: linkdown flags, neighbour flush on carrier loss, the bridge's own carrier. */
export function afterCarrierChange(k: Kernel, d: NetDevice): void {
  refreshLinkdown(k, d.ifindex);
  if (d.adminUp) notifyLink(k, d); // linkwatch reports carrier changes of devices that are up
  if (!d.carrier) {
    const m = k.neigh.get(d.ifindex);
    if (m) for (const [ip, n] of m) if (n.state !== 'PERMANENT' && n.state !== 'NOARP') m.delete(ip);
  }
  if (d.master !== undefined) {
    const br = k.devices.get(d.master);
    if (br) recomputeCarrier(k, br);
  }
}

/**
 * Sets RTNH_F_LINKDOWN on the non-local routes through a device from its carrier. A route
 * changes by replacement, never in place: routes via a gateway are shared between
 * namespaces (fib-config.ts's sharedGatewayRoute).
 */
export function refreshLinkdown(k: Kernel, ifindex: number): void {
  const d = k.devices.get(ifindex);
  if (!d) return;
  const down = !d.carrier;
  for (let i = 0; i < k.routes.length; i++) {
    const r = k.routes[i]!;
    if (r.ifindex !== ifindex || r.type === 'local' || (r.linkdown === true) === down) continue;
    const next: Route = { ...r };
    if (down) next.linkdown = true;
    else delete next.linkdown;
    k.routes[i] = next;
    k.routeReplaced(r, next);
  }
}
