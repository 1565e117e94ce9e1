/**
 * The must-show, on what `npm start` opens: the real `podlab up --port 0` (the ipip-vs-bgp
 * scenario live on the simulator with Calico) in Debian's Chromium. Stepping through the
 * timeline, master-01's routing table follows the cursor: the `dev tunl0 … onlink` route after
 * the IPIP step, the `via 10.30.200.2 dev eth0 proto bird` route after encapsulation is off,
 * and the node itself ("live now") at the end. An IPIP packet shows two IPv4 layers and its
 * path is animated from master-01 (encap) to worker-01 (decap).
 * Screenshots land in test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { loadScenario } from '../../engine/scenario/index.ts';
import { launchChromium } from './browser.ts';
import { startPodlab, type PodlabProcess } from './podlab-process.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');
const TUNNEL_ROUTE = '10.5.119.128/26 via 10.30.200.2 dev tunl0 proto bird onlink';
const PLAIN_ROUTE = '10.5.119.128/26 via 10.30.200.2 dev eth0 proto bird';

describe.skipIf(!ok)('the default scenario (podlab up) in Chromium', () => {
  let up: PodlabProcess;
  let close: () => Promise<void>;
  let page: Page;
  let titles: string[];
  const errors: string[] = [];
  const step = (title: string) => titles.indexOf(title);

  beforeAll(async () => {
    titles = (await loadScenario('scenarios/ipip-vs-bgp.yaml')).scenario!.steps.map((s) => s.title);
    up = await startPodlab(['up', '--port', '0']);
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await close?.();
    await up?.stop();
  });

  /** Clicks a step of the timeline and waits for its card. */
  const goToStep = async (title: string) => {
    await page.locator('[data-testid=tab-timeline]').click();
    await page.locator('.tl-steps li', { hasText: title }).click();
    await expect.poll(() => page.locator('[data-testid=tl-card] h3').textContent()).toContain(title);
  };
  const rawRoutes = async () => {
    await page.locator('[data-testid=raw-toggle]').check();
    const text = (await page.locator('[data-testid=inspect-routes] pre').textContent())!;
    await page.locator('[data-testid=raw-toggle]').uncheck();
    return text;
  };

  it('opens on the scenario: every step on the timeline, live, every expectation met', async () => {
    await page.goto(up.url);
    await page.locator('[data-testid=timeline]').waitFor();
    const items = await page.locator('.tl-steps li').allTextContents();
    expect(items.map((t) => t.replace(/^[✓✗·]\s*\d+\.\s*/, ''))).toEqual(titles);
    await expect(page.locator('[data-testid=tl-result]').textContent()).resolves.toMatch(/^passed: \d+ expectations/);
    await expect.poll(() => page.locator('[data-testid=conn]').textContent()).toBe('live');
    await page.locator('[data-testid=topology] [data-node="master-01"]').waitFor();
  });

  it('scrubbed back to step 1, draws no pod and shows every panel as it was at step 1', async () => {
    const pods = page.locator('[data-testid=topology] [data-node^="pod-"]');
    await page.locator('[data-testid=topology] [data-node^="pod-a"]').waitFor(); // live: the pods of steps 2–3
    await page.locator('[data-testid=node-select]').selectOption('master-01');
    await page.locator('[data-testid=tab-inspect]').click();
    await goToStep(titles[0]!);
    await expect.poll(() => pods.count()).toBe(0);
    await expect(page.locator('label', { has: page.locator('[data-testid=overlay-pods-toggle]') }).textContent()).resolves.toContain('pods (0)');
    for (const k of ['addrs', 'neigh', 'bgp', 'ipam', 'policy']) {
      await expect.poll(() => page.locator(`[data-testid=${k}-when]`).textContent()).toMatch(/^at step 1 · recorded/);
    }
    // No pod yet: no cali* interface on master-01, its block holds no pod address, the session is up.
    await expect(page.locator('[data-testid=inspect-addrs]').textContent()).resolves.not.toContain('cali');
    await expect(page.locator('[data-testid=inspect-ipam] tr.mine td').allTextContents()).resolves.toEqual(['Block', '10.5.69.192/26', '64', '1 (2%)', '63 (98%)']);
    await expect(page.locator('[data-testid=inspect-bgp]').textContent()).resolves.toContain('Established');
    await page.screenshot({ path: `${SHOTS}/12-default-step-1.png` });
    await goToStep('A pod on master-01');
    await page.locator('[data-testid=topology] [data-node^="pod-a"]').waitFor();
    await expect(pods.count()).resolves.toBe(1);
    await expect.poll(() => page.locator('[data-testid=inspect-addrs]').textContent()).toContain('cali');
    await goToStep('A pod on worker-01');
    await expect.poll(() => pods.count()).toBe(2);
    await expect(page.locator('[data-testid=topology] [data-node^="pod-b"] text.name').textContent()).resolves.toBe('pod-b');
  });

  it("shows master-01's tunl0 route after the IPIP step, marked as added in the step that brought it", async () => {
    await page.locator('[data-testid=node-select]').selectOption('master-01');
    await page.locator('[data-testid=tab-inspect]').click();
    // The Calico step installs the route (BIRD learned worker-01's block): it is marked +.
    await goToStep(titles[0]!);
    const routes = page.locator('[data-testid=inspect-routes]');
    await expect(page.locator('[data-testid=routes-when]').textContent()).resolves.toBe("at step 1 · from the run's route events");
    await expect(routes.locator('tr.changed', { hasText: '10.5.119.128/26' }).textContent()).resolves.toMatch(/^\+10\.5\.119\.128\/2610\.30\.200\.2tunl0/);
    await goToStep(titles[step('The routes on master-01 (IPIP Always)')]!);
    await expect(page.locator('[data-testid=routes-when]').textContent()).resolves.toContain('at step 4');
    const text = await rawRoutes();
    expect(text).toContain(TUNNEL_ROUTE);
    expect(text).not.toContain(PLAIN_ROUTE);
    const row = routes.locator('tr', { hasText: '10.5.119.128/26' });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.locator('td').allTextContents()).resolves.toEqual(['', '10.5.119.128/26', '10.30.200.2', 'tunl0', '', '', '', 'onlink']);
    await page.screenshot({ path: `${SHOTS}/10-default-ipip-routes.png` });
  });

  it('overlays the BGP session and the IPIP tunnel at the cursor, and hides pods on request', async () => {
    const session = page.locator('[data-testid=overlay-bgp] [data-session="master-01~worker-01"]');
    await expect(session.getAttribute('data-health')).resolves.toBe('up');
    await expect(session.getAttribute('class')).resolves.toBe('session up ibgp');
    await expect(session.locator('text').textContent()).resolves.toBe('BGP Established');
    // At step 4 the tunnel exists in the routes only; after the IPIP ping, traffic crossed it.
    const tunnel = page.locator('[data-testid=overlay-tunnels] [data-tunnel="master-01~worker-01~ipip"]');
    await expect(tunnel.getAttribute('class')).resolves.toBe('tunnel ipip');
    await goToStep('Pod to pod, wrapped in IPIP');
    await expect.poll(() => tunnel.getAttribute('class')).toBe('tunnel ipip traffic');
    await page.locator('[data-testid=overlay-bgp-toggle]').uncheck();
    await expect(page.locator('[data-testid=overlay-bgp]').count()).resolves.toBe(0);
    await page.locator('[data-testid=overlay-bgp-toggle]').check();
    await page.locator('[data-testid=overlay-pods-toggle]').uncheck();
    await expect(page.locator('[data-testid=topology] [data-node^="pod-a"]').count()).resolves.toBe(0);
    await page.locator('[data-testid=overlay-pods-toggle]').check();
    await page.locator('[data-testid=topology] [data-node^="pod-a"]').waitFor();
  });

  it("shows master-01's BGP routes, its own IPAM block and Calico's chains with hit counters", async () => {
    const bgpRoutes = page.locator('[data-testid=inspect-bgpRoutes]');
    await bgpRoutes.locator('td', { hasText: 'Mesh_10_30_200_2' }).waitFor();
    await expect(bgpRoutes.locator('tr.group-row').first().textContent()).resolves.toBe('received over BGP (1)');
    // At the IPIP ping: tunl0's address and pod-a's (tunl0's goes when encapsulation is turned off, later).
    const ipam = page.locator('[data-testid=inspect-ipam]');
    await expect(ipam.locator('tr.mine td').allTextContents()).resolves.toEqual(['Block', '10.5.69.192/26', '64', '2 (3%)', '62 (97%)']);
    await expect(ipam.locator('td', { hasText: '10.5.119.128/26' }).count()).resolves.toBe(0); // worker-01's block
    const policy = page.locator('[data-testid=inspect-policy]');
    await expect(policy.locator('details.chain summary code').allTextContents()).resolves.toEqual(expect.arrayContaining(['FORWARD', 'cali-FORWARD', 'cali-INPUT']));
    const hit = policy.locator('details.chain', { hasText: 'cali-FORWARD' }).first();
    await hit.locator('summary').click();
    expect(Number(await hit.locator('tr.hit td').first().textContent())).toBeGreaterThan(0);
    await page.locator('[data-testid=inspect-policy]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/14-default-inspector-calico.png` });
  });

  it('shows the eth0 route after the BGP (encapsulation off) step, and the tunl0 route gone', async () => {
    await goToStep('Turn encapsulation off');
    await expect(page.locator('[data-testid=inspect-routes] tr.removed', { hasText: 'tunl0' }).count()).resolves.toBe(1);
    await goToStep('Let BGP settle');
    await expect(page.locator('[data-testid=inspect-routes] tr.changed td').allTextContents()).resolves.toEqual(['+', '10.5.119.128/26', '10.30.200.2', 'eth0', '', '', '', '']);
    await goToStep('The routes on master-01 (no encapsulation)');
    const text = await rawRoutes();
    expect(text).toContain(PLAIN_ROUTE);
    expect(text).not.toContain('tunl0');
    await page.screenshot({ path: `${SHOTS}/11-default-bgp-routes.png` });
    // Step back: the tunnel route returns with the cursor.
    await page.locator('[data-testid=tl-back]').click();
    await page.locator('[data-testid=tl-back]').click();
    await page.locator('[data-testid=tl-back]').click();
    await expect.poll(() => page.locator('[data-testid=tl-card] h3').textContent()).toContain('Pod to pod, wrapped in IPIP');
    expect(await rawRoutes()).toContain(TUNNEL_ROUTE);
  });

  it('reads the node itself ("live now") at the end of the timeline', async () => {
    await page.locator('button', { hasText: /^end$/ }).click();
    await expect(page.locator('[data-testid=routes-when]').textContent()).resolves.toBe('live now');
    await page.locator('[data-testid=inspect-routes] td', { hasText: '10.5.119.128/26' }).waitFor();
    const text = await rawRoutes();
    expect(text).toContain(PLAIN_ROUTE);
    expect(text).toContain('10.30.200.0/24 dev eth0 proto kernel scope link src 10.30.200.1');
  });

  it("answers to a pod's kubectl name in the terminal: use pod-a (Tab-completed), then a command in it", async () => {
    await page.locator('[data-testid=tab-terminal]').click();
    const shown = async (): Promise<string> => (await page.locator('[data-testid=terminal] .xterm-rows > div').allInnerTexts()).map((r) => r.trimEnd()).join('\n');
    await page.locator('[data-testid=terminal] .xterm-helper-textarea').focus();
    await page.keyboard.type('use pod-');
    await page.keyboard.press('Tab'); // two pods: Tab lists them by their kubectl names
    await expect.poll(shown, { timeout: 10_000 }).toMatch(/\npod-a {2}pod-b\n[\s\S]*use pod-\s*$/);
    await page.keyboard.type('a');
    await page.keyboard.press('Enter');
    await page.keyboard.type('ip -4 addr show eth0');
    await page.keyboard.press('Enter');
    await expect.poll(shown, { timeout: 10_000 }).toMatch(/root@pod-a:~# ip -4 addr show eth0[\s\S]*inet 10\.\d+\.\d+\.\d+\/32/);
    await expect(shown()).resolves.not.toMatch(/not a node/);
    await page.locator('[data-testid=tab-inspect]').click();
  });

  it('shows an IPIP packet with two IPv4 layers and animates its path master-01 → worker-01', async () => {
    await goToStep('Pod to pod, wrapped in IPIP');
    await page.locator('[data-testid=tab-packets]').click();
    await page.locator('[data-testid=packet-filter]').fill('proto 4 and src host 10.30.200.1');
    const row = page.locator('.packet-row', { hasText: 'master-01:eth0' }).first();
    await row.click();
    const layers = await page.locator('[data-testid=packet-detail] .line.top').allTextContents();
    expect(layers.filter((l) => l.includes('Internet Protocol Version 4'))).toEqual([
      expect.stringContaining('Src: 10.30.200.1, Dst: 10.30.200.2'), expect.stringContaining('(inner), Src: 10.5.69.193, Dst: 10.5.119.129'),
    ]);
    const summary = (await page.locator('[data-testid=path-summary]').textContent())!;
    // pod-a's namespace is `pod-a.default.master-01` (pod.namespace.node), pod-b's likewise.
    expect(summary).toMatch(/^path: pod-a\S* tx → master-01 rx → .*master-01 encap → master-01 tx → sw1 rx → sw1 tx → worker-01 rx → .*worker-01 decap → .*pod-b\S* deliver$/);
    await expect(page.locator('.node.on-path .marks').allTextContents()).resolves.toEqual(expect.arrayContaining(['origin', expect.stringContaining('encap'), expect.stringContaining('decap')]));
    await expect(page.locator('[data-node="master-01"] .marks').textContent()).resolves.toContain('encap');
    await expect(page.locator('[data-node="worker-01"] .marks').textContent()).resolves.toContain('decap');
    // The encap hop's responsible route, asked of master-01 now: into the tunnel towards worker-01.
    const encapHop = page.locator('[data-testid=packet-path] li[data-hop="encap"][data-hop-node="master-01"] [data-testid=hop-cause]');
    await expect.poll(() => encapHop.textContent()).toMatch(/^route now: 10\.5\.119\.129 via 10\.30\.200\.2 dev /);
    const tip = (await page.locator('[data-node="master-01"] .mark-tip > title').textContent())!;
    expect(tip).toContain((await encapHop.textContent())!);
    // The dot walks the path: watch where it is until it has been on master-01, then the wire, then worker-01.
    const seen: string[] = [];
    for (let i = 0; i < 80 && !seen.includes('worker-01'); i++) {
      const at = await page.locator('[data-testid=packet-dot]').getAttribute('data-stop-at');
      if (at && seen[seen.length - 1] !== at) seen.push(at);
      await page.waitForTimeout(100);
    }
    const m = seen.indexOf('master-01');
    expect(m).toBeGreaterThanOrEqual(0);
    expect(seen.slice(m)).toEqual(expect.arrayContaining(['master-01→sw1', 'worker-01']));
    expect(seen.indexOf('worker-01')).toBeGreaterThan(m);
    await expect(page.locator('[data-testid=topology] .link.on-path').count()).resolves.toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: `${SHOTS}/12-default-ipip-packet.png` });
    expect(errors).toEqual([]);
  });
});
