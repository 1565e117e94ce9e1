/**
 * What a failure broke, and how far it reaches: the pairs reachable when healthy and not
 * under the failure (minus those the failure takes out by itself), then the partition they
 * make — "node-3a, node-3b cut off from 4 nodes" — in one line. Pure.
 */
import type { FailureCase, PairResult, ProbeEndpoint } from './types.ts';
import { reasonClass } from './reason.ts';

const key = (p: { matrix: string; from: string; to: string }): string => `${p.matrix}|${p.from}|${p.to}`;

/** Pairs that were ok when healthy and fail now, leaving out endpoints on an excused node. */
export function lostPairs(healthy: readonly PairResult[], now: readonly PairResult[], endpoints: readonly ProbeEndpoint[], excused: readonly string[]): PairResult[] {
  const nodeOf = new Map(endpoints.map((e) => [e.id, e.node]));
  const out = new Set(excused);
  const okBefore = new Set(healthy.filter((p) => p.ok).map(key));
  return now.filter((p) => !p.ok && okBefore.has(key(p)) && !out.has(nodeOf.get(p.from) ?? '') && !out.has(nodeOf.get(p.to) ?? ''));
}

/** Pairs gained and lost between two sets of results (same matrices and endpoint names). */
export function pairChanges(before: readonly PairResult[], after: readonly PairResult[]): { gained: PairResult[]; lost: PairResult[] } {
  const was = new Map(before.map((p) => [key(p), p]));
  const gained: PairResult[] = [];
  const lost: PairResult[] = [];
  for (const p of after) {
    const b = was.get(key(p));
    if (!b) continue;
    if (b.ok && !p.ok) lost.push(p);
    if (!b.ok && p.ok) gained.push(p);
  }
  return { gained, lost };
}

/** Groups of topology nodes that can no longer reach the rest (smallest first), from lost and kept pairs. */
export function cutOffGroups(healthy: readonly PairResult[], lost: readonly PairResult[], endpoints: readonly ProbeEndpoint[], excused: readonly string[]): { groups: string[][]; total: number } {
  const nodeOf = new Map(endpoints.map((e) => [e.id, e.node]));
  const out = new Set(excused);
  const lostKeys = new Set(lost.map(key));
  const nodes = [...new Set(endpoints.map((e) => e.node))].filter((n) => !out.has(n));
  // Two nodes stay together when they reached each other before and no pair between them was lost.
  const talked = new Map<string, boolean>();
  for (const p of healthy) {
    if (!p.ok) continue;
    const a = nodeOf.get(p.from);
    const b = nodeOf.get(p.to);
    if (!a || !b || a === b || out.has(a) || out.has(b)) continue;
    const k = a < b ? `${a}|${b}` : `${b}|${a}`;
    talked.set(k, (talked.get(k) ?? true) && !lostKeys.has(key(p)));
  }
  const parent = new Map(nodes.map((n) => [n, n]));
  const find = (n: string): string => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const [k, kept] of talked) {
    if (!kept) continue;
    const [a, b] = k.split('|') as [string, string];
    parent.set(find(a), find(b));
  }
  const comps = new Map<string, string[]>();
  for (const n of nodes) {
    const r = find(n);
    if (!comps.has(r)) comps.set(r, []);
    comps.get(r)!.push(n);
  }
  // Nodes that never talked to anyone (no pods, unreachable by design) are not groups.
  const touched = new Set([...talked.keys()].flatMap((k) => k.split('|')));
  const groups = [...comps.values()].filter((g) => g.some((n) => touched.has(n))).sort((x, y) => x.length - y.length || (x[0]! < y[0]! ? -1 : 1));
  const total = groups.reduce((s, g) => s + g.length, 0);
  return { groups: groups.length > 1 ? groups.slice(0, -1) : [], total };
}

/** The most frequent reason among pairs (ties: first seen). */
export function mainReason(pairs: readonly PairResult[]): string | undefined {
  const n = new Map<string, number>();
  for (const p of pairs) if (p.reason) n.set(p.reason, (n.get(p.reason) ?? 0) + 1);
  let best: string | undefined;
  for (const [r, c] of n) if (best === undefined || c > n.get(best)!) best = r;
  return best;
}

const CLASS_WORDS: Record<ReturnType<typeof reasonClass>, string> = { route: 'no route', policy: 'policy', mtu: 'MTU', bgp: 'BGP', arp: 'ARP', link: 'link down', other: 'no reply' };

/**
 * The one line a broken failure case prints: the failure, who it cuts off from how many, and
 * why (`topologyWhy` — e.g. "leaf3 has no other uplink" — wins over the trace's words).
 */
export function blastText(f: FailureCase, healthy: readonly PairResult[], lost: readonly PairResult[], endpoints: readonly ProbeEndpoint[], excused: readonly string[], topologyWhy?: string): string {
  const { groups, total } = cutOffGroups(healthy, lost, endpoints, excused);
  const reason = mainReason(lost);
  const why = topologyWhy
    ? `${reason ? CLASS_WORDS[reasonClass(reason)] : 'no route'}: ${topologyWhy}`
    : reason ?? 'no reply';
  if (groups.length) {
    const parts = groups.map((g) => `${g.join(', ')} cut off from ${total - g.length} node${total - g.length === 1 ? '' : 's'}`);
    return `${f.text} → ${parts.join('; ')} (${why})`;
  }
  const shown = lost.slice(0, 3).map((p) => `${p.from} → ${p.to}`).join(', ');
  return `${f.text} → ${lost.length} pair${lost.length === 1 ? '' : 's'} lost: ${shown}${lost.length > 3 ? ', …' : ''} (${why})`;
}
