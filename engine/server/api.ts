/**
 * The JSON API over one simulated lab. Every name in a request is checked against the lab
 * (nodes, captured interfaces) before it is used; commands go to the lab's own tools as one
 * command line split on quotes — never to a shell.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { formatPrefix4 } from '../net/ip.ts';
import type { LiveFeed } from './live-feed.ts';
import { ApiError, checkCommand, checkIndex, checkName, readJsonBody } from './validate.ts';
import type { CaptureSummary, LinkState, ExecResponse, HopsResponse, NodeSummary, PacketsResponse, TopologyResponse } from './api-types.ts';

/** What the API needs besides the lab: the live feed and a hook for executed commands. */
export interface ApiContext {
  readonly lab: SimLab;
  readonly feed: LiveFeed;
  readonly onCommand: (r: ExecResponse) => void;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function knownNode(lab: SimLab, name: unknown): string {
  const n = checkName('node', name);
  if (!lab.topology.nodes.some((x) => x.name === n)) throw new ApiError(404, `no node '${n}' in lab '${lab.topology.name}'`);
  return n;
}

/** Handles one /api/ request; returns false when no route matches. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const { lab, feed } = ctx;
  const path = url.pathname;
  const method = req.method ?? 'GET';
  try {
    if (method === 'GET' && path === '/api/topology') {
      json(res, 200, { topology: lab.topology, runtime: 'sim' } satisfies TopologyResponse);
    } else if (method === 'GET' && path === '/api/nodes') {
      const nodes: NodeSummary[] = lab.topology.nodes.map((n) => ({
        name: n.name, kind: n.kind,
        interfaces: n.interfaces.map((i) => (i.address ? { name: i.name, address: formatPrefix4(i.address) } : { name: i.name })),
      }));
      json(res, 200, nodes);
    } else if (method === 'POST' && path === '/api/exec') {
      const body = await readJsonBody(req);
      const node = knownNode(lab, body.node);
      const command = checkCommand(body.command);
      const r = lab.exec(node, command);
      const out: ExecResponse = { node, command, stdout: r.stdout, stderr: r.stderr, code: r.code };
      ctx.onCommand(out);
      json(res, 200, out);
    } else if (method === 'GET' && path === '/api/links') {
      const links: LinkState[] = lab.world.links.map((l) => ({
        a: l.a.kernel.node, aIf: l.a.dev.name, b: l.b.kernel.node, bIf: l.b.dev.name,
        up: l.up && l.a.dev.adminUp && l.b.dev.adminUp && !l.a.kernel.stopped && !l.b.kernel.stopped,
        latencyMs: l.latencyMs, lossPct: l.lossPct,
      }));
      json(res, 200, links);
    } else if (method === 'GET' && path === '/api/captures') {
      const list: CaptureSummary[] = [...lab.allCaptures().values()].map((c) => ({
        node: c.node, iface: c.dev, frames: c.records.length, pcap: `/api/pcap/${encodeURIComponent(c.node)}/${encodeURIComponent(c.dev)}`,
      }));
      json(res, 200, list);
    } else if (method === 'GET' && path.startsWith('/api/pcap/')) {
      const parts = path.slice('/api/pcap/'.length).split('/').map((p) => { try { return decodeURIComponent(p); } catch { return ''; } });
      if (parts.length !== 2) throw new ApiError(404, 'use /api/pcap/NODE/IFACE');
      const node = knownNode(lab, parts[0]);
      const iface = checkName('interface', parts[1]);
      const c = lab.allCaptures().get(`${node}:${iface}`);
      if (!c) throw new ApiError(404, `no capture on ${node}:${iface}`);
      const bytes = c.toPcap();
      res.writeHead(200, {
        'content-type': 'application/vnd.tcpdump.pcap',
        'content-disposition': `attachment; filename="${node}-${iface}.pcap"`,
        'content-length': String(bytes.length),
        'cache-control': 'no-store',
      });
      res.end(bytes);
    } else if (method === 'GET' && path === '/api/packets') {
      const since = checkIndex('since', url.searchParams.get('since'), 0);
      json(res, 200, { total: feed.packetCount(), packets: feed.packetsSince(since) } satisfies PacketsResponse);
    } else if (method === 'GET' && path === '/api/hops') {
      const since = checkIndex('since', url.searchParams.get('since'), 0);
      const hops = feed.hopsSince(since);
      json(res, 200, { first: feed.firstHop(), next: hops.length ? hops[hops.length - 1]!.seq + 1 : Math.max(since, feed.firstHop()), hops } satisfies HopsResponse);
    } else {
      return false;
    }
  } catch (e) {
    if (e instanceof ApiError) json(res, e.status, { error: e.message });
    else json(res, 500, { error: `internal error: ${(e as Error).message}` });
  }
  return true;
}
