/**
 * The DNAT hop in the UI: `podlab up scenarios/services.yaml` in Debian's Chromium. The
 * client pod's first packet to the Service's ClusterIP, picked in the packet list, has a path
 * that goes on past kube-proxy's DNAT to the backend it chose: the nat hop on the client's
 * node names the rewrite (ClusterIP:80 → pod:80) and the rules that chose it, in the order the
 * packet took them — KUBE-SERVICES, the KUBE-SVC rule of the draw, the KUBE-SEP DNAT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { launchChromium } from './browser.ts';
import { startPodlab, type PodlabProcess } from './podlab-process.ts';

const SHOTS = 'test-results/screenshots';
const ok = haveCommands('chromium');
const CLUSTER_IP = '10.108.155.68';

describe.skipIf(!ok)('kube-proxy\'s DNAT on a packet\'s path in Chromium', () => {
  let up: PodlabProcess;
  let close: () => Promise<void>;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    up = await startPodlab(['up', 'scenarios/services.yaml', '--port', '0']);
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

  it('shows the nat hop with the rewrite and the KUBE-SVC / KUBE-SEP rules that chose the backend', async () => {
    await page.goto(up.url);
    await page.locator('[data-testid=timeline]').waitFor();
    await page.locator('.tl-steps li', { hasText: 'curl the ClusterIP' }).click();
    await page.locator('[data-testid=tab-packets]').click();
    // Pod interfaces are not in the packet list; the tunnel is: the SYN leaving master-01 in IPIP,
    // already rewritten to the backend. Its path reaches back across the DNAT to the client.
    await page.locator('[data-testid=packet-filter]').fill('proto 4 and src host 10.30.200.1');
    await page.locator('.packet-row', { hasText: 'Flags [S]' }).first().click();
    const nat = page.locator('[data-testid=packet-path] li[data-hop="nat"]').first();
    await nat.waitFor();
    await expect(nat.locator('.hop-nat-change').textContent()).resolves.toMatch(new RegExp(`^DNAT dst ${CLUSTER_IP.replace(/\./g, '\\.')}:80 → 10\\.5\\.119\\.\\d+:80 \\(PREROUTING\\)$`));
    const rules = await nat.locator('[data-testid=hop-nat-rule]').allTextContents();
    expect(rules[0]).toBe('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(rules[1]).toMatch(/^-A KUBE-SERVICES -d 10\.108\.155\.68\/32 -p tcp .* -j KUBE-SVC-FXIYY6OHUSNBITIX$/);
    expect(rules[rules.length - 2]).toMatch(/^-A KUBE-SVC-FXIYY6OHUSNBITIX -m comment --comment "default\/my-service -> 10\.5\.119\.\d+:80"( -m statistic --mode random --probability 0\.\d{11})? -j KUBE-SEP-[A-Z2-7]{16}$/);
    const backend = /→ (10\.5\.119\.\d+):80/.exec((await nat.locator('.hop-nat-change').textContent())!)![1]!;
    expect(rules[rules.length - 1]).toMatch(new RegExp(`^-A KUBE-SEP-[A-Z2-7]{16} -p tcp -m comment --comment "default/my-service" -m tcp -j DNAT --to-destination ${backend.replace(/\./g, '\\.')}:80$`));
    // One path from the client's tx through the DNAT on master-01 to the backend's delivery on worker-01.
    const summary = (await page.locator('[data-testid=path-summary]').textContent())!;
    expect(summary).toMatch(/^path: client\S* tx → master-01 rx → master-01 nat → master-01 forward → master-01 encap → .* worker-01 decap → .*nginx-deployment-5f77bd959c-[a-z0-9]{5}\S* deliver$/);
    // The topology marks the node that rewrote it; its tooltip names the rewrite and the DNAT rule.
    await expect(page.locator('[data-node="master-01"] .marks').textContent()).resolves.toContain('nat');
    const tip = (await page.locator('[data-node="master-01"] .mark-tip > title').textContent())!;
    expect(tip).toContain(`DNAT dst ${CLUSTER_IP}:80 → ${backend}:80 — ${rules[rules.length - 1]}`);
    await page.screenshot({ path: `${SHOTS}/services-dnat-hop.png` });
    expect(errors).toEqual([]);
  });
});
