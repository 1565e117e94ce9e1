/** fast-check generators of valid BGP messages (test helper for the property suites). */
import fc from 'fast-check';
import {
  ATTRIBUTE_TABLE,
  CAP,
  extendedCommunity,
  formatIPv6Bytes,
  normalizePrefix6,
  type AsPathSegment,
  type BgpMessage,
  type Capability,
  type CodecOptions,
  type Nlri4,
  type Nlri6,
  type OpenMessage,
  type PathAttribute,
  type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number, min = 0): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const ipv6 = bytes(16, 16).map((b) => formatIPv6Bytes(b));
/** A unicast IPv4 next hop (not 0.0.0.0, not multicast/class E). */
const nextHop4 = fc.integer({ min: 1, max: 0xdfffffff });

function nlri4(addPath: boolean): fc.Arbitrary<Nlri4> {
  return fc.record({ addr: u32, len: fc.integer({ min: 0, max: 32 }), pathId: u32 }).map(({ addr, len, pathId }) => {
    const a = (addr & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)) >>> 0;
    return addPath ? { addr: a, len, pathId } : { addr: a, len };
  });
}
function nlri6(addPath: boolean): fc.Arbitrary<Nlri6> {
  return fc.record({ addr: ipv6, len: fc.integer({ min: 0, max: 128 }), pathId: u32 }).map(({ addr, len, pathId }) =>
    normalizePrefix6(addPath ? { addr, len, pathId } : { addr, len }),
  );
}

function segments(asn: fc.Arbitrary<number>): fc.Arbitrary<AsPathSegment[]> {
  return fc.array(
    fc.record({
      type: fc.constantFrom('set', 'sequence', 'confed-sequence', 'confed-set') as fc.Arbitrary<AsPathSegment['type']>,
      asns: fc.array(asn, { minLength: 1, maxLength: 8 }),
    }),
    { maxLength: 4 },
  );
}

/** Type codes the codec does not model (and that are not MP/AS4 codes). */
const unknownAttrCode = fc.integer({ min: 11, max: 255 }).filter((c) => !ATTRIBUTE_TABLE.has(c));

function attributes(opts: CodecOptions, mandatory: boolean): fc.Arbitrary<PathAttribute[]> {
  const asn = opts.as4 ? u32 : u16;
  const ap4 = !!opts.addPath?.ipv4;
  const ap6 = !!opts.addPath?.ipv6;
  const optional: fc.Arbitrary<PathAttribute>[] = [
    u32.map((med) => ({ kind: 'med', med })),
    u32.map((localPref) => ({ kind: 'local-pref', localPref })),
    fc.constant({ kind: 'atomic-aggregate' }),
    fc.record({ asn, address: u32 }).map((a) => ({ kind: 'aggregator', ...a })),
    fc.array(u32, { minLength: 1, maxLength: 6 }).map((communities) => ({ kind: 'communities', communities })),
    u32.map((originatorId) => ({ kind: 'originator-id', originatorId })),
    fc.array(u32, { minLength: 1, maxLength: 4 }).map((clusterIds) => ({ kind: 'cluster-list', clusterIds })),
    fc.array(bytes(8, 8), { minLength: 1, maxLength: 4 }).map((raws) => ({ kind: 'extended-communities', communities: raws.map(extendedCommunity) })),
    segments(u32).map((s) => ({ kind: 'as4-path', segments: s })),
    fc.record({ asn: u32, address: u32 }).map((a) => ({ kind: 'as4-aggregator', ...a })),
    fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), { minLength: 1, maxLength: 3 }).map((communities) => ({ kind: 'large-communities', communities })),
    fc.oneof(
      fc.record({ nextHop: ipv6, linkLocal: fc.option(ipv6, { nil: undefined }), nlri: fc.array(nlri6(ap6), { maxLength: 5 }) }).map(({ nextHop, linkLocal, nlri }) =>
        linkLocal === undefined
          ? { kind: 'mp-reach', family: 'ipv6-unicast', nextHop, nlri }
          : { kind: 'mp-reach', family: 'ipv6-unicast', nextHop, linkLocal, nlri },
      ),
      fc.record({ nextHop: u32, nlri: fc.array(nlri4(ap4), { maxLength: 5 }) }).map((a) => ({ kind: 'mp-reach', family: 'ipv4-unicast', ...a })),
      fc.record({ afi: fc.integer({ min: 3, max: 0xffff }), safi: u8, nextHop: bytes(40), nlri: bytes(30) }).map((a) => ({ kind: 'mp-reach', family: 'other', ...a })),
    ) as fc.Arbitrary<PathAttribute>,
    fc.oneof(
      fc.array(nlri6(ap6), { maxLength: 5 }).map((withdrawn) => ({ kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn })),
      fc.array(nlri4(ap4), { maxLength: 5 }).map((withdrawn) => ({ kind: 'mp-unreach', family: 'ipv4-unicast', withdrawn })),
      fc.record({ afi: fc.integer({ min: 3, max: 0xffff }), safi: u8, withdrawn: bytes(30) }).map((a) => ({ kind: 'mp-unreach', family: 'other', ...a })),
    ) as fc.Arbitrary<PathAttribute>,
    fc.record({ code: unknownAttrCode, flags: fc.constantFrom(0x80, 0xc0, 0xe0, 0xa0), value: bytes(20) }).map((a) => ({ kind: 'unknown', ...a })),
  ];
  const origin = fc.constantFrom('igp', 'egp', 'incomplete').map((o) => ({ kind: 'origin', origin: o }) as PathAttribute);
  const asPath = segments(asn).map((s) => ({ kind: 'as-path', segments: s }) as PathAttribute);
  const nh = nextHop4.map((n) => ({ kind: 'next-hop', nextHop: n }) as PathAttribute);
  const base = mandatory ? fc.tuple(origin, asPath, nh).map((t) => [...t]) : fc.subarray([]).chain(() => fc.array(fc.oneof(origin, asPath, nh), { maxLength: 3 }));
  return fc
    .tuple(base, fc.array(fc.oneof(...optional), { maxLength: 6 }))
    .chain(([b, o]) => fc.shuffledSubarray([...b, ...o], { minLength: b.length + o.length }))
    .map((list) => {
      // One attribute per type code (RFC 7606 discards later copies).
      const seen = new Set<string>();
      return list.filter((a) => {
        const k = a.kind === 'unknown' ? `u${a.code}` : a.kind;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    });
}

/** A valid UPDATE for the session `opts` (mandatory attributes present when it announces). */
export function updateMessage(opts: CodecOptions): fc.Arbitrary<UpdateMessage> {
  const ap4 = !!opts.addPath?.ipv4;
  return fc
    .record({ withdrawn: fc.array(nlri4(ap4), { maxLength: 8 }), nlri: fc.array(nlri4(ap4), { maxLength: 8 }), announce: fc.boolean() })
    .chain(({ withdrawn, nlri, announce }) =>
      attributes(opts, announce || nlri.length > 0).map((attrs) => {
        // Without ORIGIN/AS_PATH an MP_REACH would be treat-as-withdraw: add mandatory ones then.
        const needs = nlri.length > 0 || attrs.some((a) => a.kind === 'mp-reach');
        const has = (k: string): boolean => attrs.some((a) => a.kind === k);
        const fixed: PathAttribute[] = [...attrs];
        if (needs && !has('origin')) fixed.push({ kind: 'origin', origin: 'igp' });
        if (needs && !has('as-path')) fixed.push({ kind: 'as-path', segments: [] });
        if (nlri.length > 0 && !has('next-hop')) fixed.push({ kind: 'next-hop', nextHop: 0x0a000001 });
        return { type: 'update' as const, withdrawn, attributes: fixed, nlri };
      }),
    );
}

const knownCapCodes = new Set<number>(Object.values(CAP));
const capability: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ afi: u16, safi: u8 }).map((a) => ({ kind: 'multiprotocol', ...a })),
  fc.constantFrom<Capability>({ kind: 'route-refresh' }, { kind: 'route-refresh-cisco' }, { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }),
  u32.map((asn) => ({ kind: 'as4', asn })),
  fc
    .record({
      restarting: fc.boolean(),
      notification: fc.boolean(),
      time: fc.integer({ min: 0, max: 4095 }),
      families: fc.array(fc.record({ afi: u16, safi: u8, forwarding: fc.boolean() }), { maxLength: 3 }),
    })
    .map((g) => ({ kind: 'graceful-restart', ...g })),
  fc
    .array(fc.record({ afi: u16, safi: u8, mode: fc.constantFrom('receive', 'send', 'both') as fc.Arbitrary<'receive' | 'send' | 'both'> }), { minLength: 1, maxLength: 3 })
    .map((families) => ({ kind: 'add-path', families })),
  fc.array(fc.record({ afi: u16, safi: u16, nextHopAfi: u16 }), { minLength: 1, maxLength: 3 }).map((entries) => ({ kind: 'extended-next-hop', entries })),
  fc.record({ hostname: fc.string({ maxLength: 20 }), domain: fc.string({ maxLength: 20 }) }).map((f) => ({ kind: 'fqdn', ...f })),
  fc.array(fc.record({ afi: u16, safi: u8, flags: u8, staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 3 }).map((families) => ({ kind: 'llgr', families })),
  fc.record({ code: u8.filter((c) => !knownCapCodes.has(c)), value: bytes(10) }).map((c) => ({ kind: 'unknown', ...c })),
) as fc.Arbitrary<Capability>;

/** A valid OPEN, packed either way. */
export const openMessage: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAs: u16,
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpId: fc.integer({ min: 1, max: 0xffffffff }),
    capabilities: fc.array(capability, { maxLength: 6 }),
    perParam: fc.boolean(),
  })
  .map(({ perParam, ...o }) => {
    const m: OpenMessage = { type: 'open', version: 4, ...o };
    return perParam && o.capabilities.length > 1 ? { ...m, packing: 'one-per-param' } : m;
  });

/** Any valid message for the session `opts`. */
export function bgpMessage(opts: CodecOptions): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    { arbitrary: openMessage, weight: 2 },
    { arbitrary: updateMessage(opts) as fc.Arbitrary<BgpMessage>, weight: 5 },
    { arbitrary: fc.record({ code: u8, subcode: u8, data: bytes(40) }).map((n) => ({ type: 'notification' as const, ...n }) as BgpMessage), weight: 1 },
    { arbitrary: fc.constant({ type: 'keepalive' as const } as BgpMessage), weight: 1 },
    {
      arbitrary: fc
        .record({ afi: u16, safi: u8, subtype: fc.oneof(fc.constantFrom('request', 'borr', 'eorr'), fc.integer({ min: 3, max: 255 })) })
        .map((r) => ({ type: 'route-refresh' as const, ...r }) as BgpMessage),
      weight: 1,
    },
  );
}

/** Session contexts to run properties under. */
export const codecOptions: fc.Arbitrary<CodecOptions> = fc.record({
  as4: fc.boolean(),
  addPath: fc.option(fc.record({ ipv4: fc.boolean(), ipv6: fc.boolean() }), { nil: undefined }),
  extendedMessage: fc.boolean(),
}).map((o) => (o.addPath === undefined ? { as4: o.as4, extendedMessage: o.extendedMessage } : o));
