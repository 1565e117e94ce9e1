/**
 * Maps the codec's UPDATE messages to the RIB's view (prefix keys + interned PathAttrs) and
 * back, including RFC 6793 AS4_PATH merging toward/from 2-octet speakers and splitting
 * batches into UPDATEs that fit the 4096-byte limit. Pure.
 */
import { formatIPv4, formatPrefix4, parseIPv4, parsePrefix4 } from '../net/ip.ts';
import { internString } from '../net/intern.ts';
import { AS_TRANS, FLAG_OPTIONAL, FLAG_TRANSITIVE, MAX_MESSAGE_LENGTH } from './codec/types.ts';
import type { AsPathSegment as WireSegment, AsPathSegmentType, Nlri4, Nlri6, PathAttribute, UpdateMessage } from './codec/types.ts';
import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SEQUENCE, AS_SET, internAttrs } from './rib/attrs.ts';
import type { AsPathSegment, PathAttrs, RawAttr } from './rib/attrs.ts';
import type { UpdateBatch } from './rib/adj-rib-out.ts';
import type { Afi } from './rib/route.ts';

const SEG_TYPE: Record<AsPathSegmentType, number> = { set: AS_SET, sequence: AS_SEQUENCE, 'confed-sequence': AS_CONFED_SEQUENCE, 'confed-set': AS_CONFED_SET };
const SEG_NAME: Record<number, AsPathSegmentType> = { [AS_SET]: 'set', [AS_SEQUENCE]: 'sequence', [AS_CONFED_SEQUENCE]: 'confed-sequence', [AS_CONFED_SET]: 'confed-set' };
const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

/** A received UPDATE in RIB terms. */
export interface ReceivedUpdate {
  /** Announced prefixes grouped by their attribute set (one set per family in practice). */
  readonly announced: { attrs: PathAttrs; prefixes: string[] }[];
  readonly withdrawn: string[];
  /** Set when the UPDATE is an End-of-RIB marker. */
  readonly endOfRib?: Afi;
  /**
   * The prefix texts and attribute sets are the process-wide copies (internString,
   * internAttrs): a shared message's view, interned once for every client that receives it.
   */
  readonly interned?: boolean;
}

function toSegments(w: readonly WireSegment[]): AsPathSegment[] {
  return w.map((s) => ({ type: SEG_TYPE[s.type], asns: s.asns }));
}

/** RFC 6793 §4.2.3: rebuild the true path from AS_PATH and AS4_PATH of a 2-octet session. */
export function mergeAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[]): AsPathSegment[] {
  const len = (p: AsPathSegment[]): number => p.reduce((n, s) => n + (s.type === AS_SEQUENCE ? s.asns.length : s.type === AS_SET ? 1 : 0), 0);
  const n = len(asPath);
  const n4 = len(as4Path);
  if (n4 > n) return asPath;
  let keep = n - n4;
  const head: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0) break;
    if (s.type === AS_SEQUENCE) {
      const take = s.asns.slice(0, keep);
      head.push({ type: AS_SEQUENCE, asns: take });
      keep -= take.length;
    } else if (s.type === AS_SET) {
      head.push(s);
      keep -= 1;
    } else {
      head.push(s);
    }
  }
  return [...head, ...as4Path];
}

function prefix6Key(p: Nlri6): string {
  return `${p.addr}/${p.len}`;
}

/**
 * The IPv4 attribute set of an attribute list without MP attributes, per list (by identity)
 * and AS4 mode: the codec hands out one list per distinct attribute section, so the many
 * UPDATEs carrying the same attributes map to one PathAttrs object (which the RIB interns).
 */
const FROM_WIRE = new WeakMap<readonly PathAttribute[], [as2?: PathAttrs, as4?: PathAttrs]>();

/**
 * RIB views of the UPDATE messages the codec shares (frozen: one object for every copy of the
 * same bytes, see codec/update.ts), per AS4 mode: a reflected route reaches each client as the
 * same message, so its prefix texts and attribute set are made once for all of them.
 */
const RECEIVED = new WeakMap<UpdateMessage, [as2?: ReceivedUpdate, as4?: ReceivedUpdate]>();

function frozenReceived(u: ReceivedUpdate): ReceivedUpdate {
  for (const g of u.announced) {
    g.attrs = internAttrs(g.attrs);
    for (let i = 0; i < g.prefixes.length; i++) g.prefixes[i] = internString(g.prefixes[i]!);
    Object.freeze(g.prefixes);
    Object.freeze(g);
  }
  for (let i = 0; i < u.withdrawn.length; i++) u.withdrawn[i] = internString(u.withdrawn[i]!);
  Object.freeze(u.withdrawn);
  Object.freeze(u.announced);
  // One literal with every field, not `{ ...u, interned: true }`: V8 gave each spread-and-frozen
  // copy a map of its own, so every read of a received view (four per UPDATE at each client)
  // missed its inline cache — 30 % of a reflector client's receive path (bench/bgp/rr-client.ts).
  return Object.freeze({ announced: u.announced, withdrawn: u.withdrawn, endOfRib: u.endOfRib, interned: true });
}

/** Converts a decoded UPDATE; `as4` tells whether AS4_PATH must be merged (2-octet session). Never mutate the result. */
export function fromWireUpdate(msg: UpdateMessage, as4: boolean): ReceivedUpdate {
  if (!Object.isFrozen(msg)) return convertUpdate(msg, as4);
  let memo = RECEIVED.get(msg);
  if (!memo) RECEIVED.set(msg, (memo = []));
  return (memo[as4 ? 1 : 0] ??= frozenReceived(convertUpdate(msg, as4)));
}

function convertUpdate(msg: UpdateMessage, as4: boolean): ReceivedUpdate {
  const withdrawn: string[] = [];
  for (const p of msg.withdrawn) withdrawn.push(formatPrefix4(p));
  if (msg.attributes.length === 0 && msg.nlri.length === 0 && msg.withdrawn.length === 0) {
    return { announced: [], withdrawn, endOfRib: 'ipv4' };
  }
  const known = msg.nlri.length > 0 ? FROM_WIRE.get(msg.attributes)?.[as4 ? 1 : 0] : undefined;
  if (known) {
    const prefixes = new Array<string>(msg.nlri.length);
    for (let i = 0; i < msg.nlri.length; i++) prefixes[i] = formatPrefix4(msg.nlri[i]!);
    const announced = [{ attrs: known, prefixes }];
    if (!withdrawn.length) return { announced, withdrawn };
    const ann = new Set(prefixes);
    return { announced, withdrawn: withdrawn.filter((p) => !ann.has(p)) };
  }
  let origin = 2;
  let asPath: AsPathSegment[] = [];
  let as4Path: AsPathSegment[] | undefined;
  let nextHop = '';
  const a: { -readonly [K in keyof PathAttrs]: PathAttrs[K] } = { origin, asPath, nextHop };
  const unknown: RawAttr[] = [];
  let v6: { nextHop: string; nlri: readonly Nlri6[] } | undefined;
  let v4mp: { nextHop: string; nlri: readonly Nlri4[] } | undefined;
  let as4Aggregator: { as: number; address: string } | undefined;
  for (const attr of msg.attributes) {
    switch (attr.kind) {
      case 'origin': origin = ORIGINS.indexOf(attr.origin); break;
      case 'as-path': asPath = toSegments(attr.segments); break;
      case 'as4-path': as4Path = toSegments(attr.segments); break;
      case 'next-hop': nextHop = formatIPv4(attr.nextHop); break;
      case 'med': a.med = attr.med; break;
      case 'local-pref': a.localPref = attr.localPref; break;
      case 'atomic-aggregate': a.atomicAggregate = true; break;
      case 'aggregator': a.aggregator = { as: attr.asn, address: formatIPv4(attr.address) }; break;
      case 'as4-aggregator': as4Aggregator = { as: attr.asn, address: formatIPv4(attr.address) }; break;
      case 'communities': a.communities = attr.communities; break;
      case 'large-communities': a.largeCommunities = attr.communities.map((c) => [c.global, c.local1, c.local2] as const); break;
      case 'originator-id': a.originatorId = attr.originatorId; break;
      case 'cluster-list': a.clusterList = attr.clusterIds; break;
      case 'mp-reach':
        if (attr.family === 'ipv6-unicast') v6 = { nextHop: attr.nextHop, nlri: attr.nlri };
        // Some speakers carry IPv4 unicast in MP_REACH too (RFC 4760 allows it).
        else if (attr.family === 'ipv4-unicast') v4mp = { nextHop: formatIPv4(attr.nextHop), nlri: attr.nlri };
        break;
      case 'mp-unreach':
        if (attr.family === 'ipv6-unicast') {
          if (attr.withdrawn.length === 0 && msg.attributes.length === 1 && msg.nlri.length === 0) return { announced: [], withdrawn, endOfRib: 'ipv6' };
          for (const p of attr.withdrawn) withdrawn.push(prefix6Key(p));
        } else if (attr.family === 'ipv4-unicast') {
          for (const p of attr.withdrawn) withdrawn.push(formatPrefix4(p));
        }
        break;
      case 'unknown':
        // Optional transitive attributes are passed on with the Partial bit (RFC 4271 §5).
        if (attr.flags & FLAG_OPTIONAL && attr.flags & FLAG_TRANSITIVE) unknown.push({ flags: attr.flags | 0x20, code: attr.code, value: attr.value });
        break;
      default:
        break;
    }
  }
  // AS4_* are only meaningful from a 2-octet speaker; discard them otherwise (RFC 6793 §4.1).
  if (!as4 && as4Path) asPath = mergeAs4Path(asPath, as4Path);
  if (!as4 && as4Aggregator && a.aggregator?.as === AS_TRANS) a.aggregator = as4Aggregator;
  a.origin = origin < 0 ? 2 : origin;
  a.asPath = asPath;
  if (unknown.length) a.unknown = unknown;
  const announced: { attrs: PathAttrs; prefixes: string[] }[] = [];
  if (msg.nlri.length) {
    const prefixes = new Array<string>(msg.nlri.length);
    for (let i = 0; i < msg.nlri.length; i++) prefixes[i] = formatPrefix4(msg.nlri[i]!);
    const attrs: PathAttrs = { ...a, nextHop };
    if (!v4mp && !v6) {
      let memo = FROM_WIRE.get(msg.attributes);
      if (!memo) FROM_WIRE.set(msg.attributes, (memo = []));
      memo[as4 ? 1 : 0] = attrs;
    }
    announced.push({ attrs, prefixes });
  }
  if (v4mp && v4mp.nlri.length) announced.push({ attrs: { ...a, nextHop: v4mp.nextHop }, prefixes: v4mp.nlri.map(formatPrefix4) });
  if (v6 && v6.nlri.length) announced.push({ attrs: { ...a, nextHop: v6.nextHop }, prefixes: v6.nlri.map(prefix6Key) });
  // A prefix both withdrawn and announced counts as announced (§4.3).
  if (withdrawn.length && announced.length) {
    const ann = new Set(announced.flatMap((g) => g.prefixes));
    return { announced, withdrawn: withdrawn.filter((p) => !ann.has(p)) };
  }
  return { announced, withdrawn };
}

function wireSegments(p: readonly AsPathSegment[], map: (asn: number) => number = (x) => x): WireSegment[] {
  return p.map((s) => ({ type: SEG_NAME[s.type] ?? 'sequence', asns: s.asns.map(map) }));
}

function parsePrefix6(key: string): Nlri6 {
  const slash = key.lastIndexOf('/');
  return { addr: key.slice(0, slash), len: Number(key.slice(slash + 1)) };
}

/**
 * IPv4 attribute lists per attribute set (by identity) and AS4 mode: one list per interned
 * set, so the codec encodes each set once however many peers and UPDATEs carry it.
 */
const TO_WIRE4 = new WeakMap<PathAttrs, [as2?: PathAttribute[], as4?: PathAttribute[]]>();

/** The attribute list for an IPv4 UPDATE carrying `a`; the same list for the same set (never mutate it). */
export function wireAttributes4(a: PathAttrs, as4: boolean): PathAttribute[] {
  let memo = TO_WIRE4.get(a);
  if (!memo) TO_WIRE4.set(a, (memo = []));
  return (memo[as4 ? 1 : 0] ??= toWireAttributes(a, as4, 'ipv4'));
}

/** The attribute list for an UPDATE (without NLRI-carrying MP attributes). */
export function toWireAttributes(a: PathAttrs, as4: boolean, afi: Afi, nlri6: Nlri6[] = []): PathAttribute[] {
  const out: PathAttribute[] = [];
  out.push({ kind: 'origin', origin: ORIGINS[a.origin] ?? 'incomplete' });
  const needs4 = !as4 && a.asPath.some((s) => s.asns.some((x) => x > 0xffff));
  if (afi === 'ipv6') out.push({ kind: 'mp-reach', family: 'ipv6-unicast', nextHop: a.nextHop, nlri: nlri6 });
  out.push({ kind: 'as-path', segments: wireSegments(a.asPath, needs4 ? (x) => (x > 0xffff ? AS_TRANS : x) : undefined) });
  if (afi === 'ipv4') out.push({ kind: 'next-hop', nextHop: parseIPv4(a.nextHop) });
  if (a.med !== undefined) out.push({ kind: 'med', med: a.med });
  if (a.localPref !== undefined) out.push({ kind: 'local-pref', localPref: a.localPref });
  if (a.atomicAggregate) out.push({ kind: 'atomic-aggregate' });
  if (a.aggregator) {
    const big = !as4 && a.aggregator.as > 0xffff;
    out.push({ kind: 'aggregator', asn: big ? AS_TRANS : a.aggregator.as, address: parseIPv4(a.aggregator.address) });
    if (big) out.push({ kind: 'as4-aggregator', asn: a.aggregator.as, address: parseIPv4(a.aggregator.address) });
  }
  if (a.communities?.length) out.push({ kind: 'communities', communities: a.communities });
  if (a.originatorId !== undefined) out.push({ kind: 'originator-id', originatorId: a.originatorId });
  if (a.clusterList?.length) out.push({ kind: 'cluster-list', clusterIds: a.clusterList });
  if (needs4) out.push({ kind: 'as4-path', segments: wireSegments(a.asPath) });
  if (a.largeCommunities?.length) out.push({ kind: 'large-communities', communities: a.largeCommunities.map(([g, l1, l2]) => ({ global: g, local1: l1, local2: l2 })) });
  for (const u of a.unknown ?? []) out.push({ kind: 'unknown', code: u.code, flags: u.flags, value: u.value });
  return out;
}

function nlriBytes(len: number): number {
  return 1 + ((len + 7) >> 3);
}

/**
 * Splits one batch into UPDATE messages within `maxLength`. `attrSize(attrs)` returns the
 * encoded size of the path attribute section without NLRI (measured once per set by the caller).
 */
export function toWireUpdates(b: UpdateBatch, as4: boolean, attrSize: (attrs: PathAttribute[]) => number, maxLength = MAX_MESSAGE_LENGTH): UpdateMessage[] {
  const out: UpdateMessage[] = [];
  // Header 19 + withdrawn length 2 + attributes length 2.
  const room = maxLength - 23;
  if (b.afi === 'ipv4') {
    if (b.withdrawn.length) {
      let cur: Nlri4[] = [];
      let used = 0;
      for (const key of b.withdrawn) {
        const p = parsePrefix4(key);
        const n = nlriBytes(p.len);
        if (used + n > room) { out.push({ type: 'update', withdrawn: cur, attributes: [], nlri: [] }); cur = []; used = 0; }
        cur.push(p);
        used += n;
      }
      out.push({ type: 'update', withdrawn: cur, attributes: [], nlri: [] });
    }
    if (b.attrs && b.nlri.length) {
      const attributes = wireAttributes4(b.attrs, as4);
      const avail = room - attrSize(attributes);
      let cur: Nlri4[] = [];
      let used = 0;
      for (const key of b.nlri) {
        const p = parsePrefix4(key);
        const n = nlriBytes(p.len);
        if (used + n > avail) { out.push({ type: 'update', withdrawn: [], attributes, nlri: cur }); cur = []; used = 0; }
        cur.push(p);
        used += n;
      }
      out.push({ type: 'update', withdrawn: [], attributes, nlri: cur });
    }
    return out;
  }
  if (b.withdrawn.length) {
    // MP_UNREACH: flags, code, 2-byte length, AFI/SAFI 3 bytes.
    const avail = room - 7;
    let cur: Nlri6[] = [];
    let used = 0;
    const flush = (): void => { out.push({ type: 'update', withdrawn: [], attributes: [{ kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: cur }], nlri: [] }); };
    for (const key of b.withdrawn) {
      const p = parsePrefix6(key);
      const n = nlriBytes(p.len);
      if (used + n > avail) { flush(); cur = []; used = 0; }
      cur.push(p);
      used += n;
    }
    flush();
  }
  if (b.attrs && b.nlri.length) {
    const avail = room - attrSize(toWireAttributes(b.attrs, as4, 'ipv6', [])) - 2;
    let cur: Nlri6[] = [];
    let used = 0;
    for (const key of b.nlri) {
      const p = parsePrefix6(key);
      const n = nlriBytes(p.len);
      if (used + n > avail) { out.push({ type: 'update', withdrawn: [], attributes: toWireAttributes(b.attrs, as4, 'ipv6', cur), nlri: [] }); cur = []; used = 0; }
      cur.push(p);
      used += n;
    }
    out.push({ type: 'update', withdrawn: [], attributes: toWireAttributes(b.attrs, as4, 'ipv6', cur), nlri: [] });
  }
  return out;
}

/** The End-of-RIB marker of a family (RFC 4724 §2). */
export function endOfRib(afi: Afi): UpdateMessage {
  return afi === 'ipv4'
    ? { type: 'update', withdrawn: [], attributes: [], nlri: [] }
    : { type: 'update', withdrawn: [], attributes: [{ kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [] }], nlri: [] };
}
