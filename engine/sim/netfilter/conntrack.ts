/**
 * Connection tracking (nf_conntrack): entries keyed by their original and reply tuples,
 * the per-packet state (NEW / ESTABLISHED / RELATED / INVALID), protocol timeouts with the
 * Linux 6.1 defaults, and NAT bindings stored on the entry so that later packets of a flow
 * and its replies are translated without walking the nat table again.
 *
 * Choices, matching the kernel defaults (`sysctl net.netfilter`):
 * - nf_conntrack_tcp_loose = 1: a TCP packet without an entry that carries only ACK picks the
 *   connection up mid-stream (state NEW, TCP state ESTABLISHED); a SYN opens one; any other
 *   flag combination without an entry (SYN/ACK, FIN, RST) is INVALID and creates nothing.
 * - ICMP: echo/timestamp/info/mask requests open entries; a reply without one is INVALID;
 *   errors quoting a tracked flow are RELATED, other errors INVALID.
 * - UDP: 30 s until the flow is "stream" (reply seen and older than 2 s), then 120 s, ASSURED.
 * - Other protocols (IPIP, GRE…): generic tracking by addresses and protocol, 600 s.
 * Not modelled: sequence-window checks, helpers/expectations, zones, table size limits.
 */
import type { IPv4 } from '../../net/ip.ts';
import type { Ipv4Packet } from '../../net/packet.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../net/packet.ts';
import { FlowMap } from '../flow-map.ts';
import { ICMP_ERRORS, invert, isIcmpQuery, quotedTuple, sameTuple, tupleInto, tupleOf } from './tuple.ts';
import type { Tuple } from './tuple.ts';

export type TcpCtState = 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT' | 'CLOSE_WAIT' | 'LAST_ACK' | 'TIME_WAIT' | 'CLOSE';

/** Linux default timeouts in seconds (net.netfilter.nf_conntrack_*_timeout*). */
export const CT_TIMEOUTS = {
  tcp: { SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 432000, FIN_WAIT: 120, CLOSE_WAIT: 60, LAST_ACK: 30, TIME_WAIT: 120, CLOSE: 10 } as Record<TcpCtState, number>,
  udp: 30,
  udpStream: 120,
  icmp: 30,
  generic: 600,
};

/** One tracked connection (struct nf_conn). */
export interface CtEntry {
  id: number;
  orig: Tuple;
  reply: Tuple;
  tcpState?: TcpCtState;
  seenReply: boolean;
  assured: boolean;
  confirmed: boolean;
  /** NAT set up for this manipulation type (the nat table was walked for it). */
  natInit: { src: boolean; dst: boolean };
  createdMs: number;
  expiresMs: number;
  mark: number;
  /** Packets and bytes per direction (nf_conntrack_acct). */
  counters: [{ packets: number; bytes: number }, { packets: number; bytes: number }];
}

export type CtDir = 0 | 1;
export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID';

/** What conntrack decided for one packet. */
export interface CtResult {
  state: CtState;
  entry?: CtEntry;
  /** Direction of the packet relative to the entry: 0 original, 1 reply. */
  dir: CtDir;
}

/** The conntrack table of one namespace. */
export class Conntrack {
  private readonly index = new FlowMap<{ e: CtEntry; dir: CtDir }>();
  /** The tuples each entry registered in the index (to unregister them). */
  private readonly keys = new Map<CtEntry, Tuple[]>();
  /** A lookup's tuple, filled from the packet: a hit on an existing flow allocates none. */
  private readonly scratch: Tuple = { proto: 0, src: 0, dst: 0, sport: 0, dport: 0 };
  private nextId = 1;
  /** nf_conntrack_tcp_loose. */
  tcpLoose = true;

  /** Confirmed entries (what `conntrack -L` lists), dropping those expired at nowMs. */
  entries(nowMs: number): CtEntry[] {
    const out: CtEntry[] = [];
    for (const e of this.keys.keys()) {
      if (!e.confirmed) continue;
      if (e.expiresMs <= nowMs) { this.remove(e); continue; }
      out.push(e);
    }
    return out;
  }

  /** Removes an entry (`conntrack -D`, expiry, or a dropped unconfirmed packet). */
  remove(e: CtEntry): void {
    for (const k of this.keys.get(e) ?? []) {
      if (this.index.get(k)?.e === e) this.index.delete(k);
    }
    this.keys.delete(e);
  }

  /** `conntrack -F`. */
  flush(): void {
    this.index.clear();
    this.keys.clear();
  }

  /** Finds the entry a packet (in any NAT stage of its path) belongs to. */
  find(t: Tuple, nowMs: number): { e: CtEntry; dir: CtDir } | undefined {
    const hit = this.index.get(t);
    if (!hit) return undefined;
    if (hit.e.expiresMs <= nowMs) { this.remove(hit.e); return undefined; }
    return hit;
  }

  /** find() for the tuple a packet carries now, without building that tuple. */
  findPacket(p: Ipv4Packet, nowMs: number): { e: CtEntry; dir: CtDir } | undefined {
    return this.find(tupleInto(p, this.scratch), nowMs);
  }

  /**
   * nf_conntrack_in: classifies a packet at PREROUTING/OUTPUT, creating an unconfirmed
   * entry for a NEW flow. Unconfirmed entries left by a packet that never got confirmed
   * (dropped on the way) are replaced, as the kernel frees them with the skb.
   */
  classify(p: Ipv4Packet, nowMs: number): CtResult {
    const l4 = p.payload;
    if (p.protocol === 1 && !(l4 instanceof Uint8Array) && l4.kind === 'icmp' && !isIcmpQuery(l4.type)) {
      if (ICMP_ERRORS.has(l4.type)) {
        const inner = quotedTuple(l4.data);
        const hit = inner && this.find(invert(inner), nowMs);
        if (hit && hit.e.confirmed) return { state: 'RELATED', entry: hit.e, dir: hit.dir };
        return { state: 'INVALID', dir: 0 };
      }
      // An answer (echo reply…) belongs to an entry or is INVALID; it never opens one.
      const hit = this.findPacket(p, nowMs);
      if (hit && hit.e.confirmed) return this.seen(hit.e, hit.dir, p, nowMs);
      return { state: 'INVALID', dir: 0 };
    }
    let hit = this.findPacket(p, nowMs);
    if (hit && !hit.e.confirmed) { this.remove(hit.e); hit = undefined; }
    if (hit && p.protocol === 6 && hit.dir === 0 && !(l4 instanceof Uint8Array) && l4.kind === 'tcp'
      && (l4.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && (hit.e.tcpState === 'TIME_WAIT' || hit.e.tcpState === 'CLOSE')) {
      // A new SYN on a closing connection reopens it (tcp_packet's "re-open" path).
      this.remove(hit.e);
      hit = undefined;
    }
    if (hit) return this.seen(hit.e, hit.dir, p, nowMs);
    let tcpState: TcpCtState | undefined;
    if (p.protocol === 6) {
      if (l4 instanceof Uint8Array || l4.kind !== 'tcp') return { state: 'INVALID', dir: 0 };
      const f = l4.flags & (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST);
      if (f === TCP_SYN) tcpState = 'SYN_SENT';
      else if (f === TCP_ACK && this.tcpLoose) tcpState = 'ESTABLISHED';
      else return { state: 'INVALID', dir: 0 };
    }
    const t = tupleOf(p); // kept by the entry: its own object, not the lookup's scratch
    const e: CtEntry = {
      id: this.nextId++, orig: t, reply: invert(t), tcpState, seenReply: false, assured: false, confirmed: false,
      natInit: { src: false, dst: false }, createdMs: nowMs, expiresMs: nowMs + this.timeoutOf(p.protocol, tcpState, false) * 1000,
      mark: 0, counters: [{ packets: 0, bytes: 0 }, { packets: 0, bytes: 0 }],
    };
    this.reindex(e);
    return { state: 'NEW', entry: e, dir: 0 };
  }

  /** Confirms an entry once its first packet leaves POSTROUTING or INPUT. */
  confirm(e: CtEntry): void {
    e.confirmed = true;
  }

  /** Accounts a packet on its entry (counters) — done at confirm time for the first packet. */
  account(e: CtEntry, dir: CtDir, bytes: number): void {
    e.counters[dir].packets++;
    e.counters[dir].bytes += bytes;
  }

  /**
   * Binds NAT for one manipulation on a fresh entry: `src` changes the source the peer sees
   * (SNAT/MASQUERADE), `dst` the destination (DNAT). Picks another port (or ICMP id) when the
   * resulting reply tuple is taken, as nf_nat_unique_tuple does.
   */
  bindNat(e: CtEntry, manip: 'src' | 'dst', ip: IPv4, port: number | undefined, portRange?: { lo: number; hi: number }): void {
    const reply = { ...e.reply };
    const hasPorts = e.orig.proto === 6 || e.orig.proto === 17 || e.orig.proto === 132 || e.orig.proto === 1; // SCTP NATs ports like TCP and UDP
    if (manip === 'src') {
      reply.dst = ip;
      if (hasPorts && port !== undefined) {
        if (e.orig.proto === 1) reply.sport = port; else reply.dport = port;
      }
    } else {
      reply.src = ip;
      if (hasPorts && port !== undefined && e.orig.proto !== 1) reply.sport = port;
    }
    if (manip === 'src' && hasPorts) {
      // Keep the port when free; otherwise walk the range (1024-65535 like the kernel's default).
      const lo = portRange?.lo ?? 1024;
      const hi = portRange?.hi ?? 65535;
      const get = (): number => (e.orig.proto === 1 ? reply.sport : reply.dport);
      const set = (v: number): void => { if (e.orig.proto === 1) reply.sport = v; else reply.dport = v; };
      if (portRange && (get() < lo || get() > hi)) set(lo);
      for (let n = 0; n <= hi - lo && this.taken(reply, e); n++) set(get() >= hi ? lo : get() + 1);
    }
    e.reply = reply;
    this.reindex(e);
  }

  private taken(reply: Tuple, self: CtEntry): boolean {
    const hit = this.index.get(reply);
    return hit !== undefined && hit.e !== self;
  }

  /** Registers every tuple a packet of the entry can carry on its way through this host. */
  private reindex(e: CtEntry): void {
    for (const k of this.keys.get(e) ?? []) if (this.index.get(k)?.e === e) this.index.delete(k);
    const o = e.orig;
    const r = e.reply;
    const ir = invert(r);
    const io = invert(o);
    // Orig direction after DNAT only (dst manip done at PREROUTING, src manip pending).
    const midOrig: Tuple = { ...o, dst: ir.dst, dport: ir.dport };
    // Reply direction after de-SNAT only (dst manip done, src manip pending).
    const midReply: Tuple = { ...r, dst: io.dst, dport: io.dport };
    const list: [Tuple, CtDir][] = [[o, 0], [r, 1], [ir, 0], [io, 1], [midOrig, 0], [midReply, 1]];
    const keys: Tuple[] = [];
    for (const [t, dir] of list) {
      if (keys.some((k) => sameTuple(k, t))) continue;
      const prev = this.index.get(t);
      // A tuple already owned by a confirmed entry stays with it (the clash goes to the newcomer).
      if (prev && prev.e !== e && prev.e.confirmed) continue;
      this.index.set(t, { e, dir });
      keys.push(t);
    }
    this.keys.set(e, keys);
  }

  /** Updates an existing entry for a packet and returns its state. */
  private seen(e: CtEntry, dir: CtDir, p: Ipv4Packet, nowMs: number): CtResult {
    if (dir === 1 && !e.seenReply) e.seenReply = true;
    const l4 = p.payload;
    if (e.tcpState && !(l4 instanceof Uint8Array) && l4.kind === 'tcp') this.tcpStep(e, dir, l4.flags);
    if (p.protocol === 17 && e.seenReply && nowMs - e.createdMs > 2000) e.assured = true;
    if (p.protocol === 6 && e.seenReply && e.tcpState === 'ESTABLISHED') e.assured = true;
    e.expiresMs = nowMs + this.timeoutOf(p.protocol, e.tcpState, e.assured) * 1000;
    const state: CtState = dir === 1 || e.seenReply ? 'ESTABLISHED' : 'NEW';
    return { state, entry: e, dir };
  }

  private tcpStep(e: CtEntry, dir: CtDir, flags: number): void {
    const s = e.tcpState!;
    if (flags & TCP_RST) { e.tcpState = 'CLOSE'; return; }
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    if (s === 'SYN_SENT' && dir === 1 && syn && ack) e.tcpState = 'SYN_RECV';
    else if (s === 'SYN_RECV' && dir === 0 && ack && !syn) e.tcpState = 'ESTABLISHED';
    else if (s === 'ESTABLISHED' && fin) { e.tcpState = 'FIN_WAIT'; finDir.set(e, dir); }
    else if ((s === 'FIN_WAIT' || s === 'CLOSE_WAIT') && fin && finDir.get(e) !== dir) e.tcpState = 'LAST_ACK';
    else if (s === 'FIN_WAIT' && ack && finDir.get(e) !== dir) e.tcpState = 'CLOSE_WAIT';
    else if (s === 'LAST_ACK' && ack && !fin) e.tcpState = 'TIME_WAIT';
  }

  private timeoutOf(proto: number, tcp: TcpCtState | undefined, assured: boolean): number {
    if (proto === 6) return CT_TIMEOUTS.tcp[tcp ?? 'CLOSE'];
    if (proto === 17) return assured ? CT_TIMEOUTS.udpStream : CT_TIMEOUTS.udp;
    if (proto === 1) return CT_TIMEOUTS.icmp;
    return CT_TIMEOUTS.generic;
  }
}

/** Which direction sent the first FIN (kept outside the entry: only the TCP steps need it). */
const finDir = new WeakMap<CtEntry, CtDir>();

export { sameTuple };
