/**
 * VXLAN devices (drivers/net/vxlan/vxlan_core.c).
 *
 * Transmit (vxlan_xmit): the inner frame's destination MAC is looked up in the device's own
 * FDB (`bridge fdb add MAC dev vxlan0 dst VTEP self permanent`), falling back to the
 * all-zeros entries (the flood list); no entry, no transmission. The outer packet is UDP to
 * the device's dstport with the VNI, from a source port hashed from the inner flow into the
 * local port range 32768–60999 (udp_flow_src_port), TTL 64 (ip4_dst_hoplimit for ttl 0),
 * DF clear (df unset), sent through ip_local_out like any local packet.
 *
 * Receive (vxlan_rcv): UDP to a VXLAN port on a local address finds the device with that
 * port and VNI; with learning on, the inner source MAC is (re)learnt against the outer source
 * (`bridge fdb` shows it without "permanent"); the inner frame then enters the device.
 */
import type { IPv4 } from '../net/ip.ts';
import type { EthernetFrame, Ipv4Packet, UdpDatagram } from '../net/packet.ts';
import { IPPROTO_UDP, ZERO_MAC } from '../net/packet.ts';
import { makeIpv4 } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { FdbEntry, NetDevice } from './types.ts';
import { deliverL2, drop } from './device.ts';
import { nextId } from './icmp.ts';
import { ipLocalOut } from './ipv4-output.ts';

/** Linux's default ip_local_port_range. */
export const LOCAL_PORT_MIN = 32768;
export const LOCAL_PORT_MAX = 60999;

/** udp_flow_src_port(): a source port from a hash of the inner flow, in [min, max]. */
export function flowSrcPort(frame: EthernetFrame): number {
  let h = 0x9e3779b9;
  const p = frame.payload;
  if (!(p instanceof Uint8Array) && p.kind === 'ipv4') {
    h = Math.imul(h ^ p.src, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ p.dst, 0xc2b2ae35) >>> 0;
    h = Math.imul(h ^ p.protocol, 0x27d4eb2f) >>> 0;
    const l4 = p.payload;
    if (!(l4 instanceof Uint8Array) && (l4.kind === 'udp' || l4.kind === 'tcp')) h = Math.imul(h ^ ((l4.srcPort << 16) | l4.dstPort), 0x165667b1) >>> 0;
  } else {
    for (let i = 0; i < frame.src.length; i++) h = Math.imul(h ^ frame.src.charCodeAt(i), 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  return Math.floor((h / 4294967296) * (LOCAL_PORT_MAX - LOCAL_PORT_MIN + 1)) + LOCAL_PORT_MIN;
}

function remotes(k: Kernel, dev: NetDevice, mac: string): FdbEntry[] {
  const exact: FdbEntry[] = [];
  const flood: FdbEntry[] = [];
  for (const e of k.fdb) {
    if (e.ifindex !== dev.ifindex || e.where !== 'self' || e.dst === undefined) continue;
    if (e.mac === mac) exact.push(e);
    else if (e.mac === ZERO_MAC) flood.push(e);
  }
  return exact.length > 0 ? exact : flood;
}

/** vxlan_xmit(): encapsulates an Ethernet frame towards the VTEP(s) the FDB names. */
export function vxlanXmit(k: Kernel, dev: NetDevice, frame: EthernetFrame): void {
  const cfg = dev.vxlan!;
  const targets = remotes(k, dev, frame.dst);
  if (targets.length === 0) {
    dev.stats.txDropped++;
    drop(k, 'no-fdb', dev, undefined, frame);
    return;
  }
  const srcPort = flowSrcPort(frame);
  for (const t of targets) {
    const udp: UdpDatagram = { kind: 'udp', srcPort, dstPort: cfg.dstPort, payload: { kind: 'vxlan', vni: cfg.vni, inner: frame } };
    const outer = makeIpv4({ src: cfg.local ?? 0, dst: t.dst as IPv4, payload: udp, protocol: IPPROTO_UDP, ttl: 64, df: false, id: nextId(k) });
    if (k.trace.active) {
      const inner = frame.payload;
      if (!(inner instanceof Uint8Array) && inner.kind === 'ipv4') k.trace.emit({ type: 'encap', t: k.clock.nowMs(), node: k.node, dev: dev.name, tunnel: 'vxlan', inner, outer });
    }
    const res = ipLocalOut(k, outer, cfg.dev !== undefined ? { oif: cfg.dev } : {});
    if (!res.ok) dev.stats.txDropped++;
  }
}

/** vxlan_rcv(): true when the datagram was for a VXLAN device (consumed), false otherwise. */
export function vxlanRcv(k: Kernel, outer: Ipv4Packet, u: UdpDatagram): boolean {
  let portMatch = false;
  for (const dev of k.devices.values()) {
    if (dev.kind !== 'vxlan' || !dev.vxlan || dev.vxlan.dstPort !== u.dstPort) continue;
    if (dev.vxlan.local !== undefined && dev.vxlan.local !== outer.dst) continue;
    portMatch = true;
    const v = u.payload;
    if (v instanceof Uint8Array || v.vni !== dev.vxlan.vni) continue;
    if (!dev.adminUp) {
      drop(k, 'link-down', dev, outer);
      return true;
    }
    if (dev.vxlan.learning) learn(k, dev, v.inner.src, outer.src);
    const inner = v.inner.payload;
    if (k.trace.active && !(inner instanceof Uint8Array) && inner.kind === 'ipv4') {
      k.trace.emit({ type: 'decap', t: k.clock.nowMs(), node: k.node, dev: dev.name, tunnel: 'vxlan', inner, outer });
    }
    dev.stats.rxPackets++;
    deliverL2(k, dev, v.inner);
    return true;
  }
  if (portMatch) drop(k, 'no-fdb', undefined, outer); // socket exists, VNI unknown: vxlan_vs_find_vni fails
  return portMatch;
}

function learn(k: Kernel, dev: NetDevice, mac: string, vtep: IPv4): void {
  const now = k.clock.nowMs();
  for (const e of k.fdb) {
    if (e.ifindex === dev.ifindex && e.where === 'self' && e.mac === mac) {
      if (e.state === 'learned') {
        e.dst = vtep;
        e.updatedMs = now;
      }
      return;
    }
  }
  k.fdb.push({ mac, ifindex: dev.ifindex, where: 'self', dst: vtep, state: 'learned', updatedMs: now });
}
