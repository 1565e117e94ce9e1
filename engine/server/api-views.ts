/**
 * The JSON bodies of the read-only API routes, computed from a UiBackend. Pure (no Node
 * APIs): the HTTP server answers with them, and the browser computes the very same bodies
 * for a recording it opened from disk — one replay code path, whoever serves it.
 */
import { formatPrefix4 } from '../net/ip.ts';
import type { PodlabEvent } from '../events.ts';
import type { UiBackend } from './backend.ts';
import type { CaptureSummary, HopsResponse, LinkState, NodeSummary, PacketsResponse, TopologyResponse } from './api-types.ts';

/** GET /api/topology */
export function topologyView(b: UiBackend): TopologyResponse {
  return { topology: b.topology, namespaces: b.namespaces(), runtime: b.runtime, mode: b.mode };
}

/** GET /api/nodes */
export function nodesView(b: UiBackend): NodeSummary[] {
  return b.topology.nodes.map((n) => ({
    name: n.name, kind: n.kind,
    interfaces: n.interfaces.map((i) => (i.address ? { name: i.name, address: formatPrefix4(i.address) } : { name: i.name })),
  }));
}

/** GET /api/links */
export function linksView(b: UiBackend): LinkState[] {
  return b.links();
}

/**
 * Most events one /api/events response carries, and the page size when the request names
 * none. A converged 500-node Calico fabric holds ~250,000 route events (every node installs
 * every other node's block): one response of them all was 53 MB, which the browser never
 * finished taking in. A client follows with since = since + length until a page is short.
 */
export const EVENTS_PAGE_MAX = 10_000;

/** GET /api/events?since=N&limit=M: at most `limit` (≤ EVENTS_PAGE_MAX) events from index `since`. */
export function eventsView(b: UiBackend, since: number, limit = EVENTS_PAGE_MAX): PodlabEvent[] {
  const n = Math.max(1, Math.min(limit, EVENTS_PAGE_MAX));
  return b.eventsPage ? b.eventsPage(since, n) : b.events().slice(since, since + n);
}

/** How many events the backend holds (GET /api/events says it in x-podlab-events-total). */
export function eventCount(b: UiBackend): number {
  return b.eventCount ? b.eventCount() : b.events().length;
}

/** GET /api/captures (`pcap` = where the server serves each capture). */
export function capturesView(b: UiBackend): CaptureSummary[] {
  return b.captures().map((c) => ({ ...c, pcap: `/api/pcap/${encodeURIComponent(c.node)}/${encodeURIComponent(c.iface)}` }));
}

/** GET /api/packets?since=N */
export function packetsView(b: UiBackend, since: number): PacketsResponse {
  return { total: b.feed.packetCount(), dropped: b.feed.droppedPackets(), packets: b.feed.packetsSince(since) };
}

/** GET /api/hops?since=N */
export function hopsView(b: UiBackend, since: number): HopsResponse {
  const feed = b.feed;
  const hops = feed.hopsSince(since);
  return { first: feed.firstHop(), next: hops.length ? hops[hops.length - 1]!.seq + 1 : Math.max(since, feed.firstHop()), hops };
}
