/**
 * The BGP speaker's edges inside the simulator: a `Transport` of byte streams carried by the
 * simulated kernel's TCP (engine/sim/tcp), and a `Clock` over the world's virtual clock. A
 * `Speaker` given these runs unchanged on a simulated node: it listens on tcp/179 of that
 * node, dials its peers through the node's routing table and netfilter, and its hold,
 * keepalive and connect-retry timers run in virtual time.
 *
 * Stream semantics follow node:net with allowHalfOpen=false, as transport-tcp.ts does: when
 * the peer's FIN arrives we close our side too; `close()` flushes and sends FIN; errors
 * (refused, reset, timed out, unreachable) reach onClose/connect with strerror texts
 * ("Connection refused", "No route to host", "Connection timed out").
 */
import type { ByteStream, Clock as BgpClock, ConnectCallback, Endpoint, Listener, SpeakerConfig, Transport } from '../../bgp/index.ts';
import { Speaker, wireCodec } from '../../bgp/index.ts';
import { formatIPv4, isIPv4, parseIPv4 } from '../../net/ip.ts';
import type { Clock } from '../../sim/clock.ts';
import type { Kernel } from '../../sim/kernel.ts';
import { tcpStack, TcpError } from '../../sim/tcp/index.ts';
import type { TcpSocket } from '../../sim/tcp/index.ts';

/** IPTOS_PREC_INTERNETCONTROL: BIRD marks its BGP sockets with it (sk->tos in proto/bgp). */
export const BGP_TOS = 0xc0;

/** Options of the simulated transport. */
export interface SimTransportOptions {
  /** IP TOS byte of BGP segments (default 0xc0, as BIRD). */
  tos?: number;
  /** Process name `ss -p` shows for these sockets. */
  owner?: string;
  /** tcp_syn_retries for dials (default the kernel's, 6). */
  synRetries?: number;
}

/** The speaker's Clock over the simulator's virtual clock. */
export function simClock(clock: Clock): BgpClock {
  return {
    now: () => clock.nowMs(),
    setTimer: (ms, fn) => {
      const id = clock.schedule(ms, fn);
      return () => clock.cancel(id);
    },
  };
}

function streamOf(sock: TcpSocket, later: (fn: () => void) => void): ByteStream {
  let dataFn: ((c: Uint8Array) => void) | undefined;
  let closeFn: ((err?: Error) => void) | undefined;
  let done: { err?: Error } | undefined;
  // Bytes that arrived before the owner registered, delivered on a later event so that
  // registering (inside the session's attach) never re-enters the session.
  const early: Uint8Array[] = [];
  const drain = (): void => {
    while (early.length > 0 && dataFn) dataFn(early.shift()!);
    if (done && closeFn) { const fn = closeFn; closeFn = undefined; fn(done.err); }
  };
  sock.setHandlers({
    onData: (c) => { if (dataFn && early.length === 0) dataFn(c); else early.push(c); },
    onEnd: () => sock.end(),
    onClose: (err) => {
      done = err ? { err } : {};
      if (early.length > 0) return; // drain() reports it after the data
      const fn = closeFn;
      closeFn = undefined;
      fn?.(err);
    },
  });
  return {
    local: { address: formatIPv4(sock.localAddress), port: sock.localPort },
    remote: { address: formatIPv4(sock.remoteAddress), port: sock.remotePort },
    // Held by reference, as node:net holds a written buffer until it is sent (transport-tcp.ts
    // passes it on the same way): the speaker never changes bytes it wrote — UPDATEs encoded
    // once go to every peer of a class — so a copy per peer and write bought nothing.
    write: (data) => { sock.write(data, false); },
    close: () => sock.end(),
    onData: (fn) => {
      dataFn = fn;
      if (early.length > 0) later(drain);
    },
    onClose: (fn) => {
      closeFn = fn;
      if (done) later(drain);
    },
  };
}

/** A Transport whose connections are TCP sockets of the simulated node `k`. */
export function simTransport(k: Kernel, opts: SimTransportOptions = {}): Transport {
  const stack = tcpStack(k);
  const tos = opts.tos ?? BGP_TOS;
  const owner = opts.owner ? { owner: opts.owner } : {};
  const later = (fn: () => void): void => { k.clock.schedule(0, fn); };
  return {
    connect(remote: Endpoint, localAddress: string | undefined, cb: ConnectCallback): () => void {
      let settled = false;
      const settle = (err: Error | null, s?: ByteStream): void => {
        if (settled) return;
        settled = true;
        cb(err, s);
      };
      if (!isIPv4(remote.address) || (localAddress !== undefined && localAddress !== '' && !isIPv4(localAddress))) {
        later(() => settle(new TcpError('EAFNOSUPPORT')));
        return () => { settled = true; };
      }
      const src = localAddress && localAddress !== '0.0.0.0' ? { src: parseIPv4(localAddress) } : {};
      const sock: TcpSocket = stack.connect(
        { dst: parseIPv4(remote.address), port: remote.port, tos, ...src, ...owner, ...(opts.synRetries !== undefined ? { synRetries: opts.synRetries } : {}) },
        {
          onConnect: () => settle(null, streamOf(sock, later)),
          onClose: (err) => settle(err ?? new TcpError('ECONNRESET')),
        },
      );
      return () => {
        if (settled) return;
        settled = true;
        sock.destroy();
      };
    },

    listen(local: Endpoint, onConn: (s: ByteStream) => void, onError?: (err: Error) => void): Listener {
      const any = local.address === '' || local.address === '0.0.0.0' || local.address === '::';
      try {
        if (!any && !isIPv4(local.address)) throw new TcpError('EAFNOSUPPORT');
        const l = stack.listen({ port: local.port, tos, ...owner, ...(any ? {} : { addr: parseIPv4(local.address) }) }, (s) => onConn(streamOf(s, later)));
        return { local: { address: any ? '0.0.0.0' : local.address, port: local.port }, close: () => l.close() };
      } catch (e) {
        if (!(e instanceof TcpError)) throw e;
        later(() => onError?.(e));
        return { local, close: () => {} };
      }
    },
  };
}

/** A BGP Speaker living on simulated node `k` (not started: call `start()`). */
export function simSpeaker(k: Kernel, config: SpeakerConfig, opts: SimTransportOptions & { prefixEvents?: boolean } = {}): Speaker {
  return new Speaker(config, {
    clock: simClock(k.clock),
    transport: simTransport(k, opts),
    codec: wireCodec,
    ...(opts.prefixEvents !== undefined ? { prefixEvents: opts.prefixEvents } : {}),
  });
}
