/**
 * The driver of one peer's FSM: owns the connection, the timers and the framing, feeds
 * events to fsm.ts and performs the actions it returns. Also resolves connection collisions
 * (RFC 4271 §6.8) by running a second handshake and keeping the connection opened by the
 * speaker with the higher BGP id. Clock, transport and codec are injected.
 */
import type { CancelTimer, Clock } from './clock.ts';
import type { BgpMessage, CodecOptions, DecodeOutcome, NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from './codec/types.ts';
import { Framer } from './codec/index.ts';
import { step } from './fsm.ts';
import type { Action, FsmConfig, FsmEvent, Reason, State, TimerName } from './fsm.ts';
import { OPEN_SENT_HOLD } from './fsm.ts';
import { buildOpen, notification } from './open.ts';
import type { Negotiated } from './open.ts';
import type { ByteStream, Transport } from './transport.ts';

/** The wire codec as the session uses it (engine/bgp/codec provides it). */
export interface WireCodec {
  encode(msg: BgpMessage, opts: CodecOptions): Uint8Array;
  /** Optional: many messages into one buffer (the same bytes as encode, concatenated). */
  encodeMany?(msgs: readonly BgpMessage[], opts: CodecOptions): Uint8Array;
  decode(frame: Uint8Array, opts: CodecOptions): DecodeOutcome;
  /** Optional: decode(buf.subarray(start, end), opts) without the view. */
  decodeAt?(buf: Uint8Array, start: number, end: number, opts: CodecOptions): DecodeOutcome;
}

/** Settings of one session. */
export interface SessionConfig extends FsmConfig {
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly localAddress?: string;
  /** Seconds to stay Idle after an error before starting again. */
  readonly idleHold: number;
}

/** What the session reports to its owner (the speaker). */
export interface SessionHooks {
  state(from: State, to: State, reason: Reason): void;
  established(n: Negotiated, stream: ByteStream): void;
  down(reason: Reason): void;
  update(msg: UpdateMessage, treatAsWithdraw: boolean): void;
  routeRefresh(msg: RouteRefreshMessage): void;
  /** Optional trace of every message sent/received (debugging, the UI). */
  message?(dir: 'in' | 'out', msg: BgpMessage): void;
}

/** The events of received messages carry nothing: one object each, not one per message. */
const KEEPALIVE_RECEIVED: FsmEvent = Object.freeze({ type: 'KeepaliveReceived' });
const UPDATE_RECEIVED: FsmEvent = Object.freeze({ type: 'UpdateReceived' });
const ROUTE_REFRESH_RECEIVED: FsmEvent = Object.freeze({ type: 'RouteRefreshReceived' });

interface Candidate {
  stream: ByteStream;
  framer: Framer;
}

/** One BGP session (one configured peer). */
export class Session {
  state: State = 'Idle';
  negotiated: Negotiated | undefined;
  /** Last transition's reason (for `show protocols`). */
  lastReason: Reason = { kind: 'ignored', text: 'configured' };
  /** Clock time of the last state change. */
  since: number;
  private stream: ByteStream | undefined;
  private outgoing = false;
  private framer = new Framer();
  private timers: Record<TimerName, CancelTimer | undefined> = { connectRetry: undefined, hold: undefined, keepalive: undefined };
  private holdMs = 0;
  private lastRx = 0;
  private cancelDial: (() => void) | undefined;
  private idleTimer: CancelTimer | undefined;
  private adminUp = false;
  private candidate: Candidate | undefined;
  private opts: CodecOptions = { as4: false };

  constructor(
    readonly cfg: SessionConfig,
    private readonly clock: Clock,
    private readonly transport: Transport,
    private readonly codec: WireCodec,
    private readonly hooks: SessionHooks,
  ) {
    this.since = clock.now();
  }

  /** Administratively enables the session (ManualStart). */
  start(): void {
    this.adminUp = true;
    this.feed({ type: 'Start' });
  }

  /** Administratively disables it, sending `n` (default Cease/2 administrative shutdown). */
  stop(n: NotificationMessage = notification(6, 2)): void {
    this.adminUp = false;
    this.idleTimer?.();
    this.idleTimer = undefined;
    this.feed({ type: 'Stop', notification: n });
  }

  /** True when routes can be exchanged. */
  get isEstablished(): boolean {
    return this.state === 'Established';
  }

  /** Sends a message on the established connection. */
  send(msg: BgpMessage): void {
    if (!this.stream) return;
    this.hooks.message?.('out', msg);
    this.stream.write(this.codec.encode(msg, this.opts));
  }

  /** Sends many messages as one write (fewer syscalls for bulk UPDATEs). */
  sendMany(msgs: BgpMessage[]): void {
    if (!this.stream || msgs.length === 0) return;
    if (this.codec.encodeMany) {
      if (this.hooks.message) for (const m of msgs) this.hooks.message('out', m);
      this.stream.write(this.codec.encodeMany(msgs, this.opts));
      return;
    }
    const parts = msgs.map((m) => {
      this.hooks.message?.('out', m);
      return this.codec.encode(m, this.opts);
    });
    let total = 0;
    for (const p of parts) total += p.length;
    const buf = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { buf.set(p, at); at += p.length; }
    this.stream.write(buf);
  }

  /** True when every message is reported to a trace hook (then bytes must be sent through send/sendMany). */
  get tracesMessages(): boolean {
    return this.hooks.message !== undefined;
  }

  /** Sends messages already encoded for this session's options (UPDATEs a speaker shares between peers). */
  sendEncoded(bytes: Uint8Array): void {
    if (!this.stream || bytes.length === 0) return;
    this.stream.write(bytes);
  }

  /** Hands over an incoming connection from this peer's address. */
  accept(s: ByteStream): void {
    if (!this.adminUp) {
      s.write(this.codec.encode(notification(6, 5), this.opts));
      s.close();
      return;
    }
    switch (this.state) {
      case 'Idle':
        this.idleTimer?.();
        this.idleTimer = undefined;
        this.feed({ type: 'Start' });
        this.adopt(s, false);
        return;
      case 'Connect':
      case 'Active':
        this.adopt(s, false);
        return;
      case 'OpenSent':
      case 'OpenConfirm':
        if (this.candidate) { s.close(); return; }
        this.startCandidate(s);
        return;
      case 'Established':
        s.write(this.codec.encode(notification(6, 7), this.opts));
        s.close();
        return;
    }
  }

  private adopt(s: ByteStream, outgoing: boolean): void {
    this.cancelDial?.();
    this.cancelDial = undefined;
    this.attach(s, outgoing);
    this.feed({ type: 'TcpConnected' });
  }

  private attach(s: ByteStream, outgoing: boolean): void {
    this.stream = s;
    this.outgoing = outgoing;
    this.framer = new Framer();
    this.opts = { as4: false };
    s.onData((chunk) => { if (this.stream === s) this.receive(chunk); });
    s.onClose((err) => { if (this.stream === s) this.feed({ type: 'TcpFails', error: err?.message ?? 'connection closed by peer' }); });
  }

  private receive(chunk: Uint8Array): void {
    this.lastRx = this.clock.now();
    const { head, buf, bounds, error } = this.framer.pushBounds(chunk);
    const s = this.stream;
    if (head) this.handle(this.codec.decode(head, this.opts));
    const codec = this.codec;
    for (let i = 0; i < bounds.length; i += 2) {
      if (this.stream !== s) return;
      const start = bounds[i]!;
      const end = bounds[i + 1]!;
      this.handle(codec.decodeAt ? codec.decodeAt(buf, start, end, this.opts) : codec.decode(buf.subarray(start, end), this.opts));
    }
    // A header error stops framing; the messages before it were still valid and handled.
    if (error && this.stream === s) this.feed({ type: 'MessageError', notification: error.notification });
  }

  private handle(out: DecodeOutcome): void {
    if (out.kind === 'session-reset') {
      this.feed({ type: 'MessageError', notification: out.notification });
      return;
    }
    const msg = out.message;
    this.hooks.message?.('in', msg);
    switch (msg.type) {
      case 'open':
        this.feed({ type: 'OpenReceived', open: msg });
        return;
      case 'keepalive':
        this.feed(KEEPALIVE_RECEIVED);
        return;
      case 'notification':
        this.feed({ type: 'NotificationReceived', notification: msg });
        return;
      case 'update':
        if (this.state === 'Established') this.hooks.update(msg, out.kind === 'treat-as-withdraw');
        this.feed(UPDATE_RECEIVED);
        return;
      case 'route-refresh':
        if (this.state === 'Established') this.hooks.routeRefresh(msg);
        this.feed(ROUTE_REFRESH_RECEIVED);
        return;
    }
  }

  /** Runs one FSM step and performs its actions. */
  private feed(ev: FsmEvent): void {
    const t = step(this.cfg, this.state, ev, this.negotiated);
    if (t.negotiated) {
      this.negotiated = t.negotiated;
      this.opts = { as4: t.negotiated.as4 };
    }
    const from = this.state;
    this.state = t.state;
    if (from !== t.state) {
      this.lastReason = t.reason;
      this.since = this.clock.now();
      this.hooks.state(from, t.state, t.reason);
    }
    // Indexed: the FSM's actions are often a frozen constant, and for-of over a frozen array allocates per element.
    const actions = t.actions;
    for (let i = 0; i < actions.length; i++) this.perform(actions[i]!, t.reason);
    if (t.state === 'Idle' && from !== 'Idle') {
      this.negotiated = undefined;
      this.dropCandidate();
      if (this.adminUp) this.idleTimer = this.clock.setTimer(this.cfg.idleHold * 1000, () => { this.idleTimer = undefined; this.feed({ type: 'Start' }); });
    }
    if ((t.state === 'Active' || t.state === 'Connect') && this.candidate) this.dropCandidate();
  }

  private perform(a: Action, reason: Reason): void {
    switch (a.do) {
      case 'connect': {
        this.cancelDial?.();
        this.cancelDial = this.transport.connect({ address: this.cfg.peerAddress, port: this.cfg.peerPort }, this.cfg.localAddress, (err, s) => {
          this.cancelDial = undefined;
          if (err || !s) { this.feed({ type: 'TcpFails', error: err?.message }); return; }
          if (this.state !== 'Connect' && this.state !== 'Active') { s.close(); return; }
          this.adopt(s, true);
        });
        return;
      }
      case 'send':
        this.send(a.msg);
        return;
      case 'close': {
        this.cancelDial?.();
        this.cancelDial = undefined;
        const s = this.stream;
        this.stream = undefined;
        s?.close();
        return;
      }
      case 'timer':
        this.arm(a.timer, a.seconds);
        return;
      case 'established':
        this.framer.setExtendedMessage(false);
        this.hooks.established(a.negotiated, this.stream!);
        return;
      case 'down':
        this.hooks.down(reason);
        return;
    }
  }

  private arm(name: TimerName, seconds: number): void {
    this.timers[name]?.();
    this.timers[name] = undefined;
    if (seconds <= 0) return;
    if (name === 'hold') {
      // Re-armed lazily: every received message moves lastRx, the timer checks it on expiry.
      this.holdMs = seconds * 1000;
      this.lastRx = this.clock.now();
      const check = (): void => {
        const left = this.holdMs - (this.clock.now() - this.lastRx);
        // Virtual times are fractional: a remainder below the clock's resolution would re-arm at the same instant forever.
        if (left > 0.001) { this.timers.hold = this.clock.setTimer(left, check); return; }
        this.timers.hold = undefined;
        this.feed({ type: 'HoldTimerExpires' });
      };
      this.timers.hold = this.clock.setTimer(this.holdMs, check);
      return;
    }
    const ev: FsmEvent = name === 'connectRetry' ? { type: 'ConnectRetryTimerExpires' } : { type: 'KeepaliveTimerExpires' };
    this.timers[name] = this.clock.setTimer(seconds * 1000, () => { this.timers[name] = undefined; this.feed(ev); });
  }

  // --- connection collision (RFC 4271 §6.8) ---------------------------------------------

  private startCandidate(s: ByteStream): void {
    const c: Candidate = { stream: s, framer: new Framer() };
    this.candidate = c;
    s.write(this.codec.encode(buildOpen(this.cfg), { as4: false }));
    s.onClose(() => { if (this.candidate === c) this.candidate = undefined; });
    s.onData((chunk) => {
      if (this.candidate !== c) return;
      const { messages: frames, error } = c.framer.push(chunk);
      if (error) { this.dropCandidate(); return; }
      for (let i = 0; i < frames.length; i++) {
        const out = this.codec.decode(frames[i]!, { as4: false });
        if (out.kind === 'ok' && out.message.type === 'open') {
          this.resolveCollision(c, out.message);
          // Messages behind the OPEN in the same chunk belong to whichever connection survived.
          for (const rest of frames.slice(i + 1)) if (this.stream === s) this.handle(this.codec.decode(rest, this.opts));
          return;
        }
      }
    });
  }

  private resolveCollision(c: Candidate, open: OpenMessage): void {
    const localWins = this.cfg.routerId >>> 0 > open.bgpId >>> 0;
    // Keep the connection opened by the higher id: ours (outgoing) if we win, theirs if they do.
    const keepNew = !localWins && this.outgoing && this.state !== 'Established';
    const cease = this.codec.encode(notification(6, 7), this.opts);
    if (!keepNew) {
      this.candidate = undefined;
      c.stream.write(cease);
      c.stream.close();
      return;
    }
    const old = this.stream;
    this.stream = undefined;
    old?.write(cease);
    old?.close();
    this.candidate = undefined;
    const from = this.state;
    this.negotiated = undefined;
    this.state = 'OpenSent';
    this.attach(c.stream, false);
    this.framer = c.framer;
    this.arm('keepalive', 0);
    this.arm('hold', OPEN_SENT_HOLD);
    if (from !== 'OpenSent') {
      this.lastReason = { kind: 'tcp-connected', text: 'connection collision: kept the peer\'s connection (higher BGP id)' };
      this.hooks.state(from, 'OpenSent', this.lastReason);
    }
    this.feed({ type: 'OpenReceived', open });
  }

  private dropCandidate(): void {
    const c = this.candidate;
    this.candidate = undefined;
    c?.stream.close();
  }
}
