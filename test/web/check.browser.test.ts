/**
 * The Check tab in Chromium: the page of the single-uplink leaf-spine lab opens the JSON of a
 * real `podlab check --failures link` run, lists its failure cases, draws the selected case's
 * failed link as down, lists the pairs it lost, and shows a lost pair's packet hop by hop —
 * in the tab and as a path on the topology. A file that is not a report is refused with why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer } from '../../engine/server/index.ts';
import { loadCheckInput } from '../../engine/check/load.ts';
import { runCheck } from '../../engine/check/run.ts';
import { launchChromium } from './browser.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');
const VARIANT = 'test/fixtures/check/leaf-spine-single-uplink.yaml';
const CASE = 'link spine1:eth3↔leaf3:eth1';

describe.skipIf(!ok)('the Check tab in Chromium', () => {
  let ui: UiServer;
  let close: () => Promise<void>;
  let page: Page;
  let dir: string;
  let file: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podlab-check-b-'));
    file = join(dir, 'report.json');
    const input = (await loadCheckInput(VARIANT)).input!;
    writeFileSync(file, JSON.stringify(await runCheck(input, { failures: 'link' })));
    ui = await serveUi(SimLab.deploy(input.topology), { port: 0 });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await close?.();
    await ui?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file that is not a check report, saying why', async () => {
    await page.goto(ui.url);
    await page.locator('[data-testid=topology] [data-node="leaf3"]').waitFor();
    await page.locator('[data-testid=tab-check]').click();
    const bad = join(dir, 'notes.json');
    writeFileSync(bad, '{"hello": 1}');
    await page.locator('[data-testid=check-file]').setInputFiles(bad);
    await expect(page.locator('[data-testid=check-error]').textContent()).resolves.toContain('notes.json: not a podlab check report');
  });

  it('lists the failure cases of the report, the breaking one marked', async () => {
    await page.locator('[data-testid=check-file]').setInputFiles(file);
    await expect(page.locator('[data-testid=check-verdict]').textContent()).resolves.toBe(' leaf-spine-single-uplink: 1 violation · 14 failure cases');
    const items = await page.locator('[data-testid=check-case]').allTextContents();
    expect(items).toHaveLength(15);
    expect(items[0]).toMatch(/^✓ healthy/);
    expect(items.filter((t) => t.startsWith('✗'))).toEqual(['✗ link spine1:eth3 ↔ leaf3:eth1 down — 16 pairs lost']);
  });

  it('selecting the case draws its link down and lists the pairs it lost', async () => {
    await page.locator(`[data-testid=check-case][data-case="${CASE}"]`).click();
    await expect(page.locator('[data-link="spine1:eth3--leaf3:eth1"]').getAttribute('class')).resolves.toMatch(/\bdown\b/);
    await expect(page.locator('[data-link="spine1:eth1--leaf1:eth1"]').getAttribute('class')).resolves.not.toMatch(/\bdown\b/);
    await expect(page.locator('[data-testid=check-violation]').textContent()).resolves.toBe('link spine1:eth3 ↔ leaf3:eth1 down → node-3a, node-3b cut off from 4 nodes (no route: leaf3 has no other uplink)');
    const pairs = await page.locator('[data-testid=check-pair]').allTextContents();
    expect(pairs).toHaveLength(16);
    expect(pairs.find((p) => p.startsWith('pod probe-node-1a → probe-node-3a'))).toMatch(/no route: leaf1 has no route to 10\.5\./);
  });

  it('a lost pair\'s packet hop by hop, in the tab and on the topology', async () => {
    await page.locator('[data-testid=check-pair]', { hasText: 'pod probe-node-1a → probe-node-3a' }).click();
    const hops = await page.locator('[data-testid=check-trace] li').allTextContents();
    // The pod's own namespace is named pod.namespace.node in the simulator.
    expect(hops[0]).toBe('probe-node-1a.default.node-1a eth0: sent on eth0');
    expect(hops.some((x) => /^node-1a .*forward/.test(x))).toBe(true);
    expect(hops.at(-1)).toBe('leaf1 eth3: drop: no-route');
    // The path is drawn: node-1a's cable to its rack switch and the rack switch's to leaf1 carry it, leaf1 is where it died; rack 3 is not on it.
    for (const l of ['node-1a:eth0--rack1-sw:eth2', 'leaf1:eth3--rack1-sw:eth1']) await expect(page.locator(`[data-link="${l}"]`).getAttribute('class')).resolves.toMatch(/on-path/);
    await expect(page.locator('[data-testid=topology] [data-node="leaf1"]').getAttribute('class')).resolves.toMatch(/on-path/);
    await expect(page.locator('[data-testid=topology] [data-node="leaf3"]').getAttribute('class')).resolves.not.toMatch(/on-path/);
    await page.screenshot({ path: join(SHOTS, 'check-tab.png') });
    expect(errors).toEqual([]);
  });
});
