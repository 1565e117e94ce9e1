/**
 * A recording from before runs recorded pods: the default scenario (ipip-vs-bgp, which adds
 * pods) recorded as `podlab run --record` does, and the same run with its `kube.pod` and
 * `lab.snapshot` events taken out, as an older podlab wrote it. The first draws its pods and
 * no banner; the second draws none and says why (old recording format) and how to re-record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { loadScenario, runScenario, recordingOf } from '../../engine/scenario/index.ts';
import { recordingBackend, serveBackend, type UiServer } from '../../engine/server/index.ts';
import { launchChromium } from './browser.ts';

const ok = haveCommands('chromium');
const SHOTS = 'test-results/screenshots';

describe.skipIf(!ok)('replay of an old-format recording (no kube.pod events) in Chromium', () => {
  let current: UiServer;
  let old: UiServer;
  let context: BrowserContext;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const r = recordingOf(await runScenario(l.scenario!, l.topology!, { snapshots: true }));
    expect(r.events.some((e) => e.type === 'kube.pod')).toBe(true);
    current = await serveBackend(recordingBackend(r), { port: 0 });
    old = await serveBackend(recordingBackend({ ...r, events: r.events.filter((e) => e.type !== 'kube.pod' && e.type !== 'lab.snapshot') }), { port: 0 });
    const c = await launchChromium();
    context = c.context;
    close = c.close;
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await current?.close();
    await old?.close();
  });

  const open = async (url: string) => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('[data-testid=timeline]').waitFor();
    return page;
  };

  it('draws the pods of a current recording, with no banner', async () => {
    const page = await open(current.url);
    await page.locator('[data-testid=topology] .node.role-pod').first().waitFor();
    await expect(page.locator('[data-testid=old-recording]').count()).resolves.toBe(0);
    await page.close();
  });

  it('says why an old recording draws no pods and how to re-record it', async () => {
    const page = await open(old.url);
    const banner = page.locator('[data-testid=old-recording]');
    await banner.waitFor();
    const text = (await banner.textContent())!;
    expect(text).toContain('Old recording format');
    expect(text).toContain('kube.pod');
    expect(text).toMatch(/podlab run \S*ipip-vs-bgp\.yaml --record FILE\.podlab/);
    await expect(page.locator('[data-testid=topology] .node.role-pod').count()).resolves.toBe(0);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/old-recording-banner.png` });
    await page.close();
  });
});
