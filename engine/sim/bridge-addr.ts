/**
 * A bridge's own MAC address and the local FDB entries that follow it (net/bridge br_stp_if.c
 * br_stp_recalculate_bridge_id, br_fdb.c fdb_add_local / fdb_delete_local /
 * br_fdb_change_mac_address / br_fdb_changeaddr), measured on a 6.x kernel:
 *
 * - a new bridge has a random address; as soon as it has ports it takes the lowest port MAC,
 *   re-chosen whenever a port joins, leaves or changes its address; with no ports left it is
 *   00:00:00:00:00:00. Once the user sets an address (`ip link set br0 address …`,
 *   NET_ADDR_SET) the bridge keeps it.
 * - the FDB holds one local (permanent) entry per (MAC, VLAN): the bridge's own address and
 *   each port's. When the bridge takes a port's MAC, the port's entry already covers it, so
 *   `bridge fdb` shows no separate `dev br0` line; an entry whose port leaves passes to another
 *   port or to the bridge with the same address, or goes.
 */
import type { MAC } from '../net/packet.ts';
import { ZERO_MAC } from '../net/packet.ts';
import { isGroupMac } from './device.ts';
import type { Kernel } from './kernel.ts';
import type { FdbEntry, NetDevice } from './types.ts';

/** The bridge's ports (devices enslaved to it). */
function portsOf(k: Kernel, br: NetDevice): NetDevice[] {
  const out: NetDevice[] = [];
  for (const p of k.devices.values()) if (p.master === br.ifindex) out.push(p);
  return out;
}

/** True for an entry of this bridge's FDB: held by the bridge itself or by one of its ports. */
function ofBridge(k: Kernel, br: NetDevice, e: FdbEntry): boolean {
  if (e.where !== 'master') return false;
  if (e.ifindex === br.ifindex) return true;
  return k.devices.get(e.ifindex)?.master === br.ifindex;
}

/** br_fdb_find(): the entry of (MAC, VLAN) in this bridge's FDB, whatever its state. */
function find(k: Kernel, br: NetDevice, mac: MAC, vid: number | undefined): FdbEntry | undefined {
  return k.fdb.find((e) => e.mac === mac && e.vlan === vid && ofBridge(k, br, e));
}

function hasVlan(d: NetDevice, vid: number | undefined): boolean {
  return vid === undefined || !!d.vlans?.some((v) => v.vid === vid);
}

/** fdb_add_local(): a local entry for `mac` in `vid`, held by `port` or (undefined) the bridge. */
export function fdbAddLocal(k: Kernel, br: NetDevice, port: NetDevice | undefined, mac: MAC, vid: number | undefined): void {
  if (mac === ZERO_MAC || isGroupMac(mac)) return; // !is_valid_ether_addr
  const cur = find(k, br, mac, vid);
  if (cur) {
    // Several ports may share an address: the first local entry stands for all of them.
    if (cur.state === 'permanent') return;
    k.fdb = k.fdb.filter((e) => e !== cur);
  }
  const e: FdbEntry = { mac, ifindex: (port ?? br).ifindex, where: 'master', state: 'permanent', updatedMs: k.clock.nowMs() };
  if (vid !== undefined) e.vlan = vid;
  k.fdb.push(e);
}

/**
 * fdb_delete_local(): a local entry loses its holder `leaving` (a port, or undefined for the
 * bridge); it passes to another port with that address in that VLAN, else to the bridge when
 * a port leaves and the bridge has that address, else it goes.
 */
export function fdbDeleteLocal(k: Kernel, br: NetDevice, leaving: NetDevice | undefined, e: FdbEntry): void {
  for (const op of portsOf(k, br)) {
    if (op !== leaving && op.mac === e.mac && hasVlan(op, e.vlan)) {
      e.ifindex = op.ifindex;
      return;
    }
  }
  if (leaving && br.mac === e.mac && hasVlan(br, e.vlan)) {
    e.ifindex = br.ifindex;
    return;
  }
  k.fdb = k.fdb.filter((x) => x !== e);
}

/** The local entries a device holds in its bridge (its own address, per VLAN and without). */
export function localEntriesOf(k: Kernel, d: NetDevice): FdbEntry[] {
  return k.fdb.filter((e) => e.ifindex === d.ifindex && e.where === 'master' && e.state === 'permanent' && e.mac === d.mac);
}

/** br_stp_change_bridge_id() + br_fdb_change_mac_address(): the bridge's address becomes `mac`. */
export function changeBridgeAddress(k: Kernel, br: NetDevice, mac: MAC): void {
  const vids: (number | undefined)[] = [undefined, ...(br.vlans ?? []).map((v) => v.vid)];
  for (const vid of vids) {
    const old = k.fdb.find((e) => e.ifindex === br.ifindex && e.where === 'master' && e.state === 'permanent' && e.mac === br.mac && e.vlan === vid);
    if (old) fdbDeleteLocal(k, br, undefined, old);
  }
  br.mac = mac;
  // Added VLAN 0 first, then each VLAN; the dump shows newest first, the FDB list is in dump order.
  for (const vid of [...vids].reverse()) fdbAddLocal(k, br, undefined, mac, vid);
}

/** br_stp_recalculate_bridge_id(): the lowest port MAC (zero without ports), unless the user set one. */
export function recalculateBridgeAddress(k: Kernel, br: NetDevice): void {
  if (!br.bridge || br.bridge.macSet) return;
  let lowest: MAC | undefined;
  // Lower-case colon MACs compare as strings in the same order as memcmp on their bytes.
  for (const p of portsOf(k, br)) if (lowest === undefined || p.mac < lowest) lowest = p.mac;
  const mac = lowest ?? ZERO_MAC;
  if (mac !== br.mac) changeBridgeAddress(k, br, mac);
}

/** br_fdb_changeaddr() + NETDEV_CHANGEADDR: a port's address changed from `oldMac`; its local entries follow. */
export function portAddressChanged(k: Kernel, br: NetDevice, port: NetDevice, oldMac: MAC): void {
  const mine = k.fdb.filter((e) => e.ifindex === port.ifindex && e.where === 'master' && e.state === 'permanent' && e.mac === oldMac);
  for (const e of mine) fdbDeleteLocal(k, br, port, e);
  for (const v of [...(port.vlans ?? [])].reverse()) fdbAddLocal(k, br, port, port.mac, v.vid);
  fdbAddLocal(k, br, port, port.mac, undefined);
  recalculateBridgeAddress(k, br);
}
