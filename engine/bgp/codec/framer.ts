/**
 * Cuts a TCP byte stream into BGP messages.
 *
 * TCP neither keeps nor respects message boundaries (FRR put three UPDATEs in one segment; a
 * large UPDATE spans several), so the transport feeds whatever chunks arrive and gets back
 * whole messages. A bad marker, length or type is a header error: the framer reports the
 * NOTIFICATION to send (1/1, 1/2, 1/3) and stops, since nothing after it can be delimited.
 */
import { checkHeader, validHeaderLength } from './messages.ts';
import { HEADER_LENGTH, type NotificationMessage } from './types.ts';

/** What one `push` produced: whole messages, then possibly the error that stopped framing. */
export interface FramerOutput {
  readonly messages: Uint8Array[];
  readonly error?: { readonly notification: NotificationMessage; readonly reason: string };
}

/** What one `pushBounds` produced: whole messages as bounds in `buf`, then possibly the error that stopped framing. */
export interface FramedBounds {
  /** A whole message completed from bytes carried over from earlier chunks: it comes first. */
  readonly head?: Uint8Array;
  readonly buf: Uint8Array;
  /** Start and end (exclusive) of each message in `buf`, in order. */
  readonly bounds: readonly number[];
  readonly error?: FramerOutput['error'];
}

/** Incremental BGP message framer; one per connection. */
export class Framer {
  private buf: Uint8Array = EMPTY;
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
    const { head, buf, bounds, error } = this.pushBounds(chunk);
    const messages: Uint8Array[] = head ? [head] : [];
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
    let at = 0;
    let head: Uint8Array | undefined;
    if (this.buf.length > 0) {
      // Complete the message carried over with the chunk's first bytes: a copy of what it
      // needs, not of the whole chunk (with small UPDATEs nearly every segment boundary cuts one).
      let carry = this.buf;
      let take = Math.min(HEADER_LENGTH - carry.length, chunk.length);
      if (take > 0) {
        carry = joined(carry, chunk, take);
        at = take;
      }
      if (carry.length < HEADER_LENGTH) {
        this.buf = carry;
        return { buf: chunk, bounds: [] };
      }
      const length = this.lengthAt(carry, 0);
      if (length < 0) return { buf: chunk, bounds: [], error: this.failed };
      take = Math.min(length - carry.length, chunk.length - at);
      if (take > 0) {
        carry = joined(carry, chunk.subarray(at), take);
        at += take;
      }
      if (carry.length < length) {
        this.buf = carry;
        return { buf: chunk, bounds: [] };
      }
      head = carry;
      this.buf = EMPTY;
    }
    const bounds: number[] = [];
    while (chunk.length - at >= HEADER_LENGTH) {
      const length = this.lengthAt(chunk, at);
      if (length < 0) return head ? { head, buf: chunk, bounds, error: this.failed } : { buf: chunk, bounds, error: this.failed };
      if (chunk.length - at < length) break;
      bounds.push(at, at + length);
      at += length;
    }
    this.buf = at === chunk.length ? EMPTY : chunk.slice(at);
    return head ? { head, buf: chunk, bounds } : { buf: chunk, bounds };
  }

  /** The length of the valid header at b[at]; -1 once its error is recorded (framing stops there). */
  private lengthAt(b: Uint8Array, at: number): number {
    const length = validHeaderLength(b, at, this.extendedMessage);
    if (length >= 0) return length;
    const h = checkHeader(b, at, { extendedMessage: this.extendedMessage });
    if (h.ok) return h.length;
    this.failed = { notification: h.notification, reason: h.reason };
    this.buf = EMPTY;
    return -1;
  }
}

const EMPTY = new Uint8Array(0);

/** `a` followed by the first `n` bytes of `b`, as a new buffer. */
function joined(a: Uint8Array, b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(a.length + n);
  out.set(a);
  out.set(b.subarray(0, n), a.length);
  return out;
}
