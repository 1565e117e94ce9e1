/**
 * The TCP layer of one simulated kernel: the demultiplexer (established 4-tuples, then
 * listeners, else a RST — tcp_v4_rcv), listeners with a backlog of half-open children,
 * ephemeral port choice, ICMP error delivery (tcp_v4_err) and the socket list `ss` reads.
 *
 * The stack plugs into the kernel through the kernel's own per-port table
 * (`Kernel.tcpListeners`): every local port with a socket of ours maps to this stack's
 * receive function, so segments to ports we do not own still get the kernel's RST. ICMP
 * errors arrive through a raw ICMP socket (`Kernel.icmpSockets`), as ping's replies do.
 *
 * Application callbacks never run inside the packet path: they are queued while a segment
 * or timer is processed and run right after it (or on a 0 ms event when triggered by an
 * application call), so a callback that writes or destroys cannot re-enter the state machine.
 */
import type { IPv4 } from '../../net/ip.ts';
import type { IcmpMessage, Ipv4Packet, TcpSegment } from '../../net/packet.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../net/packet.ts';
import { makeIpv4, makeTcp, parseIcmpQuote } from '../../net/codec/index.ts';
import type { Rng } from '../clock.ts';
import { drop } from '../device.ts';
import { nextId } from '../icmp.ts';
import type { Kernel } from '../kernel.ts';
import { ipLocalOut, pathMtu, routeOutput } from '../ipv4-output.ts';
import type { NetDevice } from '../types.ts';
import { FlowMap } from '../flow-map.ts';
import type { FlowKey } from '../flow-map.ts';
import { TcpSocket } from './socket.ts';
import type { SocketHost, SocketOptions } from './socket.ts';
import type { TcpErrno, TcpHandlers, TcpState, TcpTunables } from './types.ts';
import { DEFAULT_TUNABLES, TcpError } from './types.ts';

/** Linux's default net.ipv4.ip_local_port_range. */
export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;
/** The largest MSS we announce (65535 − 40, what Linux advertises on lo). */
const MAX_MSS = 65495;

/** icmp_err_convert[]: destination-unreachable code → errno. */
const UNREACH_ERRNO: Record<number, TcpErrno> = {
  0: 'ENETUNREACH', 1: 'EHOSTUNREACH', 2: 'ENOPROTOOPT', 3: 'ECONNREFUSED', 5: 'EOPNOTSUPP', 6: 'ENETUNREACH',
  7: 'EHOSTDOWN', 8: 'ENETUNREACH', 9: 'ENETUNREACH', 10: 'EHOSTUNREACH', 11: 'ENETUNREACH', 12: 'EHOSTUNREACH',
  13: 'EHOSTUNREACH', 14: 'EHOSTUNREACH', 15: 'EHOSTUNREACH',
};

/** A listening socket. */
export class TcpListener {
  readonly state: TcpState = 'LISTEN';
  closed = false;
  /** Half-open children (SYN-RECV), bounded by the backlog. */
  readonly children = new Set<TcpSocket>();
  /**
   * Connections answered with a SYN cookie because the SYN queue was full. Linux keeps no
   * state for them until the client's ACK returns the cookie; here the child exists at once
   * (a simplification: it behaves as the socket the cookie's ACK would create) but is not
   * counted against the backlog, so a burst beyond the backlog connects in one round trip.
   */
  readonly cookieChildren = new Set<TcpSocket>();
  /** SYNs dropped because the backlog was full and syncookies are off (ListenOverflows). */
  overflows = 0;
  /** SYN cookies sent (SyncookiesSent). */
  syncookiesSent = 0;

  constructor(
    private readonly stack: TcpStack, readonly localAddress: IPv4, readonly localPort: number, readonly backlog: number,
    readonly opts: { tos: number; ttl: number; owner?: string }, readonly onAccept: (s: TcpSocket) => void,
  ) {}

  /** Stops accepting; half-open children are dropped (inet_csk_listen_stop). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.children, ...this.cookieChildren]) c.destroy();
    this.stack.unlisten(this);
  }
}

/** Options of `connect`. */
export interface ConnectOptions {
  dst: IPv4;
  port: number;
  /** Bind address (must be one of ours); default: the route's preferred source. */
  src?: IPv4;
  /** Bind port; default an ephemeral port from 32768–60999. */
  srcPort?: number;
  /** IP TOS byte (BIRD sets 0xc0 on BGP sockets). */
  tos?: number;
  ttl?: number;
  /** Overrides tcp_syn_retries for this socket (TCP_SYNCNT). */
  synRetries?: number;
  /** Process name `ss -p` shows. */
  owner?: string;
}

/** Options of `listen`. */
export interface ListenOptions {
  /** Bind address; default any (0.0.0.0). */
  addr?: IPv4;
  port: number;
  /** listen() backlog (default 511, what node and most daemons pass after the somaxconn cap). */
  backlog?: number;
  tos?: number;
  ttl?: number;
  owner?: string;
}

/** One row of the socket table (`ss`). */
export interface SocketRow {
  state: TcpState;
  localAddress: IPv4;
  localPort: number;
  remoteAddress: IPv4;
  remotePort: number;
  recvQ: number;
  sendQ: number;
  owner?: string;
}

/** A connection's 4-tuple as a flow key (a new object: the table keeps it). */
function flowOf(la: IPv4, lp: number, ra: IPv4, rp: number): FlowKey {
  return { proto: 6, src: la, dst: ra, sport: lp, dport: rp };
}

/** The TCP layer of one kernel. */
export class TcpStack implements SocketHost {
  readonly tunables: TcpTunables;
  /** Connections by 4-tuple (local, remote), and in creation order for `ss`. */
  private readonly conns = new FlowMap<TcpSocket>();
  private readonly connOrder = new Set<TcpSocket>();
  /** The lookup key of a received segment, refilled per segment. */
  private readonly scratch: FlowKey = { proto: 6, src: 0, dst: 0, sport: 0, dport: 0 };
  private readonly listeners: TcpListener[] = [];
  private readonly parent = new Map<TcpSocket, TcpListener>();
  private readonly portUse = new Map<number, number>();
  private readonly rng: Rng;
  private depth = 0;
  private queue: (() => void)[] = [];
  /** The kernel's tcp/port handler: run() written out, so a received segment costs no closure. */
  private readonly rcvFn = (pkt: Ipv4Packet, dev: NetDevice): void => {
    this.depth++;
    try {
      this.rcv(pkt, dev);
    } finally {
      this.leave();
    }
  };

  /** A socket timer's callback run as the packet path runs (made once: the timer carries `fn` as the clock's argument). */
  private readonly runFn = (fn: () => void): void => { this.run(fn); };

  constructor(readonly k: Kernel, tunables: Partial<TcpTunables> = {}) {
    this.tunables = { ...DEFAULT_TUNABLES, ...tunables };
    this.rng = k.rng.fork('tcp');
    k.icmpSockets.add((pkt) => this.run(() => this.icmp(pkt)));
  }

  // ---- SocketHost ---------------------------------------------------------------------

  now(): number { return this.k.clock.nowMs(); }
  schedule(ms: number, fn: () => void): number { return this.k.clock.schedule(ms, this.runFn, fn); }
  scheduleAt(t: number, fn: () => void): number { return this.k.clock.scheduleAt(t, this.runFn, fn); }
  cancel(id: number): void { this.k.clock.cancel(id); }
  randomU32(): number { return this.rng.nextU32(); }

  xmit(s: TcpSocket, seg: TcpSegment): void {
    // Output errors (netfilter OUTPUT drop → EPERM, no route) do not stop TCP: the segment
    // counts as lost and the retransmission timer tries again, as tcp_transmit_skb's callers do.
    ipLocalOut(this.k, makeIpv4({ src: s.localAddress, dst: s.remoteAddress, payload: seg, ttl: s.opts.ttl, tos: s.opts.tos, df: true, id: nextId(this.k) }), {});
  }

  notify(fn: () => void): void {
    if (this.depth > 0) this.queue.push(fn);
    else this.k.clock.schedule(0, fn);
  }

  release(s: TcpSocket): void {
    const kk = this.lookupKey(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
    if (this.conns.get(kk) !== s) return;
    this.conns.delete(kk);
    this.connOrder.delete(s);
    this.unusePort(s.localPort);
    const l = this.parent.get(s);
    if (l) { l.children.delete(s); l.cookieChildren.delete(s); this.parent.delete(s); }
  }

  accepted(s: TcpSocket): void {
    const l = this.parent.get(s);
    if (!l) return;
    l.children.delete(s);
    l.cookieChildren.delete(s);
    this.parent.delete(s);
    if (l.closed) { s.destroy(); return; }
    this.notify(() => l.onAccept(s));
  }

  // ---- API ----------------------------------------------------------------------------

  /** Opens a listening socket; throws TcpError EADDRINUSE / EADDRNOTAVAIL like bind(). */
  listen(o: ListenOptions, onAccept: (s: TcpSocket) => void): TcpListener {
    const addr = o.addr ?? 0;
    if (addr !== 0 && !this.isLocal(addr)) throw new TcpError('EADDRNOTAVAIL');
    if (this.listeners.some((l) => l.localPort === o.port && (l.localAddress === 0 || addr === 0 || l.localAddress === addr))) throw new TcpError('EADDRINUSE');
    const l = new TcpListener(this, addr, o.port, o.backlog ?? 511, { tos: o.tos ?? 0, ttl: o.ttl ?? 64, ...(o.owner ? { owner: o.owner } : {}) }, onAccept);
    this.listeners.push(l);
    this.usePort(o.port);
    return l;
  }

  /** Starts an active open. Every failure (even an immediate one) arrives via onClose(err). */
  connect(o: ConnectOptions, handlers: TcpHandlers): TcpSocket {
    return this.run(() => {
      const rt = routeOutput(this.k, o.dst, undefined, o.src);
      let err: TcpErrno | undefined;
      if (typeof rt === 'string') err = rt === 'EINVAL' ? 'EINVAL' : rt;
      else if (o.src !== undefined && !this.isLocal(o.src)) err = 'EADDRNOTAVAIL';
      const src = typeof rt === 'string' ? (o.src ?? 0) : rt.src;
      const mss = typeof rt === 'string' ? 536 : Math.min(MAX_MSS, pathMtu(this.k, rt.dev, o.dst) - 40);
      let port = o.srcPort ?? 0;
      if (!err && port !== 0 && this.conns.get(this.lookupKey(src, port, o.dst, o.port)) !== undefined) err = 'EADDRINUSE';
      if (!err && port === 0) {
        const p = this.ephemeral();
        if (p === undefined) err = 'EADDRNOTAVAIL';
        else port = p;
      }
      const opts: SocketOptions = { tos: o.tos ?? 0, ttl: o.ttl ?? 64, mss, synRetries: o.synRetries ?? this.tunables.synRetries, ...(o.owner ? { owner: o.owner } : {}) };
      const s = new TcpSocket(this, src, port, o.dst, o.port, opts, handlers);
      if (err) {
        const e = new TcpError(err);
        this.notify(() => handlers.onClose?.(e));
        return s;
      }
      this.conns.set(flowOf(src, port, o.dst, o.port), s);
      this.connOrder.add(s);
      this.usePort(port);
      s.openActive();
      return s;
    });
  }

  /** Every socket, listeners first, then connections in creation order (what `ss -a` walks). */
  sockets(): SocketRow[] {
    const rows: SocketRow[] = [];
    for (const l of this.listeners) {
      rows.push({ state: 'LISTEN', localAddress: l.localAddress, localPort: l.localPort, remoteAddress: 0, remotePort: 0, recvQ: 0, sendQ: l.backlog, ...(l.opts.owner ? { owner: l.opts.owner } : {}) });
    }
    for (const s of this.connOrder) {
      rows.push({
        state: s.state, localAddress: s.localAddress, localPort: s.localPort, remoteAddress: s.remoteAddress, remotePort: s.remotePort,
        recvQ: s.recvQueue, sendQ: s.state === 'TIME_WAIT' ? 0 : s.sendQueue, ...(s.opts.owner ? { owner: s.opts.owner } : {}),
      });
    }
    return rows;
  }

  /** Closes a listener's port entry (TcpListener.close calls it). */
  unlisten(l: TcpListener): void {
    const i = this.listeners.indexOf(l);
    if (i < 0) return;
    this.listeners.splice(i, 1);
    this.unusePort(l.localPort);
  }

  // ---- internals ----------------------------------------------------------------------

  private run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.leave();
    }
  }

  /** Leaves the packet path; the outermost exit runs the application callbacks it queued. */
  private leave(): void {
    if (--this.depth === 0) {
      while (this.queue.length > 0) {
        const q = this.queue;
        this.queue = [];
        for (const f of q) f();
      }
    }
  }

  /** The scratch key filled with a 4-tuple, for a lookup only (never stored). */
  private lookupKey(la: IPv4, lp: number, ra: IPv4, rp: number): FlowKey {
    const k = this.scratch;
    k.src = la;
    k.dst = ra;
    k.sport = lp;
    k.dport = rp;
    return k;
  }

  private isLocal(a: IPv4): boolean {
    return this.k.localRoute(a)?.type === 'local';
  }

  private usePort(port: number): void {
    const n = this.portUse.get(port) ?? 0;
    this.portUse.set(port, n + 1);
    if (n === 0) this.k.tcpListeners.set(port, this.rcvFn);
  }

  private unusePort(port: number): void {
    const n = (this.portUse.get(port) ?? 1) - 1;
    if (n > 0) { this.portUse.set(port, n); return; }
    this.portUse.delete(port);
    if (this.k.tcpListeners.get(port) === this.rcvFn) this.k.tcpListeners.delete(port);
  }

  /**
   * A random start in the range, then the next port no socket of ours uses (a simplification
   * of inet_hash_connect, which may share a port between different 4-tuples).
   */
  private ephemeral(): number | undefined {
    const n = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    const start = this.rng.nextU32() % n;
    for (let i = 0; i < n; i++) {
      const p = EPHEMERAL_FIRST + ((start + i) % n);
      if (!this.portUse.has(p)) return p;
    }
    return undefined;
  }

  /** tcp_v4_rcv(): established lookup, then listeners, else RST. */
  private rcv(pkt: Ipv4Packet, dev: NetDevice): void {
    const t = pkt.payload as TcpSegment;
    const s = this.conns.get(this.lookupKey(pkt.dst, t.dstPort, pkt.src, t.srcPort));
    if (s) { s.input(t); return; }
    let l: TcpListener | undefined;
    for (const x of this.listeners) {
      if (x.localPort !== t.dstPort) continue;
      if (x.localAddress === pkt.dst) { l = x; break; }
      if (x.localAddress === 0) l = x;
    }
    if (!l || t.flags & (TCP_RST | TCP_ACK) || !(t.flags & TCP_SYN)) {
      if (!(l && t.flags & TCP_RST)) this.reset(pkt, t, dev);
      return;
    }
    // A full SYN queue: with tcp_syncookies (Linux's default) the SYN is answered with a cookie
    // ("Possible SYN flooding on port N. Sending cookies."); without, it is dropped and the
    // client retries after its initial RTO (1 s).
    const cookie = l.children.size >= l.backlog;
    if (cookie && !this.tunables.syncookies) { l.overflows++; return; }
    const rt = routeOutput(this.k, pkt.src, undefined, pkt.dst);
    if (typeof rt === 'string') return;
    const mss = Math.min(MAX_MSS, pathMtu(this.k, rt.dev, pkt.src) - 40);
    const child = new TcpSocket(this, pkt.dst, t.dstPort, pkt.src, t.srcPort, { tos: l.opts.tos, ttl: l.opts.ttl, mss, synRetries: 0, ...(l.opts.owner ? { owner: l.opts.owner } : {}) });
    this.conns.set(flowOf(pkt.dst, t.dstPort, pkt.src, t.srcPort), child);
    this.connOrder.add(child);
    this.usePort(t.dstPort);
    this.parent.set(child, l);
    if (cookie) { l.syncookiesSent++; l.cookieChildren.add(child); } else l.children.add(child);
    child.openPassive(t);
  }

  /** tcp_v4_send_reset() for a segment no socket wants. */
  private reset(pkt: Ipv4Packet, t: TcpSegment, dev: NetDevice): void {
    drop(this.k, 'no-listener', dev, pkt);
    if (t.flags & TCP_RST) return;
    const segLen = t.payload.length + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0);
    const rst = t.flags & TCP_ACK
      ? makeTcp({ srcPort: t.dstPort, dstPort: t.srcPort, seq: t.ack, flags: TCP_RST, window: 0 })
      : makeTcp({ srcPort: t.dstPort, dstPort: t.srcPort, seq: 0, ack: (t.seq + segLen) >>> 0, flags: TCP_RST | TCP_ACK, window: 0 });
    ipLocalOut(this.k, makeIpv4({ src: pkt.dst, dst: pkt.src, payload: rst, ttl: 64, df: true, id: nextId(this.k) }), {});
  }

  /** tcp_v4_err(): destination unreachable / time exceeded about one of our segments. */
  private icmp(pkt: Ipv4Packet): void {
    const m = pkt.payload as IcmpMessage;
    if (m.type !== 3 && m.type !== 11) return;
    let q;
    try { q = parseIcmpQuote(m.data); } catch { return; }
    if (q.protocol !== 6 || q.l4.length < 4) return;
    const sport = (q.l4[0]! << 8) | q.l4[1]!;
    const dport = (q.l4[2]! << 8) | q.l4[3]!;
    const s = this.conns.get(this.lookupKey(q.src, sport, q.dst, dport));
    if (!s) return;
    if (m.type === 11) { s.icmpError('EHOSTUNREACH'); return; }
    if (m.code === 4) { s.pathMtu(m.rest & 0xffff); return; }
    const err = UNREACH_ERRNO[m.code];
    if (err) s.icmpError(err);
  }
}

const stacks = new WeakMap<object, TcpStack>();

/** The TCP layer of a kernel, created on first use (optionally with non-default tunables). */
export function tcpStack(k: Kernel, tunables?: Partial<TcpTunables>): TcpStack {
  let s = stacks.get(k);
  if (!s) stacks.set(k, (s = new TcpStack(k, tunables)));
  else if (tunables) Object.assign(s.tunables, tunables);
  return s;
}

/** The TCP layer of a kernel if one was ever used (for read-only tools like `ss`). */
export function existingTcpStack(k: object): TcpStack | undefined {
  return stacks.get(k);
}
