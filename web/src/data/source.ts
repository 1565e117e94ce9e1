/**
 * Where the store reads a lab from: the podlab server over HTTP + WebSocket (a live lab or
 * `podlab replay`), or a recording the browser opened itself (recording-source.ts). Both
 * hand the store the same API bodies (engine/server/api-types.ts).
 */
import type {
  ExecResponse, HopsResponse, LinkState, PacketsResponse, ServerMessage, TopologyResponse,
} from '../../../engine/server/api-types.ts';
import type { PodlabEvent } from '../../../engine/events.ts';
import { connectLive, execOnNode, fetchEvents, fetchHops, fetchLinks, fetchPackets, fetchTopology } from './client.ts';

/** A lab as the store sees it. */
export interface LabSource {
  /** What the header says this is (a server, or the file name of a recording). */
  readonly label: string;
  /** True for a recording opened in the browser (not the server's lab). */
  readonly local: boolean;
  topology(): Promise<TopologyResponse>;
  /** Up to `limit` events from index `since` (a short page: caught up). */
  events(since: number, limit?: number): Promise<PodlabEvent[]>;
  packets(since: number): Promise<PacketsResponse>;
  hops(since: number): Promise<HopsResponse>;
  links(): Promise<LinkState[]>;
  /** Runs a command on a node (live labs only). */
  exec?(node: string, command: string, opts?: { quiet?: boolean }): Promise<ExecResponse>;
  /** Downloads the pcap of one captured interface. */
  downloadPcap(node: string, iface: string): void;
  /** Follows changes; returns a function that stops following. */
  connect(onMessage: (m: ServerMessage) => void, onState: (up: boolean) => void): () => void;
}

/** The podlab server this page came from. */
export function httpSource(): LabSource {
  return {
    label: 'server', local: false,
    topology: fetchTopology, events: fetchEvents, packets: fetchPackets, hops: fetchHops, links: fetchLinks,
    exec: execOnNode,
    downloadPcap: (node, iface) => location.assign(`/api/pcap/${encodeURIComponent(node)}/${encodeURIComponent(iface)}`),
    connect: connectLive,
  };
}
