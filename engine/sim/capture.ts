/**
 * Packet captures attached to devices (ns-3's PcapHelper on a device's sniffer, tcpdump -i
 * on Linux): every frame a device transmits or receives, with virtual timestamps, kept in
 * memory and exportable as a classic pcap that tshark and Wireshark read.
 */
import type { EthernetFrame } from '../net/packet.ts';
import { PcapWriter } from '../net/pcap.ts';
import type { TraceBus, TraceEvent } from './trace.ts';

/** One captured frame. */
export interface CapturedFrame {
  tsMs: number;
  frame: EthernetFrame;
  dir: 'in' | 'out';
}

/**
 * The captures of one trace bus, by node and device: one subscriber dispatches each frame to
 * its device's capture. (A subscriber per capture made every frame visit every capture —
 * `podlab up` captures every interface, so a 1,000-node fabric paid a thousand calls per
 * frame.)
 */
class CaptureIndex {
  private readonly byNode = new Map<string, Map<string, Capture[]>>();
  private off: (() => void) | undefined;

  constructor(private readonly bus: TraceBus) {}

  add(c: Capture): void {
    let devs = this.byNode.get(c.node);
    if (!devs) this.byNode.set(c.node, (devs = new Map()));
    const list = devs.get(c.dev);
    if (list) list.push(c);
    else devs.set(c.dev, [c]);
    this.off ??= this.bus.on((e: TraceEvent) => {
      if (e.type !== 'tx' && e.type !== 'rx') return;
      const here = this.byNode.get(e.node)?.get(e.dev);
      if (here) for (const x of here) x.record(e.t, e.frame, e.type === 'tx' ? 'out' : 'in');
    });
  }

  remove(c: Capture): void {
    const devs = this.byNode.get(c.node);
    const list = devs?.get(c.dev);
    if (!devs || !list) return;
    const rest = list.filter((x) => x !== c);
    if (rest.length > 0) devs.set(c.dev, rest);
    else {
      devs.delete(c.dev);
      if (devs.size === 0) this.byNode.delete(c.node);
    }
    if (this.byNode.size === 0) {
      this.off?.();
      this.off = undefined;
    }
  }
}

const indexes = new WeakMap<TraceBus, CaptureIndex>();

/** A running capture on one device of one node. */
export class Capture {
  readonly records: CapturedFrame[] = [];
  private readonly index: CaptureIndex;
  private running = true;

  constructor(bus: TraceBus, readonly node: string, readonly dev: string) {
    let index = indexes.get(bus);
    if (!index) indexes.set(bus, (index = new CaptureIndex(bus)));
    this.index = index;
    index.add(this);
  }

  /** One frame the device sent or received (called by the bus's capture index). */
  record(tsMs: number, frame: EthernetFrame, dir: 'in' | 'out'): void {
    this.records.push({ tsMs, frame, dir });
  }

  /** Stops recording (frames captured so far are kept). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.index.remove(this);
  }

  /** The capture as a pcap savefile (LINKTYPE_ETHERNET, virtual time from epoch 0). */
  toPcap(): Uint8Array {
    const w = new PcapWriter();
    for (const r of this.records) w.addFrame(r.tsMs, r.frame);
    return w.bytes();
  }
}

/** Starts capturing on `dev` of `node` (frames in both directions). */
export function capture(world: { trace: TraceBus }, node: string, dev: string): Capture {
  return new Capture(world.trace, node, dev);
}
