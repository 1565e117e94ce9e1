/**
 * Splitting a logical UPDATE into messages that fit the session's maximum length.
 *
 * The speaker thinks in "these prefixes with these attributes"; the wire caps a message at
 * 4096 bytes (65535 with Extended Message). `splitUpdate` packs greedily: withdrawals first
 * (IPv4 in Withdrawn Routes, IPv6 in an MP_UNREACH of their own), then announcements, each
 * message repeating the path attributes. Withdrawals going first keeps RFC 4271's rule that
 * a prefix both withdrawn and announced ends up announced.
 */
import { maxMessageLength, messageLength } from './messages.ts';
import { MSG_UPDATE, type CodecOptions, type MpReachAttr, type Nlri4, type Nlri6, type PathAttribute, type UpdateMessage } from './types.ts';

const size4 = (p: Nlri4, addPath: boolean): number => (addPath ? 4 : 0) + 1 + ((p.len + 7) >> 3);
const size6 = (p: Nlri6, addPath: boolean): number => (addPath ? 4 : 0) + 1 + ((p.len + 7) >> 3);

/** Cuts `items` into runs whose summed sizes stay within `room`. */
function chunks<T>(items: readonly T[], size: (x: T) => number, room: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let used = 0;
  for (const x of items) {
    const s = size(x);
    if (s > room) throw new RangeError(`a ${s}-byte prefix cannot fit in ${room} bytes of room`);
    if (used + s > room && cur.length > 0) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(x);
    used += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** True when the message encodes within `max` (an attribute over 65535 bytes does not fit). */
function fits(m: UpdateMessage, opts: CodecOptions, max: number): boolean {
  try {
    return messageLength(m, opts) <= max;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/** Splits an UPDATE into as few UPDATEs as fit the session; one that already fits is returned as is. */
export function splitUpdate(m: UpdateMessage, opts: CodecOptions): UpdateMessage[] {
  const max = maxMessageLength(MSG_UPDATE, opts);
  if (fits(m, opts, max)) return [m];
  const ap4 = !!opts.addPath?.ipv4;
  const ap6 = !!opts.addPath?.ipv6;
  const out: UpdateMessage[] = [];
  const reach = m.attributes.find((a): a is MpReachAttr => a.kind === 'mp-reach');
  const unreach = m.attributes.find((a) => a.kind === 'mp-unreach');
  const common = m.attributes.filter((a) => a.kind !== 'mp-reach' && a.kind !== 'mp-unreach');
  const empty: UpdateMessage = { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  // Two spare bytes cover an attribute length growing from 1 to 2 bytes (Extended Length).
  const roomOf = (skeleton: UpdateMessage): number => max - messageLength(skeleton, opts) - 2;

  for (const c of chunks(m.withdrawn, (p) => size4(p, ap4), roomOf(empty))) out.push({ ...empty, withdrawn: c });
  if (unreach && unreach.kind === 'mp-unreach') {
    if (unreach.family === 'ipv6-unicast') {
      const sk: UpdateMessage = { ...empty, attributes: [{ ...unreach, withdrawn: [] }] };
      for (const c of chunks(unreach.withdrawn, (p) => size6(p, ap6), roomOf(sk))) out.push({ ...empty, attributes: [{ ...unreach, withdrawn: c }] });
    } else if (unreach.family === 'ipv4-unicast') {
      const sk: UpdateMessage = { ...empty, attributes: [{ ...unreach, withdrawn: [] }] };
      for (const c of chunks(unreach.withdrawn, (p) => size4(p, ap4), roomOf(sk))) out.push({ ...empty, attributes: [{ ...unreach, withdrawn: c }] });
    } else out.push({ ...empty, attributes: [unreach] });
  }
  if (m.nlri.length > 0) {
    const sk: UpdateMessage = { ...empty, attributes: common };
    for (const c of chunks(m.nlri, (p) => size4(p, ap4), roomOf(sk))) out.push({ ...empty, attributes: common, nlri: c });
  }
  if (reach) {
    const withNlri = (nlri: readonly (Nlri4 | Nlri6)[]): PathAttribute[] => {
      const r = { ...reach, nlri } as MpReachAttr;
      // Keep the received position of MP_REACH among the attributes.
      return m.attributes.filter((a) => a.kind !== 'mp-unreach').map((a) => (a === reach ? r : a));
    };
    if (reach.family === 'other') out.push({ ...empty, attributes: withNlri([] as Nlri4[]).map((a) => (a.kind === 'mp-reach' ? reach : a)) });
    else {
      const sk: UpdateMessage = { ...empty, attributes: withNlri([]) };
      const list = reach.nlri as readonly (Nlri4 | Nlri6)[];
      const size = reach.family === 'ipv6-unicast' ? (p: Nlri4 | Nlri6) => size6(p as Nlri6, ap6) : (p: Nlri4 | Nlri6) => size4(p as Nlri4, ap4);
      for (const c of chunks(list, size, roomOf(sk))) out.push({ ...empty, attributes: withNlri(c) });
    }
  }
  return out;
}
