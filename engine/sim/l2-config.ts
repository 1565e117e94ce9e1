/**
 * Neighbour, FDB and bridge-VLAN configuration (`ip neigh`, `bridge fdb`, `bridge vlan`):
 * the rtnetlink side of neighbour.c, br_fdb.c / vxlan fdb and br_vlan.c, with iproute2's
 * error lines. The Kernel's KernelOps methods delegate here.
 */
import type { IPv4 } from '../net/ip.ts';
import type { MAC } from '../net/packet.ts';
import type { Kernel } from './kernel.ts';
import type { BridgeVlan, FdbEntry, NeighState } from './types.ts';
import { KernelError } from './types.ts';
import { fdbAddLocal, fdbDeleteLocal } from './bridge-addr.ts';

const ERR_EXISTS = 'RTNETLINK answers: File exists';
const ERR_NOENT = 'RTNETLINK answers: No such file or directory';

/** `ip neigh add|replace` (or `… proxy`): a static entry or a proxy (pneigh) entry. */
export function addNeighbour(k: Kernel, n: { dev: string; ip: IPv4; mac?: MAC; state: NeighState; proxy?: boolean }, mode: 'add' | 'replace'): void {
  const d = k.deviceByName(n.dev);
  if (n.proxy) {
    const exists = k.proxyNeighbours.some((p) => p.ifindex === d.ifindex && p.ip === n.ip);
    if (exists && mode === 'add') throw new KernelError(ERR_EXISTS);
    if (!exists) k.proxyNeighbours.push({ ifindex: d.ifindex, ip: n.ip });
    return;
  }
  const cur = k.neighbour(d.ifindex, n.ip);
  if (cur && mode === 'add') throw new KernelError(ERR_EXISTS);
  const e = k.neighbourEntry(d.ifindex, n.ip, n.state);
  e.state = n.state;
  if (n.mac !== undefined) e.mac = n.mac.toLowerCase();
  else delete e.mac;
  e.updatedMs = k.clock.nowMs();
}

/** `ip neigh del`. */
export function delNeighbour(k: Kernel, n: { dev: string; ip: IPv4; proxy?: boolean }): void {
  const d = k.deviceByName(n.dev);
  if (n.proxy) {
    const i = k.proxyNeighbours.findIndex((p) => p.ifindex === d.ifindex && p.ip === n.ip);
    if (i < 0) throw new KernelError(ERR_NOENT);
    k.proxyNeighbours.splice(i, 1);
    return;
  }
  if (!k.neigh.get(d.ifindex)?.delete(n.ip)) throw new KernelError(ERR_NOENT);
}

/** `bridge fdb add|replace|append` for a bridge port (master) or a VXLAN/bridge device (self). */
export function addFdb(k: Kernel, e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4; where: 'master' | 'self'; permanent: boolean }, mode: 'add' | 'replace' | 'append'): void {
  const d = k.deviceByName(e.dev);
  if (e.where === 'master' && d.master === undefined) throw new KernelError('RTNETLINK answers: Operation not supported');
  if (e.where === 'self' && d.kind !== 'vxlan' && d.kind !== 'bridge') throw new KernelError('RTNETLINK answers: Operation not supported');
  const mac = e.mac.toLowerCase();
  const same = (x: FdbEntry): boolean => x.ifindex === d.ifindex && x.mac === mac && x.vlan === e.vlan && x.where === e.where &&
    (mode !== 'append' || x.dst === e.dst);
  const i = k.fdb.findIndex(same);
  const entry: FdbEntry = { mac, ifindex: d.ifindex, where: e.where, state: e.permanent ? 'permanent' : 'static', updatedMs: k.clock.nowMs() };
  if (e.vlan !== undefined) entry.vlan = e.vlan;
  if (e.dst !== undefined) entry.dst = e.dst;
  if (i >= 0) {
    if (mode !== 'replace') throw new KernelError(ERR_EXISTS);
    k.fdb[i] = entry;
  } else {
    k.fdb.push(entry);
  }
}

/** `bridge fdb del`. */
export function delFdb(k: Kernel, e: { dev: string; mac: MAC; vlan?: number; dst?: IPv4 }): void {
  const d = k.deviceByName(e.dev);
  const mac = e.mac.toLowerCase();
  const i = k.fdb.findIndex((x) => x.ifindex === d.ifindex && x.mac === mac && x.vlan === e.vlan && (e.dst === undefined || x.dst === e.dst));
  if (i < 0) throw new KernelError(ERR_NOENT);
  k.fdb.splice(i, 1);
}

/** `bridge vlan add|del`: one PVID per port, list kept sorted by VID. */
export function setBridgeVlan(k: Kernel, dev: string, vlan: BridgeVlan, op: 'add' | 'del'): void {
  const d = k.deviceByName(dev);
  if (d.master === undefined && d.kind !== 'bridge') throw new KernelError('RTNETLINK answers: Operation not supported');
  if (vlan.vid < 1 || vlan.vid > 4094) throw new KernelError('RTNETLINK answers: Invalid argument');
  const list = (d.vlans ??= []);
  const i = list.findIndex((v) => v.vid === vlan.vid);
  const br = d.kind === 'bridge' ? d : k.devices.get(d.master!)!;
  const port = d === br ? undefined : d;
  if (op === 'del') {
    if (i < 0) throw new KernelError(ERR_NOENT);
    // nbp_vlan_delete() / br_vlan_delete() → br_fdb_find_delete_local(): the device's own address
    // leaves that VLAN (passing to another holder of the same address), then the VLAN goes.
    const f = k.fdb.find((e) => e.ifindex === d.ifindex && e.vlan === vlan.vid && e.mac === d.mac && e.where === 'master' && e.state === 'permanent');
    if (f) fdbDeleteLocal(k, br, port, f);
    list.splice(i, 1);
    return;
  }
  // __vlan_add() → br_fdb_add_local(): the device's own address becomes local in the new VLAN.
  if (i < 0) fdbAddLocal(k, br, port, d.mac, vlan.vid);
  if (vlan.pvid) for (let j = 0; j < list.length; j++) if (list[j]!.pvid && list[j]!.vid !== vlan.vid) list[j] = { ...list[j]!, pvid: false };
  const v: BridgeVlan = { vid: vlan.vid, untagged: vlan.untagged, pvid: vlan.pvid };
  if (i >= 0) list[i] = v;
  else {
    let j = 0;
    while (j < list.length && list[j]!.vid < v.vid) j++;
    list.splice(j, 0, v);
  }
}
