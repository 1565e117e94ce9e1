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
   * of the chunk, not a copy (a reflector's client frames two million UPDATEs): the chunk
   * must not be written to afterwards — TCP hands each chunk over once — and the decoder
   * copies whatever it keeps. Bytes carried over to the next chunk are copied.
   */
  push(chunk: Uint8Array): FramerOutput {
    if (this.failed) return { messages: [], error: this.failed };
    let b: Uint8Array;
    if (this.buf.length === 0) b = chunk;
    else {
      b = new Uint8Array(this.buf.length + chunk.length);
      b.set(this.buf);
      b.set(chunk, this.buf.length);
    }
    const messages: Uint8Array[] = [];
    let at = 0;
    while (b.length - at >= HEADER_LENGTH) {
      const h = checkHeader(b, at, { extendedMessage: this.extendedMessage });
      if (!h.ok) {
        this.failed = { notification: h.notification, reason: h.reason };
        this.buf = new Uint8Array(0);
        return { messages, error: this.failed };
      }
      if (b.length - at < h.length) break;
      messages.push(b.subarray(at, at + h.length));
      at += h.length;
    }
    this.buf = at === b.length ? new Uint8Array(0) : b.slice(at);
    return { messages };
  }
}
