/** Looks up, on a live lab, the route each forward/encap hop of a path would take now (quiet `ip route get`). */
import { useEffect, useState } from 'react';
import type { HopEvent } from '../../../../engine/server/api-types.ts';
import { execOnNode } from '../../data/client.ts';
import { routeGetLine, routeKey, routeQueries } from '../../domain/hop-cause.ts';

const NONE: ReadonlyMap<string, string> = new Map();

/** `node dst` → the route line; empty for recordings (nothing runs) or paths without forward/encap hops. */
export function useRouteNow(path: readonly HopEvent[], live: boolean): ReadonlyMap<string, string> {
  const [routes, setRoutes] = useState<ReadonlyMap<string, string>>(NONE);
  useEffect(() => {
    setRoutes(NONE);
    const qs = live ? routeQueries(path) : [];
    if (!qs.length) return;
    let gone = false;
    void Promise.all(qs.map(async (q) => [routeKey(q.node, q.dst), routeGetLine(await execOnNode(q.node, q.command, { quiet: true }))] as const))
      .then((pairs) => { if (!gone) setRoutes(new Map(pairs)); })
      .catch(() => { /* the lab went away: no routes to show */ });
    return () => { gone = true; };
  }, [path, live]);
  return routes;
}
