/**
 * Routes as data: a node's FIB read into RouteEntry values (every table but local, which
 * only mirrors addresses), and the diff between two readings for `routes` events.
 */
import type { KernelState } from '../sim/types.ts';
import { RT_TABLE_LOCAL } from '../sim/types.ts';
import { formatIPv4, formatPrefix4, networkOf } from '../net/ip.ts';
import { dumpOrder, protoName, routeLine } from '../sim/tools/route-view.ts';
import type { RouteEntry } from '../events.ts';

/** The routes of a simulated kernel, in `ip route show table all` order, local table left out. */
export function kernelRoutes(s: KernelState): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const r of dumpOrder(s.routes)) {
    if (r.table === RT_TABLE_LOCAL) continue;
    const dev = r.ifindex !== undefined ? s.devices.get(r.ifindex)?.name : undefined;
    const devless = r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit';
    const e: { -readonly [K in keyof RouteEntry]: RouteEntry[K] } = {
      table: r.table,
      type: r.type,
      dst: formatPrefix4(networkOf(r.dst)),
      proto: protoName(r.protocol),
      scope: r.scope,
      metric: r.metric,
      onlink: r.onlink,
      text: routeLine(r, s, { showTable: true }).trimEnd(),
    };
    if (r.gateway !== undefined) e.via = formatIPv4(r.gateway);
    if (dev !== undefined && !devless) e.dev = dev;
    out.push(e);
  }
  return out;
}

const key = (r: RouteEntry): string => `${r.table} ${r.text}`;

/** What appeared and disappeared between two readings of one node's routes. */
export function diffRoutes(before: readonly RouteEntry[], after: readonly RouteEntry[]): { added: RouteEntry[]; removed: RouteEntry[] } {
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { added: after.filter((r) => !b.has(key(r))), removed: before.filter((r) => !a.has(key(r))) };
}
