/**
 * In-memory byte streams: a tiny "network" of listeners keyed by address:port. Used by unit
 * tests (with a fake clock), the route-reflector bench, and as a model for the simulator.
 * Delivery is deferred (never re-entrant) and order-preserving per direction.
 */
import type { ByteStream, ConnectCallback, Endpoint, Listener, Transport } from './transport.ts';

/** How deferred work is scheduled: queueMicrotask by default, or a fake clock's 0 ms timer. */
export type Defer = (fn: () => void) => void;

class MemoryEnd implements ByteStream {
  peer!: MemoryEnd;
  private dataFn: ((c: Uint8Array) => void) | undefined;
  private closeFn: ((err?: Error) => void) | undefined;
  private inbox: Uint8Array[] = [];
  private scheduled = false;
  private closed = false;
  private peerClosed = false;
  private closeNotified = false;

  constructor(readonly local: Endpoint, readonly remote: Endpoint, private readonly defer: Defer) {}

  write(data: Uint8Array): void {
    if (this.closed || this.peer.closed) return;
    // Copy: the writer may reuse its buffer once write() returns, as with a real socket.
    this.peer.receive(data.slice());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.remoteClosed();
    this.notifyClose();
  }

  onData(fn: (chunk: Uint8Array) => void): void {
    this.dataFn = fn;
    this.kick();
  }

  onClose(fn: (err?: Error) => void): void {
    this.closeFn = fn;
    if (this.closed && !this.closeNotified) this.notifyClose();
  }

  /** Drops the connection without flushing (like a RST). */
  reset(): void {
    this.inbox = [];
    this.close();
  }

  private receive(data: Uint8Array): void {
    this.inbox.push(data);
    this.kick();
  }

  private remoteClosed(): void {
    this.peerClosed = true;
    this.kick();
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      if (!this.dataFn && !this.peerClosed) return;
      while (this.inbox.length > 0 && !this.closed && this.dataFn) this.dataFn(this.inbox.shift()!);
      if (this.peerClosed && this.inbox.length === 0 && !this.closed) {
        this.closed = true;
        this.notifyClose();
      }
    });
  }

  private notifyClose(): void {
    if (this.closeNotified || !this.closeFn) return;
    this.closeNotified = true;
    const fn = this.closeFn;
    this.defer(() => fn());
  }
}

/** A set of in-memory listeners; connect() to a listening endpoint yields a connected pair. */
export class MemoryNetwork implements Transport {
  private listeners = new Map<string, (s: ByteStream) => void>();
  private nextPort = 40000;
  private readonly defer: Defer;

  constructor(opts: { defer?: Defer } = {}) {
    this.defer = opts.defer ?? ((fn) => queueMicrotask(fn));
  }

  /** Connects to a listener; refused (ECONNREFUSED-like error) when none is bound there. */
  connect(remote: Endpoint, localAddress: string | undefined, cb: ConnectCallback): () => void {
    let cancelled = false;
    this.defer(() => {
      if (cancelled) return;
      const accept = this.listeners.get(`${remote.address}:${remote.port}`);
      if (!accept) {
        cb(new Error(`connect ECONNREFUSED ${remote.address}:${remote.port}`));
        return;
      }
      const local = { address: localAddress ?? '0.0.0.0', port: this.nextPort++ };
      const a = new MemoryEnd(local, remote, this.defer);
      const b = new MemoryEnd(remote, local, this.defer);
      a.peer = b;
      b.peer = a;
      accept(b);
      cb(null, a);
    });
    return () => { cancelled = true; };
  }

  /** Binds a listener; a second bind on the same endpoint reports EADDRINUSE. */
  listen(local: Endpoint, onConn: (s: ByteStream) => void, onError?: (err: Error) => void): Listener {
    const key = `${local.address}:${local.port}`;
    if (this.listeners.has(key)) {
      onError?.(new Error(`listen EADDRINUSE ${key}`));
      return { local, close: () => {} };
    }
    this.listeners.set(key, onConn);
    return { local, close: () => { if (this.listeners.get(key) === onConn) this.listeners.delete(key); } };
  }
}

/** Two connected in-memory streams without a listener (for FSM unit tests). */
export function memoryPair(a: Endpoint, b: Endpoint, defer: Defer = (fn) => queueMicrotask(fn)): [ByteStream, ByteStream] {
  const x = new MemoryEnd(a, b, defer);
  const y = new MemoryEnd(b, a, defer);
  x.peer = y;
  y.peer = x;
  return [x, y];
}
