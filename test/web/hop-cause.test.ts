/**
 * What is responsible for each hop: forward hops on a live lab (floors.yaml) carry the
 * destination, and the node's `ip route get` now goes out of the same device the trace saw;
 * drops say their reason (and rule when the trace carries one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer, type HopEvent, type HopsResponse } from '../../engine/server/index.ts';
import { hopCause, needsRoute, nodeCauses, routeGetLine, routeKey, routeQueries } from '../../web/src/domain/hop-cause.ts';

let ui: UiServer;
let lab: SimLab;

function get<T>(path: string): Promise<T> {
  return new Promise((ok, fail) => {
    request(`${ui.url.replace(/\/$/, '')}${path}`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok(JSON.parse(Buffer.concat(chunks).toString()) as T));
    }).on('error', fail).end();
  });
}

beforeAll(async () => {
  const t = await loadTopology('topologies/floors.yaml');
  lab = SimLab.deploy(t.topology!);
  ui = await serveUi(lab, { port: 0, build: false });
});
afterAll(async () => {
  await ui?.close();
});

describe('hop causes', () => {
  it('forward hops across floors: the route looked up now leaves by the device the trace saw', async () => {
    expect(lab.exec('master-01', 'ping -c 1 10.30.2.11').code).toBe(0);
    const hops = (await get<HopsResponse>('/api/hops?since=0')).hops as HopEvent[];
    const fwd = hops.filter((h) => h.hop === 'forward' && h.dst === '10.30.2.11');
    expect(fwd.map((h) => h.node)).toEqual(['floor1-tor', 'floor2-tor']);
    const qs = routeQueries(fwd);
    expect(qs.map((q) => q.command)).toEqual(['ip route get 10.30.2.11', 'ip route get 10.30.2.11']);
    const routes = new Map(qs.map((q) => [routeKey(q.node, q.dst), routeGetLine(lab.exec(q.node, q.command))]));
    for (const h of fwd) {
      const cause = hopCause(h, routes)!;
      expect(cause).toMatch(/^route now: 10\.30\.2\.11 /);
      expect(cause).toContain(` dev ${h.outDev} `);
      expect(cause).not.toMatch(/uid|cache/);
    }
    expect(routes.get(routeKey('floor1-tor', '10.30.2.11'))).toBe('10.30.2.11 via 10.30.0.2 dev eth2 src 10.30.0.1');
  });

  it('drops say why; other hops need no route; unknown lookups say nothing', () => {
    const base = { seq: 1, t: 0, node: 'n1', text: '' };
    expect(hopCause({ ...base, hop: 'drop', reason: 'netfilter', rule: '-A cali-tw-x -j DROP' }, new Map())).toBe('drop: netfilter — -A cali-tw-x -j DROP');
    expect(hopCause({ ...base, hop: 'drop', reason: 'rp-filter' }, new Map())).toBe('drop: rp-filter');
    expect(needsRoute({ ...base, hop: 'rx', dst: '10.0.0.1' })).toBe(false);
    expect(hopCause({ ...base, hop: 'forward', dst: '10.0.0.1' }, new Map())).toBeUndefined();
    const path: HopEvent[] = [{ ...base, hop: 'encap', dst: '10.5.2.1' }, { ...base, seq: 2, hop: 'drop', reason: 'mtu' }, { ...base, seq: 3, node: 'n2', hop: 'deliver' }];
    expect(nodeCauses(path, 'n1', new Map([['n1 10.5.2.1', '10.5.2.1 dev tunl0']]))).toEqual(['route now: 10.5.2.1 dev tunl0', 'drop: mtu']);
    expect(nodeCauses(path, 'n2', new Map())).toEqual([]);
    // A route that now leaves by another device than the hop did says so.
    expect(hopCause({ ...base, hop: 'forward', dev: 'cali1', outDev: 'tunl0', dst: '10.5.2.1' }, new Map([['n1 10.5.2.1', '10.5.2.1 via 10.30.200.2 dev eth0 src 10.30.200.1']])))
      .toBe('route now: 10.5.2.1 via 10.30.200.2 dev eth0 src 10.30.200.1 (the packet left by tunl0: the table has changed since)');
  });

  it('a failed lookup reads as "no route now" with the kernel\'s words', () => {
    const r = lab.exec('floor1-tor', 'ip route get 10.99.0.1');
    expect(r.code).not.toBe(0);
    expect(routeGetLine(r)).toBe('no route now (Network is unreachable)');
  });
});
