/**
 * The JSON API over one simulated lab. Every name in a request is checked against the lab
 * (nodes, captured interfaces) before it is used; commands go to the lab's own tools as one
 * command line split on quotes — never to a shell.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UiBackend } from './backend.ts';
import { ApiError, checkCommand, checkIndex, checkName, readJsonBody } from './validate.ts';
import type { ExecResponse } from './api-types.ts';
import { execOverBudget } from './exec-budget.ts';
import { EVENTS_PAGE_MAX, capturesView, eventCount, eventsView, hopsView, linksView, nodesView, packetsView, topologyView } from './api-views.ts';

/** What the API serves and a hook for executed commands. */
export interface ApiContext {
  readonly backend: UiBackend;
  readonly onCommand: (r: ExecResponse) => void;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function knownNode(b: UiBackend, name: unknown): string {
  const n = checkName('node', name);
  if (!b.hasNode(n)) throw new ApiError(404, `no node '${n}' in lab '${b.topology.name}'`);
  return n;
}

/** Handles one /api/ request; returns false when no route matches. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const b = ctx.backend;
  const path = url.pathname;
  const method = req.method ?? 'GET';
  try {
    if (method === 'GET' && path === '/api/topology') {
      json(res, 200, topologyView(b));
    } else if (method === 'GET' && path === '/api/nodes') {
      json(res, 200, nodesView(b));
    } else if (method === 'POST' && path === '/api/exec') {
      const body = await readJsonBody(req);
      const node = knownNode(b, body.node);
      const command = checkCommand(body.command);
      if (!b.exec) throw new ApiError(409, 'this is a recording: nothing runs; its commands and their output are in the timeline');
      const over = execOverBudget(command);
      if (over) throw new ApiError(422, over);
      if (body.quiet !== undefined && typeof body.quiet !== 'boolean') throw new ApiError(400, "'quiet' must be true or false");
      const r = await b.exec(node, command);
      const out: ExecResponse = { node, command, stdout: r.stdout, stderr: r.stderr, code: r.code };
      // The UI's own reads (the inspector) are not user actions: they must not echo as commands,
      // or every open inspector would re-read on its own reads.
      if (body.quiet !== true) ctx.onCommand(out);
      json(res, 200, out);
    } else if (method === 'GET' && path === '/api/links') {
      json(res, 200, linksView(b));
    } else if (method === 'GET' && path === '/api/events') {
      const since = checkIndex('since', url.searchParams.get('since'), 0);
      const limit = checkIndex('limit', url.searchParams.get('limit'), EVENTS_PAGE_MAX);
      if (limit < 1) throw new ApiError(400, `limit must be 1 to ${EVENTS_PAGE_MAX}`);
      // The body stays a plain array (recordings' and older clients' shape); the total says whether to follow.
      res.setHeader('x-podlab-events-total', String(eventCount(b)));
      json(res, 200, eventsView(b, since, limit));
    } else if (method === 'GET' && path === '/api/captures') {
      json(res, 200, capturesView(b));
    } else if (method === 'GET' && path.startsWith('/api/pcap/')) {
      const parts = path.slice('/api/pcap/'.length).split('/').map((p) => { try { return decodeURIComponent(p); } catch { return ''; } });
      if (parts.length !== 2) throw new ApiError(404, 'use /api/pcap/NODE/IFACE');
      const node = knownNode(b, parts[0]);
      const iface = checkName('interface', parts[1]);
      const bytes = b.pcap(node, iface);
      if (!bytes) throw new ApiError(404, `no capture on ${node}:${iface}`);
      res.writeHead(200, {
        'content-type': 'application/vnd.tcpdump.pcap',
        'content-disposition': `attachment; filename="${node}-${iface}.pcap"`,
        'content-length': String(bytes.length),
        'cache-control': 'no-store',
      });
      res.end(bytes);
    } else if (method === 'GET' && path === '/api/packets') {
      const since = checkIndex('since', url.searchParams.get('since'), 0);
      json(res, 200, packetsView(b, since));
    } else if (method === 'GET' && path === '/api/hops') {
      const since = checkIndex('since', url.searchParams.get('since'), 0);
      json(res, 200, hopsView(b, since));
    } else {
      return false;
    }
  } catch (e) {
    if (e instanceof ApiError) json(res, e.status, { error: e.message });
    else json(res, 500, { error: `internal error: ${(e as Error).message}` });
  }
  return true;
}
