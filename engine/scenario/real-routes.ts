/**
 * A real node's routes as RouteEntry values — the same data the simulator's FIB gives
 * (scenario/routes.ts) — read from `ip -4 -j -d route show table all` for the fields and
 * `ip -4 route show table all` for the text, which list the same routes in the same order.
 * The local table is left out, as in the simulator: it only mirrors addresses.
 */
import type { RouteEntry } from '../events.ts';
import type { Exec } from '../runtime/linux/exec.ts';
import { routeDst } from '../runtime/linux/kernel-read.ts';

interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  flags?: string[];
}

const TABLES: Readonly<Record<string, number>> = { main: 254, local: 255, default: 253 };

/** Pairs the JSON and text listings into RouteEntry values (pure; exported for tests). */
export function routesFromListings(json: string, text: string): RouteEntry[] {
  const routes = JSON.parse(json || '[]') as IpRoute[];
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const out: RouteEntry[] = [];
  routes.forEach((r, i) => {
    const table = TABLES[r.table ?? 'main'] ?? Number(r.table);
    if (table === 255) return;
    const e: { -readonly [K in keyof RouteEntry]: RouteEntry[K] } = {
      table, type: r.type ?? 'unicast', dst: routeDst(r.dst), proto: r.protocol ?? 'boot', scope: r.scope ?? 'global',
      metric: r.metric ?? 0, onlink: (r.flags ?? []).includes('onlink'), text: lines[i] ?? '',
    };
    if (r.gateway !== undefined) e.via = r.gateway;
    if (r.dev !== undefined) e.dev = r.dev;
    out.push(e);
  });
  return out;
}

/** The routes of the kernel `exec` runs in (every table but local). */
export async function readRoutes(exec: Exec): Promise<RouteEntry[]> {
  const [j, t] = await Promise.all([exec(['ip', '-4', '-j', '-d', 'route', 'show', 'table', 'all']), exec(['ip', '-4', 'route', 'show', 'table', 'all'])]);
  if (j.code !== 0) throw new Error(`ip -j route: ${j.stderr.trim()}`);
  return routesFromListings(j.stdout, t.stdout);
}
