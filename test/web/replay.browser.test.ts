/**
 * A recorded scenario in Chromium, the trainer's path: the timeline lists the steps with their
 * outcome, stepping shows narration, commands and expectations, the packets follow the time
 * cursor, and an IPIP packet shows two IPv4 layers and a path wrapped and unwrapped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { loadScenario, runScenario, recordingOf } from '../../engine/scenario/index.ts';
import { recordingBackend, serveBackend, type UiServer } from '../../engine/server/index.ts';
import { launchChromium } from './browser.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');

describe.skipIf(!ok)('replay of a recording in Chromium (two-nodes-ipip)', () => {
  let ui: UiServer;
  let close: () => Promise<void>;
  let page: Page;
  let steps: string[];

  beforeAll(async () => {
    const l = await loadScenario('test/fixtures/scenarios/two-nodes-ipip.yaml');
    const result = await runScenario(l.scenario!, l.topology!);
    steps = result.steps.map((s) => s.title);
    ui = await serveBackend(recordingBackend(recordingOf(result)), { port: 0 });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await close?.();
    await ui?.close();
  });

  it('opens on the timeline with every step and the verdict', async () => {
    await page.goto(ui.url);
    await page.locator('[data-testid=timeline]').waitFor();
    const items = await page.locator('.tl-steps li').allTextContents();
    expect(items.map((t) => t.replace(/^[✓✗·]\s*\d+\.\s*/, ''))).toEqual(steps);
    await expect(page.locator('[data-testid=tl-result]').textContent()).resolves.toMatch(/^passed/);
  });

  it('steps through narration, commands and expectations, and the packet list follows', async () => {
    await page.locator('.tl-steps li').first().click();
    await expect(page.locator('[data-testid=tl-card] h3').textContent()).resolves.toContain(steps[0]);
    const before = Number((await page.locator('[data-testid=tab-packets]').textContent())!.replace(/\D/g, ''));
    const last = steps.length - 1;
    await page.locator('[data-testid=tl-scrub]').fill(String(last));
    const card = page.locator('[data-testid=tl-card]');
    await expect(card.textContent()).resolves.toContain('ping -c 2 -I 10.5.1.1 10.5.2.1');
    await expect(card.locator('.tl-expect li.pass').count()).resolves.toBeGreaterThan(0);
    const after = Number((await page.locator('[data-testid=tab-packets]').textContent())!.replace(/\D/g, ''));
    expect(after).toBeGreaterThan(before);
    await page.screenshot({ path: `${SHOTS}/6-replay-timeline.png` });
    await page.locator('[data-testid=tl-back]').click();
    await expect(page.locator('[data-testid=tl-card] h3').textContent()).resolves.toContain(steps[last - 1]);
  });

  it('shows an IPIP packet with outer and inner IPv4 and its tunnel path', async () => {
    await page.locator('button', { hasText: /^end$/ }).click();
    await page.locator('[data-testid=tab-packets]').click();
    await page.locator('[data-testid=packet-filter]').fill('proto 4');
    const row = page.locator('.packet-row', { hasText: 'worker-01:eth0' }).first();
    await row.click();
    const labels = await page.locator('[data-testid=packet-detail] .line.top').allTextContents();
    expect(labels.filter((l) => l.includes('Internet Protocol Version 4'))).toEqual([
      expect.stringContaining('Src: 10.30.200.1, Dst: 10.30.200.2'), expect.stringContaining('(inner), Src: 10.5.1.1, Dst: 10.5.2.1'),
    ]);
    await expect(page.locator('[data-testid=path-summary]').textContent()).resolves.toMatch(/master-01 encap.*worker-01 decap/);
    await expect(page.locator('.node.on-path .marks').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('encap'), expect.stringContaining('decap')]));
    await page.screenshot({ path: `${SHOTS}/7-replay-ipip.png` });
  });

  it('keeps the terminal read-only and shows what ran on the node', async () => {
    await page.locator('[data-testid=node-select]').selectOption('master-01');
    await page.locator('[data-testid=tab-terminal]').click();
    await expect(page.locator('[data-testid=term-out]').textContent()).resolves.toContain('ip link add tunl0 type ipip');
    await expect(page.locator('[data-testid=term-input]').count()).resolves.toBe(0);
  });
});
