/**
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) for IPv4 and IPv6 unicast (RFC 2545 next hops).
 *
 * IPv6 next hops are 16 bytes (global) or 32 (global + link-local, what BIRD sends on a
 * shared subnet). Other AFI/SAFIs, and IPv4 with a non-4-byte next hop (RFC 8950), are kept
 * as raw bytes so that they re-encode unchanged; we never negotiate them.
 */
import { formatIPv4 } from '../../net/ip.ts';
import { ByteReader, ByteWriter, getU32 } from './bytes.ts';
import { formatIPv6Bytes, parseIPv6Bytes } from './ipv6.ts';
import { readNlri4, readNlri6, writeNlri4, writeNlri6 } from './nlri.ts';
import { formatPrefix } from './prefix-text.ts';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type CodecOptions, type MpReachAttr, type MpUnreachAttr } from './types.ts';

type Result<T> = { ok: true; attr: T } | { ok: false; reason: string };

/** Decodes an MP_REACH_NLRI value. */
export function decodeMpReach(v: Uint8Array, opts: CodecOptions): Result<MpReachAttr> {
  if (v.length < 5) return { ok: false, reason: `MP_REACH_NLRI length ${v.length} < 5` };
  const r = new ByteReader(v);
  const afi = r.u16();
  const safi = r.u8();
  const nhLen = r.u8();
  if (r.remaining < nhLen + 1) return { ok: false, reason: `next hop length ${nhLen} overruns the attribute` };
  const nhStart = r.pos;
  r.pos += nhLen;
  r.u8(); // Reserved (formerly SNPA count): ignored on receipt, RFC 4760 §3.
  if (afi === AFI_IPV6 && safi === SAFI_UNICAST) {
    if (nhLen !== 16 && nhLen !== 32) return { ok: false, reason: `IPv6 next hop length ${nhLen} (expected 16 or 32)` };
    const nlri = readNlri6(r, !!opts.addPath?.ipv6);
    if (!nlri.ok) return { ok: false, reason: `IPv6 NLRI: ${nlri.reason}` };
    const nextHop = formatIPv6Bytes(v, nhStart);
    if (nhLen === 32) {
      return { ok: true, attr: { kind: 'mp-reach', family: 'ipv6-unicast', nextHop, linkLocal: formatIPv6Bytes(v, nhStart + 16), nlri: nlri.value } };
    }
    return { ok: true, attr: { kind: 'mp-reach', family: 'ipv6-unicast', nextHop, nlri: nlri.value } };
  }
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST && nhLen === 4) {
    const nlri = readNlri4(r, !!opts.addPath?.ipv4);
    if (!nlri.ok) return { ok: false, reason: `IPv4 NLRI: ${nlri.reason}` };
    return { ok: true, attr: { kind: 'mp-reach', family: 'ipv4-unicast', nextHop: getU32(v, nhStart), nlri: nlri.value } };
  }
  return {
    ok: true,
    attr: { kind: 'mp-reach', family: 'other', afi, safi, nextHop: v.slice(nhStart, nhStart + nhLen), nlri: v.slice(r.pos) },
  };
}

/** Encodes an MP_REACH_NLRI value. */
export function encodeMpReach(w: ByteWriter, a: MpReachAttr, opts: CodecOptions): void {
  if (a.family === 'ipv6-unicast') {
    const g = parseIPv6Bytes(a.nextHop);
    if (!g) throw new RangeError(`'${a.nextHop}' is not an IPv6 next hop`);
    const ll = a.linkLocal === undefined ? null : parseIPv6Bytes(a.linkLocal);
    if (a.linkLocal !== undefined && !ll) throw new RangeError(`'${a.linkLocal}' is not an IPv6 link-local next hop`);
    w.u16(AFI_IPV6).u8(SAFI_UNICAST).u8(ll ? 32 : 16).bytes(g);
    if (ll) w.bytes(ll);
    w.u8(0);
    writeNlri6(w, a.nlri, !!opts.addPath?.ipv6);
  } else if (a.family === 'ipv4-unicast') {
    w.u16(AFI_IPV4).u8(SAFI_UNICAST).u8(4).u32(a.nextHop).u8(0);
    writeNlri4(w, a.nlri, !!opts.addPath?.ipv4);
  } else {
    w.u16(a.afi).u8(a.safi).u8(a.nextHop.length).bytes(a.nextHop).u8(0).bytes(a.nlri);
  }
}

/** Decodes an MP_UNREACH_NLRI value. */
export function decodeMpUnreach(v: Uint8Array, opts: CodecOptions): Result<MpUnreachAttr> {
  if (v.length < 3) return { ok: false, reason: `MP_UNREACH_NLRI length ${v.length} < 3` };
  const r = new ByteReader(v);
  const afi = r.u16();
  const safi = r.u8();
  if (afi === AFI_IPV6 && safi === SAFI_UNICAST) {
    const list = readNlri6(r, !!opts.addPath?.ipv6);
    if (!list.ok) return { ok: false, reason: `IPv6 withdrawn: ${list.reason}` };
    return { ok: true, attr: { kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: list.value } };
  }
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST) {
    const list = readNlri4(r, !!opts.addPath?.ipv4);
    if (!list.ok) return { ok: false, reason: `IPv4 withdrawn: ${list.reason}` };
    return { ok: true, attr: { kind: 'mp-unreach', family: 'ipv4-unicast', withdrawn: list.value } };
  }
  return { ok: true, attr: { kind: 'mp-unreach', family: 'other', afi, safi, withdrawn: v.slice(3) } };
}

/** Encodes an MP_UNREACH_NLRI value. */
export function encodeMpUnreach(w: ByteWriter, a: MpUnreachAttr, opts: CodecOptions): void {
  if (a.family === 'ipv6-unicast') {
    w.u16(AFI_IPV6).u8(SAFI_UNICAST);
    writeNlri6(w, a.withdrawn, !!opts.addPath?.ipv6);
  } else if (a.family === 'ipv4-unicast') {
    w.u16(AFI_IPV4).u8(SAFI_UNICAST);
    writeNlri4(w, a.withdrawn, !!opts.addPath?.ipv4);
  } else {
    w.u16(a.afi).u8(a.safi).bytes(a.withdrawn);
  }
}

/** Human text: "ipv6-unicast via fd00::1 (fe80::1) 2 prefixes: fd00:1::/64 ...". */
export function formatMpReach(a: MpReachAttr): string {
  if (a.family === 'other') return `afi ${a.afi} safi ${a.safi}, ${a.nlri.length} bytes of NLRI`;
  const nh = a.family === 'ipv4-unicast' ? formatIPv4(a.nextHop) : a.linkLocal ? `${a.nextHop} (${a.linkLocal})` : a.nextHop;
  return `${a.family} via ${nh} ${a.nlri.map(formatPrefix).join(' ')}`;
}

/** Human text of an MP_UNREACH_NLRI. */
export function formatMpUnreach(a: MpUnreachAttr): string {
  if (a.family === 'other') return `afi ${a.afi} safi ${a.safi}, ${a.withdrawn.length} bytes withdrawn`;
  return a.withdrawn.length === 0 ? `${a.family} (End-of-RIB)` : `${a.family}: ${a.withdrawn.map(formatPrefix).join(' ')}`;
}
