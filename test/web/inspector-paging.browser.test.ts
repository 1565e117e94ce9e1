/**
 * The inspector's long tables a page at a time, on a converged 240-node Calico rr fabric:
 * a route reflector's `birdc show protocols` (one session per other node) and a node's
 * `ip route` (one tunl0 route per other node's block) show their first 150 rows and a
 * "show more" row; its buttons bring every row the node's own tools print, and another
 * node's tables start again at their first page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { serveCalicoFabric, type ServedFabric } from '../../bench/ui/calico-fabric.ts';
import { PAGE_ROWS } from '../../web/src/components/PagedRows.ts';
import { launchChromium } from './browser.ts';

const ok = haveCommands('chromium');
const N = 240;

describe.skipIf(!ok)(`inspector tables paged on a ${N}-node Calico rr fabric`, () => {
  let fabric: ServedFabric;
  let close: () => Promise<void>;
  let page: Page;
  let rr: string;

  beforeAll(async () => {
    fabric = await serveCalicoFabric(N, { captureAll: false });
    rr = fabric.lab.topology.nodes.find((x) => x.name.startsWith('rr-'))!.name;
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    await page.goto(fabric.ui.url);
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await fabric?.close();
  });

  /** Data rows of a section's table (not group headers, not the "show more" row). */
  const rows = (section: string) => page.locator(`[data-testid=inspect-${section}] tbody tr:not(.group-row):not(.more-rows)`);

  it("shows a reflector's first 150 BGP sessions, then every session birdc prints", async () => {
    await page.locator('[data-testid=node-select]').selectOption(rr);
    const bgp = page.locator('[data-testid=inspect-bgp]');
    const names = [...fabric.lab.exec(rr, 'birdc show protocols').stdout.matchAll(/^(\w+)\s+BGP\s/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(PAGE_ROWS * 1.5);
    await bgp.locator('[data-testid=more-rows]').waitFor({ timeout: 30_000 });
    await expect(rows('bgp').count()).resolves.toBe(PAGE_ROWS);
    const total = (await rows('bgp').count()) + Number(/show (\d+) more/.exec((await bgp.locator('[data-testid=show-more]').textContent()) ?? '')?.[1]);
    expect(await bgp.locator('[data-testid=more-rows]').textContent()).toMatch(new RegExp(`^${PAGE_ROWS} of \\d+ shown`));
    // Under two pages: the next page is the rest.
    expect(total).toBeLessThan(2 * PAGE_ROWS);
    await bgp.locator('[data-testid=show-more]').click();
    await expect.poll(() => bgp.locator('[data-testid=more-rows]').count()).toBe(0);
    const shown = await rows('bgp').locator('td:first-child').allTextContents();
    expect(shown.length).toBeGreaterThanOrEqual(total);
    for (const n of names) expect(shown).toContain(n);
  }, 90_000);

  it("pages a node's routing table and starts again at the first page on another node", async () => {
    const node = fabric.probe.node;
    const kernel = fabric.lab.exec(node, 'ip route').stdout.split('\n').filter((l) => / dev tunl0 /.test(l));
    expect(kernel).toHaveLength(N - 1);
    await page.locator('[data-testid=node-select]').selectOption(node);
    const routes = page.locator('[data-testid=inspect-routes]');
    await routes.locator('[data-testid=more-rows]').waitFor({ timeout: 30_000 });
    const before = ((await routes.textContent()) ?? '').match(/tunl0/g)?.length ?? 0;
    expect(before).toBeLessThan(N - 1);
    await routes.locator('[data-testid=show-all]').click();
    await expect.poll(async () => ((await routes.textContent()) ?? '').match(/tunl0/g)?.length ?? 0).toBe(N - 1);
    const text = (await routes.textContent()) ?? '';
    for (const l of kernel) expect(text).toContain(l.split(' ')[0]!);
    // The raw command output is whole, whatever the table shows.
    await page.locator('[data-testid=raw-toggle]').check();
    expect(((await routes.locator('pre').textContent()) ?? '').match(/tunl0/g)).toHaveLength(N - 1);
    await page.locator('[data-testid=raw-toggle]').uncheck();
    // Another node, and back: each starts at its first page.
    await page.locator('[data-testid=node-select]').selectOption(rr);
    await page.locator('[data-testid=inspect-bgp] [data-testid=more-rows]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=node-select]').selectOption(node);
    await routes.locator('[data-testid=more-rows]').waitFor({ timeout: 30_000 });
  }, 90_000);
});
