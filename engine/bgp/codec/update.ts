/**
 * UPDATE message body (RFC 4271 §4.3) with RFC 7606 error handling.
 *
 * Decoding collects every problem with the action RFC 7606 assigns to it and reports the
 * strongest: session-reset (the NLRI cannot be located or parsed: withdrawn or total attribute
 * length overruns the message, NLRI unparseable, MP_(UN)REACH repeated or malformed, an
 * unrecognised well-known attribute), treat-as-withdraw (a malformed attribute that shapes the
 * route, a missing mandatory one, an attribute overrunning the attribute list — RFC 7606 §4;
 * escalated to session-reset when the UPDATE announces nothing, §5.2), attribute-discard (AGGREGATOR, ATOMIC_AGGREGATE, AS4_*, later duplicates).
 */
import { normalizeAs4, toTwoOctet } from './as4.ts';
import { ATTRIBUTE_TABLE, canonicalFlags, writeAttribute } from './attributes.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { BytesCache, hashBytes } from './bytes-cache.ts';
import { readNlri4, writeNlri4 } from './nlri.ts';
import { ERR_UPDATE, notification, SUBCODE } from './notification.ts';
import {
  ATTR,
  FLAG_EXTENDED_LENGTH,
  FLAG_OPTIONAL,
  FLAG_TRANSITIVE,
  type CodecOptions,
  type DecodeOutcome,
  type DecodeProblem,
  type ErrorAction,
  type PathAttribute,
  type UpdateMessage,
} from './types.ts';

const RANK: Record<ErrorAction, number> = { 'attribute-discard': 1, 'treat-as-withdraw': 2, 'session-reset': 3 };

/**
 * Encoded path attribute sections, per attribute list (by identity) and AS4 mode. A speaker
 * sends one attribute list to many peers and in many UPDATEs (a route reflector repeats each
 * reflected route to every client): encoding it once is what BIRD's bucket cache does too.
 * Only without ADD-PATH, whose MP_REACH NLRI encoding depends on the session.
 */
const ENCODED_ATTRS = new WeakMap<readonly PathAttribute[], [as2?: Uint8Array, as4?: Uint8Array]>();

function attributeSection(attributes: readonly PathAttribute[], opts: CodecOptions): Uint8Array {
  const w = new ByteWriter(64);
  for (const a of opts.as4 ? attributes : toTwoOctet(attributes)) writeAttribute(w, a, opts);
  if (w.length > 0xffff) throw new RangeError(`path attributes take ${w.length} bytes (max 65535)`);
  return w.finish();
}

/** Writes the UPDATE body; on a 2-octet session 4-octet ASNs go through AS_TRANS + AS4_PATH. */
export function writeUpdate(w: ByteWriter, m: UpdateMessage, opts: CodecOptions): void {
  const addPath4 = !!opts.addPath?.ipv4;
  const wdAt = w.length;
  w.u16(0);
  writeNlri4(w, m.withdrawn, addPath4);
  w.patchU16(wdAt, w.length - wdAt - 2);
  let section: Uint8Array;
  if (opts.addPath || m.attributes.length === 0) section = attributeSection(m.attributes, opts);
  else {
    let cached = ENCODED_ATTRS.get(m.attributes);
    if (!cached) ENCODED_ATTRS.set(m.attributes, (cached = []));
    section = cached[opts.as4 ? 1 : 0] ??= attributeSection(m.attributes, opts);
  }
  w.u16(section.length);
  w.bytes(section);
  writeNlri4(w, m.nlri, addPath4);
}

/** The result of decoding one attribute section without problems, shared by every UPDATE that carries the same bytes. */
interface DecodedSection {
  readonly attributes: PathAttribute[];
  readonly seen: Set<number>;
}

/**
 * Decoding is a pure function of the bytes and of the options that shape it (4-octet AS,
 * ADD-PATH per family), and a reflected route reaches every client with the same bytes:
 * decoded results are kept by byte content and handed out again, never mutated. Only clean
 * results (no RFC 7606 problem) are kept, so error handling always runs on the real bytes.
 *
 * Two levels: whole UPDATE bodies up to WHOLE_MAX_BYTES (a reflected best-path change: one
 * attribute set, a prefix or a few; the message object itself is shared, frozen), and
 * attribute sections up to SECTION_MAX_BYTES (a large UPDATE's NLRI are decoded each time,
 * its attribute list is shared with every UPDATE carrying the same section).
 */
const DECODED_UPDATES = new BytesCache<DecodeOutcome>(1 << 15);
const WHOLE_MAX_BYTES = 512;
const DECODED_SECTIONS = new BytesCache<DecodedSection>(1 << 16);
const SECTION_MAX_BYTES = 512;

function optionsSalt(opts: CodecOptions): number {
  return (opts.as4 ? 1 : 0) | (opts.addPath?.ipv4 ? 2 : 0) | (opts.addPath?.ipv6 ? 4 : 0);
}

/** The shared decoding of an UPDATE body buf[start, end) seen before, if any (readUpdate's first step, without a reader). */
export function knownUpdate(buf: Uint8Array, start: number, end: number, opts: CodecOptions): DecodeOutcome | undefined {
  if (end - start > WHOLE_MAX_BYTES) return undefined;
  const salt = optionsSalt(opts);
  return DECODED_UPDATES.get(hashBytes(buf, start, end, salt), buf, start, end, salt);
}

/** Reads an UPDATE body from [r.pos, r.end). */
export function readUpdate(r: ByteReader, opts: CodecOptions): DecodeOutcome {
  const start = r.pos;
  const end = r.end;
  const known = knownUpdate(r.buf, start, end, opts);
  if (known) {
    r.pos = end;
    return known;
  }
  const out = readUpdateBody(r, opts);
  if (end - start <= WHOLE_MAX_BYTES && out.kind === 'ok' && out.message.type === 'update') {
    const m = out.message;
    for (const p of m.withdrawn) Object.freeze(p);
    for (const p of m.nlri) Object.freeze(p);
    Object.freeze(m.withdrawn);
    Object.freeze(m.nlri);
    const shared: DecodeOutcome = Object.freeze({ kind: 'ok', message: Object.freeze(m) });
    const salt = optionsSalt(opts);
    DECODED_UPDATES.set(hashBytes(r.buf, start, end, salt), r.buf, start, end, salt, shared);
    return shared;
  }
  return out;
}

function readUpdateBody(r: ByteReader, opts: CodecOptions): DecodeOutcome {
  const problems: (DecodeProblem & { data?: Uint8Array })[] = [];
  const reset = (subcode: number, reason: string, data?: Uint8Array): DecodeOutcome => {
    const p = { action: 'session-reset' as const, code: ERR_UPDATE, subcode, reason };
    return { kind: 'session-reset', notification: notification(ERR_UPDATE, subcode, data), problems: [...problems, p] };
  };
  const addPath4 = !!opts.addPath?.ipv4;

  if (r.remaining < 2) return reset(SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, 'no withdrawn routes length');
  const wdLen = r.u16();
  if (wdLen + 2 > r.remaining) return reset(SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, `withdrawn routes length ${wdLen} overruns the message`);
  const wd = readNlri4(new ByteReader(r.buf, r.pos, r.pos + wdLen), addPath4);
  if (!wd.ok) return reset(SUBCODE.UPDATE_INVALID_NETWORK, `withdrawn routes: ${wd.reason}`);
  r.pos += wdLen;
  const attrLen = r.u16();
  if (attrLen > r.remaining) return reset(SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, `total path attribute length ${attrLen} overruns the message`);
  const attrEnd = r.pos + attrLen;

  const cacheable = attrLen > 0 && attrLen <= SECTION_MAX_BYTES;
  const salt = cacheable ? optionsSalt(opts) : 0;
  const hash = cacheable ? hashBytes(r.buf, r.pos, attrEnd, salt) : 0;
  const sectionStart = r.pos;
  const known = cacheable ? DECODED_SECTIONS.get(hash, r.buf, sectionStart, attrEnd, salt) : undefined;
  const attributes: PathAttribute[] = known ? known.attributes : [];
  const seen = known ? known.seen : new Set<number>();
  if (known) r.pos = attrEnd;
  while (r.pos < attrEnd) {
    const start = r.pos;
    // RFC 7606 §4: an attribute header or length that does not fit the attribute area is a
    // framing error inside it; Total Path Attribute Length still locates the NLRI, so the
    // UPDATE is treat-as-withdraw (as BIRD and GoBGP do), not a reset.
    const framing = (reason: string): void => {
      problems.push({ action: 'treat-as-withdraw', code: ERR_UPDATE, subcode: SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, reason });
      r.pos = attrEnd;
    };
    if (attrEnd - r.pos < 3) {
      framing(`${attrEnd - r.pos} stray bytes at the end of the attribute list`);
      break;
    }
    const flags = r.u8();
    const code = r.u8();
    const ext = (flags & FLAG_EXTENDED_LENGTH) !== 0;
    if (ext && attrEnd - r.pos < 2) {
      framing(`attribute ${code}: truncated extended length`);
      break;
    }
    const len = ext ? r.u16() : r.u8();
    if (len > attrEnd - r.pos) {
      framing(`attribute ${code} length ${len} overruns the attribute list (${attrEnd - r.pos} bytes left)`);
      break;
    }
    const value = r.bytes(len);
    const whole = r.buf.slice(start, r.pos);
    const desc = ATTRIBUTE_TABLE.get(code);

    if (seen.has(code)) {
      if (code === ATTR.MP_REACH_NLRI || code === ATTR.MP_UNREACH_NLRI) {
        return reset(SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, `attribute ${code} appears twice`);
      }
      problems.push({ action: 'attribute-discard', code: ERR_UPDATE, subcode: SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, attrCode: code, reason: `attribute ${code} repeated; later copy discarded` });
      continue;
    }
    seen.add(code);

    if (!desc) {
      if (!(flags & FLAG_OPTIONAL)) return reset(SUBCODE.UPDATE_UNRECOGNIZED_WELL_KNOWN, `unrecognised well-known attribute ${code}`, whole);
      const a: PathAttribute = { kind: 'unknown', code, flags: flags & ~FLAG_EXTENDED_LENGTH, value };
      attributes.push(withWireFlags(a, flags, len));
      continue;
    }
    if ((flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== desc.flags) {
      const p = { action: desc.onError, code: ERR_UPDATE, subcode: SUBCODE.UPDATE_ATTRIBUTE_FLAGS, attrCode: code, reason: `${desc.name} flags 0x${flags.toString(16)}, expected 0x${desc.flags.toString(16)}`, data: whole };
      if (desc.onError === 'session-reset') return reset(p.subcode, p.reason, whole);
      problems.push(p);
      continue;
    }
    const res = desc.decode(value, opts);
    if (!res.ok) {
      if (desc.onError === 'session-reset') return reset(res.subcode, res.reason, whole);
      problems.push({ action: desc.onError, code: ERR_UPDATE, subcode: res.subcode, attrCode: code, reason: res.reason, data: whole });
      continue;
    }
    attributes.push(withWireFlags(res.attr, flags, len));
  }
  if (cacheable && !known && problems.length === 0) DECODED_SECTIONS.set(hash, r.buf, sectionStart, attrEnd, salt, { attributes, seen });

  const nl = readNlri4(r, addPath4);
  if (!nl.ok) return reset(SUBCODE.UPDATE_INVALID_NETWORK, `NLRI: ${nl.reason}`);
  const message: UpdateMessage = { type: 'update', withdrawn: wd.value, attributes, nlri: nl.value };

  // RFC 7606 §3(d): mandatory attributes are checked only when the UPDATE announces something.
  const reach = seen.has(ATTR.MP_REACH_NLRI);
  if (nl.value.length > 0 || reach) {
    const required = nl.value.length > 0 ? [ATTR.ORIGIN, ATTR.AS_PATH, ATTR.NEXT_HOP] : [ATTR.ORIGIN, ATTR.AS_PATH];
    for (const code of required) {
      if (!seen.has(code)) {
        problems.push({ action: 'treat-as-withdraw', code: ERR_UPDATE, subcode: SUBCODE.UPDATE_MISSING_WELL_KNOWN, attrCode: code, reason: `missing mandatory attribute ${ATTRIBUTE_TABLE.get(code)!.name}`, data: new Uint8Array([code]) });
      }
    }
  }
  if (problems.length === 0) return { kind: 'ok', message };
  const worst = problems.reduce((a, b) => (RANK[b.action] > RANK[a.action] ? b : a));
  // RFC 7606 §5.2 (BIRD does the same): treat-as-withdraw needs reachable NLRI to act on; an
  // UPDATE with none (no NLRI, no MP_REACH) whose attributes are broken resets the session.
  if (worst.action === 'treat-as-withdraw' && nl.value.length === 0 && !reach) {
    return reset(SUBCODE.UPDATE_MALFORMED_ATTRIBUTE_LIST, `${worst.reason} (and the UPDATE carries no NLRI)`);
  }
  const plain: DecodeProblem[] = problems.map(({ data: _d, ...p }) => p);
  return { kind: worst.action as 'attribute-discard' | 'treat-as-withdraw', message, problems: plain };
}

function withWireFlags(a: PathAttribute, flags: number, len: number): PathAttribute {
  return flags === canonicalFlags(a, len) ? a : { ...a, wireFlags: flags };
}

/** The real attributes of a received UPDATE (RFC 6793 merge / AS4_* removal, see as4.ts). */
export function effectiveAttributes(m: UpdateMessage, opts: CodecOptions): PathAttribute[] {
  return normalizeAs4(m.attributes, opts);
}
