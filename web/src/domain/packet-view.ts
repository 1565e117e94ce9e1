/**
 * Packet list rows: the server's records decoded once with podlab's own codec, printed by
 * podlab's tcpdump formatter, and filtered by podlab's pcap-filter compiler — the same code
 * the simulator's `tcpdump` runs, so the list says exactly what the terminal would.
 */
import type { PacketRecord } from '../../../engine/server/api-types.ts';
import type { EthernetFrame } from '../../../engine/net/packet.ts';
import { decodeFrame } from '../../../engine/net/codec/index.ts';
import { checkFilter, TcpdumpPrinter } from '../../../engine/net/tcpdump/index.ts';
import { hexToBytes } from './hex.ts';

export interface PacketRow {
  readonly rec: PacketRecord;
  readonly bytes: Uint8Array;
  /** Undefined when the bytes do not decode (shown as raw). */
  readonly frame?: EthernetFrame;
  /** tcpdump -n -e style line (without timestamp). */
  readonly line: string;
  /** Protocol column: the innermost protocol name. */
  readonly proto: string;
}

const printer = new TcpdumpPrinter({ timestamps: 'none', absoluteSeq: true });

function protoOf(f: EthernetFrame): string {
  const p = f.payload;
  if (p instanceof Uint8Array) return `0x${f.etherType.toString(16).padStart(4, '0')}`;
  if (p.kind === 'arp') return 'ARP';
  const l4 = p.payload;
  if (l4 instanceof Uint8Array) return p.fragOffset ? 'IPv4 frag' : `IP ${p.protocol}`;
  if (l4.kind === 'ipv4') return 'IPIP';
  if (l4.kind === 'udp') return l4.payload instanceof Uint8Array ? 'UDP' : 'VXLAN';
  return l4.kind.toUpperCase();
}

/** Decodes and prints one record. */
export function toRow(rec: PacketRecord): PacketRow {
  const bytes = hexToBytes(rec.hex);
  try {
    const frame = decodeFrame(bytes);
    return { rec, bytes, frame, line: printer.format({ tsMs: rec.t, frame }).replace(/\n\s*/g, ' | '), proto: protoOf(frame) };
  } catch (e) {
    return { rec, bytes, line: `[undecodable: ${(e as Error).message}]`, proto: '?' };
  }
}

/** The outcome of a filter expression over rows: the matching rows, or tcpdump's error and its column. */
export type FilterResult = { ok: true; rows: PacketRow[] } | { ok: false; message: string; column: number };

/** Applies a tcpdump filter expression (empty = everything); `inner` also matches encapsulated packets. */
export function filterRows(rows: readonly PacketRow[], expression: string, inner = false): FilterResult {
  if (!expression.trim()) return { ok: true, rows: [...rows] };
  const c = checkFilter(expression, { inner });
  if (!c.ok) return c;
  return { ok: true, rows: rows.filter((r) => r.frame !== undefined && c.predicate(r.frame, r.rec.dir ? { dir: r.rec.dir === 'in' ? 'In' : 'Out' } : undefined)) };
}

/** Virtual milliseconds as Wireshark's relative time column (seconds, 6 decimals). */
export function formatTime(ms: number): string {
  return (ms / 1000).toFixed(6);
}
