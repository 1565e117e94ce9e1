/**
 * Simulator trace → packet events. Every tx/rx frame goes into a per-device FrameStore once;
 * the event carries the Ethernet/IP summary and a FrameRef into the store, so a recording
 * holds each frame's bytes exactly once (as that device's pcap). Forward, deliver, drop,
 * encap and decap carry IP summaries only: the frame around them is the adjacent rx/tx.
 */
import type { EthernetFrame, Ipv4Packet } from '../net/packet.ts';
import { ETHERTYPE_IPV4 } from '../net/packet.ts';
import { formatIPv4 } from '../net/ip.ts';
import { ipv4TotalLength } from '../net/codec/index.ts';
import { PcapWriter } from '../net/pcap.ts';
import { IPPROTO_SCTP, sctpPorts } from '../net/sctp.ts';
import { TcpdumpPrinter } from '../net/tcpdump/index.ts';
import type { TraceEvent } from '../sim/trace.ts';
import type { EventBody, FrameRef, NatNote, PacketSummary } from '../events.ts';
import type { CaptureFile, SeenFrame } from './driver.ts';

const NO_MAC = '00:00:00:00:00:00';

/** Frames seen per device (`node:dev`), in arrival order. */
export class FrameStore {
  private readonly byId = new Map<string, SeenFrame[]>();

  /** Appends a frame; returns its reference. */
  add(node: string, dev: string, f: SeenFrame): FrameRef {
    const capture = `${node}:${dev}`;
    let list = this.byId.get(capture);
    if (!list) this.byId.set(capture, (list = []));
    list.push(f);
    return { capture, index: list.length - 1 };
  }

  /** The frames of one device (empty when none were seen). */
  frames(node: string, dev: string): readonly SeenFrame[] {
    return this.byId.get(`${node}:${dev}`) ?? [];
  }

  /** The frame a reference names. */
  at(ref: FrameRef): SeenFrame | undefined {
    return this.byId.get(ref.capture)?.[ref.index];
  }

  /** Every device's frames as pcap files, sorted by id (stable output for recordings). */
  files(): CaptureFile[] {
    return [...this.byId.keys()].sort().map((id) => {
      const list = this.byId.get(id)!;
      const w = new PcapWriter();
      for (const r of list) w.addFrame(r.tsMs, r.frame);
      const [node, dev] = splitId(id);
      return { id, node, dev, pcap: w.bytes(), frames: list.length };
    });
  }
}

/** `node:dev` → [node, dev] (device names never contain ':'; node names neither). */
export function splitId(id: string): [string, string] {
  const i = id.lastIndexOf(':');
  return [id.slice(0, i), id.slice(i + 1)];
}

// One printer for summaries; absolute TCP sequence numbers keep it stateless across devices.
const printer = new TcpdumpPrinter({ timestamps: 'none', absoluteSeq: true });

/** The summary of an IPv4 packet (header fields plus the tcpdump line). */
export function summarize(ip: Ipv4Packet): PacketSummary {
  const text = printer.format({ tsMs: 0, frame: { src: NO_MAC, dst: NO_MAC, etherType: ETHERTYPE_IPV4, payload: ip } });
  const base = { src: formatIPv4(ip.src), dst: formatIPv4(ip.dst), proto: ip.protocol, ttl: ip.ttl, len: ipv4TotalLength(ip), df: ip.df };
  const p = ip.payload;
  const l4: { icmp?: { type: number; code: number }; sport?: number; dport?: number } = {};
  if (!(p instanceof Uint8Array) && ip.fragOffset === 0) {
    if (p.kind === 'icmp') l4.icmp = { type: p.type, code: p.code };
    else if (p.kind === 'udp' || p.kind === 'tcp') {
      l4.sport = p.srcPort;
      l4.dport = p.dstPort;
    }
  }
  return { ...base, ...l4, text };
}

function endpoint(ip: Ipv4Packet, field: 'src' | 'dst'): string {
  const p = ip.payload;
  const addr = formatIPv4(field === 'src' ? ip.src : ip.dst);
  if (p instanceof Uint8Array) {
    const sp = ip.protocol === IPPROTO_SCTP && ip.fragOffset === 0 ? sctpPorts(p) : undefined;
    return sp ? `${addr}:${field === 'src' ? sp.srcPort : sp.dstPort}` : addr;
  }
  if (p.kind !== 'tcp' && p.kind !== 'udp') return addr;
  return `${addr}:${field === 'src' ? p.srcPort : p.dstPort}`;
}

/** What a `nat` trace event changed, in the words a hop shows: target, field, before → after, and the rules that chose it. */
export function natNote(e: Extract<TraceEvent, { type: 'nat' }>): NatNote {
  const dstChanged = endpoint(e.before, 'dst') !== endpoint(e.pkt, 'dst');
  const field = dstChanged ? 'dst' : 'src';
  const last = e.rules[e.rules.length - 1];
  const by = last ? (/ -j (\S+)/.exec(last)?.[1] ?? 'nat') : 'conntrack';
  return { hook: e.hook, by, field, from: endpoint(e.before, field), to: endpoint(e.pkt, field), ...(e.rules.length ? { rules: e.rules } : {}) };
}

/** One line for a NAT hop: `DNAT dst 10.96.0.10:80 → 10.244.1.5:80`. */
export function natText(n: NatNote): string {
  return `${n.by} ${n.field} ${n.from} → ${n.to}`;
}

function frameFields(frame: EthernetFrame): Pick<Extract<EventBody, { type: 'packet' }>, 'eth' | 'ip' | 'text'> {
  const eth = frame.vlan === undefined
    ? { src: frame.src, dst: frame.dst, etherType: frame.etherType }
    : { src: frame.src, dst: frame.dst, etherType: frame.etherType, vlan: frame.vlan };
  const p = frame.payload;
  if (!(p instanceof Uint8Array) && p.kind === 'ipv4') return { eth, ip: summarize(p) };
  return { eth, text: printer.format({ tsMs: 0, frame }) };
}

/** Converts one trace event to a packet event body, storing tx/rx frames in `store`. */
export function packetEvent(e: TraceEvent, store: FrameStore): EventBody {
  switch (e.type) {
    case 'tx':
    case 'rx': {
      const frame = store.add(e.node, e.dev, { tsMs: e.t, frame: e.frame, dir: e.type === 'tx' ? 'out' : 'in' });
      return { type: 'packet', hop: e.type, node: e.node, dev: e.dev, ...frameFields(e.frame), frame };
    }
    case 'forward':
      return { type: 'packet', hop: 'forward', node: e.node, dev: e.inDev, outDev: e.outDev, ip: summarize(e.pkt) };
    case 'deliver':
      return { type: 'packet', hop: 'deliver', node: e.node, dev: e.dev, ip: summarize(e.pkt) };
    case 'drop': {
      const body: { type: 'packet'; hop: 'drop'; node: string; reason: string; dev?: string } = { type: 'packet', hop: 'drop', node: e.node, reason: e.reason };
      if (e.dev !== undefined) body.dev = e.dev;
      if (e.pkt) return { ...body, ip: summarize(e.pkt) };
      if (e.frame) return { ...body, ...frameFields(e.frame) };
      return body;
    }
    case 'encap':
    case 'decap':
      return { type: 'packet', hop: e.type, node: e.node, dev: e.dev, tunnel: e.tunnel, ip: summarize(e.outer), inner: summarize(e.inner) };
    case 'nat':
      return { type: 'packet', hop: 'nat', node: e.node, ...(e.dev !== undefined ? { dev: e.dev } : {}), ip: summarize(e.pkt), nat: natNote(e) };
    case 'arp':
      return { type: 'packet', hop: 'arp', node: e.node, dev: e.dev, arp: { event: e.event, ip: formatIPv4(e.ip) } };
  }
}
