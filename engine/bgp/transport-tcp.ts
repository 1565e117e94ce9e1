/** ByteStream/Transport over node:net TCP sockets: the real-network edge of the speaker. */
import * as net from 'node:net';
import type { ByteStream, ConnectCallback, Endpoint, Listener, Transport } from './transport.ts';

function wrap(sock: net.Socket): ByteStream {
  let closeFn: ((err?: Error) => void) | undefined;
  let closedErr: Error | undefined;
  let closed = false;
  sock.setNoDelay(true);
  sock.on('error', (e) => { closedErr = e; });
  sock.on('close', () => {
    closed = true;
    closeFn?.(closedErr);
  });
  const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
  const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
  return {
    local,
    remote,
    write(data) { if (!sock.destroyed && sock.writable) sock.write(data); },
    close() { if (!sock.destroyed) sock.end(); setTimeout(() => sock.destroy(), 2000).unref(); },
    onData(fn) { sock.on('data', (b: Buffer) => fn(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))); },
    onClose(fn) {
      closeFn = fn;
      if (closed) fn(closedErr);
    },
  };
}

/** A Transport of real TCP connections. */
export function tcpTransport(): Transport {
  return {
    connect(remote: Endpoint, localAddress: string | undefined, cb: ConnectCallback) {
      let done = false;
      const opts: net.NetConnectOpts = { host: remote.address, port: remote.port };
      if (localAddress) (opts as net.TcpNetConnectOpts).localAddress = localAddress;
      const sock = net.connect(opts);
      sock.once('connect', () => {
        if (done) return;
        done = true;
        cb(null, wrap(sock));
      });
      sock.once('error', (e) => {
        if (done) return;
        done = true;
        sock.destroy();
        cb(e);
      });
      return () => {
        if (!done) { done = true; sock.destroy(); }
      };
    },
    listen(local: Endpoint, onConn: (s: ByteStream) => void, onError?: (err: Error) => void): Listener {
      const server = net.createServer((sock) => onConn(wrap(sock)));
      server.on('error', (e) => onError?.(e));
      server.listen({ host: local.address, port: local.port });
      return {
        get local() {
          const a = server.address();
          return a && typeof a === 'object' ? { address: a.address, port: a.port } : local;
        },
        close: () => server.close(),
      };
    },
  };
}
