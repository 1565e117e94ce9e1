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

/** A running capture on one device of one node. */
export class Capture {
  readonly records: CapturedFrame[] = [];
  private off: () => void;

  constructor(bus: TraceBus, readonly node: string, readonly dev: string) {
    this.off = bus.on((e: TraceEvent) => {
      if ((e.type === 'tx' || e.type === 'rx') && e.dev === dev && e.node === node) {
        this.records.push({ tsMs: e.t, frame: e.frame, dir: e.type === 'tx' ? 'out' : 'in' });
      }
    });
  }

  /** Stops recording (frames captured so far are kept). */
  stop(): void {
    this.off();
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
