/**
 * OPEN message body (RFC 4271 §4.2) and the helpers around it.
 *
 * Peers pack capabilities two ways: all in one optional parameter (BIRD, GoBGP, ExaBGP) or one
 * per parameter (FRR). Both decode to the same capability list; `packing` remembers FRR's form
 * so a received OPEN re-encodes byte for byte. We always send all-in-one.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { readCapabilities, writeCapability } from './capabilities.ts';
import { ERR_OPEN, notification, SUBCODE } from './notification.ts';
import { AS_TRANS, BGP_VERSION, type Capability, type DecodeOutcome, type OpenMessage } from './types.ts';

const OPT_PARAM_CAPABILITIES = 2;

/** Writes the OPEN body (after the header). */
export function writeOpen(w: ByteWriter, m: OpenMessage): void {
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).u32(m.bgpId);
  const params = new ByteWriter(128);
  if (m.packing === 'one-per-param') {
    for (const c of m.capabilities) {
      const one = new ByteWriter(32);
      writeCapability(one, c);
      const v = one.finish();
      params.u8(OPT_PARAM_CAPABILITIES).u8(v.length).bytes(v);
    }
  } else if (m.capabilities.length > 0) {
    const all = new ByteWriter(128);
    for (const c of m.capabilities) writeCapability(all, c);
    const v = all.finish();
    if (v.length > 255) throw new RangeError(`capabilities take ${v.length} bytes, more than one parameter holds`);
    params.u8(OPT_PARAM_CAPABILITIES).u8(v.length).bytes(v);
  }
  const p = params.finish();
  if (p.length > 255) throw new RangeError(`optional parameters take ${p.length} bytes (max 255)`);
  w.u8(p.length).bytes(p);
}

/** Reads an OPEN body from [r.pos, r.end); OPEN errors come back as session-reset 2/x. */
export function readOpen(r: ByteReader): DecodeOutcome {
  const fail = (subcode: number, reason: string, data?: Uint8Array): DecodeOutcome => ({
    kind: 'session-reset',
    notification: notification(ERR_OPEN, subcode, data),
    problems: [{ action: 'session-reset', code: ERR_OPEN, subcode, reason }],
  });
  // The header check guarantees at least 10 body bytes.
  const version = r.u8();
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = r.u32();
  const optLen = r.u8();
  if (version !== BGP_VERSION) {
    // RFC 4271 §6.2: the data is the largest locally supported version number (2 bytes).
    return fail(SUBCODE.OPEN_UNSUPPORTED_VERSION, `version ${version}, only 4 is supported`, new Uint8Array([0, BGP_VERSION]));
  }
  if (optLen !== r.remaining) return fail(0, `optional parameters length ${optLen} but ${r.remaining} bytes follow`);
  if (holdTime === 1 || holdTime === 2) return fail(SUBCODE.OPEN_UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} (must be 0 or >= 3)`);
  if (bgpId === 0) return fail(SUBCODE.OPEN_BAD_BGP_ID, 'BGP identifier 0.0.0.0');
  const capabilities: Capability[] = [];
  let params = 0;
  while (r.remaining > 0) {
    if (r.remaining < 2) return fail(0, 'truncated optional parameter');
    const type = r.u8();
    const len = r.u8();
    if (len > r.remaining) return fail(0, `optional parameter length ${len} overruns the message`);
    const value = r.bytes(len);
    if (type !== OPT_PARAM_CAPABILITIES) {
      return fail(SUBCODE.OPEN_UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type} is not supported`);
    }
    const caps = readCapabilities(value);
    if (!caps) return fail(0, 'capability length overruns its optional parameter');
    params++;
    capabilities.push(...caps);
  }
  const base = { type: 'open' as const, version, myAs, holdTime, bgpId, capabilities };
  // Remember FRR's packing only when it is exactly one capability per parameter.
  const message: OpenMessage = params > 1 && params === capabilities.length ? { ...base, packing: 'one-per-param' } : base;
  return { kind: 'ok', message };
}

/** The speaker's real AS: the 4-octet capability's value when present, else My AS. */
export function openAsn(m: OpenMessage): number {
  for (const c of m.capabilities) if (c.kind === 'as4') return c.asn;
  return m.myAs;
}

/** Finds the first capability of a kind in an OPEN. */
export function findCapability<K extends Capability['kind']>(
  m: OpenMessage,
  kind: K,
): Extract<Capability, { kind: K }> | undefined {
  return m.capabilities.find((c): c is Extract<Capability, { kind: K }> => c.kind === kind);
}

/**
 * Builds the OPEN a speaker sends: My AS is AS_TRANS for ASNs above 65535 and a 4-octet AS
 * capability carrying the real ASN is appended unless the caller listed one (or passed
 * `as4: false` to act as an old 2-octet speaker).
 */
export function buildOpen(p: {
  asn: number;
  holdTime: number;
  bgpId: number;
  capabilities?: readonly Capability[];
  as4?: boolean;
}): OpenMessage {
  const caps = [...(p.capabilities ?? [])];
  if (p.as4 !== false && !caps.some((c) => c.kind === 'as4')) caps.push({ kind: 'as4', asn: p.asn >>> 0 });
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: p.asn > 0xffff ? AS_TRANS : p.asn,
    holdTime: p.holdTime,
    bgpId: p.bgpId >>> 0,
    capabilities: caps,
  };
}
