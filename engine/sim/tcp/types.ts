/**
 * Types of the simulated TCP: connection states (RFC 9293 §3.3.2 names, and the names `ss`
 * prints), socket errors carrying errno names and strerror texts (what BIRD's "Socket: …"
 * line and the BGP FSM show), and the tunables Linux exposes as sysctls.
 */

/** RFC 9293 connection states. */
export type TcpState =
  | 'CLOSED' | 'LISTEN' | 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2'
  | 'CLOSE_WAIT' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';

/** The state column of `ss` (iproute2 sstate_name). */
export const SS_STATE: Record<TcpState, string> = {
  CLOSED: 'UNCONN', LISTEN: 'LISTEN', SYN_SENT: 'SYN-SENT', SYN_RECV: 'SYN-RECV', ESTABLISHED: 'ESTAB',
  FIN_WAIT1: 'FIN-WAIT-1', FIN_WAIT2: 'FIN-WAIT-2', CLOSE_WAIT: 'CLOSE-WAIT', CLOSING: 'CLOSING',
  LAST_ACK: 'LAST-ACK', TIME_WAIT: 'TIME-WAIT',
};

/** errno names a TCP socket reports. */
export type TcpErrno =
  | 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'EHOSTDOWN'
  | 'ENOPROTOOPT' | 'EOPNOTSUPP' | 'EACCES' | 'EINVAL' | 'EPERM' | 'ENETDOWN' | 'EMSGSIZE'
  | 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'EAFNOSUPPORT' | 'EPIPE';

/** glibc strerror() texts (what `strerror(errno)` prints on Linux). */
export const STRERROR: Record<TcpErrno, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EHOSTDOWN: 'Host is down',
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EPERM: 'Operation not permitted',
  ENETDOWN: 'Network is down',
  EMSGSIZE: 'Message too long',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPIPE: 'Broken pipe',
};

/** A socket error: `code` is the errno name, `message` the strerror text. */
export class TcpError extends Error {
  override name = 'TcpError';
  constructor(readonly code: TcpErrno) {
    super(STRERROR[code]);
  }
}

/** Tunables, with Linux's defaults (net.ipv4.tcp_* sysctls and tcp.h constants). */
export interface TcpTunables {
  /** tcp_syn_retries: SYN retransmissions before ETIMEDOUT (6 → 127 s with a 1 s initial RTO). */
  synRetries: number;
  /** tcp_synack_retries: SYN-ACK retransmissions before a half-open child is dropped. */
  synackRetries: number;
  /**
   * tcp_syncookies (default 1): when a listener's SYN queue is full, answer with a SYN cookie
   * instead of dropping the SYN (0: drop, and the client retries after its 1 s initial RTO).
   */
  syncookies: number;
  /** tcp_retries2: data retransmissions before ETIMEDOUT (counted, not Linux's time bound). */
  retries2: number;
  /** TCP_TIMEOUT_INIT: RTO before any RTT sample, ms. */
  initialRtoMs: number;
  /** TCP_RTO_MIN / TCP_RTO_MAX, ms. */
  minRtoMs: number;
  maxRtoMs: number;
  /** TCP_DELACK_MIN: how long an ACK may wait for data to ride on, ms. */
  delayedAckMs: number;
  /** TCP_TIMEWAIT_LEN (2MSL), ms. */
  timeWaitMs: number;
  /** tcp_fin_timeout: how long FIN-WAIT-2 waits for the peer's FIN, ms. */
  finTimeoutMs: number;
  /** The receive window we advertise (fixed: applications consume data as it arrives). */
  receiveWindow: number;
}

/** Linux defaults. */
export const DEFAULT_TUNABLES: Readonly<TcpTunables> = {
  synRetries: 6,
  synackRetries: 5,
  syncookies: 1,
  retries2: 15,
  initialRtoMs: 1000,
  minRtoMs: 200,
  maxRtoMs: 120_000,
  delayedAckMs: 40,
  timeWaitMs: 60_000,
  finTimeoutMs: 60_000,
  receiveWindow: 64240,
};

/** What a connected socket tells its owner. All optional; set them at connect or accept time. */
export interface TcpHandlers {
  /** The 3-way handshake completed (active open). */
  onConnect?: () => void;
  /** In-order bytes arrived. */
  onData?: (chunk: Uint8Array) => void;
  /** The peer sent FIN: no more data will arrive. */
  onEnd?: () => void;
  /** The socket is finished: `err` set when it died (refused, reset, timed out, unreachable). */
  onClose?: (err?: TcpError) => void;
}
