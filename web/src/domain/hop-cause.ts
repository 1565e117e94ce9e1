/**
 * What is responsible for each hop of a packet's path. The trace says what happened
 * (forward, encap, drop…) but not which route matched then, and a node's FIB of the past is
 * gone. So the answer is honest about time: for a live lab the route is looked up now
 * (`ip route get DST` on the node) and labelled "route now"; drops carry their reason (and
 * the netfilter rule when the trace names it), which are facts of the moment they happened.
 */
import type { HopEvent } from '../../../engine/server/api-types.ts';

/** One route lookup the path needs: which node, which destination. */
export interface RouteQuery {
  readonly node: string;
  readonly dst: string;
  /** The command line to run on the node. */
  readonly command: string;
}

/** Key of a lookup in the answers map. */
export function routeKey(node: string, dst: string): string {
  return `${node} ${dst}`;
}

/** The hops whose responsible route can be looked up: forward and encap (the lookup that chose the tunnel). */
export function needsRoute(h: HopEvent): boolean {
  return (h.hop === 'forward' || h.hop === 'encap') && h.dst !== undefined;
}

/** The distinct lookups a path needs, in path order. */
export function routeQueries(path: readonly HopEvent[]): RouteQuery[] {
  const seen = new Set<string>();
  const out: RouteQuery[] = [];
  for (const h of path) {
    if (!needsRoute(h)) continue;
    const k = routeKey(h.node, h.dst!);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ node: h.node, dst: h.dst!, command: `ip route get ${h.dst}` });
  }
  return out;
}

/** `ip route get` output as one line: the route, without the uid/cache noise; the error when there is no route. */
export function routeGetLine(r: { readonly stdout: string; readonly stderr: string; readonly code: number }): string {
  if (r.code !== 0) return `no route now (${r.stderr.trim().replace(/^RTNETLINK answers: /, '') || `exit ${r.code}`})`;
  const first = r.stdout.split('\n')[0] ?? '';
  return first.replace(/\s+uid \d+/, '').replace(/\s+cache\b.*$/, '').trim();
}

/** Why this hop did what it did, in one line (the hop marker's tooltip); undefined when nothing is known. */
export function hopCause(h: HopEvent, routes: ReadonlyMap<string, string>): string | undefined {
  if (h.hop === 'drop') return `drop: ${h.reason ?? 'unknown'}${h.rule ? ` — ${h.rule}` : ''}`;
  // A NAT hop: the rewrite, and the rule that made it (kube-proxy's KUBE-SEP DNAT) on a flow's first packet.
  if (h.hop === 'nat' && h.nat) return `${h.nat.by} ${h.nat.field} ${h.nat.from} → ${h.nat.to}${h.nat.rules?.length ? ` — ${h.nat.rules[h.nat.rules.length - 1]}` : ''}`;
  if (needsRoute(h)) {
    const r = routes.get(routeKey(h.node, h.dst!));
    if (r === undefined) return undefined;
    // The device the packet took then: forward's output, encap's tunnel. A different one now means the table changed since.
    const then = h.hop === 'forward' ? h.outDev : h.dev;
    const now = / dev (\S+)/.exec(r)?.[1];
    return `route now: ${r}${then && now && now !== then ? ` (the packet left by ${then}: the table has changed since)` : ''}`;
  }
  return undefined;
}

/** The causes of all hops at one node, one per line (for a node marker shared by several hops). */
export function nodeCauses(path: readonly HopEvent[], node: string, routes: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const h of path) {
    if (h.node !== node) continue;
    const c = hopCause(h, routes);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}
