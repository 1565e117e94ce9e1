/**
 * The browser's side of the server API: typed fetches and the live WebSocket (reconnecting).
 * Nothing here knows React.
 */
import type {
  CaptureSummary, ExecResponse, LinkState, HopsResponse, NodeSummary, PacketsResponse, ServerMessage, TopologyResponse,
} from '../../../engine/server/api-types.ts';
import type { PodlabEvent } from '../../../engine/events.ts';

async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await r.json() as T & { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
  return body;
}

/** GET /api/topology */
export const fetchTopology = (): Promise<TopologyResponse> => getJson('/api/topology');
/** GET /api/nodes */
export const fetchNodes = (): Promise<NodeSummary[]> => getJson('/api/nodes');
/** GET /api/captures */
export const fetchCaptures = (): Promise<CaptureSummary[]> => getJson('/api/captures');
/** GET /api/events?since=N&limit=M: up to M scenario events (events.ts) from index N (the server caps M). */
export const fetchEvents = (since: number, limit?: number): Promise<PodlabEvent[]> =>
  getJson(`/api/events?since=${since}${limit ? `&limit=${limit}` : ''}`);
/** GET /api/links */
export const fetchLinks = (): Promise<LinkState[]> => getJson('/api/links');
/** GET /api/packets?since=N */
export const fetchPackets = (since: number): Promise<PacketsResponse> => getJson(`/api/packets?since=${since}`);
/** GET /api/hops?since=N */
export const fetchHops = (since: number): Promise<HopsResponse> => getJson(`/api/hops?since=${since}`);

/** Runs a command line on a node (POST /api/exec); `quiet` for the UI's own reads (not announced as commands). */
export async function execOnNode(node: string, command: string, opts: { quiet?: boolean } = {}): Promise<ExecResponse> {
  const body = JSON.stringify(opts.quiet ? { node, command, quiet: true } : { node, command });
  const r = await fetch('/api/exec', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const res = await r.json() as ExecResponse & { error?: string };
  if (!r.ok) return { node, command, stdout: '', stderr: `${res.error ?? r.statusText}\n`, code: 255 };
  return res;
}

/** Opens the live stream; reconnects after a drop. Returns a function that closes it for good. */
export function connectLive(onMessage: (m: ServerMessage) => void, onState: (up: boolean) => void): () => void {
  let ws: WebSocket | undefined;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = (): void => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onopen = () => onState(true);
    ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)) as ServerMessage);
    ws.onclose = () => {
      onState(false);
      if (!closed) retry = setTimeout(open, 1000);
    };
  };
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    ws?.close();
  };
}
