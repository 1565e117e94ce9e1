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

/** GET /api/events?since=N */
export function eventsView(b: UiBackend, since: number): PodlabEvent[] {
  return b.events().slice(since);
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
