/**
 * Communities (RFC 1997), extended communities (RFC 4360, 5668) and large communities
 * (RFC 8092): values, well-known names and the text forms people type and read.
 */
import { formatIPv4 } from '../../net/ip.ts';
import { getU16, getU32 } from './bytes.ts';
import type { ExtendedCommunity, ExtendedCommunityParsed, LargeCommunity } from './types.ts';

/** Well-known communities (IANA), named as FRR and GoBGP print them. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<number, string>> = {
  0xffff0000: 'graceful-shutdown',
  0xffff0001: 'accept-own',
  0xffff0006: 'llgr-stale',
  0xffff0007: 'no-llgr',
  0xffff029a: 'blackhole',
  0xffffff01: 'no-export',
  0xffffff02: 'no-advertise',
  0xffffff03: 'no-export-subconfed',
  0xffffff04: 'no-peer',
};

export const COMMUNITY_NO_EXPORT = 0xffffff01;
export const COMMUNITY_NO_ADVERTISE = 0xffffff02;
export const COMMUNITY_NO_EXPORT_SUBCONFED = 0xffffff03;

/** Builds a community from its two halves, e.g. community(64512, 100). */
export function community(asn: number, value: number): number {
  return ((asn & 0xffff) * 0x10000 + (value & 0xffff)) >>> 0;
}

/** "64512:100", or the well-known name ("no-export"). */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_COMMUNITIES[c >>> 0] ?? `${c >>> 16}:${c & 0xffff}`;
}

/** Parses "64512:100" or a well-known name; null when it is neither. */
export function parseCommunity(text: string): number | null {
  for (const [v, name] of Object.entries(WELL_KNOWN_COMMUNITIES)) if (name === text) return Number(v);
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) return null;
  return community(Number(m[1]), Number(m[2]));
}

/** "64512:1:2". */
export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.global >>> 0}:${c.local1 >>> 0}:${c.local2 >>> 0}`;
}

/** Parses "a:b:c" (each unsigned 32-bit); null otherwise. */
export function parseLargeCommunity(text: string): LargeCommunity | null {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (!m) return null;
  const [g, a, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (g > 0xffffffff || a > 0xffffffff || b > 0xffffffff) return null;
  return { global: g, local1: a, local2: b };
}

/** Interprets 8 extended-community bytes (route target / route origin; others by type). */
export function parseExtendedCommunity(raw: Uint8Array): ExtendedCommunityParsed {
  const type = raw[0]!;
  const subtype = raw[1]!;
  const transitive = (type & 0x40) === 0;
  const base = type & 0x3f;
  if ((subtype === 0x02 || subtype === 0x03) && base <= 2) {
    const kind = subtype === 0x02 ? 'route-target' : 'route-origin';
    if (base === 0) return { kind, format: 'as2', global: getU16(raw, 2), local: getU32(raw, 4), transitive };
    if (base === 1) return { kind, format: 'ipv4', global: getU32(raw, 2), local: getU16(raw, 6), transitive };
    return { kind, format: 'as4', global: getU32(raw, 2), local: getU16(raw, 6), transitive };
  }
  return { kind: 'other', type, subtype, transitive };
}

/** Wraps 8 raw bytes as an ExtendedCommunity (raw + parsed). */
export function extendedCommunity(raw: Uint8Array): ExtendedCommunity {
  if (raw.length !== 8) throw new RangeError(`extended community is 8 bytes, got ${raw.length}`);
  return { raw, parsed: parseExtendedCommunity(raw) };
}

/** Builds a route-target extended community, e.g. routeTarget(64512, 100) → "rt 64512:100". */
export function routeTarget(global: number, local: number): ExtendedCommunity {
  const raw = new Uint8Array(8);
  const dv = new DataView(raw.buffer);
  if (global <= 0xffff) {
    raw[0] = 0x00;
    raw[1] = 0x02;
    dv.setUint16(2, global);
    dv.setUint32(4, local >>> 0);
  } else {
    raw[0] = 0x02;
    raw[1] = 0x02;
    dv.setUint32(2, global >>> 0);
    dv.setUint16(6, local & 0xffff);
  }
  return extendedCommunity(raw);
}

/** "rt 64512:100", "ro 10.0.0.1:5", or "0x0102:aabbccddeeff" for types we do not name. */
export function formatExtendedCommunity(c: ExtendedCommunity): string {
  const p = c.parsed;
  if (p.kind === 'other') {
    const hex = Array.from(c.raw.subarray(2), (x) => x.toString(16).padStart(2, '0')).join('');
    return `0x${p.type.toString(16).padStart(2, '0')}${p.subtype.toString(16).padStart(2, '0')}:${hex}`;
  }
  const g = p.format === 'ipv4' ? formatIPv4(p.global) : String(p.global);
  return `${p.kind === 'route-target' ? 'rt' : 'ro'} ${g}:${p.local}`;
}
