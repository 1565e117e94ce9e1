/**
 * The live view of a simulated lab for the UI: every trace event becomes a HopEvent (kept in
 * a bounded log), every frame a captured device sends or receives becomes a PacketRecord.
 * Trace events are cheap objects; the tcpdump text and the wire bytes are computed when a
 * client asks (at flush or on request), never in the packet path itself.
 */
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import type { TraceEvent } from '../sim/trace.ts';
import type { EthernetFrame } from '../net/packet.ts';
import { encodeFrame } from '../net/codec/index.ts';
import { formatIPv4 } from '../net/ip.ts';
import { TcpdumpPrinter } from '../net/tcpdump/index.ts';
import { frameKey, ipv4Key } from './packet-key.ts';
import { natNote, natText } from '../scenario/packet-events.ts';
import type { HopEvent, PacketRecord } from './api-types.ts';

interface RawPacket {
  readonly t: number;
  readonly node: string;
  readonly iface: string;
  readonly dir: 'in' | 'out';
  readonly frame: EthernetFrame;
  readonly hop: number;
  hex?: string;
}

interface RawHop {
  readonly seq: number;
  readonly e: TraceEvent;
  readonly packet?: number;
  done?: HopEvent;
}

const toHex = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
};

/**
 * Where a live feed's events come from when the lab is not the simulator: a stream of
 * tx/rx trace events (real runtimes turn each frame tcpdump captured into one).
 */
export interface TraceSource {
  on(fn: (e: TraceEvent) => void): () => void;
}

/** Live hop log and packet list of one lab. */
export class LiveFeed {
  private readonly hops: RawHop[] = [];
  private firstSeq = 0;
  private nextSeq = 0;
  /** The kept packets; packets[0] is number `dropped + 1`. */
  private packets: RawPacket[] = [];
  private dropped = 0;
  private readonly off: () => void;
  private readonly printer = new TcpdumpPrinter({ timestamps: 'none', absoluteSeq: true });
  private readonly listeners = new Set<() => void>();
  private pending = false;

  /**
   * Subscribes to the lab's trace; frames captured before now are listed first. At most
   * `maxPackets` packets are kept (the oldest go first, counted by droppedPackets()), so a
   * long ping storm costs bounded memory.
   */
  constructor(source: SimLab | TraceSource, private readonly maxHops = 100_000, private readonly maxPackets = 50_000) {
    if (!('world' in source)) {
      // A real lab's trace holds only captured frames: every tx/rx is a packet of the list.
      this.captured = () => true;
      this.off = source.on((e) => this.onTrace(e));
      return;
    }
    const lab = source;
    this.captured = (id) => lab.allCaptures().has(id);
    const before: RawPacket[] = [];
    for (const c of lab.allCaptures().values()) {
      for (const r of c.records) before.push({ t: r.tsMs, node: c.node, iface: c.dev, dir: r.dir, frame: r.frame, hop: -1 });
    }
    before.sort((a, b) => a.t - b.t); // stable: ties keep capture order
    // Only the newest maxPackets stay (the rest counted as dropped); no spread: a large lab's
    // captures hold hundreds of thousands of frames by the time the UI starts.
    const cut = Math.max(0, before.length - this.maxPackets);
    this.packets = cut > 0 ? before.slice(cut) : before;
    this.dropped = cut;
    this.off = lab.world.trace.on((e) => this.onTrace(e));
  }

  /** True when frames of `node:dev` go to the packet list. */
  private readonly captured: (id: string) => boolean;

  private onTrace(e: TraceEvent): void {
    const seq = this.nextSeq++;
    let packet: number | undefined;
    if ((e.type === 'tx' || e.type === 'rx') && this.captured(`${e.node}:${e.dev}`)) {
      this.packets.push({ t: e.t, node: e.node, iface: e.dev, dir: e.type === 'tx' ? 'out' : 'in', frame: e.frame, hop: seq });
      packet = this.dropped + this.packets.length;
      this.trimPackets();
    }
    this.hops.push(packet === undefined ? { seq, e } : { seq, e, packet });
    if (this.hops.length > this.maxHops) {
      const cut = this.hops.length - this.maxHops;
      this.hops.splice(0, cut);
      this.firstSeq += cut;
    }
    if (!this.pending) {
      this.pending = true;
      // Coalesce: a ping emits dozens of events synchronously; clients hear once per turn.
      queueMicrotask(() => {
        this.pending = false;
        for (const l of this.listeners) l();
      });
    }
  }

  /** Calls `fn` (at most once per microtask turn) after new hops or packets arrived; returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // Trims in batches of an eighth, so a full list costs one copy per maxPackets/8 packets, not one per packet.
  private trimPackets(): void {
    if (this.packets.length <= this.maxPackets + (this.maxPackets >> 3)) return;
    const cut = this.packets.length - this.maxPackets;
    this.packets = this.packets.slice(cut);
    this.dropped += cut;
  }

  /** Number of packets listed so far (kept and dropped). */
  packetCount(): number {
    return this.dropped + this.packets.length;
  }

  /** Number of the oldest packets no longer kept (packetsSince starts after them). */
  droppedPackets(): number {
    return this.dropped;
  }

  /** Seq the next hop will get. */
  nextHop(): number {
    return this.nextSeq;
  }

  /** Seq of the oldest hop still kept. */
  firstHop(): number {
    return this.firstSeq;
  }

  /** Kept packets numbered > `since` (1-based numbers), at most `limit`. */
  packetsSince(since: number, limit = 5000): PacketRecord[] {
    const out: PacketRecord[] = [];
    for (let i = Math.max(0, since - this.dropped); i < this.packets.length && out.length < limit; i++) {
      const p = this.packets[i]!;
      p.hex ??= toHex(encodeFrame(p.frame));
      const key = frameKey(p.frame);
      out.push({ no: this.dropped + i + 1, t: p.t, node: p.node, iface: p.iface, dir: p.dir, hex: p.hex, hop: p.hop, ...(key ? { key } : {}) });
    }
    return out;
  }

  /** Hop events with seq >= `since`, at most `limit`. */
  hopsSince(since: number, limit = 5000): HopEvent[] {
    const start = Math.max(0, since - this.firstSeq);
    const out: HopEvent[] = [];
    for (let i = start; i < this.hops.length && out.length < limit; i++) {
      const h = this.hops[i]!;
      h.done ??= this.describe(h);
      out.push(h.done);
    }
    return out;
  }

  private describe(h: RawHop): HopEvent {
    const e = h.e;
    const base = { seq: h.seq, t: e.t, hop: e.type, node: e.node };
    switch (e.type) {
      case 'tx':
      case 'rx': {
        const key = frameKey(e.frame);
        return { ...base, dev: e.dev, text: this.printer.format({ tsMs: e.t, frame: e.frame }), ...(key ? { key } : {}), ...(h.packet ? { packet: h.packet } : {}) };
      }
      case 'forward':
        return { ...base, dev: e.inDev, outDev: e.outDev, key: ipv4Key(e.pkt), dst: formatIPv4(e.pkt.dst), text: `forward ${e.inDev} → ${e.outDev}` };
      case 'deliver':
        return { ...base, dev: e.dev, key: ipv4Key(e.pkt), dst: formatIPv4(e.pkt.dst), text: `deliver to local socket on ${e.dev}` };
      case 'drop': {
        const key = e.pkt ? ipv4Key(e.pkt) : e.frame ? frameKey(e.frame) : undefined;
        // The sim's drop event may name the deciding netfilter rule (NfResult.decidedBy); pass it on when it does.
        const rule = (e as { rule?: unknown }).rule;
        return {
          ...base, ...(e.dev ? { dev: e.dev } : {}), reason: e.reason, ...(key ? { key } : {}), ...(e.pkt ? { dst: formatIPv4(e.pkt.dst) } : {}),
          ...(typeof rule === 'string' ? { rule } : {}), text: `drop: ${e.reason}${typeof rule === 'string' ? ` (${rule})` : ''}`,
        };
      }
      case 'encap':
      case 'decap':
        return {
          ...base, dev: e.dev, tunnel: e.tunnel, key: ipv4Key(e.inner), dst: formatIPv4(e.inner.dst),
          text: `${e.type} ${e.tunnel} ${formatIPv4(e.outer.src)} > ${formatIPv4(e.outer.dst)} around ${formatIPv4(e.inner.src)} > ${formatIPv4(e.inner.dst)}`,
        };
      case 'nat': {
        const nat = natNote(e);
        return { ...base, ...(e.dev ? { dev: e.dev } : {}), key: ipv4Key(e.pkt), natFrom: ipv4Key(e.before), dst: formatIPv4(e.pkt.dst), nat, text: natText(nat) };
      }
      case 'arp':
        return { ...base, dev: e.dev, text: `arp ${e.event} ${formatIPv4(e.ip)}` };
    }
  }

  /** Stops listening to the lab. */
  close(): void {
    this.off();
    this.listeners.clear();
  }
}
