/**
 * GET /api/events in pages, and the UI store that follows them: on a converged 40-node Calico
 * rr fabric (1,600 route events among ~1,800) the store, reading 97 events a request, ends
 * with exactly the routes BIRD programmed on every node — the same tables the whole stream
 * read at once gives — while holding route events as compact rows, not as objects.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serveCalicoFabric, type ServedFabric } from '../../bench/ui/calico-fabric.ts';
import { EVENTS_PAGE_MAX, eventsView } from '../../engine/server/api-views.ts';
import type { UiBackend } from '../../engine/server/backend.ts';
import type { PodlabEvent } from '../../engine/events.ts';
import { LabStore } from '../../web/src/data/store.ts';
import type { LabSource } from '../../web/src/data/source.ts';
import { allRoutesAt, tunnelsAt } from '../../web/src/domain/overlays.ts';

const N = 40;

describe(`/api/events paged, on a converged ${N}-node Calico rr fabric`, () => {
  let fabric: ServedFabric;
  const get = async (path: string): Promise<{ status: number; total: string | null; body: unknown }> => {
    const r = await fetch(`${fabric.ui.url}${path}`);
    return { status: r.status, total: r.headers.get('x-podlab-events-total'), body: await r.json() };
  };

  beforeAll(async () => {
    fabric = await serveCalicoFabric(N, { captureAll: false });
  }, 60_000);
  afterAll(async () => {
    await fabric?.close();
  });

  it('answers at most `limit` events from `since`, says how many it holds, and refuses a bad limit in one line', async () => {
    const all = await get('api/events?since=0');
    expect(all.status).toBe(200);
    expect(Number(all.total)).toBe(fabric.events);
    expect((all.body as PodlabEvent[]).length).toBe(Math.min(fabric.events, EVENTS_PAGE_MAX));
    const page = await get('api/events?since=100&limit=50');
    expect((page.body as PodlabEvent[]).map((e) => e.seq)).toEqual((all.body as PodlabEvent[]).slice(100, 150).map((e) => e.seq));
    expect((await get(`api/events?since=${fabric.events}&limit=50`)).body).toEqual([]);
    for (const bad of ['0', '-1', 'x', '1e3']) {
      const r = await get(`api/events?since=0&limit=${bad}`);
      expect(r.status).toBe(400);
      expect((r.body as { error: string }).error).toMatch(/^limit must be/);
    }
  });

  it('caps a response at EVENTS_PAGE_MAX however many are asked for', () => {
    const events = Array.from({ length: 25_000 }, (_, seq) => ({ seq, t: 0, step: 0, type: 'narration', text: 'x' }) as unknown as PodlabEvent);
    const b = { events: () => events } as unknown as UiBackend;
    expect(eventsView(b, 0).length).toBe(EVENTS_PAGE_MAX);
    expect(eventsView(b, 0, 1e9).length).toBe(EVENTS_PAGE_MAX);
    expect(eventsView(b, 24_990, 100).map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 24_990 + i));
  });

  it('the store follows the pages to every node table BIRD programmed', async () => {
    const url = fabric.ui.url;
    const json = async <T>(p: string): Promise<T> => (await fetch(`${url}${p}`)).json() as Promise<T>;
    const asked: number[] = [];
    const source: LabSource = {
      label: 'test', local: false,
      topology: () => json('api/topology'),
      events: (since, limit) => {
        asked.push(limit ?? 0);
        return json(`api/events?since=${since}${limit ? `&limit=${limit}` : ''}`);
      },
      packets: (since) => json(`api/packets?since=${since}`),
      hops: (since) => json(`api/hops?since=${since}`),
      links: () => json('api/links'),
      downloadPcap: () => {},
      connect: () => () => {},
    };
    const store = new LabStore(source, { eventPage: 97 });
    await store.start();
    const s = store.snapshot();
    expect(s.error).toBeUndefined();
    expect(asked.every((l) => l === 97)).toBe(true);
    expect(asked.length).toBe(Math.floor(fabric.events / 97) + 1);
    expect(s.eventsLoaded).toBe(fabric.events);
    // Route events are rows of the log, not entries of `events`.
    expect(s.events.some((e) => e.type === 'calico.route')).toBe(false);
    // The whole stream at once, as the page read it before (no log): the same events, the same tables.
    const whole: PodlabEvent[] = [];
    for (let since = 0; since < fabric.events; since += EVENTS_PAGE_MAX) whole.push(...await json<PodlabEvent[]>(`api/events?since=${since}`));
    const birdEvents = whole.filter((e) => e.type === 'calico.route').length;
    expect(birdEvents).toBe(N * N); // each node's own block's blackhole and the N − 1 others'
    expect(s.routes.size).toBe(birdEvents);
    expect(s.routeEvents).toBe(birdEvents);
    expect(s.events.map((e) => e.seq)).toEqual(whole.filter((e) => e.type !== 'calico.route').map((e) => e.seq));
    const expected = allRoutesAt(whole, Number.POSITIVE_INFINITY);
    const got = allRoutesAt(s.events, Number.POSITIVE_INFINITY, s.routes);
    expect(got.size).toBe(N);
    expect(got).toEqual(expected);
    // And what the nodes' kernels hold: each node routes N − 1 blocks into tunl0.
    for (const [node, list] of got) {
      expect(s.routes.countOf(node)).toBe(list.length);
      const kernel = fabric.lab.exec(node, 'ip route').stdout.split('\n').filter((l) => l.includes(' proto bird')).map((l) => l.trim()).sort();
      expect(list.map((r) => r.text.trim()).sort()).toEqual(kernel);
    }
    // A cursor before the end replays the rows: at the seq of the first route event, one route on one node.
    const first = whole.find((e) => e.type === 'calico.route')!;
    expect(allRoutesAt(s.events, first.seq, s.routes)).toEqual(allRoutesAt(whole, first.seq));
    const mid = whole.filter((e) => e.type === 'calico.route')[700]!.seq;
    expect(allRoutesAt(s.events, mid, s.routes)).toEqual(allRoutesAt(whole, mid));
    // The tunnels the store worked out in slices are the ones one pass over the whole stream gives, and the lab's.
    await vi.waitFor(() => expect(store.snapshot().routeTunnels?.list.length).toBeGreaterThan(0), { timeout: 10_000 });
    const inf = Number.POSITIVE_INFINITY;
    const sliced = tunnelsAt(s.events, inf, [], inf, fabric.lab.topology, -inf, s.routes, store.snapshot().routeTunnels);
    expect(sliced).toEqual(tunnelsAt(whole, inf, [], inf, fabric.lab.topology));
    expect(sliced).toHaveLength(fabric.tunnels);
    store.close();
  }, 60_000);
});
