/**
 * The page on a converged 120-node Calico route-reflector fabric (`podlab up` of
 * bench/ui/generate.ts's rr fabric): 14,400 route events (every node installs every node's
 * block: its own as a blackhole, the others' via tunl0) among ~16,300, taken in 500 a request (`?eventPage=500`) so the paging is
 * exercised as a 1,000-node fabric's million events exercise it with the default page. The
 * page must end up showing what the nodes' own tools report: every BGP session and tunnel,
 * and the selected node's routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { serveCalicoFabric, type ServedFabric } from '../../bench/ui/calico-fabric.ts';
import { launchChromium } from './browser.ts';

const ok = haveCommands('chromium');
const N = 120;
const PAGE = 500;

describe.skipIf(!ok)(`UI on a converged ${N}-node Calico rr fabric, events ${PAGE} a request`, () => {
  let fabric: ServedFabric;
  let close: () => Promise<void>;
  let page: Page;
  const eventPages: { since: number; limit: number; length: number }[] = [];

  beforeAll(async () => {
    fabric = await serveCalicoFabric(N, { captureAll: false });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname !== '/api/events') return;
      void r.json().then((body: unknown[]) => eventPages.push({ since: Number(u.searchParams.get('since')), limit: Number(u.searchParams.get('limit')), length: body.length }), () => {});
    });
    await page.goto(`${fabric.ui.url}?eventPage=${PAGE}`);
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await fabric?.close();
  });

  const legend = () => page.locator('[data-testid=overlay-controls]').textContent();

  it('shows every BGP session and tunnel the nodes report, from events fetched a page at a time', async () => {
    // The lab itself: two reflectors, every other node peers with both, the reflectors with each other.
    expect(fabric.sessions).toBe(2 * (N - 2) + 1);
    expect(fabric.tunnels).toBe((N * (N - 1)) / 2);
    expect(fabric.events).toBeGreaterThan(N * (N - 1));
    await page.waitForFunction((w) => w.every((x) => (document.querySelector('[data-testid=overlay-controls]')?.textContent ?? '').includes(x)),
      [`BGP sessions (${fabric.sessions})`, `tunnels (${fabric.tunnels})`], { timeout: 60_000 });
    expect(await legend()).toContain('━ Established');
    // Paged: no response over the page size, each asked from where the last one ended, none past the end.
    await expect.poll(() => eventPages.reduce((a, p) => a + p.length, 0), { timeout: 10_000 }).toBeGreaterThanOrEqual(fabric.events);
    const sorted = [...eventPages].sort((a, b) => a.since - b.since);
    expect(sorted.every((p) => p.limit === PAGE && p.length <= PAGE)).toBe(true);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.since).toBe(sorted[i - 1]!.since + sorted[i - 1]!.length);
    expect(sorted.length).toBeGreaterThanOrEqual(Math.ceil(fabric.events / PAGE));
    expect(await page.locator('text=reconnecting').count()).toBe(0);
  }, 90_000);

  it("shows the selected node's routes: one into tunl0 per other node's block", async () => {
    const name = (await page.locator('[data-testid=inspector] h2').textContent()) ?? '';
    expect(name).toMatch(/^(rr|node)-/);
    const kernel = fabric.lab.exec(name, 'ip route').stdout.split('\n').filter((l) => / dev tunl0 /.test(l));
    expect(kernel).toHaveLength(N - 1);
    const routes = page.locator('[data-testid=inspect-routes]');
    await expect.poll(async () => ((await routes.textContent()) ?? '').match(/tunl0/g)?.length ?? 0, { timeout: 20_000 }).toBe(N - 1);
    // Each kernel route's destination block is on the page.
    const text = (await routes.textContent()) ?? '';
    for (const l of kernel) expect(text).toContain(l.split(' ')[0]!);
  }, 60_000);
});
