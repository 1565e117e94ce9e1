/**
 * The path of one packet through the fabric, from the hop log: every hop that shares the
 * packet's identity key, in trace order, cut into the burst that contains the clicked
 * packet (the same key may recur much later: a retransmission, an id that wrapped).
 * The result drives the hop-by-hop animation: stops at nodes, moves along links.
 */
import type { HopEvent, PacketRecord } from '../../../engine/server/api-types.ts';

/** Hops further apart than this (virtual ms) belong to different journeys. */
const BURST_GAP_MS = 1000;

/** The hops of the packet `p` (empty when it has no key or its hops were evicted). */
export function packetPath(p: Pick<PacketRecord, 'key' | 'hop' | 't'>, hops: readonly HopEvent[]): HopEvent[] {
  if (!p.key) return [];
  const keys = acrossNat(p.key, hops);
  const same = hops.filter((h) => h.key !== undefined && keys.has(h.key));
  if (!same.length) return [];
  let at = p.hop >= 0 ? same.findIndex((h) => h.seq === p.hop) : -1;
  if (at < 0) {
    // No exact hop (the packet predates the server): the same-key hop closest in time.
    let best = Infinity;
    same.forEach((h, i) => {
      const d = Math.abs(h.t - p.t);
      if (d < best) { best = d; at = i; }
    });
  }
  let lo = at;
  let hi = at;
  while (lo > 0 && same[lo]!.t - same[lo - 1]!.t <= BURST_GAP_MS) lo--;
  while (hi < same.length - 1 && same[hi + 1]!.t - same[hi]!.t <= BURST_GAP_MS) hi++;
  return same.slice(lo, hi + 1);
}

/** The packet's identities on both sides of every NAT hop it went through (a DNAT changes the key mid-path). */
function acrossNat(key: string, hops: readonly HopEvent[]): Set<string> {
  const keys = new Set([key]);
  const nats = hops.filter((h) => h.natFrom !== undefined && h.key !== undefined);
  // A packet crosses at most a few NATs (DNAT, then SNAT): grow the set until it stops changing.
  for (let grew = nats.length > 0; grew;) {
    grew = false;
    for (const h of nats) {
      const a = keys.has(h.natFrom!);
      const b = keys.has(h.key!);
      if (a !== b) { keys.add(h.natFrom!); keys.add(h.key!); grew = true; }
    }
  }
  return keys;
}

/** One move of the animation: at a node (a hop there) or along a link between two devices. */
export type PathStop =
  | { readonly kind: 'node'; readonly node: string; readonly hop: HopEvent }
  | { readonly kind: 'wire'; readonly from: string; readonly fromDev: string; readonly to: string; readonly toDev: string; readonly hop: HopEvent };

/** Turns a hop list into animation stops: each hop is a stop, and a tx followed by an rx on another node adds the wire between them. */
export function pathStops(path: readonly HopEvent[]): PathStop[] {
  const stops: PathStop[] = [];
  let lastTx: HopEvent | undefined;
  for (const h of path) {
    if (h.hop === 'rx' && lastTx && lastTx.node !== h.node && lastTx.dev && h.dev) {
      stops.push({ kind: 'wire', from: lastTx.node, fromDev: lastTx.dev, to: h.node, toDev: h.dev, hop: h });
    }
    stops.push({ kind: 'node', node: h.node, hop: h });
    if (h.hop === 'tx') lastTx = h;
  }
  return stops;
}

/** Marks a node gets on the topology for this path: where the packet was wrapped, unwrapped, NATed or died. */
export function pathMarks(path: readonly HopEvent[]): Map<string, ('encap' | 'decap' | 'drop' | 'deliver' | 'origin' | 'nat')[]> {
  const m = new Map<string, ('encap' | 'decap' | 'drop' | 'deliver' | 'origin' | 'nat')[]>();
  const add = (n: string, k: 'encap' | 'decap' | 'drop' | 'deliver' | 'origin' | 'nat'): void => {
    const l = m.get(n) ?? [];
    if (!l.includes(k)) l.push(k);
    m.set(n, l);
  };
  if (path[0]) add(path[0].node, 'origin');
  for (const h of path) if (h.hop === 'encap' || h.hop === 'decap' || h.hop === 'drop' || h.hop === 'deliver' || h.hop === 'nat') add(h.node, h.hop);
  return m;
}
