/**
 * TCP for the simulated kernel, public API.
 *
 * `listen(kernel, {addr?, port}, onAccept)` and `connect(kernel, {dst, port, src?}, handlers)`
 * open sockets whose segments travel the node's real IPv4 output path (routing, netfilter,
 * MTU, captures), in virtual time. Sockets offer `write`, `end` (FIN), `destroy` (RST),
 * `setHandlers({onConnect, onData, onEnd, onClose})`, `state` and their addresses. Importing
 * this module registers `ss` as a node command.
 */
import { parseIPv4 } from '../../net/ip.ts';
import type { IPv4 } from '../../net/ip.ts';
import type { Kernel } from '../kernel.ts';
import { registerTool } from '../tools/exec.ts';
import { runSs } from './ss.ts';
import { existingTcpStack, tcpStack } from './stack.ts';
import type { ConnectOptions, ListenOptions, TcpListener } from './stack.ts';
import type { TcpSocket } from './socket.ts';
import type { TcpHandlers } from './types.ts';

export { TcpStack, TcpListener, tcpStack, existingTcpStack, EPHEMERAL_FIRST, EPHEMERAL_LAST } from './stack.ts';
export type { ConnectOptions, ListenOptions, SocketRow } from './stack.ts';
export { TcpSocket } from './socket.ts';
export type { SocketOptions } from './socket.ts';
export { TcpError, STRERROR, SS_STATE, DEFAULT_TUNABLES } from './types.ts';
export type { TcpState, TcpErrno, TcpTunables, TcpHandlers } from './types.ts';
export { RtoEstimator } from './rto.ts';
export { runSs } from './ss.ts';
export { seqLt, seqLe, seqAdd, seqDiff, mssOption, parseMss, ByteQueue } from './seq.ts';

type Addr = IPv4 | string;
const ip = (a: Addr): IPv4 => (typeof a === 'string' ? parseIPv4(a) : a);

/** Opens a listening socket on a node (throws TcpError EADDRINUSE/EADDRNOTAVAIL). */
export function listen(k: Kernel, o: Omit<ListenOptions, 'addr'> & { addr?: Addr }, onAccept: (s: TcpSocket) => void): TcpListener {
  const { addr, ...rest } = o;
  return tcpStack(k).listen({ ...rest, ...(addr !== undefined ? { addr: ip(addr) } : {}) }, onAccept);
}

/** Starts a connection from a node; success → onConnect, any failure → onClose(err). */
export function connect(k: Kernel, o: Omit<ConnectOptions, 'dst' | 'src'> & { dst: Addr; src?: Addr }, handlers: TcpHandlers = {}): TcpSocket {
  const { dst, src, ...rest } = o;
  return tcpStack(k).connect({ ...rest, dst: ip(dst), ...(src !== undefined ? { src: ip(src) } : {}) }, handlers);
}

/** `ss ARGS` on a node, as text (what the registered node command prints). */
export function ss(k: Kernel, args: readonly string[]): string {
  return runSs(existingTcpStack(k)?.sockets() ?? [], args).stdout;
}

registerTool('ss', (k, args) => runSs(existingTcpStack(k)?.sockets() ?? [], args));
