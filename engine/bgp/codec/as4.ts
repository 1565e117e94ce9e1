/**
 * RFC 6793 between a 4-octet speaker and a 2-octet (OLD) peer.
 *
 * Sending: ASNs above 65535 cannot be written in a 2-octet AS_PATH/AGGREGATOR, so they
 * become AS_TRANS and the real values travel in AS4_PATH / AS4_AGGREGATOR (`toTwoOctet`,
 * applied by the encoder when `opts.as4` is false). Receiving: `normalizeAs4` rebuilds the
 * real path and aggregator from what an OLD peer sent, and drops AS4_* attributes that a NEW
 * peer must not send (§4.1: discard them).
 */
import { mergeAs4Path, needsAs4, toAsTrans } from './aspath.ts';
import { attributeCode, findAttribute } from './attributes.ts';
import { AS_TRANS, type CodecOptions, type PathAttribute } from './types.ts';

/** Inserts an attribute before the first one with a higher type code (the usual order). */
function insertByCode(attrs: PathAttribute[], a: PathAttribute): void {
  const code = attributeCode(a);
  const at = attrs.findIndex((x) => attributeCode(x) > code);
  if (at < 0) attrs.push(a);
  else attrs.splice(at, 0, a);
}

/**
 * The attribute list as a 4-octet speaker sends it to a 2-octet peer: AS_PATH with AS_TRANS
 * plus AS4_PATH when some ASN needs 4 octets, the same for AGGREGATOR. Lists that need no
 * change come back as the same array.
 */
export function toTwoOctet(attrs: readonly PathAttribute[]): readonly PathAttribute[] {
  const path = findAttribute(attrs, 'as-path');
  const agg = findAttribute(attrs, 'aggregator');
  const pathNeeds = !!path && needsAs4(path.segments);
  const aggNeeds = !!agg && agg.asn > 0xffff;
  if (!pathNeeds && !aggNeeds) return attrs;
  const out = attrs.filter((a) => !(pathNeeds && a.kind === 'as4-path') && !(aggNeeds && a.kind === 'as4-aggregator'));
  if (path && pathNeeds) {
    out[out.indexOf(path)] = { kind: 'as-path', segments: toAsTrans(path.segments) };
    // §4.2.2: confederation segments never go into AS4_PATH.
    const segs = path.segments.filter((s) => s.type === 'sequence' || s.type === 'set');
    if (segs.length > 0) insertByCode(out, { kind: 'as4-path', segments: segs });
  }
  if (agg && aggNeeds) {
    out[out.indexOf(agg)] = { kind: 'aggregator', asn: AS_TRANS, address: agg.address };
    insertByCode(out, { kind: 'as4-aggregator', asn: agg.asn, address: agg.address });
  }
  return out;
}

/**
 * The real attributes behind what a peer sent (RFC 6793 §4.1, §4.2.3): on a 4-octet session
 * AS4_* are dropped; on a 2-octet one AS4_AGGREGATOR replaces an AS_TRANS aggregator, AS4_PATH
 * is merged into AS_PATH, and both are then dropped. When AGGREGATOR names a real 2-octet AS,
 * the AS4 attributes are stale and ignored.
 */
export function normalizeAs4(attrs: readonly PathAttribute[], opts: CodecOptions): PathAttribute[] {
  const as4Path = findAttribute(attrs, 'as4-path');
  const as4Agg = findAttribute(attrs, 'as4-aggregator');
  const rest = attrs.filter((a) => a.kind !== 'as4-path' && a.kind !== 'as4-aggregator');
  if (opts.as4 || (!as4Path && !as4Agg)) return rest;
  const agg = findAttribute(rest, 'aggregator');
  if (agg && agg.asn !== AS_TRANS) return rest;
  return rest.map((a) => {
    if (a.kind === 'aggregator' && as4Agg) return { kind: 'aggregator', asn: as4Agg.asn, address: as4Agg.address };
    if (a.kind === 'as-path' && as4Path) return { kind: 'as-path', segments: mergeAs4Path(a.segments, as4Path.segments) };
    return a;
  });
}
