/**
 * Regenerates the README's screenshots: runs `podlab up` (the default ipip-vs-bgp scenario)
 * on a spare port, drives Debian's Chromium to the timeline and to an IPIP packet, and
 * writes docs/ui-*.png. Run: npx tsx scripts/readme-screenshots.ts
 */
import { spawn } from 'node:child_process';
import { launchChromium } from '../test/web/browser.ts';
const child = spawn('node', ['bin/podlab.js', 'up', '--port', '7979'], { stdio: ['pipe', 'pipe', 'pipe'] });
let err = '';
await new Promise<void>((res) => child.stderr.on('data', (d) => { err += d; if (/web UI on/.test(err)) res(); }));
const b = await launchChromium({ width: 1500, height: 950 });
const page = await b.context.newPage();
await page.goto('http://127.0.0.1:7979/');
await page.waitForTimeout(2500);
await page.screenshot({ path: 'docs/ui-timeline.png' });
await page.locator('[data-testid=tab-packets]').click();
await page.locator('[data-testid=packet-filter]').fill('proto 4');
await page.waitForTimeout(800);
await page.locator('text=IP 10.30.200.1 > 10.30.200.2: IP 10.5').first().click();
await page.waitForTimeout(1500);
await page.screenshot({ path: 'docs/ui-ipip-packet.png' });
await b.close();
child.kill('SIGINT');
