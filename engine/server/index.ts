/**
 * The UI server: node:http for the built UI and the JSON API, `ws` for the live stream.
 * Binds 127.0.0.1 by default. Requests must name this server in their Host header (a page
 * on another site cannot reach the API through DNS rebinding) and WebSocket upgrades must
 * come from this server's own origin (no cross-site socket hijacking).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import type { PodlabEvent } from '../events.ts';
import { LiveFeed } from './live-feed.ts';
import { handleApi } from './api.ts';
import { liveBackend, type UiBackend } from './backend.ts';
import { serveStatic } from './static-files.ts';
import { ensureUiBuilt, UI_DIST } from './ui-build.ts';
import type { ServerMessage } from './api-types.ts';

export { ensureUiBuilt, uiIsStale, UI_DIST } from './ui-build.ts';
export type * from './api-types.ts';
export { LiveFeed } from './live-feed.ts';
export { liveBackend } from './backend.ts';
export { recordingBackend } from './recording-backend.ts';
export type { UiBackend, Feed, LiveOptions } from './backend.ts';

/** Options of serveUi. */
export interface ServeOptions {
  /** TCP port (default 7878; 0 picks a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Build web/dist when stale before serving (default true). */
  build?: boolean;
  /** Progress lines (building the UI…). */
  log?: (line: string) => void;
  /** A feed created before a scenario ran on the lab (so the scenario's hops are kept). */
  feed?: LiveFeed;
  /** A scenario run's events, for the timeline. */
  events?: readonly PodlabEvent[];
}

/** A running UI server. */
export interface UiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Largest WebSocket frame a client may send (the stream is one-way: clients only close or ping). */
export const WS_MAX_PAYLOAD = 4096;

function hostAllowed(req: IncomingMessage, bindHost: string, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const ok = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (bindHost !== '127.0.0.1' && bindHost !== 'localhost' && bindHost !== '::1') return true; // served to a network on purpose
  return ok.has(host);
}

/** Serves the web UI and its API for a simulated lab; resolves once listening. */
export async function serveUi(lab: SimLab, opts: ServeOptions = {}): Promise<UiServer> {
  const feed = opts.feed ?? new LiveFeed(lab);
  try {
    return await serveBackend(liveBackend(lab, { feed, ...(opts.events ? { events: opts.events } : {}) }), opts);
  } catch (e) {
    if (!opts.feed) feed.close(); // ours: stop tracing for a server that never listened
    throw e;
  }
}

/** Serves the web UI over any backend (a live lab, a recording); resolves once listening. */
export async function serveBackend(backend: UiBackend, opts: ServeOptions = {}): Promise<UiServer> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.build ?? true) await ensureUiBuilt({ log: opts.log });
  const feed = backend.feed;
  const sockets = new Set<WebSocket>();
  const broadcast = (m: ServerMessage): void => {
    const s = JSON.stringify(m);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(s);
  };
  let sentHops = feed.nextHop();
  let sentPackets = feed.packetCount();
  const offFeed = feed.onChange(() => {
    if (!sockets.size) {
      sentHops = feed.nextHop();
      sentPackets = feed.packetCount();
      return;
    }
    for (;;) {
      const hops = feed.hopsSince(sentHops, 2000);
      if (!hops.length) break;
      sentHops = hops[hops.length - 1]!.seq + 1;
      broadcast({ type: 'hops', hops });
    }
    if (feed.packetCount() !== sentPackets) {
      sentPackets = feed.packetCount();
      broadcast({ type: 'packets', total: sentPackets });
    }
  });
  let port = opts.port ?? 7878;
  const server = createServer((req, res) => {
    if (!hostAllowed(req, host, port)) {
      res.writeHead(421, { 'content-type': 'text/plain' });
      res.end('misdirected request: use http://127.0.0.1 or http://localhost\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://podlab.invalid');
    if (url.pathname.startsWith('/api/')) {
      void handleApi({ backend, onCommand: (r) => broadcast({ type: 'command', t: backend.now(), node: r.node, command: r.command, code: r.code }) }, req, res, url).then((handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `no API route ${req.method} ${url.pathname}` }));
        }
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    void serveStatic(UI_DIST, url.pathname, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  // A protocol violation or an oversize frame is the client's problem, never the lab's:
  // without these handlers `ws` re-emits it as an unhandled 'error' and the process dies.
  wss.on('error', () => { /* listener errors surface through the HTTP server */ });
  server.on('upgrade', (req, socket, head) => {
    // node:http drops its own error listener from an upgraded socket; a reset must not kill us.
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    const url = new URL(req.url ?? '/', 'http://podlab.invalid');
    const sameOrigin = origin === undefined || origin === `http://${req.headers.host}`;
    if (url.pathname !== '/ws' || !hostAllowed(req, host, port) || !sameOrigin) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => {
        // `ws` has already sent the close code (1002 protocol, 1007 bad UTF-8, 1009 too big).
        sockets.delete(ws);
        ws.terminate();
      });
      ws.on('message', () => { /* the stream is one-way; clients use HTTP for requests */ });
      ws.send(JSON.stringify({ type: 'hello', topology: backend.topology.name, hops: feed.nextHop(), packets: feed.packetCount() } satisfies ServerMessage));
    });
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (e) {
    offFeed();
    wss.close();
    throw e;
  }
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: async () => {
      offFeed();
      feed.close();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
