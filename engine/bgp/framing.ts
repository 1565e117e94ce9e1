/**
 * Splits a TCP byte stream into BGP messages (RFC 4271 §4.1): 16-byte marker, 2-byte length,
 * 1-byte type. Peers pack several messages per segment and split messages across segments,
 * so framing is on the stream, never on chunks.
 */
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './codec/types.ts';

/** A framing failure: the NOTIFICATION code/subcode/data to send before closing. */
export interface FramingError {
  readonly code: 1;
  readonly subcode: 1 | 2;
  readonly data: Uint8Array;
}

/** Accumulates chunks and yields whole messages. */
export class MessageFramer {
  private buf = new Uint8Array(0);
  private maxLength = MAX_MESSAGE_LENGTH;

  /** Allows messages up to 65535 bytes (Extended Message negotiated). */
  allowExtended(on: boolean): void {
    this.maxLength = on ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** Feeds a chunk; returns the complete messages (views into a private buffer) or an error. */
  push(chunk: Uint8Array): Uint8Array[] | FramingError {
    const data = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const out: Uint8Array[] = [];
    let at = 0;
    while (data.length - at >= HEADER_LENGTH) {
      for (let i = 0; i < 16; i++) {
        if (data[at + i] !== 0xff) return { code: 1, subcode: 1, data: new Uint8Array(0) };
      }
      const len = (data[at + 16]! << 8) | data[at + 17]!;
      if (len < HEADER_LENGTH || len > this.maxLength) return { code: 1, subcode: 2, data: new Uint8Array([data[at + 16]!, data[at + 17]!]) };
      if (data.length - at < len) break;
      out.push(data.subarray(at, at + len));
      at += len;
    }
    // Keep the tail; copy when it is a view into a caller's buffer we must not hold on to.
    this.buf = at === data.length ? new Uint8Array(0) : data.slice(at);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}

/** True when a push() result is an error. */
export function isFramingError(x: Uint8Array[] | FramingError): x is FramingError {
  return !Array.isArray(x);
}
