/**
 * A large drawing in Chromium (a generated 1,042-node fabric on the simulator): a wheel
 * gesture only moves the last picture — the stage's CSS transform, zoomed about the pointer,
 * the layer and the DOM left alone — and once the gesture pauses the drawing is redrawn at
 * the new transform and level of detail (Topology/useZoom.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { haveCommands } from '../support/system.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer } from '../../engine/server/index.ts';
import { uiFabric } from '../../bench/ui/generate.ts';
import { launchChromium } from './browser.ts';

const ok = haveCommands('chromium');
/** d3-zoom's wheel: deltaY 100 (pixel mode) scales by 2^(100 × 0.002). */
const NOTCH = 2 ** 0.2;

describe.skipIf(!ok)('large fabric in Chromium (1,042 nodes on the simulator)', () => {
  let ui: UiServer;
  let close: () => Promise<void>;
  let page: Page;

  beforeAll(async () => {
    const lab = SimLab.deploy(uiFabric(1000), { captureAll: false });
    ui = await serveUi(lab, { port: 0 });
    const c = await launchChromium();
    close = c.close;
    page = await c.context.newPage();
    await page.goto(ui.url);
    await page.waitForFunction(() => performance.getEntriesByName('podlab:topology-painted').length > 0, undefined, { timeout: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await close?.();
    await ui?.close();
  });

  const layerTransform = () => page.evaluate(() => document.querySelector('[data-testid=topology] > g')!.getAttribute('transform') ?? '');
  const scaleOf = (t: string): number => Number(/scale\(([^)]+)\)/.exec(t)![1]);
  const settled = () => page.evaluate(() => performance.getEntriesByName('podlab:zoom-settled').length);
  /**
   * `n` notches back to back at (x, y) of the viewport, each followed by one frame; then the
   * stage's and the layer's transforms and the nodes drawn, read in the same turn as the last
   * frame — a read in a later call may come after the gesture's pause on a busy machine.
   */
  const wheel = (n: number, x: number, y: number, deltaY = -100) => page.evaluate(async (a) => {
    const svg = document.querySelector('svg.topology')!;
    for (let i = 0; i < a.n; i++) {
      svg.dispatchEvent(new WheelEvent('wheel', { deltaY: a.deltaY, clientX: a.x, clientY: a.y, bubbles: true, cancelable: true }));
      await new Promise<void>((res) => requestAnimationFrame(() => res()));
    }
    return {
      stage: (document.querySelector('.topology-stage') as HTMLElement).style.transform,
      layer: document.querySelector('[data-testid=topology] > g')!.getAttribute('transform') ?? '',
      nodes: document.querySelectorAll('[data-testid=topology] [data-node]').length,
    };
  }, { n, x, y, deltaY });

  it('moves only the picture during a gesture, zoomed about the pointer, and redraws once it pauses', async () => {
    await expect(page.locator('[data-testid=detail-level]').getAttribute('data-level')).resolves.toBe('overview');
    const before = await layerTransform();
    const settles = await settled();
    const box = (await page.locator('.topology-viewport').boundingBox())!;
    const cx = 500;
    const cy = 400;
    const { stage, layer } = await wheel(3, box.x + cx, box.y + cy);
    // Nothing redrawn yet: the layer keeps its transform, the stage carries the zoom.
    expect(layer).toBe(before);
    const m = /^matrix\(([^,]+),0,0,([^,]+),([^,]+),([^)]+)\)$/.exec(stage.replace(/\s/g, ''));
    expect(m, stage).not.toBeNull();
    const [s, , tx, ty] = m!.slice(1).map(Number) as [number, number, number, number];
    expect(s).toBeCloseTo(NOTCH ** 3, 3);
    // The point under the pointer stays under it.
    expect(s * cx + tx).toBeCloseTo(cx, 0);
    expect(s * cy + ty).toBeCloseTo(cy, 0);
    // The pause: the layer takes the new transform, the stage none.
    await page.waitForFunction((n) => performance.getEntriesByName('podlab:zoom-settled').length > n, settles, { timeout: 5_000 });
    const after = await layerTransform();
    expect(scaleOf(after) / scaleOf(before)).toBeCloseTo(NOTCH ** 3, 3);
    await expect(page.evaluate(() => (document.querySelector('.topology-stage') as HTMLElement).style.transform)).resolves.toBe('');
  });

  it('shows names once a gesture settles at their scale, drawing only nodes near the view', async () => {
    const box = (await page.locator('.topology-viewport').boundingBox())!;
    const k = scaleOf(await layerTransform());
    const notches = Math.ceil(Math.log(0.6 / k) / Math.log(NOTCH));
    const settles = await settled();
    const overviewNodes = await page.locator('[data-testid=topology] [data-node]').count();
    const during = await wheel(notches, box.x + box.width / 2, box.y + box.height / 2);
    // No DOM change during the gesture.
    expect(during.nodes).toBe(overviewNodes);
    await page.waitForFunction((n) => performance.getEntriesByName('podlab:zoom-settled').length > n, settles, { timeout: 5_000 });
    await page.locator('[data-testid=detail-level][data-level=names]').waitFor({ timeout: 5_000 });
    const drawn = await page.locator('[data-testid=topology] [data-node]').count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(1042 / 2);
  });

  it('zooming out fills the view around the moved picture from the canvas mid-gesture, the SVG redrawn only at the pause', async () => {
    const box = (await page.locator('.topology-viewport').boundingBox())!;
    const before = await layerTransform();
    const k = scaleOf(before);
    const settles = await settled();
    // Six notches out: the picture shrinks to 1/NOTCH^6 ≈ 44 % of the view's width, the rest would be blank.
    const during = await wheel(6, box.x + box.width / 2, box.y + box.height / 2, 100);
    expect(during.layer).toBe(before);
    // The canvas (not moved by the stage's transform) is painted outside the picture: boxes and cables there.
    const outside = await page.evaluate(() => new Promise<number>((res) => requestAnimationFrame(() => {
      const c = document.querySelector('[data-testid=topology-overview]') as HTMLCanvasElement;
      const m = /matrix\(([^,]+),[^,]+,[^,]+,[^,]+,([^,]+),([^)]+)\)/.exec((document.querySelector('.topology-stage') as HTMLElement).style.transform.replace(/\s/g, ''))!;
      const [s, tx, ty] = m.slice(1).map(Number) as [number, number, number];
      const sx = c.width / c.clientWidth;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let y = 0; y < c.height; y += 2) {
        for (let x = 0; x < c.width; x += 2) {
          const inPicture = x / sx >= tx && x / sx <= tx + s * c.clientWidth && y / sx >= ty && y / sx <= ty + s * c.clientHeight;
          if (!inPicture && px[(y * c.width + x) * 4 + 3]! > 0) n++;
        }
      }
      res(n);
    })));
    expect(outside).toBeGreaterThan(200);
    await page.waitForFunction((n) => performance.getEntriesByName('podlab:zoom-settled').length > n, settles, { timeout: 5_000 });
    expect(scaleOf(await layerTransform())).toBeCloseTo(k / NOTCH ** 6, 3);
  });
});
