/**
 * What an UPDATE means for the RIB, and the End-of-RIB marker (RFC 4724 §2).
 *
 * `routeChanges` flattens the base NLRI/withdrawn fields and MP_REACH/MP_UNREACH into
 * per-family announce and withdraw lists, applying RFC 4271 §4.3's rule that a prefix both
 * withdrawn and announced in one UPDATE is announced, and RFC 7606's treat-as-withdraw.
 */
import { findAttribute } from './attributes.ts';
import type { DecodeOutcome, IPv6, Nlri4, Nlri6, PathAttribute, UpdateMessage } from './types.ts';
import type { IPv4 } from '../../net/ip.ts';

export type UnicastFamily = 'ipv4-unicast' | 'ipv6-unicast';

/** The End-of-RIB marker for a family: an empty UPDATE (IPv4) or an empty MP_UNREACH (IPv6). */
export function endOfRib(family: UnicastFamily): UpdateMessage {
  if (family === 'ipv4-unicast') return { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  return { type: 'update', withdrawn: [], attributes: [{ kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [] }], nlri: [] };
}

/** The family whose End-of-RIB this UPDATE is, or null when it is not an End-of-RIB. */
export function isEndOfRib(m: UpdateMessage): UnicastFamily | null {
  if (m.withdrawn.length > 0 || m.nlri.length > 0) return null;
  if (m.attributes.length === 0) return 'ipv4-unicast';
  const a = m.attributes[0]!;
  if (m.attributes.length === 1 && a.kind === 'mp-unreach' && a.family !== 'other' && a.withdrawn.length === 0) return a.family;
  return null;
}

/** Route changes carried by one UPDATE, per family. */
export interface RouteChanges {
  readonly announce4: readonly Nlri4[];
  readonly withdraw4: readonly Nlri4[];
  readonly announce6: readonly Nlri6[];
  readonly withdraw6: readonly Nlri6[];
  /** IPv4 next hop: NEXT_HOP, or the MP_REACH next hop for IPv4 carried there. */
  readonly nextHop4?: IPv4;
  /** IPv6 next hops from MP_REACH. */
  readonly nextHop6?: IPv6;
  readonly linkLocal6?: IPv6;
  /** Attributes that apply to the announced prefixes (MP_* removed). */
  readonly attributes: readonly PathAttribute[];
}

const key = (p: Nlri4 | Nlri6): string => `${p.addr}/${p.len}/${p.pathId ?? ''}`;

/**
 * Flattens a decoded UPDATE. Pass the whole outcome so treat-as-withdraw turns announcements
 * into withdrawals; a session-reset outcome has no routes (throws, as that is a caller bug).
 */
export function routeChanges(o: DecodeOutcome | UpdateMessage): RouteChanges {
  let m: UpdateMessage;
  let withdrawAll = false;
  if ('type' in o) m = o;
  else {
    if (o.kind === 'session-reset' || (o.kind === 'ok' && o.message.type !== 'update')) throw new Error(`routeChanges: outcome ${o.kind} holds no UPDATE`);
    m = o.message as UpdateMessage;
    withdrawAll = o.kind === 'treat-as-withdraw';
  }
  const reach = findAttribute(m.attributes, 'mp-reach');
  const unreach = findAttribute(m.attributes, 'mp-unreach');
  let a4: Nlri4[] = [...m.nlri];
  let w4: Nlri4[] = [...m.withdrawn];
  let a6: Nlri6[] = [];
  let w6: Nlri6[] = [];
  if (reach?.family === 'ipv4-unicast') a4.push(...reach.nlri);
  if (reach?.family === 'ipv6-unicast') a6 = [...reach.nlri];
  if (unreach?.family === 'ipv4-unicast') w4.push(...unreach.withdrawn);
  if (unreach?.family === 'ipv6-unicast') w6 = [...unreach.withdrawn];
  if (withdrawAll) {
    w4 = [...w4, ...a4];
    w6 = [...w6, ...a6];
    a4 = [];
    a6 = [];
  } else {
    const ann4 = new Set(a4.map(key));
    const ann6 = new Set(a6.map(key));
    w4 = w4.filter((p) => !ann4.has(key(p)));
    w6 = w6.filter((p) => !ann6.has(key(p)));
  }
  const nh = findAttribute(m.attributes, 'next-hop');
  const base = {
    announce4: a4,
    withdraw4: w4,
    announce6: a6,
    withdraw6: w6,
    attributes: m.attributes.filter((x) => x.kind !== 'mp-reach' && x.kind !== 'mp-unreach'),
  };
  return {
    ...base,
    ...(nh ? { nextHop4: nh.nextHop } : reach?.family === 'ipv4-unicast' ? { nextHop4: reach.nextHop } : {}),
    ...(reach?.family === 'ipv6-unicast' ? { nextHop6: reach.nextHop, ...(reach.linkLocal ? { linkLocal6: reach.linkLocal } : {}) } : {}),
  };
}
