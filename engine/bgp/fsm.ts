/**
 * The BGP finite state machine of RFC 4271 §8, pure: one function per state takes an event
 * and returns the next state, a typed reason and the actions the driver (session.ts) must
 * perform (send, connect, close, arm timers). No clock, no sockets here.
 */
import type { BgpMessage, NotificationMessage, OpenMessage } from './codec/types.ts';
import { buildOpen, checkOpen, describeNotification, isNotification, notification } from './open.ts';
import type { Negotiated, OpenConfig } from './open.ts';

/** RFC 4271 session states. */
export type State = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** Events the driver feeds to the FSM. */
export type FsmEvent =
  | { readonly type: 'Start' }
  | { readonly type: 'Stop'; readonly notification?: NotificationMessage }
  | { readonly type: 'ConnectRetryTimerExpires' }
  | { readonly type: 'HoldTimerExpires' }
  | { readonly type: 'KeepaliveTimerExpires' }
  | { readonly type: 'TcpConnected' }
  | { readonly type: 'TcpFails'; readonly error?: string }
  | { readonly type: 'OpenReceived'; readonly open: OpenMessage }
  | { readonly type: 'KeepaliveReceived' }
  | { readonly type: 'UpdateReceived' }
  | { readonly type: 'RouteRefreshReceived' }
  | { readonly type: 'NotificationReceived'; readonly notification: NotificationMessage }
  /** The codec found an error that resets the session; `notification` is what to send. */
  | { readonly type: 'MessageError'; readonly notification: NotificationMessage };

/** Why a transition happened: machine-readable kind plus human text. */
export interface Reason {
  readonly kind:
    | 'start' | 'stop' | 'connect-retry' | 'tcp-connected' | 'tcp-failed' | 'open-accepted' | 'open-rejected'
    | 'keepalive' | 'hold-expired' | 'notification-received' | 'message-error' | 'fsm-error' | 'ignored';
  readonly text: string;
  /** The NOTIFICATION sent or received, when one was. */
  readonly notification?: { readonly code: number; readonly subcode: number; readonly data?: Uint8Array; readonly sent: boolean };
}

/** Timers the FSM arms; `seconds` 0 stops the timer. */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive';

/** Side effects requested from the driver, performed in order. */
export type Action =
  | { readonly do: 'connect' }
  | { readonly do: 'send'; readonly msg: BgpMessage }
  | { readonly do: 'close' }
  | { readonly do: 'timer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly do: 'established'; readonly negotiated: Negotiated }
  | { readonly do: 'down' };

/** Static settings of one peer's FSM. */
export interface FsmConfig extends OpenConfig {
  /** ConnectRetry time in seconds (RFC suggests 120; Calico uses 5). */
  readonly connectRetry: number;
  /** Passive: never dial, only accept. */
  readonly passive: boolean;
}

/** Result of one step. */
export interface Transition {
  readonly state: State;
  readonly reason: Reason;
  readonly actions: Action[];
  /** Set when the OPEN exchange succeeded (OpenSent → OpenConfirm). */
  readonly negotiated?: Negotiated;
}

/** RFC 4271 §8.2.2: the hold timer while waiting for the OPEN. */
export const OPEN_SENT_HOLD = 240;

const stopAll: Action[] = [
  { do: 'timer', timer: 'connectRetry', seconds: 0 },
  { do: 'timer', timer: 'hold', seconds: 0 },
  { do: 'timer', timer: 'keepalive', seconds: 0 },
];

function r(kind: Reason['kind'], text: string, n?: NotificationMessage, sent = false): Reason {
  return n ? { kind, text, notification: { code: n.code, subcode: n.subcode, data: n.data, sent } } : { kind, text };
}

/** Leaves the session with a NOTIFICATION sent (when given) and the connection closed. */
function toIdle(kind: Reason['kind'], text: string, send?: NotificationMessage, wasEstablished = false, received?: NotificationMessage): Transition {
  const actions: Action[] = [];
  if (send) actions.push({ do: 'send', msg: send });
  actions.push({ do: 'close' }, ...stopAll);
  if (wasEstablished) actions.push({ do: 'down' });
  return { state: 'Idle', reason: r(kind, text, send ?? received, !!send), actions };
}

function startConnecting(cfg: FsmConfig, reason: Reason): Transition {
  const actions: Action[] = [{ do: 'timer', timer: 'connectRetry', seconds: cfg.connectRetry }];
  if (cfg.passive) return { state: 'Active', reason, actions };
  actions.push({ do: 'connect' });
  return { state: 'Connect', reason, actions };
}

function openSent(cfg: FsmConfig, reason: Reason): Transition {
  return {
    state: 'OpenSent',
    reason,
    actions: [
      { do: 'timer', timer: 'connectRetry', seconds: 0 },
      { do: 'send', msg: buildOpen(cfg) },
      { do: 'timer', timer: 'hold', seconds: OPEN_SENT_HOLD },
    ],
  };
}

const stay = (state: State, text: string, actions: Action[] = []): Transition => ({ state, reason: r('ignored', text), actions });

/** Staying Established on a received message: one frozen answer per message type, not a new one per UPDATE. */
const STAY_ON_MESSAGE: Readonly<Record<'KeepaliveReceived' | 'UpdateReceived' | 'RouteRefreshReceived', Transition>> = {
  KeepaliveReceived: frozenStay('KeepaliveReceived'),
  UpdateReceived: frozenStay('UpdateReceived'),
  RouteRefreshReceived: frozenStay('RouteRefreshReceived'),
};

function frozenStay(text: string): Transition {
  const t = stay('Established', text);
  Object.freeze(t.actions);
  Object.freeze(t.reason);
  return Object.freeze(t);
}

/** Drops the connection and waits ConnectRetry seconds in Active (RFC 4271 §8.2.2, TcpConnectionFails). */
function retryLater(cfg: FsmConfig, text: string, clearTimers = false): Transition {
  const actions: Action[] = [{ do: 'close' }, ...(clearTimers ? stopAll : []), { do: 'timer', timer: 'connectRetry', seconds: cfg.connectRetry }];
  return { state: 'Active', reason: r('tcp-failed', text), actions };
}

/** KEEPALIVE timer expiry once OPENs are exchanged: send one and re-arm. */
function sendKeepalive(state: State, negotiated: Negotiated): Transition {
  return stay(state, 'keepalive sent', [{ do: 'send', msg: { type: 'keepalive' } }, { do: 'timer', timer: 'keepalive', seconds: negotiated.keepaliveTime }]);
}

/**
 * The events OpenSent, OpenConfirm and Established answer alike, all by going to Idle: hold
 * timer expiry (4/0), a received NOTIFICATION, a codec error, Stop; `up` (Established) also
 * asks the driver to withdraw the peer's routes. Undefined when the state must decide.
 */
function afterConnect(ev: FsmEvent, up: boolean): Transition | undefined {
  switch (ev.type) {
    case 'HoldTimerExpires':
      return toIdle('hold-expired', 'hold timer expired', notification(4, 0), up);
    case 'NotificationReceived':
      return toIdle('notification-received', `received ${describeNotification(ev.notification)}`, undefined, up, ev.notification);
    case 'MessageError':
      return toIdle('message-error', `message error: ${describeNotification(ev.notification)}`, ev.notification, up);
    case 'Stop': {
      const n = ev.notification ?? notification(6, 2);
      return toIdle('stop', `stopped: ${describeNotification(n)}`, n, up);
    }
    default:
      return undefined;
  }
}

/** Idle: only Start (manual or automatic) leaves it. */
export function idle(cfg: FsmConfig, ev: FsmEvent): Transition {
  if (ev.type === 'Start' || ev.type === 'ConnectRetryTimerExpires') return startConnecting(cfg, r('start', 'started'));
  if (ev.type === 'TcpConnected') return { state: 'Idle', reason: r('ignored', 'connection refused while idle'), actions: [{ do: 'close' }] };
  return stay('Idle', `${ev.type} ignored in Idle`);
}

/** Connect and Active differ only in what ConnectRetry expiry does and how a failure reads. */
function beforeConnect(cfg: FsmConfig, ev: FsmEvent, state: 'Connect' | 'Active'): Transition {
  switch (ev.type) {
    case 'TcpConnected':
      return openSent(cfg, r('tcp-connected', 'connection established, OPEN sent'));
    case 'ConnectRetryTimerExpires':
      // Connect abandons the dial in progress and dials again; Active starts dialing (or keeps listening when passive).
      if (state === 'Active') return startConnecting(cfg, r('connect-retry', 'connect retry'));
      return { state: 'Connect', reason: r('connect-retry', 'connect retry'), actions: [{ do: 'close' }, { do: 'timer', timer: 'connectRetry', seconds: cfg.connectRetry }, { do: 'connect' }] };
    case 'TcpFails':
      return retryLater(cfg, `${state === 'Connect' ? 'connect failed' : 'connection failed'}: ${ev.error ?? 'unknown'}`);
    case 'Stop':
      return toIdle('stop', 'stopped');
    case 'Start':
      return stay(state, 'already started');
    default:
      return toIdle('fsm-error', `${ev.type} in ${state}`);
  }
}

/** Connect: dialing; success sends OPEN, failure falls back to Active (listening). */
export function connect(cfg: FsmConfig, ev: FsmEvent): Transition {
  return beforeConnect(cfg, ev, 'Connect');
}

/** Active: waiting for the peer to connect (or for ConnectRetry to dial again). */
export function active(cfg: FsmConfig, ev: FsmEvent): Transition {
  return beforeConnect(cfg, ev, 'Active');
}

/** OpenSent: our OPEN is out; the peer's OPEN is checked and negotiated here. */
export function openSentState(cfg: FsmConfig, ev: FsmEvent): Transition {
  const common = afterConnect(ev, false);
  if (common) return common;
  switch (ev.type) {
    case 'OpenReceived': {
      const res = checkOpen(cfg, ev.open);
      if (isNotification(res)) return toIdle('open-rejected', `OPEN rejected: ${describeNotification(res)}`, res);
      const actions: Action[] = [{ do: 'send', msg: { type: 'keepalive' } }, { do: 'timer', timer: 'hold', seconds: res.holdTime }];
      if (res.keepaliveTime > 0) actions.push({ do: 'timer', timer: 'keepalive', seconds: res.keepaliveTime });
      return { state: 'OpenConfirm', reason: r('open-accepted', `OPEN accepted, hold time ${res.holdTime}`), actions, negotiated: res };
    }
    case 'TcpFails':
      return retryLater(cfg, `connection lost: ${ev.error ?? 'closed'}`, true);
    case 'Start':
      return stay('OpenSent', 'already started');
    case 'ConnectRetryTimerExpires':
    case 'KeepaliveTimerExpires':
      return stay('OpenSent', `${ev.type} ignored`);
    default:
      return toIdle('fsm-error', `${ev.type} in OpenSent`, notification(5, 1));
  }
}

/** OpenConfirm: OPENs exchanged, waiting for the peer's KEEPALIVE. */
export function openConfirm(_cfg: FsmConfig, ev: FsmEvent, negotiated: Negotiated): Transition {
  const common = afterConnect(ev, false);
  if (common) return common;
  switch (ev.type) {
    case 'KeepaliveReceived':
      return {
        state: 'Established',
        reason: r('keepalive', 'KEEPALIVE received'),
        actions: [{ do: 'timer', timer: 'hold', seconds: negotiated.holdTime }, { do: 'established', negotiated }],
      };
    case 'KeepaliveTimerExpires':
      return sendKeepalive('OpenConfirm', negotiated);
    case 'TcpFails':
      return toIdle('tcp-failed', `connection lost: ${ev.error ?? 'closed'}`);
    case 'Start':
    case 'ConnectRetryTimerExpires':
      return stay('OpenConfirm', `${ev.type} ignored`);
    default:
      return toIdle('fsm-error', `${ev.type} in OpenConfirm`, notification(5, 2));
  }
}

/** Established: UPDATEs and KEEPALIVEs flow; the hold timer watches the peer. */
export function established(_cfg: FsmConfig, ev: FsmEvent, negotiated: Negotiated): Transition {
  const common = afterConnect(ev, true);
  if (common) return common;
  switch (ev.type) {
    case 'KeepaliveReceived':
    case 'UpdateReceived':
    case 'RouteRefreshReceived':
      // The driver re-arms the hold timer on every received message (cheaper than a timer action per UPDATE).
      return STAY_ON_MESSAGE[ev.type];
    case 'KeepaliveTimerExpires':
      return sendKeepalive('Established', negotiated);
    case 'TcpFails':
      return toIdle('tcp-failed', `connection lost: ${ev.error ?? 'closed'}`, undefined, true);
    case 'Start':
    case 'ConnectRetryTimerExpires':
      return stay('Established', `${ev.type} ignored`);
    default:
      return toIdle('fsm-error', `${ev.type} in Established`, notification(5, 3), true);
  }
}

/** Dispatches an event to the current state's function. */
export function step(cfg: FsmConfig, state: State, ev: FsmEvent, negotiated?: Negotiated): Transition {
  switch (state) {
    case 'Idle': return idle(cfg, ev);
    case 'Connect': return connect(cfg, ev);
    case 'Active': return active(cfg, ev);
    case 'OpenSent': return openSentState(cfg, ev);
    case 'OpenConfirm': return openConfirm(cfg, ev, negotiated!);
    case 'Established': return established(cfg, ev, negotiated!);
  }
}
