/**
 * A recording (`*.podlab`) as a UI backend: read-only, its packet list rebuilt from the
 * recorded pcaps, its hop log from the recorded packet events. Recorded hops that carry no
 * frame (forward, deliver, drop, encap, decap) have only header summaries, so the packet
 * identity here is the innermost packet's tcpdump line (ICMP id/seq, TCP seq, ports) — the
 * same for every hop of one packet, and computed the same way for frames and summaries.
 */
import type { NatNote, PacketEvent, PodlabEvent } from '../events.ts';
import { natText } from '../scenario/packet-events.ts';
import type { Recording } from '../scenario/recording.ts';
import { fromBase64 } from '../scenario/recording.ts';
import { readPcap } from '../net/pcap.ts';
import type { Feed, UiBackend } from './backend.ts';
import type { HopEvent, LinkState, PacketRecord } from './api-types.ts';

const IP_HEAD = /IP \d+\.\d+\.\d+\.\d+(?:\.\d+)? > \d+\.\d+\.\d+\.\d+(?:\.\d+)?: /g;

/** The innermost packet's line of a tcpdump text (tunnels print outer then inner headers). */
export function innermostLine(text: string): string {
  const lines = text.split('\n');
  const last = lines[lines.length - 1]!.trim();
  let at = -1;
  for (const m of last.matchAll(IP_HEAD)) at = m.index;
  const line = at >= 0 ? last.slice(at) : last;
  return line.replace(/(?:\s*\(ipip-proto-4\))+$/, '');
}

function hopKey(e: PacketEvent): string | undefined {
  if (e.hop === 'encap' || e.hop === 'decap') return e.inner ? innermostLine(e.inner.text) : undefined;
  if (e.ip) return innermostLine(e.ip.text);
  return e.text !== undefined ? innermostLine(e.text) : undefined;
}

/** tcpdump writes `ip.port` where a NatNote writes `ip:port`. */
const dotted = (endpoint: string): string => endpoint.replace(':', '.');

/** A nat hop's key before the rewrite: its (rewritten) line with the old address put back, so a path follows the packet across the NAT. */
function natFromKey(key: string, n: NatNote): string {
  const gt = key.indexOf(' > ');
  if (gt < 0) return key;
  const [head, tail] = [key.slice(0, gt), key.slice(gt)];
  return n.field === 'dst' ? head + tail.replace(dotted(n.to), dotted(n.from)) : head.replace(dotted(n.to), dotted(n.from)) + tail;
}

function hopText(e: PacketEvent): string {
  switch (e.hop) {
    case 'forward': return `forward ${e.dev ?? '?'} → ${e.outDev ?? '?'}`;
    case 'deliver': return `deliver to local socket on ${e.dev ?? '?'}`;
    case 'drop': return `drop: ${e.reason ?? '?'}`;
    case 'encap': case 'decap': return `${e.hop} ${e.tunnel ?? ''} ${e.ip?.src ?? ''} > ${e.ip?.dst ?? ''} around ${e.inner?.src ?? ''} > ${e.inner?.dst ?? ''}`;
    case 'arp': return `arp ${e.arp?.event ?? ''} ${e.arp?.ip ?? ''}`;
    case 'nat': return e.nat ? natText(e.nat) : (e.ip?.text ?? '');
    default: return e.ip?.text ?? e.text ?? '';
  }
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Hop log and packet list of a recording (fixed; never changes). */
class RecordingFeed implements Feed {
  private readonly hops: HopEvent[] = [];
  private readonly packets: PacketRecord[] = [];

  constructor(rec: Recording) {
    const frames = new Map<string, { t: number; hex: string }[]>();
    for (const c of rec.captures) {
      try {
        frames.set(c.id, readPcap(fromBase64(c.pcap)).records.map((r) => ({ t: r.tsMs, hex: toHex(r.data) })));
      } catch {
        frames.set(c.id, []); // a damaged capture loses its packets, not the whole replay
      }
    }
    // Which packet event saw each frame (a recording may hold frames no event points at,
    // e.g. from before the runner subscribed: they are listed, without direction or hop).
    const seen = new Map<string, PacketEvent>();
    for (const e of rec.events) if (e.type === 'packet' && e.frame && (e.hop === 'tx' || e.hop === 'rx')) seen.set(`${e.frame.capture}#${e.frame.index}`, e);
    const all: { t: number; seq: number; cap: number; index: number; id: string; hex: string; ev?: PacketEvent }[] = [];
    rec.captures.forEach((c, cap) => frames.get(c.id)!.forEach((f, index) => {
      const ev = seen.get(`${c.id}#${index}`);
      all.push({ t: f.t, seq: ev?.seq ?? -1, cap, index, id: c.id, hex: f.hex, ...(ev ? { ev } : {}) });
    }));
    all.sort((a, b) => a.t - b.t || a.seq - b.seq || a.cap - b.cap || a.index - b.index);
    const numberOf = new Map<string, number>();
    for (const f of all) {
      const [node, iface] = splitCapture(f.id);
      const key = f.ev ? hopKey(f.ev) : undefined;
      const no = this.packets.length + 1;
      numberOf.set(`${f.id}#${f.index}`, no);
      this.packets.push({
        no, t: f.t, node, iface, hex: f.hex, hop: f.seq,
        ...(f.ev ? { dir: f.ev.hop === 'tx' ? 'out' as const : 'in' as const } : {}), ...(key ? { key } : {}),
      });
    }
    for (const e of rec.events) {
      if (e.type !== 'packet') continue;
      const key = hopKey(e);
      const packet = e.frame ? numberOf.get(`${e.frame.capture}#${e.frame.index}`) : undefined;
      this.hops.push({
        seq: e.seq, t: e.t, hop: e.hop, node: e.node, text: hopText(e),
        ...(e.dev ? { dev: e.dev } : {}), ...(e.outDev ? { outDev: e.outDev } : {}), ...(e.reason ? { reason: e.reason } : {}),
        ...(e.tunnel ? { tunnel: e.tunnel } : {}), ...(key ? { key } : {}), ...(packet ? { packet } : {}),
        ...(e.nat ? { nat: e.nat, ...(key ? { natFrom: natFromKey(key, e.nat) } : {}) } : {}),
      });
    }
  }

  packetCount(): number { return this.packets.length; }
  droppedPackets(): number { return 0; }
  nextHop(): number { return this.hops.length ? this.hops[this.hops.length - 1]!.seq + 1 : 0; }
  firstHop(): number { return 0; }
  packetsSince(since: number, limit = 5000): PacketRecord[] { return this.packets.slice(since, since + limit); }
  hopsSince(since: number, limit = 5000): HopEvent[] {
    let lo = 0;
    while (lo < this.hops.length && this.hops[lo]!.seq < since) lo++;
    return this.hops.slice(lo, lo + limit);
  }
  onChange(): () => void { return () => {}; }
  close(): void {}
}

function splitCapture(id: string): [string, string] {
  const i = id.lastIndexOf(':');
  return [id.slice(0, i), id.slice(i + 1)];
}

/** A read-only backend that shows a recording. */
export function recordingBackend(rec: Recording): UiBackend {
  const feed = new RecordingFeed(rec);
  const events: readonly PodlabEvent[] = rec.events;
  const end = events.length ? events[events.length - 1]!.t : 0;
  const start = events.find((e) => e.type === 'run-start');
  return {
    mode: 'replay', runtime: start?.type === 'run-start' ? start.runtime : 'sim', topology: rec.topology, feed,
    now: () => end,
    namespaces: () => [],
    hasNode: (name) => rec.topology.nodes.some((n) => n.name === name),
    // The recording's starting state; the timeline applies its link-state events as it plays.
    links: () => rec.topology.links.map((l): LinkState => ({
      a: l.endpoints[0].node, aIf: l.endpoints[0].iface, b: l.endpoints[1].node, bIf: l.endpoints[1].iface, up: true, latencyMs: l.latencyMs, lossPct: l.lossPercent,
    })),
    captures: () => rec.captures.map((c) => ({ node: c.node, iface: c.dev, frames: c.frames })),
    pcap: (node, iface) => {
      const c = rec.captures.find((x) => x.id === `${node}:${iface}`);
      return c ? fromBase64(c.pcap) : undefined;
    },
    events: () => events,
  };
}
