/**
 * Regenerates the README's screenshots: runs `podlab up` (the default ipip-vs-bgp scenario)
 * on a free port, drives Debian's Chromium (test/web/browser.ts: never a downloaded browser)
 * through the timeline, step 1 with its recorded panels, the terminal, a BGP UPDATE, an IPIP
 * packet and the switch's MAC table, and writes docs/ui-*.png.
 * Run: npx tsx scripts/readme-screenshots.ts
 */
import { spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/web/browser.ts';

const child = spawn('node', ['bin/podlab.js', 'up', '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
let err = '';
const url = await new Promise<string>((res, rej) => {
  child.stderr.on('data', (d) => {
    err += d;
    const m = /web UI on (http:\/\/\S+)/.exec(err);
    if (m) res(m[1]!.replace(/\/?$/, '/'));
  });
  child.on('exit', () => rej(new Error(`podlab up exited:\n${err}`)));
});
const b = await launchChromium({ width: 1500, height: 950 });
try {
  const page = await b.context.newPage();
  await page.goto(url);
  await page.locator('[data-testid=timeline]').waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/ui-timeline.png' });

  // Step 1: no pod yet; every inspector section as recorded at that step.
  await step(page, 'Calico comes up and the nodes peer over BGP');
  await page.locator('[data-testid=bgp-when]').waitFor();
  await page.waitForTimeout(800);
  await page.screenshot({ path: 'docs/ui-step-1.png' });
  await page.locator('button', { hasText: /^end$/ }).click();

  // The node shell, as in `podlab up`'s terminal.
  await page.locator('[data-testid=tab-terminal]').click();
  await page.locator('[data-testid=terminal] .xterm-rows').waitFor();
  for (const line of ['calicoctl node status', 'birdc show protocols', 'pod-a.default.master-01 ping -c 2 10.5.119.129']) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/ui-terminal.png' });

  // A BGP UPDATE in the packet detail.
  await page.locator('[data-testid=tab-packets]').click();
  await page.locator('[data-testid=packet-filter]').fill('tcp port 179 and greater 100');
  await page.waitForTimeout(800);
  const rows = page.locator('.packet-row');
  const update = page.locator('[data-testid=packet-detail] .line', { hasText: 'UPDATE Message' });
  for (let i = 0; i < (await rows.count()) && !(await update.count()); i++) await rows.nth(i).click();
  await update.first().click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: 'docs/ui-bgp-packet.png' });

  // An IPIP packet: path, outer and inner IPv4, bytes.
  await page.locator('[data-testid=packet-filter]').fill('proto 4');
  await page.waitForTimeout(800);
  await page.locator('text=IP 10.30.200.1 > 10.30.200.2: IP 10.5').first().click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/ui-ipip-packet.png' });

  // The switch: its MAC table and VLANs.
  await page.locator('[data-testid=tab-inspect]').click();
  await page.locator('[data-testid=node-select]').selectOption('sw1');
  await page.locator('[data-testid=inspect-fdb] tr.hit').first().waitFor();
  await page.screenshot({ path: 'docs/ui-switch.png' });
} finally {
  await b.close();
  child.kill('SIGINT');
}

async function step(page: Page, title: string): Promise<void> {
  await page.locator('[data-testid=tab-timeline]').click();
  await page.locator('.tl-steps li', { hasText: title }).click();
  await page.locator('[data-testid=tl-card] h3', { hasText: title }).waitFor();
}
