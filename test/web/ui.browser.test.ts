/**
 * The UI end to end in Debian's Chromium: two-nodes deployed on the simulator, the server on
 * a random port, and a learner's first minutes — find the nodes, read master-01's routes,
 * ping worker-01 from the terminal, open the echo request, filter with tcpdump syntax.
 * Screenshots land in test-results/screenshots/ as artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer } from '../../engine/server/index.ts';
import { launchChromium } from './browser.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');

describe.skipIf(!ok)('web UI in Chromium (two-nodes on the simulator)', () => {
  let ui: UiServer;
  let close: () => Promise<void>;
  let page: Page;

  beforeAll(async () => {
    const loaded = await loadTopology('topologies/two-nodes.yaml');
    const lab = SimLab.deploy(loaded.topology!);
    ui = await serveUi(lab, { port: 0 });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await close?.();
    await ui?.close();
  });

  it('shows both nodes on the topology', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(ui.url);
    await page.locator('[data-testid=topology] [data-node="master-01"]').waitFor();
    await expect(page.locator('[data-testid=topology] [data-node="worker-01"] text.name').textContent()).resolves.toBe('worker-01');
    await expect(page.locator('[data-testid=topology] [data-link="master-01:eth0--sw1:eth1"] text.iface').first().textContent()).resolves.toBe('eth0');
    await page.screenshot({ path: `${SHOTS}/1-topology.png` });
    expect(errors).toEqual([]);
  });

  it('outlines the L2 segment around its members, and the toggle hides it', async () => {
    const area = page.locator('[data-testid=overlay-vlans] .segment-area');
    await expect(area.count()).resolves.toBe(1);
    await expect(area.getAttribute('data-vlan')).resolves.toBe('1');
    // gw–outside is a bare cable (a segment of its own): no area for it.
    await expect(area.locator('title').textContent()).resolves.toBe('VLAN 1: gw, master-01, sw1, worker-01');
    const box = (await area.locator('rect').boundingBox())!;
    for (const n of ['gw', 'master-01', 'worker-01', 'sw1']) {
      const b = (await page.locator(`[data-testid=topology] [data-node="${n}"] rect`).boundingBox())!;
      expect(b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width && b.y + b.height <= box.y + box.height).toBe(true);
    }
    await page.locator('[data-testid=overlay-vlans-toggle]').click();
    await expect(area.count()).resolves.toBe(0);
    await page.locator('[data-testid=overlay-vlans-toggle]').click();
    await expect(area.count()).resolves.toBe(1);
  });

  it("opens master-01's inspector with its routing table", async () => {
    await page.locator('[data-node="master-01"]').click();
    await page.locator('[data-testid=tab-inspect]').click();
    const routes = page.locator('[data-testid=inspect-routes]');
    await routes.locator('td', { hasText: '10.30.200.0/24' }).waitFor();
    await expect(routes.locator('tr.group-row').first().textContent()).resolves.toContain('proto kernel');
    await page.locator('[data-testid=raw-toggle]').check();
    await expect(routes.locator('pre').textContent()).resolves.toContain('10.30.200.0/24 dev eth0 proto kernel scope link src 10.30.200.1');
    await page.screenshot({ path: `${SHOTS}/2-inspector.png` });
    await page.locator('[data-testid=raw-toggle]').uncheck();
  });

  it('shows the node last chosen, however fast the choice changes', async () => {
    for (const n of ['worker-01', 'master-01', 'worker-01', 'master-01', 'worker-01']) await page.locator('[data-testid=node-select]').selectOption(n);
    await page.locator('[data-testid=inspect-addrs] td', { hasText: '10.30.200.2/24' }).waitFor();
    await page.waitForTimeout(500); // let any slower, older read arrive; it must not replace this one
    await expect(page.locator('[data-testid=inspect-addrs]').textContent()).resolves.not.toContain('10.30.200.1/24');
    await page.locator('[data-testid=node-select]').selectOption('master-01');
    await page.locator('[data-testid=inspect-addrs] td', { hasText: '10.30.200.1/24' }).waitFor();
  });

  it('runs two commands typed in a row in the terminal, keeps focus, and has history, Tab, Ctrl-C, help and use', async () => {
    await page.locator('[data-testid=tab-terminal]').click();
    // The screen's rows joined (a long line wraps onto the next row).
    const shown = async (): Promise<string> => (await page.locator('[data-testid=terminal] .xterm-rows > div').allInnerTexts()).map((r) => r.trimEnd()).join('\n');
    const until = (re: RegExp): Promise<void> => expect.poll(shown, { timeout: 10_000 }).toMatch(re);
    await until(/calicoctl, birdc, kubectl/);
    // Typed back to back, with no click in between: the second is typed while the first still runs.
    await page.keyboard.type('ping -c 1 10.30.200.2');
    await page.keyboard.press('Enter');
    await page.keyboard.type('ip -4 addr show eth0');
    await page.keyboard.press('Enter');
    await until(/1 packets transmitted, 1 received[\s\S]*ip -4 addr show eth0[\s\S]*inet 10\.30\.200\.1\/24/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await until(/# ping -c 1 10\.30\.200\.2\s*$/);
    await page.keyboard.press('Control+C');
    await until(/10\.30\.200\.2\^C\s+root@master-01:~#\s*$/);
    await page.keyboard.type('use wor');
    await page.keyboard.press('Tab');
    await until(/use worker-01\s*$/);
    await page.keyboard.press('Enter');
    // `use` moves the app's selection too: the inspector and the node selector follow the terminal.
    await expect.poll(() => page.locator('[data-testid=node-select]').inputValue()).toBe('worker-01');
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    await until(/root@worker-01:~# help[\s\S]*use NODE[\s\S]*root@worker-01:~#\s*$/);
    await page.screenshot({ path: `${SHOTS}/3-terminal.png` });
    await page.keyboard.type('clear');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=node-select]').selectOption('master-01');
  });

  it("re-reads the inspector after a command, and not on its own reads", async () => {
    let execs = 0;
    const count = (r: { url(): string }) => { if (r.url().endsWith('/api/exec')) execs++; };
    page.on('request', count);
    await page.locator('[data-testid=tab-inspect]').click();
    await page.locator('[data-testid=inspect-routes] td', { hasText: '10.30.200.0/24' }).waitFor();
    await page.locator('button', { hasText: 'refresh' }).click();
    await page.waitForTimeout(1500);
    page.off('request', count);
    expect(execs).toBeGreaterThanOrEqual(3);
    expect(execs).toBeLessThanOrEqual(12); // one read per section per (re)load; a feedback loop makes hundreds
  });

  it('shows an echo request as layers, bytes and a path', async () => {
    const row = page.locator('.packet-row', { hasText: 'ICMP echo request' }).first();
    await row.waitFor();
    await row.click();
    const detail = page.locator('[data-testid=packet-detail]');
    await expect(detail.textContent()).resolves.toMatch(/Ethernet II.*Internet Protocol Version 4, Src: 10\.30\.200\.1, Dst: 10\.30\.200\.2.*Internet Control Message Protocol/);
    await detail.locator('.line', { hasText: 'Source Address: 10.30.200.1' }).click();
    // 10.30.200.1 = 0a 1e c8 01, highlighted in the hex column
    await expect(page.locator('[data-testid=hex-pane] .hex .hl').allTextContents()).resolves.toEqual(['0a', '1e', 'c8', '01']);
    await expect(page.locator('[data-testid=path-summary]').textContent()).resolves.toMatch(/master-01 tx.*sw1.*worker-01 deliver/);
    await page.locator('[data-testid=packet-dot]').waitFor();
    await page.screenshot({ path: `${SHOTS}/4-packet.png` });
  });

  it("shows the switch's MAC table (who is behind which port) and its ports' VLANs", async () => {
    await page.locator('[data-testid=tab-inspect]').click();
    await page.locator('[data-testid=node-select]').selectOption('sw1');
    const fdb = page.locator('[data-testid=inspect-fdb]');
    await fdb.locator('tr.hit').first().waitFor();
    // master-01's eth0 (learned on eth1 from the ping) and worker-01's (on eth2).
    const macs = await fdb.locator('tr.hit').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
    expect(macs.map((r) => `${r[1]} ${r[2]} ${r[3]}`)).toEqual(expect.arrayContaining(['eth1 1 learned', 'eth2 1 learned']));
    await expect(page.locator('[data-testid=inspect-vlans] tr', { hasText: 'eth1' }).textContent()).resolves.toBe('eth1access1 PVID untagged');
    await page.screenshot({ path: `${SHOTS}/6-switch.png` });
    await page.locator('[data-testid=node-select]').selectOption('master-01');
  });

  it('keeps the layer tree usable at 1440×900: at least ten lines tall with the bytes and the path shown', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    try {
      const detail = page.locator('[data-testid=packet-detail]');
      const line = (await detail.locator('.line').first().boundingBox())!.height;
      const box = (await detail.boundingBox())!;
      expect(box.height / line).toBeGreaterThanOrEqual(10);
      await page.screenshot({ path: `${SHOTS}/4b-packet-1440x900.png` });
    } finally {
      await page.setViewportSize({ width: 1500, height: 950 });
    }
  });

  it('keeps a dragged node where it was dropped, across reloads, until the layout is reset', async () => {
    const node = page.locator('[data-node="worker-01"]');
    const where = async () => (await node.getAttribute('transform'))!;
    const before = await where();
    const box = (await node.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 60, { steps: 8 });
    await page.mouse.up();
    const dragged = await where();
    expect(dragged).not.toBe(before);
    await page.reload();
    await node.waitFor();
    expect(await where()).toBe(dragged);
    await page.locator('button', { hasText: 'reset layout' }).click();
    expect(await where()).toBe(before);
  });

  it('filters the list with tcpdump syntax and reports errors with their column', async () => {
    const all = await page.locator('.packet-row').count();
    await page.locator('[data-testid=packet-filter]').fill('icmp');
    const protos = await page.locator('.packet-row span:nth-child(5)').allTextContents();
    expect(protos.length).toBeGreaterThan(0);
    expect(protos.length).toBeLessThan(all); // the ARP exchange is filtered out
    expect(new Set(protos)).toEqual(new Set(['ICMP']));
    await page.screenshot({ path: `${SHOTS}/5-filter.png` });
    await page.locator('[data-testid=packet-filter]').fill('icmp and');
    await expect(page.locator('[data-testid=filter-error]').textContent()).resolves.toMatch(/tcpdump: .*column \d+/);
  });
});
