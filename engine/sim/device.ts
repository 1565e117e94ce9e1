/**
 * The device layer: dev_queue_xmit() (a frame leaves through a device's driver) and
 * netif_receive_skb() (a frame arrives and is handed to the bridge rx_handler or to the
 * EtherType handlers). Drivers: a veth hands the frame to its peer after a zero-delay event,
 * like the backlog softirq (this also keeps long chains from recursing) — a cable's veth puts
 * it on its Link instead, which adds latency and loss; loopback loops it back, a bridge device floods/forwards from
 * itself (br_dev_xmit), a VXLAN device encapsulates. IPIP is an L3 device: ipv4-output
 * calls the tunnel directly, as ip_tunnel_xmit receives an IP packet.
 */
import type { EthernetFrame, Ipv4Packet } from '../net/packet.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../net/packet.ts';
import { frameLength } from '../net/codec/index.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice } from './types.ts';
import type { DropReason } from './trace.ts';
import { arpRcv } from './neigh.ts';
import { brDevXmit, brHandleFrame } from './bridge.ts';
import { ipRcv } from './ipv4-input.ts';
import { vxlanXmit } from './tunnel-vxlan.ts';

/** True for broadcast/multicast MACs (I/G bit of the first octet), without allocating. */
export function isGroupMac(mac: string): boolean {
  const c = mac.charCodeAt(1);
  return ((c <= 57 ? c - 48 : (c | 0x20) - 87) & 1) === 1;
}

/** Records a drop: counters and, when someone listens, a trace event. */
export function drop(k: Kernel, reason: DropReason, dev: NetDevice | undefined, pkt?: Ipv4Packet, frame?: EthernetFrame, rule?: () => string | undefined): void {
  k.counters.ipDrops += pkt ? 1 : 0;
  if (k.trace.active) {
    const e: { type: 'drop'; t: number; node: string; reason: DropReason; dev?: string; pkt?: Ipv4Packet; frame?: EthernetFrame; rule?: string } =
      { type: 'drop', t: k.clock.nowMs(), node: k.node, reason };
    // Formatting the deciding rule costs a string; only pay it when someone listens.
    const r = rule?.();
    if (r) e.rule = r;
    if (dev) e.dev = dev.name;
    if (pkt) e.pkt = pkt;
    if (frame) e.frame = frame;
    k.trace.emit(e);
  }
}

/** dev_queue_xmit(): sends a frame out of a device. */
export function devXmit(k: Kernel, dev: NetDevice, frame: EthernetFrame): void {
  if (k.stopped || !dev.adminUp || !dev.carrier) {
    dev.stats.txDropped++;
    drop(k, 'link-down', dev, undefined, frame);
    return;
  }
  dev.stats.txPackets++;
  dev.stats.txBytes += frameLength(frame);
  if (k.trace.active) k.trace.emit({ type: 'tx', t: k.clock.nowMs(), node: k.node, dev: dev.name, frame });
  switch (dev.kind) {
    case 'veth': {
      const att = k.attachments.get(dev.ifindex);
      if (att?.type === 'veth') {
        k.clock.schedule(0, att.receive, frame);
      } else if (att?.type === 'wire') {
        att.wire.transmit(frame); // a World cable: the Link adds latency and loss
      }
      return;
    }
    case 'loopback':
      k.clock.schedule(0, () => netifReceive(k, dev.ifindex, frame));
      return;
    case 'bridge':
      brDevXmit(k, dev, frame);
      return;
    case 'vxlan':
      vxlanXmit(k, dev, frame);
      return;
    default:
      return; // dummy: frames vanish (dummy_xmit frees the skb)
  }
}

/** netif_receive_skb(): a frame arrives on a device. */
export function netifReceive(k: Kernel, ifindex: number, frame: EthernetFrame): void {
  const dev = k.devices.get(ifindex);
  if (!dev) return;
  if (k.stopped || !dev.adminUp) {
    dev.stats.rxDropped++;
    drop(k, 'link-down', dev, undefined, frame);
    return;
  }
  dev.stats.rxPackets++;
  dev.stats.rxBytes += frameLength(frame);
  if (k.trace.active) k.trace.emit({ type: 'rx', t: k.clock.nowMs(), node: k.node, dev: dev.name, frame });
  if (dev.master !== undefined) {
    brHandleFrame(k, dev, frame); // the bridge's rx_handler consumes the frame
    return;
  }
  deliverL2(k, dev, frame);
}

/** The EtherType dispatch after rx_handler: ARP to arp_rcv, IPv4 to ip_rcv, others dropped. */
export function deliverL2(k: Kernel, dev: NetDevice, frame: EthernetFrame): void {
  if (frame.vlan !== undefined) {
    // No 802.1Q sub-devices are modelled: a tagged frame on a plain device has no taker.
    dev.stats.rxDropped++;
    drop(k, 'vlan-filtered', dev, undefined, frame);
    return;
  }
  const dst = frame.dst;
  // eth_type_trans(): frames to another unicast MAC are PACKET_OTHERHOST and ip_rcv drops them.
  if (dst !== dev.mac && !isGroupMac(dst) && dev.kind !== 'loopback') {
    drop(k, 'not-for-us', dev, undefined, frame);
    return;
  }
  const p = frame.payload;
  if (frame.etherType === ETHERTYPE_ARP && !(p instanceof Uint8Array) && p.kind === 'arp') arpRcv(k, dev, p);
  else if (frame.etherType === ETHERTYPE_IPV4 && !(p instanceof Uint8Array) && p.kind === 'ipv4') ipRcv(k, dev, p);
  else dev.stats.rxDropped++;
}
