/**
 * Path attributes, table-driven (the idea of BIRD's `bgp_attr_table`): one descriptor per
 * type code with its name, expected flags, what RFC 7606 says to do when it is malformed,
 * and its decode / encode / format functions. update.ts walks the attribute list and asks
 * this table; adding an attribute means adding one descriptor here.
 */
import { formatIPv4 } from '../../net/ip.ts';
import { asPathLength, formatAsPath, readAsPath, writeAsPath } from './aspath.ts';
import { ByteReader, ByteWriter, getU16, getU32 } from './bytes.ts';
import { extendedCommunity, formatCommunity, formatExtendedCommunity, formatLargeCommunity } from './communities.ts';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach, formatMpReach, formatMpUnreach } from './mp.ts';
import { SUBCODE } from './notification.ts';
import {
  ATTR,
  FLAG_EXTENDED_LENGTH,
  FLAG_OPTIONAL,
  FLAG_TRANSITIVE,
  type AttrOf,
  type AttributeKind,
  type CodecOptions,
  type ErrorAction,
  type LargeCommunity,
  type Origin,
  type PathAttribute,
} from './types.ts';

/** Result of decoding one attribute value. */
export type AttrDecode = { ok: true; attr: PathAttribute } | { ok: false; subcode: number; reason: string };

/** Everything the codec knows about one attribute type. */
export interface AttrDescriptor<K extends AttributeKind = AttributeKind> {
  readonly code: number;
  /** RFC name, e.g. "MULTI_EXIT_DISC". */
  readonly name: string;
  readonly kind: K;
  /** The Optional and Transitive bits this attribute must carry. */
  readonly flags: number;
  /** RFC 7606 action when the attribute is malformed. */
  readonly onError: ErrorAction;
  decode(value: Uint8Array, opts: CodecOptions): AttrDecode;
  encode(w: ByteWriter, attr: AttrOf<K>, opts: CodecOptions): void;
  /** Value text for people, e.g. "IGP", "64512 64513", "64512:100 no-export". */
  format(attr: AttrOf<K>): string;
}

const WK = FLAG_TRANSITIVE; // well-known: 0x40
const OPT = FLAG_OPTIONAL; // optional non-transitive: 0x80
const OPT_T = FLAG_OPTIONAL | FLAG_TRANSITIVE; // optional transitive: 0xc0

const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

const bad = (subcode: number, reason: string): AttrDecode => ({ ok: false, subcode, reason });
const badLength = (name: string, len: number, want: string): AttrDecode =>
  bad(SUBCODE.UPDATE_ATTRIBUTE_LENGTH, `${name} length ${len}, expected ${want}`);

function u32Attr<K extends 'med' | 'local-pref' | 'originator-id'>(
  code: number,
  name: string,
  kind: K,
  flags: number,
  field: keyof AttrOf<K>,
  fmt: (v: number) => string,
): AttrDescriptor<K> {
  return {
    code,
    name,
    kind,
    flags,
    onError: 'treat-as-withdraw',
    decode: (v) => (v.length === 4 ? { ok: true, attr: { kind, [field]: getU32(v, 0) } as unknown as PathAttribute } : badLength(name, v.length, '4')),
    encode: (w, a) => void w.u32((a as unknown as Record<string, number>)[field as string]!),
    format: (a) => fmt((a as unknown as Record<string, number>)[field as string]!),
  };
}

/** An attribute whose value is a non-empty list of 32-bit numbers (COMMUNITIES, CLUSTER_LIST). */
function u32ListAttr<K extends 'communities' | 'cluster-list'>(
  code: number,
  name: string,
  kind: K,
  flags: number,
  field: keyof AttrOf<K>,
  fmt: (v: number) => string,
): AttrDescriptor<K> {
  const list = (a: AttrOf<K>): readonly number[] => (a as unknown as Record<string, readonly number[]>)[field as string]!;
  return {
    code,
    name,
    kind,
    flags,
    onError: 'treat-as-withdraw',
    decode: (v) => {
      if (v.length === 0 || v.length % 4 !== 0) return badLength(name, v.length, 'a non-zero multiple of 4');
      const values: number[] = [];
      for (let i = 0; i < v.length; i += 4) values.push(getU32(v, i));
      return { ok: true, attr: { kind, [field]: values } as unknown as PathAttribute };
    },
    encode: (w, a) => list(a).forEach((c) => w.u32(c)),
    format: (a) => list(a).map(fmt).join(' '),
  };
}

/** RFC 7606 §7.11: an unreadable MP_(UN)REACH_NLRI is an Optional Attribute Error. */
function mpResult(r: AttrDecode | { ok: false; reason: string }): AttrDecode {
  return r.ok ? r : bad(SUBCODE.UPDATE_OPTIONAL_ATTRIBUTE, r.reason);
}

function aggregator<K extends 'aggregator' | 'as4-aggregator'>(code: number, name: string, kind: K): AttrDescriptor<K> {
  const four = (opts: CodecOptions): boolean => kind === 'as4-aggregator' || opts.as4;
  return {
    code,
    name,
    kind,
    flags: OPT_T,
    onError: 'attribute-discard',
    decode: (v, opts) => {
      const n = four(opts) ? 8 : 6;
      if (v.length !== n) return badLength(name, v.length, String(n));
      const asn = n === 8 ? getU32(v, 0) : getU16(v, 0);
      return { ok: true, attr: { kind, asn, address: getU32(v, n - 4) } as PathAttribute };
    },
    encode: (w, attr, opts) => {
      const a = attr as AttrOf<'aggregator' | 'as4-aggregator'>;
      if (four(opts)) w.u32(a.asn);
      else if (a.asn > 0xffff) throw new RangeError(`AGGREGATOR ASN ${a.asn} needs AS4_AGGREGATOR on a 2-octet session`);
      else w.u16(a.asn);
      w.u32(a.address);
    },
    format: (attr) => {
      const a = attr as AttrOf<'aggregator' | 'as4-aggregator'>;
      return `${a.asn} ${formatIPv4(a.address)}`;
    },
  };
}

function asPathAttr<K extends 'as-path' | 'as4-path'>(code: number, name: string, kind: K): AttrDescriptor<K> {
  const four = (opts: CodecOptions): boolean => kind === 'as4-path' || opts.as4;
  return {
    code,
    name,
    kind,
    flags: kind === 'as-path' ? WK : OPT_T,
    // RFC 6793 §6 / RFC 7606 §7.2: a bad AS4_PATH is discarded, a bad AS_PATH withdraws.
    onError: kind === 'as-path' ? 'treat-as-withdraw' : 'attribute-discard',
    decode: (v, opts) => {
      const r = readAsPath(new ByteReader(v), four(opts));
      if (!r.ok) return bad(kind === 'as-path' ? SUBCODE.UPDATE_MALFORMED_AS_PATH : SUBCODE.UPDATE_OPTIONAL_ATTRIBUTE, `${name}: ${r.reason}`);
      return { ok: true, attr: { kind, segments: r.segments } as PathAttribute };
    },
    encode: (w, a, opts) => writeAsPath(w, (a as AttrOf<'as-path' | 'as4-path'>).segments, four(opts)),
    format: (a) => formatAsPath((a as AttrOf<'as-path' | 'as4-path'>).segments),
  };
}

// `any`: a heterogeneous table; each entry is checked against its own kind (`satisfies`), and
// lookups hand an attribute only to the descriptor of that attribute's kind.
const descriptors: AttrDescriptor<any>[] = [
  {
    code: ATTR.ORIGIN,
    name: 'ORIGIN',
    kind: 'origin',
    flags: WK,
    onError: 'treat-as-withdraw',
    decode: (v) => {
      if (v.length !== 1) return badLength('ORIGIN', v.length, '1');
      const origin = ORIGINS[v[0]!];
      return origin ? { ok: true, attr: { kind: 'origin', origin } } : bad(SUBCODE.UPDATE_INVALID_ORIGIN, `ORIGIN value ${v[0]}`);
    },
    encode: (w, a: AttrOf<'origin'>) => void w.u8(ORIGINS.indexOf(a.origin)),
    format: (a: AttrOf<'origin'>) => a.origin.toUpperCase(),
  } satisfies AttrDescriptor<'origin'>,
  asPathAttr(ATTR.AS_PATH, 'AS_PATH', 'as-path'),
  {
    code: ATTR.NEXT_HOP,
    name: 'NEXT_HOP',
    kind: 'next-hop',
    flags: WK,
    onError: 'treat-as-withdraw',
    decode: (v) => {
      if (v.length !== 4) return badLength('NEXT_HOP', v.length, '4');
      const nh = getU32(v, 0);
      // RFC 4271 §6.3 / RFC 7606 §7.3: 0.0.0.0, multicast and class E are not next hops.
      if (nh === 0 || nh >= 0xe0000000) return bad(SUBCODE.UPDATE_INVALID_NEXT_HOP, `NEXT_HOP ${formatIPv4(nh)} is not a unicast address`);
      return { ok: true, attr: { kind: 'next-hop', nextHop: nh } };
    },
    encode: (w, a: AttrOf<'next-hop'>) => void w.u32(a.nextHop),
    format: (a: AttrOf<'next-hop'>) => formatIPv4(a.nextHop),
  } satisfies AttrDescriptor<'next-hop'>,
  u32Attr(ATTR.MED, 'MULTI_EXIT_DISC', 'med', OPT, 'med', String),
  u32Attr(ATTR.LOCAL_PREF, 'LOCAL_PREF', 'local-pref', WK, 'localPref', String),
  {
    code: ATTR.ATOMIC_AGGREGATE,
    name: 'ATOMIC_AGGREGATE',
    kind: 'atomic-aggregate',
    flags: WK,
    onError: 'attribute-discard',
    decode: (v) => (v.length === 0 ? { ok: true, attr: { kind: 'atomic-aggregate' } } : badLength('ATOMIC_AGGREGATE', v.length, '0')),
    encode: () => {},
    format: () => '',
  } satisfies AttrDescriptor<'atomic-aggregate'>,
  aggregator(ATTR.AGGREGATOR, 'AGGREGATOR', 'aggregator'),
  u32ListAttr(ATTR.COMMUNITIES, 'COMMUNITIES', 'communities', OPT_T, 'communities', formatCommunity),
  u32Attr(ATTR.ORIGINATOR_ID, 'ORIGINATOR_ID', 'originator-id', OPT, 'originatorId', formatIPv4),
  u32ListAttr(ATTR.CLUSTER_LIST, 'CLUSTER_LIST', 'cluster-list', OPT, 'clusterIds', formatIPv4),
  {
    code: ATTR.MP_REACH_NLRI,
    name: 'MP_REACH_NLRI',
    kind: 'mp-reach',
    flags: OPT,
    onError: 'session-reset',
    decode: (v, opts) => mpResult(decodeMpReach(v, opts)),
    encode: encodeMpReach,
    format: formatMpReach,
  } satisfies AttrDescriptor<'mp-reach'>,
  {
    code: ATTR.MP_UNREACH_NLRI,
    name: 'MP_UNREACH_NLRI',
    kind: 'mp-unreach',
    flags: OPT,
    onError: 'session-reset',
    decode: (v, opts) => mpResult(decodeMpUnreach(v, opts)),
    encode: encodeMpUnreach,
    format: formatMpUnreach,
  } satisfies AttrDescriptor<'mp-unreach'>,
  {
    code: ATTR.EXTENDED_COMMUNITIES,
    name: 'EXTENDED_COMMUNITIES',
    kind: 'extended-communities',
    flags: OPT_T,
    onError: 'treat-as-withdraw',
    decode: (v) => {
      if (v.length === 0 || v.length % 8 !== 0) return badLength('EXTENDED_COMMUNITIES', v.length, 'a non-zero multiple of 8');
      const communities = [];
      for (let i = 0; i < v.length; i += 8) communities.push(extendedCommunity(v.slice(i, i + 8)));
      return { ok: true, attr: { kind: 'extended-communities', communities } };
    },
    encode: (w, a: AttrOf<'extended-communities'>) => a.communities.forEach((c) => w.bytes(c.raw)),
    format: (a: AttrOf<'extended-communities'>) => a.communities.map(formatExtendedCommunity).join(' '),
  } satisfies AttrDescriptor<'extended-communities'>,
  asPathAttr(ATTR.AS4_PATH, 'AS4_PATH', 'as4-path'),
  aggregator(ATTR.AS4_AGGREGATOR, 'AS4_AGGREGATOR', 'as4-aggregator'),
  {
    code: ATTR.LARGE_COMMUNITY,
    name: 'LARGE_COMMUNITY',
    kind: 'large-communities',
    flags: OPT_T,
    onError: 'treat-as-withdraw',
    decode: (v) => {
      if (v.length === 0 || v.length % 12 !== 0) return badLength('LARGE_COMMUNITY', v.length, 'a non-zero multiple of 12');
      const communities: LargeCommunity[] = [];
      for (let i = 0; i < v.length; i += 12) communities.push({ global: getU32(v, i), local1: getU32(v, i + 4), local2: getU32(v, i + 8) });
      return { ok: true, attr: { kind: 'large-communities', communities } };
    },
    encode: (w, a: AttrOf<'large-communities'>) => a.communities.forEach((c) => w.u32(c.global).u32(c.local1).u32(c.local2)),
    format: (a: AttrOf<'large-communities'>) => a.communities.map(formatLargeCommunity).join(' '),
  } satisfies AttrDescriptor<'large-communities'>,
];

/** Descriptors by type code. */
export const ATTRIBUTE_TABLE: ReadonlyMap<number, AttrDescriptor> = new Map(descriptors.map((d) => [d.code, d]));
const BY_KIND: ReadonlyMap<AttributeKind, AttrDescriptor> = new Map(descriptors.map((d) => [d.kind, d]));

/** The descriptor for an attribute kind (undefined for 'unknown'). */
export function descriptorOf(kind: AttributeKind): AttrDescriptor | undefined {
  return BY_KIND.get(kind);
}

/** The type code of an attribute. */
export function attributeCode(a: PathAttribute): number {
  return a.kind === 'unknown' ? a.code : BY_KIND.get(a.kind)!.code;
}

/** The RFC name of an attribute type code ("ORIGIN", …, or "ATTR_99" for unknown ones). */
export function attributeName(code: number): string {
  return ATTRIBUTE_TABLE.get(code)?.name ?? `ATTR_${code}`;
}

/** Encodes one attribute's value bytes (no header). */
export function encodeAttributeValue(a: PathAttribute, opts: CodecOptions): Uint8Array {
  const w = new ByteWriter(64);
  if (a.kind === 'unknown') w.bytes(a.value);
  else BY_KIND.get(a.kind)!.encode(w, a as never, opts);
  return w.finish();
}

/** The flags the encoder writes for an attribute whose value is `len` bytes long. */
export function canonicalFlags(a: PathAttribute, len: number): number {
  const base = a.kind === 'unknown' ? a.flags & ~FLAG_EXTENDED_LENGTH : BY_KIND.get(a.kind)!.flags;
  return (base | (len > 255 ? FLAG_EXTENDED_LENGTH : 0)) & 0xff;
}

/** Writes one attribute: flags, type, length (1 or 2 bytes), value. */
export function writeAttribute(w: ByteWriter, a: PathAttribute, opts: CodecOptions): void {
  const value = encodeAttributeValue(a, opts);
  if (value.length > 0xffff) throw new RangeError(`attribute ${attributeCode(a)} value is ${value.length} bytes (max 65535)`);
  let flags = a.wireFlags ?? canonicalFlags(a, value.length);
  if (value.length > 255) flags |= FLAG_EXTENDED_LENGTH;
  w.u8(flags).u8(attributeCode(a));
  if (flags & FLAG_EXTENDED_LENGTH) w.u16(value.length);
  else w.u8(value.length);
  w.bytes(value);
}

/** "ORIGIN: IGP"-style text for one attribute. */
export function formatAttribute(a: PathAttribute): string {
  if (a.kind === 'unknown') {
    const hex = Array.from(a.value, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${attributeName(a.code)} (flags 0x${a.flags.toString(16)}): ${hex}`;
  }
  const d = BY_KIND.get(a.kind)!;
  const text = d.format(a as never);
  return text === '' ? d.name : `${d.name}: ${text}`;
}

/** The first attribute of a kind, typed, e.g. `findAttribute(u.attributes, 'med')?.med`. */
export function findAttribute<K extends AttributeKind>(attrs: readonly PathAttribute[], kind: K): AttrOf<K> | undefined {
  return attrs.find((a): a is AttrOf<K> => a.kind === kind);
}

/**
 * The attributes to pass on to another peer (RFC 4271 §5): unknown optional transitive ones
 * get the Partial bit, unknown non-transitive (and unknown well-known) ones are dropped, and
 * received-flag quirks are forgotten so the encoder writes canonical flags.
 */
export function attributesForPropagation(attrs: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    if (a.kind === 'unknown') {
      if ((a.flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== (FLAG_OPTIONAL | FLAG_TRANSITIVE)) continue;
      out.push({ kind: 'unknown', code: a.code, flags: (a.flags | 0x20) & ~FLAG_EXTENDED_LENGTH, value: a.value });
    } else if (a.wireFlags !== undefined) {
      const { wireFlags: _ignored, ...rest } = a;
      out.push(rest as PathAttribute);
    } else out.push(a);
  }
  return out;
}

/** AS path length of the AS_PATH attribute in a list (0 when absent). */
export function pathLengthOf(attrs: readonly PathAttribute[]): number {
  const p = findAttribute(attrs, 'as-path');
  return p ? asPathLength(p.segments) : 0;
}
