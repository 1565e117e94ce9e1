/**
 * The byte-stream seam between the speaker and whatever carries TCP: node:net sockets
 * (transport-tcp.ts), an in-memory pipe (transport-memory.ts) or the simulator's TCP.
 * Callbacks rather than promises so a virtual clock stays in control of ordering.
 */

/** One end of an address/port pair. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A connected, ordered, reliable byte stream (one TCP connection). */
export interface ByteStream {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** Queues bytes for sending; ignored after close. */
  write(data: Uint8Array): void;
  /** Flushes what was written, then closes (TCP FIN). */
  close(): void;
  /** Registers the receiver of incoming chunks (arbitrary segmentation). */
  onData(fn: (chunk: Uint8Array) => void): void;
  /** Registers the callback for the stream ending, by either side or an error. */
  onClose(fn: (err?: Error) => void): void;
}

/** A listening socket; close() stops accepting. */
export interface Listener {
  readonly local: Endpoint;
  close(): void;
}

/** Outcome callback of an outgoing connection attempt. */
export type ConnectCallback = (err: Error | null, stream?: ByteStream) => void;

/** Opens and accepts byte streams. */
export interface Transport {
  /** Dials remote; `cb` runs once. Returns a function that abandons the attempt. */
  connect(remote: Endpoint, localAddress: string | undefined, cb: ConnectCallback): () => void;
  /** Accepts connections on local; `onError` reports a failed bind. */
  listen(local: Endpoint, onConn: (s: ByteStream) => void, onError?: (err: Error) => void): Listener;
}
