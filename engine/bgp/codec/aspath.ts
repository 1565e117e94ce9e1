/**
 * AS_PATH / AS4_PATH segments and the RFC 6793 2-octet ↔ 4-octet transition.
 *
 * The wire width (2 or 4 bytes per ASN) depends on the session, so reading and writing take
 * `as4`. Towards a 2-octet peer an ASN above 65535 becomes AS_TRANS (23456) in AS_PATH and the
 * real path travels in AS4_PATH; from such a peer `mergeAs4Path` rebuilds the real path.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { AS_TRANS, type AsPathSegment, type AsPathSegmentType } from './types.ts';

const SEGMENT_CODES: Record<AsPathSegmentType, number> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };
const SEGMENT_TYPES: Record<number, AsPathSegmentType> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };

/** Writes path segments; sequences longer than 255 ASNs are split into consecutive segments. */
export function writeAsPath(w: ByteWriter, segments: readonly AsPathSegment[], as4: boolean): void {
  for (const s of segments) {
    // An empty segment is malformed on the wire (RFC 7606 §7.2): refuse to write one.
    if (s.asns.length === 0) throw new RangeError(`AS_PATH ${s.type} segment with no ASNs`);
    if (s.asns.length > 255 && s.type !== 'sequence' && s.type !== 'confed-sequence') {
      throw new RangeError(`AS_PATH ${s.type} of ${s.asns.length} ASNs cannot be split (max 255)`);
    }
    for (let i = 0; i < s.asns.length; i += 255) {
      const part = s.asns.slice(i, i + 255);
      w.u8(SEGMENT_CODES[s.type]).u8(part.length);
      for (const a of part) {
        if (as4) w.u32(a);
        else if (a > 0xffff) throw new RangeError(`ASN ${a} does not fit a 2-octet AS_PATH (use AS4_PATH)`);
        else w.u16(a);
      }
    }
  }
}

/** Reads path segments filling [r.pos, r.end); returns the reason on malformed input. */
export function readAsPath(r: ByteReader, as4: boolean): { ok: true; segments: AsPathSegment[] } | { ok: false; reason: string } {
  const segments: AsPathSegment[] = [];
  const width = as4 ? 4 : 2;
  while (r.remaining > 0) {
    if (r.remaining < 2) return { ok: false, reason: 'truncated segment header' };
    const code = r.u8();
    const count = r.u8();
    const type = SEGMENT_TYPES[code];
    if (!type) return { ok: false, reason: `segment type ${code}` };
    if (count === 0) return { ok: false, reason: 'empty segment' };
    if (r.remaining < count * width) return { ok: false, reason: `segment of ${count} ASNs overruns the attribute` };
    const asns: number[] = [];
    for (let i = 0; i < count; i++) asns.push(as4 ? r.u32() : r.u16());
    segments.push({ type, asns });
  }
  return { ok: true, segments };
}

/** Path length for the decision process: a set counts 1, confederation segments count 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/** True when any segment holds the ASN (the §9.1.2 loop check). */
export function asPathContains(segments: readonly AsPathSegment[], asn: number): boolean {
  return segments.some((s) => s.asns.includes(asn >>> 0));
}

/** The neighbour AS: the first ASN of a leading AS_SEQUENCE, or undefined. */
export function firstAs(segments: readonly AsPathSegment[]): number | undefined {
  const s = segments[0];
  return s && s.type === 'sequence' ? s.asns[0] : undefined;
}

/** A copy of the path with `asn` prepended `times` times (merged into a leading sequence). */
export function prependAs(segments: readonly AsPathSegment[], asn: number, times = 1): AsPathSegment[] {
  const add = new Array<number>(times).fill(asn >>> 0);
  const first = segments[0];
  if (first && first.type === 'sequence' && first.asns.length + times <= 255) {
    return [{ type: 'sequence', asns: [...add, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: 'sequence', asns: add }, ...segments];
}

/**
 * Text as BIRD and `ip`-style tools show it: "64512 64513 {64514 64515} (64600)".
 * Sets print in braces, confederation sequences in parentheses, confederation sets in "[( )]".
 */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const body = s.asns.join(' ');
      switch (s.type) {
        case 'sequence': return body;
        case 'set': return `{${body}}`;
        case 'confed-sequence': return `(${body})`;
        case 'confed-set': return `[(${body})]`;
      }
    })
    .join(' ');
}

/** True when some ASN in the path needs 4 octets. */
export function needsAs4(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/** The 2-octet rendering of a path: every ASN above 65535 replaced by AS_TRANS. */
export function toAsTrans(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.map((s) => ({ type: s.type, asns: s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)) }));
}

/**
 * RFC 6793 §4.2.3: rebuild the real path from a 2-octet AS_PATH and AS4_PATH. If AS4_PATH is
 * longer than AS_PATH it is ignored; otherwise the leading ASNs of AS_PATH that AS4_PATH does
 * not cover are kept and AS4_PATH is appended. Lengths count a set as 1, confed segments as 0.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  const len2 = asPathLength(asPath);
  const len4 = asPathLength(as4Path);
  if (len4 > len2) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  let keep = len2 - len4;
  const out: AsPathSegment[] = [];
  // Confederation segments in front are kept whole (they count 0 and AS4_PATH must not hold them).
  for (const s of asPath) {
    if (keep === 0 && s.type !== 'confed-sequence' && s.type !== 'confed-set') break;
    if (s.type === 'confed-sequence' || s.type === 'confed-set') {
      if (keep > 0 || out.length === 0) out.push({ type: s.type, asns: [...s.asns] });
      continue;
    }
    if (s.type === 'set') {
      out.push({ type: 'set', asns: [...s.asns] });
      keep -= 1;
      continue;
    }
    const take = Math.min(keep, s.asns.length);
    out.push({ type: 'sequence', asns: s.asns.slice(0, take) });
    keep -= take;
  }
  const merged = [...out, ...as4Path.map((s) => ({ type: s.type, asns: [...s.asns] }))];
  // Join a trailing kept sequence with a leading AS4_PATH sequence, as the path was one.
  const joined: AsPathSegment[] = [];
  for (const s of merged) {
    const prev = joined[joined.length - 1];
    if (prev && prev.type === 'sequence' && s.type === 'sequence' && prev.asns.length + s.asns.length <= 255) {
      joined[joined.length - 1] = { type: 'sequence', asns: [...prev.asns, ...s.asns] };
    } else joined.push(s);
  }
  return joined;
}
