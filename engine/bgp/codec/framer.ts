/**
 * Cuts a TCP byte stream into BGP messages.
 *
 * TCP neither keeps nor respects message boundaries (FRR put three UPDATEs in one segment; a
 * large UPDATE spans several), so the transport feeds whatever chunks arrive and gets back
 * whole messages. A bad marker, length or type is a header error: the framer reports the
 * NOTIFICATION to send (1/1, 1/2, 1/3) and stops, since nothing after it can be delimited.
 */
import { checkHeader } from './messages.ts';
import { HEADER_LENGTH, type NotificationMessage } from './types.ts';

/** What one `push` produced: whole messages, then possibly the error that stopped framing. */
export interface FramerOutput {
  readonly messages: Uint8Array[];
  readonly error?: { readonly notification: NotificationMessage; readonly reason: string };
}

/** What one `pushBounds` produced: whole messages as bounds in `buf`, then possibly the error that stopped framing. */
export interface FramedBounds {
  readonly buf: Uint8Array;
  /** Start and end (exclusive) of each message in `buf`, in order. */
  readonly bounds: readonly number[];
  readonly error?: FramerOutput['error'];
}

/** Incremental BGP message framer; one per connection. */
export class Framer {
  private buf = new Uint8Array(0);
  private failed: FramerOutput['error'];
  private extendedMessage: boolean;

  constructor(opts: { extendedMessage?: boolean } = {}) {
    this.extendedMessage = !!opts.extendedMessage;
  }

  /** Allow 65535-byte messages once both OPENs carried Extended Message (RFC 8654). */
  setExtendedMessage(on: boolean): void {
    this.extendedMessage = on;
  }

  /** Bytes received but not yet part of a whole message. */
  get buffered(): number {
    return this.buf.length;
  }

  /**
   * Feeds a chunk; returns every message it completes, with its header. A message is a view
   * of the chunk, not a copy: the chunk must not be written to afterwards — TCP hands each
   * chunk over once — and the decoder copies whatever it keeps. Bytes carried over to the next
   * chunk are copied.
   */
  push(chunk: Uint8Array): FramerOutput {
    const { buf, bounds, error } = this.pushBounds(chunk);
    const messages: Uint8Array[] = [];
    for (let i = 0; i < bounds.length; i += 2) messages.push(buf.subarray(bounds[i]!, bounds[i + 1]!));
    return error ? { messages, error } : { messages };
  }

  /**
   * As push, with the messages as bounds in one buffer — message i is buf[bounds[2i],
   * bounds[2i + 1]) — rather than a view each (a reflector's client frames two million
   * UPDATEs; decodeMessageAt reads them in place). The same rules for the buffer hold.
   */
  pushBounds(chunk: Uint8Array): FramedBounds {
    if (this.failed) return { buf: chunk, bounds: [], error: this.failed };
    let b: Uint8Array;
    if (this.buf.length === 0) b = chunk;
    else {
      b = new Uint8Array(this.buf.length + chunk.length);
      b.set(this.buf);
      b.set(chunk, this.buf.length);
    }
    const bounds: number[] = [];
    let at = 0;
    while (b.length - at >= HEADER_LENGTH) {
      const h = checkHeader(b, at, { extendedMessage: this.extendedMessage });
      if (!h.ok) {
        this.failed = { notification: h.notification, reason: h.reason };
        this.buf = new Uint8Array(0);
        return { buf: b, bounds, error: this.failed };
      }
      if (b.length - at < h.length) break;
      bounds.push(at, at + h.length);
      at += h.length;
    }
    this.buf = at === b.length ? new Uint8Array(0) : b.slice(at);
    return { buf: b, bounds };
  }
}
