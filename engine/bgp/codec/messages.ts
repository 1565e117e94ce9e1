/**
 * Whole messages: the 19-byte header (RFC 4271 §4.1) around each body, `encodeMessage` and
 * `decodeMessage`. Bytes in, bytes out; the session context (`CodecOptions`) says what the
 * two OPENs negotiated.
 */
import { ByteReader, ByteWriter, getU16 } from './bytes.ts';
import { ERR_HEADER, ERR_ROUTE_REFRESH, notification, SUBCODE } from './notification.ts';
import { readOpen, writeOpen } from './open.ts';
import { knownUpdate, readUpdate, writeUpdate } from './update.ts';
import {
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MSG_KEEPALIVE,
  MSG_NOTIFICATION,
  MSG_OPEN,
  MSG_ROUTE_REFRESH,
  MSG_UPDATE,
  type BgpMessage,
  type CodecOptions,
  type DecodeOutcome,
  type NotificationMessage,
  type RouteRefreshMessage,
} from './types.ts';

const TYPE_CODES: Record<BgpMessage['type'], number> = {
  open: MSG_OPEN,
  update: MSG_UPDATE,
  notification: MSG_NOTIFICATION,
  keepalive: MSG_KEEPALIVE,
  'route-refresh': MSG_ROUTE_REFRESH,
};

/** Smallest legal length per message type (KEEPALIVE and ROUTE-REFRESH are fixed). */
const MIN_LENGTH: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

const RR_SUBTYPES = ['request', 'borr', 'eorr'] as const;

/** Largest message this session may carry; OPEN and KEEPALIVE never exceed 4096 (RFC 8654). */
export function maxMessageLength(type: number, opts: Pick<CodecOptions, 'extendedMessage'>): number {
  return opts.extendedMessage && type !== MSG_OPEN && type !== MSG_KEEPALIVE ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/**
 * The length field of a valid header at b[at] (marker, type, length within the type's and the
 * session's limits), or -1 when checkHeader would report a problem — the same rules with no
 * object made: the framer and the decoder run this on every message.
 */
export function validHeaderLength(b: Uint8Array, at: number, extendedMessage: boolean | undefined): number {
  for (let i = 0; i < 16; i++) if (b[at + i] !== 0xff) return -1;
  const length = getU16(b, at + 16);
  const type = b[at + 18]!;
  if (type < MSG_OPEN || type > MSG_ROUTE_REFRESH) return -1;
  const max = extendedMessage && type !== MSG_OPEN && type !== MSG_KEEPALIVE ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  const min = MIN_LENGTH[type]!;
  if (length < min || length > max || ((type === MSG_KEEPALIVE || type === MSG_ROUTE_REFRESH) && length !== min)) return -1;
  return length;
}

/** Header problems → NOTIFICATION 1/x; shared by the framer and `decodeMessage`. */
export function checkHeader(
  b: Uint8Array,
  at: number,
  opts: Pick<CodecOptions, 'extendedMessage'>,
): { ok: true; length: number; type: number } | { ok: false; notification: NotificationMessage; reason: string } {
  for (let i = 0; i < 16; i++) {
    if (b[at + i] !== 0xff) {
      return { ok: false, notification: notification(ERR_HEADER, SUBCODE.HEADER_NOT_SYNCHRONIZED), reason: 'marker is not 16 bytes of 0xff' };
    }
  }
  const length = getU16(b, at + 16);
  const type = b[at + 18]!;
  if (type < MSG_OPEN || type > MSG_ROUTE_REFRESH) {
    return { ok: false, notification: notification(ERR_HEADER, SUBCODE.HEADER_BAD_TYPE, new Uint8Array([type])), reason: `message type ${type}` };
  }
  const max = maxMessageLength(type, opts);
  const min = MIN_LENGTH[type]!;
  const fixed = type === MSG_KEEPALIVE || type === MSG_ROUTE_REFRESH;
  if (length < min || length > max || (fixed && length !== min)) {
    // RFC 7313 §5: a ROUTE-REFRESH of the wrong length gets its own error, with the message.
    if (type === MSG_ROUTE_REFRESH && length >= HEADER_LENGTH && length <= max) {
      return { ok: false, notification: notification(ERR_ROUTE_REFRESH, SUBCODE.ROUTE_REFRESH_INVALID_LENGTH, b.slice(at, at + length)), reason: `ROUTE-REFRESH length ${length}` };
    }
    return { ok: false, notification: notification(ERR_HEADER, SUBCODE.HEADER_BAD_LENGTH, b.slice(at + 16, at + 18)), reason: `length ${length} for message type ${type}` };
  }
  return { ok: true, length, type };
}

/** Encodes a message with its header; throws RangeError if it exceeds the session's limit. */
export function encodeMessage(m: BgpMessage, opts: CodecOptions): Uint8Array {
  const b = encodeUnchecked(m, opts);
  const max = maxMessageLength(TYPE_CODES[m.type], opts);
  if (b.length > max) throw new RangeError(`${m.type} message is ${b.length} bytes, more than the ${max} this session allows`);
  return b;
}

/** Encodes messages back to back into one buffer (one write for a burst of UPDATEs); throws like encodeMessage. */
export function encodeMessages(msgs: readonly BgpMessage[], opts: CodecOptions): Uint8Array {
  const w = new ByteWriter(Math.max(64, msgs.length * 64));
  for (const m of msgs) {
    const start = w.length;
    writeMessage(w, m, opts);
    const len = w.length - start;
    const max = maxMessageLength(TYPE_CODES[m.type], opts);
    if (len > max) throw new RangeError(`${m.type} message is ${len} bytes, more than the ${max} this session allows`);
  }
  return w.finish();
}

/** The encoded size of a message, even one too large for the session (to decide on splitting). */
export function messageLength(m: BgpMessage, opts: CodecOptions): number {
  return encodeUnchecked(m, opts).length;
}

function encodeUnchecked(m: BgpMessage, opts: CodecOptions): Uint8Array {
  const w = new ByteWriter(m.type === 'update' ? 128 : 64);
  writeMessage(w, m, opts);
  return w.finish();
}

/** Appends one message, header included, at the writer's end. */
function writeMessage(w: ByteWriter, m: BgpMessage, opts: CodecOptions): void {
  const start = w.length;
  for (let i = 0; i < 16; i++) w.u8(0xff);
  w.u16(0).u8(TYPE_CODES[m.type]);
  switch (m.type) {
    case 'open':
      writeOpen(w, m);
      break;
    case 'update':
      writeUpdate(w, m, opts);
      break;
    case 'notification':
      w.u8(m.code).u8(m.subcode).bytes(m.data);
      break;
    case 'keepalive':
      break;
    case 'route-refresh': {
      const sub = typeof m.subtype === 'number' ? m.subtype : RR_SUBTYPES.indexOf(m.subtype);
      w.u16(m.afi).u8(sub).u8(m.safi);
      break;
    }
  }
  // Lengths above 65535 cannot be written; encodeMessage reports them, messageLength measures.
  w.patchU16(start + 16, Math.min(w.length - start, 0xffff));
}

/** Decodes exactly one message (header included); protocol errors come back as outcomes. */
export function decodeMessage(bytes: Uint8Array, opts: CodecOptions): DecodeOutcome {
  return decodeMessageAt(bytes, 0, bytes.length, opts);
}

/**
 * Decodes the one message in buf[start, end) (header included), as decodeMessage decodes a
 * copy of those bytes: a framer hands a segment's messages over as bounds in it, no view made
 * per message (a reflector's client frames two million UPDATEs).
 */
export function decodeMessageAt(buf: Uint8Array, start: number, end: number, opts: CodecOptions): DecodeOutcome {
  const n = end - start;
  if (n < HEADER_LENGTH) {
    const note = notification(ERR_HEADER, SUBCODE.HEADER_BAD_LENGTH, new Uint8Array([n >> 8, n & 0xff]));
    return { kind: 'session-reset', notification: note, problems: [{ action: 'session-reset', code: 1, subcode: 2, reason: `only ${n} bytes` }] };
  }
  let length = validHeaderLength(buf, start, opts.extendedMessage);
  if (length < 0) {
    const h = checkHeader(buf, start, opts);
    if (!h.ok) return headerFailure(h.notification, h.reason);
    length = h.length;
  }
  if (length !== n) {
    return headerFailure(notification(ERR_HEADER, SUBCODE.HEADER_BAD_LENGTH, buf.slice(start + 16, start + 18)), `length field ${length} but ${n} bytes given`);
  }
  const type = buf[start + 18];
  if (type === MSG_UPDATE) {
    // The common case, bytes decoded before (a reflected route at every client): no reader made.
    const known = knownUpdate(buf, start + HEADER_LENGTH, end, opts);
    if (known) return known;
  }
  const r = new ByteReader(buf, start + HEADER_LENGTH, end);
  switch (type) {
    case MSG_OPEN:
      return readOpen(r);
    case MSG_UPDATE:
      return readUpdate(r, opts);
    case MSG_NOTIFICATION: {
      const code = r.u8();
      const subcode = r.u8();
      return { kind: 'ok', message: notification(code, subcode, r.bytes(r.remaining)) };
    }
    case MSG_KEEPALIVE:
      return { kind: 'ok', message: { type: 'keepalive' } };
    default: {
      const afi = r.u16();
      const sub = r.u8();
      const safi = r.u8();
      const message: RouteRefreshMessage = { type: 'route-refresh', afi, safi, subtype: RR_SUBTYPES[sub] ?? sub };
      return { kind: 'ok', message };
    }
  }
}

function headerFailure(n: NotificationMessage, reason: string): DecodeOutcome {
  return { kind: 'session-reset', notification: n, problems: [{ action: 'session-reset', code: n.code, subcode: n.subcode, reason }] };
}
