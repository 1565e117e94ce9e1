/**
 * tcpdump / pcap-filter(7) expressions compiled to predicates over typed frames.
 *
 * Semantics follow libpcap on an Ethernet capture read from a file:
 * - Primitives look at the OUTERMOST headers only. On the underlay, an IPIP packet matches
 *   `host 10.30.200.1` (its outer source) and `proto 4`, not `host 10.5.1.2` (its inner one);
 *   a VXLAN packet matches `udp port 4789`, not `icmp`. This is what real tcpdump on a node's
 *   eth0 shows. `{ inner: true }` additionally tries every encapsulated packet (IPIP inner
 *   IPv4, VXLAN inner frame, recursively), for "every packet that carries 10.5.1.2 anywhere".
 * - An 802.1Q-tagged frame is not `ip` until a `vlan` keyword precedes the primitive
 *   (`vlan and host X`), because libpcap reads the EtherType at byte 12 unless told otherwise.
 *   (A live Linux capture with VLAN offload differs; podlab's pcaps keep tags inline.)
 * - Ports, `tcp[...]`-style loads need an unfragmented packet (fragment offset 0).
 * - `inbound` / `outbound` use the direction the caller passes (a capture on `any`).
 * Host names resolve only through `resolveHost` (no DNS); unresolved names fail like tcpdump.
 */
import type { EthernetFrame, Ipv4Packet } from '../packet.ts';
import { ETHERTYPE_IPV4 } from '../packet.ts';
import { frameLength } from '../codec/index.ts';
import { FilterError } from './lexer.ts';
import { parseFilter, type HostResolver } from './parser.ts';
import { evaluate } from './match.ts';
import { usesLen, type FilterNode } from './ast.ts';

export { FilterError };
export type { HostResolver };

export interface FilterOptions {
  /** Also match packets whose encapsulated (IPIP / VXLAN) headers match. Default false. */
  readonly inner?: boolean;
  /** Host-name lookup for `host NAME`; tcpdump's "unknown host" when absent or empty. */
  readonly resolveHost?: HostResolver;
}

/** Per-packet extras: the captured length (defaults to the encoded length) and direction. */
export interface PacketMeta {
  readonly len?: number;
  readonly dir?: 'In' | 'Out';
}

/** A compiled filter: true when the frame passes. */
export type FramePredicate = (frame: EthernetFrame, meta?: PacketMeta) => boolean;

/** Compiles a filter expression; throws FilterError (tcpdump's message plus the column). */
export function compileFilter(expression: string, opts: FilterOptions = {}): FramePredicate {
  const tree = parseFilter(expression, opts.resolveHost);
  if (tree.t === 'true') return () => true;
  // The length costs a walk of the frame; only pay for it when the expression reads it.
  const needLen = usesLen(tree);
  const one = (frame: EthernetFrame, meta?: PacketMeta): boolean =>
    evaluate(tree, { frame, len: meta?.len ?? (needLen ? frameLength(frame) : 0), dir: meta?.dir });
  if (!opts.inner) return one;
  return (frame, meta) => {
    if (one(frame, meta)) return true;
    for (const inner of encapsulated(frame)) if (one(inner, meta?.dir ? { dir: meta.dir } : undefined)) return true;
    return false;
  };
}

/** Compiles without throwing: the predicate, or the error tcpdump would print (for the UI's filter box). */
export function checkFilter(expression: string, opts: FilterOptions = {}):
  { ok: true; predicate: FramePredicate } | { ok: false; message: string; column: number } {
  try {
    return { ok: true, predicate: compileFilter(expression, opts) };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, message: `tcpdump: ${e.tcpdumpMessage}`, column: e.column };
    throw e;
  }
}

/** The parsed tree, for tools that want to inspect an expression. */
export function parseFilterTree(expression: string, resolveHost?: HostResolver): FilterNode {
  return parseFilter(expression, resolveHost);
}

/**
 * Every packet encapsulated in `frame`, outermost first, as frames: an IPIP inner packet gets
 * the outer frame's MACs (tcpdump on tunl0 would show it without any), a VXLAN inner frame is
 * itself. Tunnels nest (VXLAN in IPIP…), so this recurses.
 */
export function encapsulated(frame: EthernetFrame): EthernetFrame[] {
  const out: EthernetFrame[] = [];
  const walkIp = (ip: Ipv4Packet): void => {
    const p = ip.payload;
    if (p instanceof Uint8Array) return;
    if (p.kind === 'ipv4') {
      const f: EthernetFrame = { dst: frame.dst, src: frame.src, etherType: ETHERTYPE_IPV4, payload: p };
      out.push(f);
      walkIp(p);
    } else if (p.kind === 'udp' && !(p.payload instanceof Uint8Array)) {
      out.push(p.payload.inner);
      walkFrame(p.payload.inner);
    }
  };
  const walkFrame = (f: EthernetFrame): void => {
    if (!(f.payload instanceof Uint8Array) && f.payload.kind === 'ipv4') walkIp(f.payload);
  };
  walkFrame(frame);
  return out;
}
