/**
 * Opening a recording from disk in Chromium: the page of a running lab (two-nodes, no
 * scenario) opens `ipip-vs-bgp.podlab` — made by the real `podlab run --record` — through the
 * header's file picker, decodes it in the browser and shows it as a replay: the timeline, the
 * routes at a step, an IPIP packet; a broken file is refused with the reason; "back to the
 * lab" returns to the live lab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { loadScenario } from '../../engine/scenario/index.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer } from '../../engine/server/index.ts';
import { launchChromium } from './browser.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');
const exec = promisify(execFile);

describe.skipIf(!ok)('a recording opened by the file picker in Chromium', () => {
  let ui: UiServer;
  let close: () => Promise<void>;
  let page: Page;
  let dir: string;
  let file: string;
  let titles: string[];
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podlab-picker-b-'));
    file = join(dir, 'ipip-vs-bgp.podlab');
    await exec(process.execPath, ['bin/podlab.js', 'run', 'scenarios/ipip-vs-bgp.yaml', '--record', file]);
    titles = (await loadScenario('scenarios/ipip-vs-bgp.yaml')).scenario!.steps.map((s) => s.title);
    const lab = SimLab.deploy((await loadTopology('topologies/two-nodes.yaml')).topology!);
    ui = await serveUi(lab, { port: 0 });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await close?.();
    await ui?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on the live lab, which has no timeline', async () => {
    await page.goto(ui.url);
    await page.locator('[data-testid=topology] [data-node="master-01"]').waitFor();
    await expect.poll(() => page.locator('[data-testid=conn]').textContent()).toBe('live');
    await expect(page.locator('[data-testid=tab-timeline]').count()).resolves.toBe(0);
  });

  it('refuses a file that is not a recording, saying why', async () => {
    const bad = join(dir, 'notes.podlab');
    writeFileSync(bad, 'these are my notes\n');
    await page.locator('[data-testid=recording-file]').setInputFiles(bad);
    await expect(page.locator('[data-testid=recording-error]').textContent()).resolves.toContain('notes.podlab: not a podlab recording');
    await expect.poll(() => page.locator('[data-testid=conn]').textContent()).toBe('live');
  });

  it('opens the recording and shows its timeline', async () => {
    await page.locator('[data-testid=recording-file]').setInputFiles(file);
    await expect.poll(() => page.locator('[data-testid=conn]').textContent()).toBe('replay of ipip-vs-bgp.podlab (opened in the browser)');
    await page.locator('[data-testid=timeline]').waitFor();
    const items = await page.locator('.tl-steps li').allTextContents();
    expect(items.map((t) => t.replace(/^[✓✗·]\s*\d+\.\s*/, ''))).toEqual(titles);
    await expect(page.locator('[data-testid=tl-result]').textContent()).resolves.toMatch(/^passed/);
    await expect(page.locator('[data-testid=recording-error]').count()).resolves.toBe(0);
    // The recording's pods are in its topology's nodes' places.
    await page.locator('[data-testid=topology] [data-node="master-01"]').waitFor();
  });

  it("follows the cursor: master-01's tunnel route at the IPIP step, the eth0 route at the end", async () => {
    await page.locator('[data-testid=node-select]').selectOption('master-01');
    await page.locator('[data-testid=tab-inspect]').click();
    await page.locator('.tl-steps li', { hasText: 'The routes on master-01 (IPIP Always)' }).click();
    await expect(page.locator('[data-testid=routes-when]').textContent()).resolves.toContain('at step 4');
    await page.locator('[data-testid=raw-toggle]').check();
    await expect(page.locator('[data-testid=inspect-routes] pre').textContent()).resolves.toContain('10.5.119.128/26 via 10.30.200.2 dev tunl0 proto bird onlink');
    await page.screenshot({ path: `${SHOTS}/13-picker-replay.png` });
    await page.locator('button', { hasText: /^end$/ }).click();
    await expect(page.locator('[data-testid=routes-when]').textContent()).resolves.toContain('end of the recording');
    await expect(page.locator('[data-testid=inspect-routes] pre').textContent()).resolves.toContain('10.5.119.128/26 via 10.30.200.2 dev eth0 proto bird');
    await page.locator('[data-testid=raw-toggle]').uncheck();
  });

  it('shows an IPIP packet of the recording with outer and inner IPv4', async () => {
    await page.locator('[data-testid=tab-packets]').click();
    await page.locator('[data-testid=packet-filter]').fill('proto 4');
    await page.locator('.packet-row', { hasText: 'worker-01:eth0' }).first().click();
    const labels = await page.locator('[data-testid=packet-detail] .line.top').allTextContents();
    expect(labels.filter((l) => l.includes('Internet Protocol Version 4'))).toEqual([
      expect.stringContaining('Src: 10.30.200.1, Dst: 10.30.200.2'), expect.stringContaining('(inner), Src: 10.5.69.193, Dst: 10.5.119.129'),
    ]);
    await expect(page.locator('[data-testid=path-summary]').textContent()).resolves.toMatch(/master-01 encap.*worker-01 decap/);
  });

  it('goes back to the live lab', async () => {
    await page.locator('[data-testid=close-recording]').click();
    await expect.poll(() => page.locator('[data-testid=conn]').textContent()).toBe('live');
    await expect(page.locator('[data-testid=tab-timeline]').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });
});
