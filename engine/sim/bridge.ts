/**
 * The Linux bridge (net/bridge): VLAN-aware learning switch.
 *
 * br_handle_frame() is the rx_handler of every port: with vlan_filtering the frame is
 * classified into a VLAN (the tag if the port allows it, the port's PVID if untagged,
 * dropped otherwise — br_allowed_ingress); the source MAC is learnt per VLAN
 * (br_fdb_update); then br_handle_frame_finish() delivers to the bridge device itself
 * (frames to its MAC or a port's local MAC, and every broadcast/multicast), forwards known
 * unicast to its port and floods unknown unicast and broadcast to every other port whose
 * VLAN set contains the VLAN, tagging or not per the port's "untagged" flag
 * (br_handle_vlan). Without vlan_filtering VLAN tags are ignored and carried as they came.
 * Learnt entries age out after ageing_time (300 s). br_dev_xmit() sends the bridge device's
 * own frames (br0 with an address) into the same forwarding logic, classified into the
 * bridge's own PVID.
 */
import type { EthernetFrame, MAC } from '../net/packet.ts';
import type { Kernel } from './kernel.ts';
import type { FdbEntry, NetDevice } from './types.ts';
import { deliverL2, devXmit, drop, isGroupMac } from './device.ts';

function untag(frame: EthernetFrame): EthernetFrame {
  if (frame.vlan === undefined) return frame;
  return { dst: frame.dst, src: frame.src, etherType: frame.etherType, payload: frame.payload };
}

function ageingMs(br: NetDevice): number {
  return (br.bridge?.ageingTimeCs ?? 30000) * 10;
}

/** One FDB entry living in a bridge (`master`), with its position in the kernel's FDB list when indexed. */
interface Indexed { readonly e: FdbEntry; readonly at: number }

/**
 * The bridge entries of one FDB list by MAC, in list order: br_fdb_find() is a hash lookup
 * in Linux, and scanning every entry of a 50-port switch twice per frame cost more than the
 * rest of the switch. Keyed by the list object: code that rebuilds the list (filter) gets a
 * fresh index. Entries are never re-keyed in place (a replace swaps in a new object with the
 * same MAC and VLAN), so a hit is checked by position, a length change or a moved entry
 * rebuilds, and a miss is confirmed by a scan (a miss floods: rare once MACs are learnt).
 */
interface FdbIndex { readonly len: number; readonly byMac: Map<MAC, Indexed[]> }
const fdbIndexes = new WeakMap<readonly FdbEntry[], FdbIndex>();

function buildIndex(fdb: readonly FdbEntry[]): FdbIndex {
  const byMac = new Map<MAC, Indexed[]>();
  for (let at = 0; at < fdb.length; at++) {
    const e = fdb[at]!;
    if (e.where !== 'master') continue;
    let list = byMac.get(e.mac);
    if (!list) byMac.set(e.mac, (list = []));
    list.push({ e, at });
  }
  const ix = { len: fdb.length, byMac };
  fdbIndexes.set(fdb, ix);
  return ix;
}

/** True when `e` is a live entry of (bridge, vlan, mac) — the test of br_fdb_find's loop. */
function liveFor(k: Kernel, br: NetDevice, vlan: number | undefined, mac: MAC, e: FdbEntry): boolean {
  if (e.where !== 'master' || e.mac !== mac || e.vlan !== vlan) return false;
  const port = k.devices.get(e.ifindex);
  if (!port || (port.master !== br.ifindex && port !== br)) return false;
  return !(e.state === 'learned' && k.clock.nowMs() - e.updatedMs >= ageingMs(br));
}

/** The first live entry in list order by scanning the whole list (what the index answers, checked). */
function scanFind(k: Kernel, br: NetDevice, vlan: number | undefined, mac: MAC): FdbEntry | undefined {
  for (const e of k.fdb) if (liveFor(k, br, vlan, mac, e)) return e;
  return undefined;
}

/** br_fdb_find(): the live FDB entry of (bridge, vlan, mac), expiring stale learnt entries. */
function fdbFind(k: Kernel, br: NetDevice, vid: number, mac: MAC): FdbEntry | undefined {
  const vlan = vid === 0 ? undefined : vid;
  const fdb = k.fdb;
  let ix = fdbIndexes.get(fdb);
  if (!ix || ix.len !== fdb.length) ix = buildIndex(fdb);
  const list = ix.byMac.get(mac);
  if (list) {
    for (const c of list) {
      if (fdb[c.at] !== c.e) return rebuiltFind(k, br, vlan, mac); // the list changed under the index
      if (liveFor(k, br, vlan, mac, c.e)) return c.e;
    }
  }
  return scanFind(k, br, vlan, mac);
}

function rebuiltFind(k: Kernel, br: NetDevice, vlan: number | undefined, mac: MAC): FdbEntry | undefined {
  buildIndex(k.fdb);
  return scanFind(k, br, vlan, mac);
}

/** br_fdb_update(): learns or refreshes the source MAC on the ingress port. */
function learn(k: Kernel, br: NetDevice, port: NetDevice, vid: number, mac: MAC): void {
  if (isGroupMac(mac)) return;
  const now = k.clock.nowMs();
  const e = fdbFind(k, br, vid, mac);
  if (e) {
    if (e.state !== 'learned') return; // local/static entries are never moved by traffic
    e.ifindex = port.ifindex;
    e.updatedMs = now;
    return;
  }
  const entry: FdbEntry = { mac, ifindex: port.ifindex, where: 'master', state: 'learned', updatedMs: now };
  if (vid !== 0) entry.vlan = vid;
  // Drop an expired twin before adding the fresh entry, so `bridge fdb` shows one line.
  k.fdb = k.fdb.filter((x) => !(x.state === 'learned' && x.where === 'master' && x.mac === mac && x.vlan === entry.vlan &&
    k.devices.get(x.ifindex)?.master === br.ifindex));
  k.fdb.push(entry);
  scheduleAgeing(k, br, entry);
}

/** br_fdb_cleanup(): removes the entry once it has not been refreshed for ageing_time. */
function scheduleAgeing(k: Kernel, br: NetDevice, e: FdbEntry): void {
  const due = e.updatedMs + ageingMs(br) - k.clock.nowMs();
  k.clock.schedule(Math.max(due, 1), () => {
    if (!k.fdb.includes(e)) return;
    if (k.clock.nowMs() - e.updatedMs >= ageingMs(br)) k.fdb = k.fdb.filter((x) => x !== e);
    else scheduleAgeing(k, br, e);
  });
}

/** br_handle_frame(): a frame received on a bridge port. */
export function brHandleFrame(k: Kernel, port: NetDevice, frame: EthernetFrame): void {
  const br = k.devices.get(port.master!);
  if (!br || !br.adminUp) {
    drop(k, 'link-down', port, undefined, frame);
    return;
  }
  let vid = 0;
  if (br.bridge?.vlanFiltering) {
    if (frame.vlan === undefined) {
      const pv = port.vlans?.find((v) => v.pvid);
      if (!pv) {
        drop(k, 'vlan-filtered', port, undefined, frame);
        return;
      }
      vid = pv.vid;
    } else {
      if (!port.vlans?.some((v) => v.vid === frame.vlan)) {
        drop(k, 'vlan-filtered', port, undefined, frame);
        return;
      }
      vid = frame.vlan;
    }
    frame = untag(frame);
  }
  learn(k, br, port, vid, frame.src);
  forward(k, br, port, vid, frame);
}

/** br_dev_xmit(): a frame sent by the bridge device itself. */
export function brDevXmit(k: Kernel, br: NetDevice, frame: EthernetFrame): void {
  let vid = 0;
  if (br.bridge?.vlanFiltering) {
    const pv = br.vlans?.find((v) => v.pvid);
    if (!pv) {
      drop(k, 'vlan-filtered', br, undefined, frame);
      return;
    }
    vid = pv.vid;
  }
  forward(k, br, undefined, vid, frame);
}

function forward(k: Kernel, br: NetDevice, inPort: NetDevice | undefined, vid: number, frame: EthernetFrame): void {
  if (isGroupMac(frame.dst)) {
    flood(k, br, inPort, vid, frame);
    if (inPort) passUp(k, br, vid, frame);
    return;
  }
  if (frame.dst === br.mac) {
    if (inPort) passUp(k, br, vid, frame);
    return;
  }
  const e = fdbFind(k, br, vid, frame.dst);
  if (!e) {
    flood(k, br, inPort, vid, frame);
    return;
  }
  const out = k.devices.get(e.ifindex)!;
  if (e.state === 'permanent' && (out === br || out.mac === frame.dst)) {
    if (inPort) passUp(k, br, vid, frame);
    return;
  }
  if (out === inPort) return; // br_forward: never back out of the ingress port
  // A known unicast destination behind a port that cannot send is a loss worth naming
  // (a cut cable, a VLAN missing on the port); floods skip such ports silently, as Linux does.
  const why = egress(k, br, out, vid, frame);
  if (why) drop(k, why, out, undefined, frame);
}

function flood(k: Kernel, br: NetDevice, inPort: NetDevice | undefined, vid: number, frame: EthernetFrame): void {
  for (const p of k.devices.values()) {
    if (p.master === br.ifindex && p !== inPort) egress(k, br, p, vid, frame);
  }
}

/**
 * br_handle_vlan() + br_dev_queue_push_xmit(): tag or untag per the port, then transmit.
 * Returns why the port could not send, or undefined once the frame is on its way.
 */
function egress(k: Kernel, br: NetDevice, port: NetDevice, vid: number, frame: EthernetFrame): 'link-down' | 'vlan-filtered' | undefined {
  if (!port.adminUp || !port.carrier) return 'link-down';
  if (br.bridge?.vlanFiltering) {
    const v = port.vlans?.find((x) => x.vid === vid);
    if (!v) return 'vlan-filtered';
    devXmit(k, port, v.untagged ? frame : { ...frame, vlan: vid, pcp: frame.pcp ?? 0 });
    return undefined;
  }
  devXmit(k, port, frame);
  return undefined;
}

/** br_pass_frame_up(): the bridge device receives the frame (its own IP stack). */
function passUp(k: Kernel, br: NetDevice, vid: number, frame: EthernetFrame): void {
  if (br.bridge?.vlanFiltering) {
    const v = br.vlans?.find((x) => x.vid === vid);
    if (!v) return;
    if (!v.untagged) frame = { ...frame, vlan: vid, pcp: 0 };
  }
  br.stats.rxPackets++;
  if (k.trace.active) k.trace.emit({ type: 'rx', t: k.clock.nowMs(), node: k.node, dev: br.name, frame });
  deliverL2(k, br, frame);
}
