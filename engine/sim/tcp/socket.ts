/**
 * One TCP connection (RFC 9293 §3.10 event processing, a compact subset) in virtual time.
 *
 * What is modelled: the 3-way handshake with the MSS option, sequence/ack bookkeeping,
 * segmentation at the MSS, a fixed receive window with an out-of-order queue, delayed ACKs
 * (every 2nd segment or 40 ms), retransmission on an RFC 6298 timer with exponential backoff,
 * fast retransmit on 3 duplicate ACKs with NewReno partial-ACK recovery (no SACK), FIN
 * handshakes through FIN-WAIT/CLOSING/LAST-ACK/TIME-WAIT, RST on abort, RFC 5961 challenge
 * ACKs, and ICMP errors (hard in SYN-SENT, remembered as the soft error otherwise, reported
 * when retransmissions give up — tcp_v4_err / tcp_write_err).
 *
 * What is not: congestion control (links in the simulator have no bandwidth or queues, so
 * the peer's window is the only limit on what is in flight; RFC 5681 slow start is absent),
 * Nagle (sockets behave as TCP_NODELAY, as BGP daemons set), window scaling, timestamps,
 * SACK, keepalives, urgent data, zero-window persist beyond a 1-byte probe riding the RTO.
 */
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../net/packet.ts';
import type { TcpSegment } from '../../net/packet.ts';
import { makeTcp } from '../../net/codec/index.ts';
import { ByteQueue, OutOfOrderQueue, mssOption, parseMss, seqAdd, seqDiff, seqLe, seqLt } from './seq.ts';
import { RtoEstimator } from './rto.ts';
import type { TcpErrno, TcpHandlers, TcpState, TcpTunables } from './types.ts';
import { TcpError } from './types.ts';

/** What a socket needs from its stack (stack.ts implements it). */
export interface SocketHost {
  readonly tunables: TcpTunables;
  now(): number;
  schedule(ms: number, fn: () => void): number;
  /** Runs `fn` at virtual time `t` (a deadline computed earlier, kept exactly). */
  scheduleAt(t: number, fn: () => void): number;
  cancel(id: number): void;
  randomU32(): number;
  /** Sends a segment of this connection through the IPv4 output path. */
  xmit(s: TcpSocket, seg: TcpSegment): void;
  /** Runs an application callback after the current packet/timer is processed. */
  notify(fn: () => void): void;
  /** The connection left the demux table's interest (CLOSED). */
  release(s: TcpSocket): void;
  /** A passive child completed its handshake. */
  accepted(s: TcpSocket): void;
}

/** Per-connection options. */
export interface SocketOptions {
  tos: number;
  ttl: number;
  /** The MSS we announce (route MTU − 40). */
  mss: number;
  synRetries: number;
  owner?: string;
}

/** The payload of every segment without data (an empty array cannot change, so one serves all). */
const NO_DATA = new Uint8Array(0);

const SYNCHRONIZED = new Set<TcpState>(['SYN_RECV', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK']);
const CAN_RECEIVE = new Set<TcpState>(['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2']);

/** A TCP connection endpoint. */
export class TcpSocket {
  state: TcpState = 'CLOSED';
  /** Times segments were retransmitted (RTO + fast), like `ss -i` retrans. */
  retransmits = 0;
  private h: TcpHandlers;
  private iss: number;
  private sndUna: number;
  private sndNxt: number;
  private sndWnd = 0;
  /** Data not yet acknowledged: byte 0 sits at sequence sndUna once the SYN is acked. */
  private readonly sendQ = new ByteQueue();
  private finQueued = false;
  private finSeq: number | undefined;
  private sendMss = 536;
  private rcvNxt = 0;
  private readonly ooo = new OutOfOrderQueue();
  private oooFin: number | undefined;
  private unacked = 0;
  private readonly rto: RtoEstimator;
  /**
   * The retransmission timer, re-armed lazily: an ACK that leaves data in flight only moves
   * `rtoDue`; the event already queued (`rtoTimer`, due at `rtoQueuedAt`) stays, and when it
   * comes before the deadline it queues itself again for exactly `rtoDue`. So the RTO expires
   * at the same instant as with a cancel and a new timer per ACK, without one of each per ACK
   * (every ACK of a BGP stream re-armed it). Disarming (all acknowledged) cancels for real:
   * no stale event is left to advance an idle clock.
   */
  private rtoTimer: number | undefined;
  private rtoQueuedAt = 0;
  private rtoDue: number | undefined;
  private ackTimer: number | undefined;
  private stateTimer: number | undefined;
  // Timer callbacks made once per socket: the RTO is re-armed on most ACKs and the delayed ACK on most segments.
  private readonly onRtoFn = (): void => this.rtoEvent();
  private readonly onAckTimerFn = (): void => {
    this.ackTimer = undefined;
    if (this.state !== 'CLOSED') this.send(TCP_ACK, this.sndNxt);
  };
  private tries = 0;
  private rttSample: { seq: number; at: number } | undefined;
  private dupAcks = 0;
  private recover: number | undefined;
  private softError: TcpErrno | undefined;
  private pendingRx: Uint8Array[] = [];
  private closeNotified = false;

  constructor(
    private readonly host: SocketHost,
    readonly localAddress: number, readonly localPort: number,
    readonly remoteAddress: number, readonly remotePort: number,
    readonly opts: SocketOptions, handlers: TcpHandlers = {},
  ) {
    this.h = { ...handlers };
    this.iss = host.randomU32();
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.rto = new RtoEstimator(host.tunables);
  }

  /** Replaces the callbacks (accepted sockets get theirs here). */
  setHandlers(h: TcpHandlers): void {
    this.h = { ...this.h, ...h };
    if (h.onData && this.pendingRx.length > 0) {
      const q = this.pendingRx;
      this.pendingRx = [];
      this.host.notify(() => { for (const c of q) this.h.onData?.(c); });
    }
  }

  /** Bytes written and not yet acknowledged, plus SYN/FIN (ss Send-Q: write_seq − snd_una). */
  get sendQueue(): number {
    const syn = this.state === 'SYN_SENT' ? 1 : 0; // request socks (SYN-RECV) report 0/0 (inet_diag_fill_req)
    const fin = this.finQueued && (this.finSeq === undefined || seqLe(this.sndUna, this.finSeq)) ? 1 : 0;
    return this.sendQ.length + syn + fin;
  }

  /** Bytes received and not yet read by an application (ss Recv-Q). */
  get recvQueue(): number {
    let n = 0;
    for (const c of this.pendingRx) n += c.length;
    return n;
  }

  /** The smoothed RTT (ms), once measured. */
  get srtt(): number | undefined {
    return this.rto.srtt;
  }

  /**
   * Queues bytes for sending; false once the socket can no longer send. With `copy` false the
   * socket keeps `data` itself, which the writer must then never change (node:net's rule for
   * a buffer passed to write()); by default it keeps a copy.
   */
  write(data: Uint8Array, copy = true): boolean {
    if (this.finQueued || !(this.state === 'SYN_SENT' || this.state === 'SYN_RECV' || this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT')) return false;
    this.sendQ.push(data, copy);
    this.pushData();
    return true;
  }

  /** Graceful close: FIN after the queued data (shutdown(SHUT_WR); reading continues). */
  end(): void {
    if (this.state === 'SYN_SENT' || this.state === 'LISTEN') { this.finish(undefined); return; }
    if (this.finQueued || !SYNCHRONIZED.has(this.state)) return;
    this.finQueued = true;
    this.pushData();
  }

  /** Abort: RST to the peer when synchronized (tcp_send_active_reset), then CLOSED. */
  destroy(): void {
    if (this.state === 'CLOSED') return;
    if (SYNCHRONIZED.has(this.state)) this.send(TCP_RST | TCP_ACK, this.sndNxt);
    this.finish(undefined);
  }

  // ---- opening ------------------------------------------------------------------------

  /** Active open: SYN with our MSS. */
  openActive(): void {
    this.state = 'SYN_SENT';
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
  }

  /** Passive open from a listener's SYN: answer SYN-ACK. */
  openPassive(syn: TcpSegment): void {
    this.state = 'SYN_RECV';
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.sendMss = Math.min(parseMss(syn.options) ?? 536, this.opts.mss);
    this.sndWnd = syn.window;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
  }

  private sendSyn(): void {
    const flags = this.state === 'SYN_RECV' ? TCP_SYN | TCP_ACK : TCP_SYN;
    this.host.xmit(this, makeTcp({
      srcPort: this.localPort, dstPort: this.remotePort, seq: this.iss, ack: flags & TCP_ACK ? this.rcvNxt : 0,
      flags, window: this.rcvWindow(), options: mssOption(this.opts.mss),
    }));
    if (this.tries === 0) this.rttSample = { seq: seqAdd(this.iss, 1), at: this.host.now() };
    this.armRto();
  }

  // ---- output -------------------------------------------------------------------------

  private rcvWindow(): number {
    return this.host.tunables.receiveWindow;
  }

  private send(flags: number, seq: number, payload?: Uint8Array): void {
    const withAck = (flags & TCP_ACK) !== 0;
    this.host.xmit(this, makeTcp({
      srcPort: this.localPort, dstPort: this.remotePort, seq, ack: withAck ? this.rcvNxt : 0, flags,
      window: this.rcvWindow(), payload: payload ?? NO_DATA,
    }));
    if (withAck) {
      this.unacked = 0;
      if (this.ackTimer !== undefined) { this.host.cancel(this.ackTimer); this.ackTimer = undefined; }
    }
  }

  /** Sends new data (and then the FIN) as far as the peer's window allows. */
  private pushData(): void {
    if (!(this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT' || this.state === 'FIN_WAIT1' || this.state === 'CLOSING' || this.state === 'LAST_ACK')) return;
    for (;;) {
      if (this.finSeq !== undefined) return;
      const inFlight = seqDiff(this.sndNxt, this.sndUna);
      const avail = this.sendQ.length - inFlight;
      if (avail > 0) {
        let room = this.sndWnd - inFlight;
        if (room <= 0 && inFlight === 0) room = 1; // zero window: a 1-byte probe rides the RTO
        const len = Math.min(this.sendMss, avail, room);
        if (len <= 0) return;
        const last = len === avail;
        this.send(TCP_ACK | (last ? TCP_PSH : 0), this.sndNxt, this.sendQ.read(inFlight, len));
        if (!this.rttSample) this.rttSample = { seq: seqAdd(this.sndNxt, len), at: this.host.now() };
        this.sndNxt = seqAdd(this.sndNxt, len);
        this.armRto(false);
        continue;
      }
      if (this.finQueued) {
        this.finSeq = this.sndNxt;
        this.send(TCP_FIN | TCP_ACK, this.sndNxt);
        this.sndNxt = seqAdd(this.sndNxt, 1);
        this.state = this.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
        this.armRto(false);
      }
      return;
    }
  }

  /** Retransmits the oldest unacknowledged segment (SYN, data or FIN). */
  private retransmitHead(): void {
    this.retransmits++;
    this.rttSample = undefined; // Karn: no samples from retransmitted data
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') { this.sendSyn(); return; }
    const dataOut = Math.min(seqDiff(this.sndNxt, this.sndUna), this.sendQ.length);
    if (dataOut > 0) {
      const len = Math.min(this.sendMss, dataOut);
      this.send(TCP_ACK | (len === this.sendQ.length ? TCP_PSH : 0), this.sndUna, this.sendQ.read(0, len));
    } else if (this.finSeq !== undefined && seqLe(this.sndUna, this.finSeq)) {
      this.send(TCP_FIN | TCP_ACK, this.finSeq);
    } else if (this.sendQ.length > 0) {
      this.send(TCP_ACK, this.sndUna, this.sendQ.read(0, 1)); // window probe
      if (seqLe(this.sndNxt, this.sndUna)) this.sndNxt = seqAdd(this.sndUna, 1);
    }
  }

  /** (Re)arms the retransmission timer; `restart` false keeps a running one. */
  private armRto(restart = true): void {
    if (this.rtoDue !== undefined && !restart) return;
    const now = this.host.now();
    const due = now + this.rto.current();
    this.rtoDue = due;
    if (this.rtoTimer !== undefined) {
      if (this.rtoQueuedAt <= due) return; // it will re-queue itself for `due` (rtoEvent)
      this.host.cancel(this.rtoTimer); // the deadline moved earlier (a smaller RTO): queue anew
    }
    this.rtoTimer = this.host.scheduleAt(due, this.onRtoFn);
    this.rtoQueuedAt = due;
  }

  /** Stops the retransmission timer (nothing in flight). */
  private disarmRto(): void {
    if (this.rtoTimer !== undefined) this.host.cancel(this.rtoTimer);
    this.rtoTimer = undefined;
    this.rtoDue = undefined;
  }

  /** The queued RTO event: the timeout itself, or an early one for a deadline an ACK moved on. */
  private rtoEvent(): void {
    this.rtoTimer = undefined;
    const due = this.rtoDue;
    if (due === undefined) return;
    if (due > this.host.now()) {
      this.rtoTimer = this.host.scheduleAt(due, this.onRtoFn);
      this.rtoQueuedAt = due;
      return;
    }
    this.onRto();
  }

  private onRto(): void {
    this.rtoDue = undefined;
    const limit = this.state === 'SYN_SENT' ? this.opts.synRetries
      : this.state === 'SYN_RECV' ? this.host.tunables.synackRetries : this.host.tunables.retries2;
    if (this.tries >= limit) {
      // tcp_write_err(): a remembered ICMP error explains the timeout better than ETIMEDOUT.
      this.finish(this.state === 'SYN_RECV' ? undefined : new TcpError(this.softError ?? 'ETIMEDOUT'));
      return;
    }
    this.tries++;
    this.rto.backoff++;
    this.recover = this.sndNxt; // NewReno after a timeout: partial ACKs resend the next hole
    this.dupAcks = 0;
    this.retransmitHead();
    this.armRto();
  }

  // ---- input --------------------------------------------------------------------------

  /** A segment of this connection arrived (tcp_rcv_state_process). */
  input(t: TcpSegment): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'SYN_SENT') { this.inputSynSent(t); return; }
    const payloadLen = t.payload.length;
    const segLen = payloadLen + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0);
    // Acceptability (RFC 9293 §3.10.7.4): some part of the segment inside the window.
    const wnd = this.rcvWindow();
    const off = seqDiff(t.seq, this.rcvNxt);
    const ok = segLen === 0 ? off >= 0 && off <= wnd : off < wnd && off + segLen > 0;
    if (!ok) {
      if (!(t.flags & TCP_RST)) this.send(TCP_ACK, this.sndNxt);
      if (this.state === 'TIME_WAIT' && t.flags & TCP_FIN) this.enterTimeWait();
      return;
    }
    if (t.flags & TCP_RST) {
      // RFC 5961 §3: only an exact match resets; anything else in the window gets a challenge ACK.
      if (t.seq !== this.rcvNxt) { this.send(TCP_ACK, this.sndNxt); return; }
      // tcp_reset(): EPIPE once we had the peer's FIN, nothing for half-open children or TIME-WAIT.
      const quiet = this.state === 'SYN_RECV' || this.state === 'TIME_WAIT';
      this.finish(quiet ? undefined : new TcpError(this.state === 'CLOSE_WAIT' ? 'EPIPE' : 'ECONNRESET'));
      return;
    }
    if (t.flags & TCP_SYN) { this.send(TCP_ACK, this.sndNxt); return; } // RFC 5961 §4
    if (!(t.flags & TCP_ACK)) return;
    if (this.state === 'SYN_RECV') {
      if (!(seqLt(this.sndUna, t.ack) && seqLe(t.ack, this.sndNxt))) {
        this.resetUnacceptable(t.ack);
        return;
      }
      this.ackAdvanced(t.ack); // while still SYN_RECV: the SYN's sequence number is not data
      this.sndWnd = t.window;
      this.state = 'ESTABLISHED';
      this.host.accepted(this);
    }
    if (!this.processAck(t)) return;
    if ((this.state as TcpState) === 'CLOSED') return; // processAck may have finished us
    if (payloadLen > 0 || t.flags & TCP_FIN) this.processData(t);
  }

  private inputSynSent(t: TcpSegment): void {
    const ackOk = (t.flags & TCP_ACK) !== 0 && seqLt(this.iss, t.ack) && seqLe(t.ack, this.sndNxt);
    if (t.flags & TCP_ACK && !ackOk) {
      if (!(t.flags & TCP_RST)) this.resetUnacceptable(t.ack);
      return;
    }
    if (t.flags & TCP_RST) {
      if (ackOk) this.finish(new TcpError('ECONNREFUSED'));
      return;
    }
    if (!(t.flags & TCP_SYN)) return;
    this.rcvNxt = seqAdd(t.seq, 1);
    this.sendMss = Math.min(parseMss(t.options) ?? 536, this.opts.mss);
    this.sndWnd = t.window;
    if (!ackOk) {
      // Simultaneous open (RFC 9293 §3.5): both sides sent SYNs; answer SYN-ACK from SYN-RECEIVED.
      this.state = 'SYN_RECV';
      this.sendSyn();
      return;
    }
    this.ackAdvanced(t.ack);
    this.state = 'ESTABLISHED';
    this.send(TCP_ACK, this.sndNxt);
    const h = this.h;
    this.host.notify(() => h.onConnect?.());
    this.pushData(); // data written while connecting
  }

  /** RFC 9293 §3.10.7.3/4: an ACK for something we never sent gets <SEQ=SEG.ACK><CTL=RST>. */
  private resetUnacceptable(ack: number): void {
    this.host.xmit(this, makeTcp({ srcPort: this.localPort, dstPort: this.remotePort, seq: ack, flags: TCP_RST, window: 0 }));
  }

  /** The ACK field: window update, acked data, recovery, state changes. False = stop processing. */
  private processAck(t: TcpSegment): boolean {
    if (seqLt(this.sndNxt, t.ack)) { this.send(TCP_ACK, this.sndNxt); return false; } // acks unsent data
    if (seqLt(t.ack, this.sndUna)) return true; // old duplicate: ignore the ACK, keep the data
    const inFlight = seqDiff(this.sndNxt, this.sndUna);
    if (t.ack === this.sndUna) {
      const dup = t.payload.length === 0 && !(t.flags & TCP_FIN) && t.window === this.sndWnd && inFlight > 0;
      this.sndWnd = t.window;
      if (dup && ++this.dupAcks === 3 && this.recover === undefined) {
        this.recover = this.sndNxt; // fast retransmit (RFC 5681 §3.2 / RFC 6582)
        this.retransmitHead();
        this.armRto();
      }
      this.pushData();
      return true;
    }
    this.sndWnd = t.window;
    this.ackAdvanced(t.ack);
    if (this.finSeq !== undefined && seqLt(this.finSeq, t.ack)) {
      if (this.state === 'FIN_WAIT1') {
        this.state = 'FIN_WAIT2';
        this.stateTimer = this.host.schedule(this.host.tunables.finTimeoutMs, () => this.finish(undefined));
      } else if (this.state === 'CLOSING') this.enterTimeWait();
      else if (this.state === 'LAST_ACK') { this.finish(undefined); return false; }
    }
    this.pushData();
    return true;
  }

  private ackAdvanced(ack: number): void {
    let acked = seqDiff(ack, this.sndUna);
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') acked--; // the SYN's sequence number
    this.sendQ.drop(Math.max(0, acked));
    this.sndUna = ack;
    this.dupAcks = 0;
    if (this.rttSample && seqLe(this.rttSample.seq, ack)) {
      this.rto.sample(this.host.now() - this.rttSample.at);
      this.rttSample = undefined;
    }
    this.tries = 0;
    this.rto.backoff = 0;
    if (this.recover !== undefined) {
      if (seqLt(ack, this.recover)) this.retransmitHead(); // partial ACK: next hole (NewReno)
      else this.recover = undefined;
    }
    if (this.sndUna === this.sndNxt) {
      this.disarmRto();
    } else this.armRto();
  }

  private processData(t: TcpSegment): void {
    if (!CAN_RECEIVE.has(this.state)) return; // after the peer's FIN, further data is ignored
    let seq = t.seq;
    let data = t.payload;
    const finAt = t.flags & TCP_FIN ? seqAdd(t.seq, data.length) : undefined;
    const skip = seqDiff(this.rcvNxt, seq);
    if (skip > 0) { data = data.subarray(Math.min(skip, data.length)); seq = this.rcvNxt; }
    if (finAt !== undefined) this.oooFin = finAt;
    if (seq !== this.rcvNxt) {
      if (data.length > 0) this.ooo.hold(seq, data);
      this.send(TCP_ACK, this.sndNxt); // out of order: immediate duplicate ACK
      return;
    }
    const hadHoles = this.ooo.holding;
    if (data.length > 0) {
      this.deliver(data);
      for (let c = this.ooo.next(this.rcvNxt); c; c = this.ooo.next(this.rcvNxt)) this.deliver(c);
    }
    if (this.oooFin !== undefined && this.oooFin === this.rcvNxt) {
      this.oooFin = undefined;
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.send(TCP_ACK, this.sndNxt);
      this.peerFin();
      return;
    }
    if (data.length === 0) return;
    if (hadHoles || ++this.unacked >= 2) this.send(TCP_ACK, this.sndNxt);
    else if (this.ackTimer === undefined) {
      this.ackTimer = this.host.schedule(this.host.tunables.delayedAckMs, this.onAckTimerFn);
    }
  }

  private deliver(data: Uint8Array): void {
    this.rcvNxt = seqAdd(this.rcvNxt, data.length);
    // No copy: segment payloads are never written after they are sent (the sender's queue
    // holds private copies), and readers that keep bytes copy them (BGP's framer does).
    const chunk = data;
    if (this.h.onData) {
      const h = this.h;
      this.host.notify(() => h.onData?.(chunk));
    } else this.pendingRx.push(chunk);
  }

  private peerFin(): void {
    const h = this.h;
    this.host.notify(() => h.onEnd?.());
    if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT1') this.state = 'CLOSING';
    else if (this.state === 'FIN_WAIT2') this.enterTimeWait();
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.clearTimers();
    this.notifyClose(undefined);
    this.stateTimer = this.host.schedule(this.host.tunables.timeWaitMs, () => this.finish(undefined));
  }

  // ---- errors and teardown ------------------------------------------------------------

  /** An ICMP error about one of our segments (tcp_v4_err). */
  icmpError(code: TcpErrno): void {
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') {
      this.finish(this.state === 'SYN_SENT' ? new TcpError(code) : undefined);
      return;
    }
    this.softError = code;
  }

  /** Lowers the MSS after an ICMP fragmentation-needed (tcp_v4_mtu_reduced) and resends. */
  pathMtu(mtu: number): void {
    const mss = Math.max(mtu - 40, 48);
    if (mss >= this.sendMss) return;
    this.sendMss = mss;
    if (seqLt(this.sndUna, this.sndNxt)) this.retransmitHead();
  }

  private clearTimers(): void {
    this.disarmRto();
    for (const id of [this.ackTimer, this.stateTimer]) if (id !== undefined) this.host.cancel(id);
    this.ackTimer = this.stateTimer = undefined;
  }

  private notifyClose(err: TcpError | undefined): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    const h = this.h;
    this.host.notify(() => h.onClose?.(err));
  }

  /** Moves to CLOSED, frees the 4-tuple and tells the owner (once). */
  finish(err: TcpError | undefined): void {
    if (this.state === 'CLOSED') return;
    const wasPassiveHalfOpen = this.state === 'SYN_RECV' && !this.closeNotified && err === undefined;
    this.state = 'CLOSED';
    this.clearTimers();
    this.host.release(this);
    if (!wasPassiveHalfOpen) this.notifyClose(err);
  }
}
