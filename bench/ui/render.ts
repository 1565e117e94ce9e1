/**
 * Bench: the UI on generated leaf-spine fabrics of ~1,000 and ~5,000 nodes (4 spines and
 * racks of a ToR, a switch and their Kubernetes nodes; bench/ui/generate.ts), against the
 * two-node lab measured in the same run, in headless Chromium (Debian's /usr/bin/chromium).
 *
 * 1. Layout (pure): topology → view model → tiered placement, median of R runs, in Node.
 * 2. First frame: navigation start → the topology painted (performance mark
 *    `podlab:topology-painted`, set two animation frames after React committed the SVG),
 *    plus how many SVG elements the drawing has then.
 * 3. Zoom steps: one mouse-wheel notch (deltaY ±100, d3-zoom's ×1.15) dispatched on the
 *    drawing, timed until the second animation frame after it — the frame that shows it has
 *    been produced. 36 steps in from fit-to-screen (through every level of detail), then 36
 *    out, at points spread over the drawing. Frames are unthrottled (--disable-frame-rate-limit,
 *    --disable-gpu-vsync) so a step costs what the page does, not a 60 Hz tick; the two-node
 *    lab shows what is left of a frame with nothing in it. Wall time suffers when other
 *    processes compete for the CPUs, so the renderer's CPU time over the whole sequence
 *    (DevTools Performance.getMetrics ProcessTime: main thread, raster and compositor
 *    threads) is reported per step too (`cpuPerStepMs`).
 * Prints one JSON document. Run: npx tsx bench/ui/render.ts [RUNS]
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { generateFabric, type FabricSize } from './generate.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi } from '../../engine/server/index.ts';
import { launchChromium } from '../../test/web/browser.ts';
import type { Topology } from '../../engine/model/types.ts';

const RUNS = Number(process.argv[2] ?? 3);
const STEPS = 36;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const round = (x: number): number => Math.round(x * 100) / 100;

function layoutMs(t: Topology): number {
  const runs: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    layoutTiered(viewModel(t));
    if (i > 0) runs.push(performance.now() - t0); // first run warms the JIT
  }
  return round(median(runs));
}

interface PageRun {
  readonly firstFrameMs: number;
  readonly svgElements: number;
  readonly zoomStepsMs: readonly number[];
  readonly cpuPerStepMs: number;
  readonly svgElementsZoomedIn: number;
  readonly levelZoomedIn: string;
}

/**
 * In the page: wheel notches over the drawing, each timed to the second frame after it.
 * (No named inner functions: tsx would wrap them in a helper the page does not have.)
 */
async function zoomSteps(steps: number): Promise<{ times: number[]; elementsIn: number; levelIn: string }> {
  const svg = document.querySelector('svg.topology')!;
  const r = svg.getBoundingClientRect();
  await new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res())));
  const times: number[] = [];
  let elementsIn = 0;
  let levelIn = '';
  for (let i = 0; i < 2 * steps; i++) {
    const zoomIn = i < steps;
    // Points spread over the middle of the drawing, so zooming in wanders across it.
    const x = r.left + r.width * (0.35 + 0.3 * (((i * 7) % 11) / 10));
    const y = r.top + r.height * (0.35 + 0.3 * (((i * 5) % 7) / 6));
    const t0 = performance.now();
    svg.dispatchEvent(new WheelEvent('wheel', { deltaY: zoomIn ? -100 : 100, clientX: x, clientY: y, bubbles: true, cancelable: true }));
    await new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res())));
    times.push(performance.now() - t0);
    if (i === steps - 1) {
      elementsIn = document.querySelectorAll('svg.topology *').length;
      levelIn = document.querySelector('[data-testid=detail-level]')?.getAttribute('data-level') ?? 'full';
    }
  }
  return { times, elementsIn, levelIn };
}

async function measure(t: Topology): Promise<{ deployMs: number; runs: PageRun[] }> {
  const t0 = performance.now();
  const lab = SimLab.deploy(t, { captureAll: false });
  const deployMs = round(performance.now() - t0);
  const ui = await serveUi(lab, { port: 0 });
  const { context, close } = await launchChromium({ width: 1600, height: 1000 }, ['--disable-frame-rate-limit', '--disable-gpu-vsync']);
  const runs: PageRun[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      await page.goto(ui.url);
      await page.waitForFunction(() => performance.getEntriesByName('podlab:topology-painted').length > 0, undefined, { timeout: 300_000 });
      const first = await page.evaluate(() => ({
        firstFrameMs: performance.getEntriesByName('podlab:topology-painted')[0]!.startTime,
        svgElements: document.querySelectorAll('svg.topology *').length,
      }));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const cpu = async (): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ProcessTime')!.value;
      const c0 = await cpu();
      const z = await page.evaluate(zoomSteps, STEPS);
      const cpuPerStepMs = round(((await cpu()) - c0) * 1000 / z.times.length);
      runs.push({ firstFrameMs: round(first.firstFrameMs), svgElements: first.svgElements, zoomStepsMs: z.times.map(round), cpuPerStepMs, svgElementsZoomedIn: z.elementsIn, levelZoomedIn: z.levelIn });
      await page.close();
    }
  } finally {
    await close();
    await ui.close();
  }
  return { deployMs, runs };
}

function report(name: string, t: Topology, m: { deployMs: number; runs: PageRun[] }, ref?: { firstFrameMs: number; zoomStepMs: number; cpuPerStepMs: number }) {
  const steps = m.runs.flatMap((r) => r.zoomStepsMs);
  const firstFrameMs = median(m.runs.map((r) => r.firstFrameMs));
  const zoomStepMs = round(median(steps));
  const cpuPerStepMs = median(m.runs.map((r) => r.cpuPerStepMs));
  return {
    name, nodes: t.nodes.length, links: t.links.length, deployMs: m.deployMs, layoutMs: layoutMs(t),
    firstFrameMs, firstFrameRuns: m.runs.map((r) => r.firstFrameMs),
    zoomStepMs: { median: zoomStepMs, p90: round(quantile(steps, 0.9)), max: round(Math.max(...steps)), steps: steps.length },
    cpuPerStepMs,
    svgElements: { fit: m.runs[0]!.svgElements, zoomedIn: m.runs[0]!.svgElementsZoomedIn, levelZoomedIn: m.runs[0]!.levelZoomedIn },
    ...(ref ? { ratioToTwoNodes: { firstFrame: round(firstFrameMs / ref.firstFrameMs), zoomStep: round(zoomStepMs / ref.zoomStepMs), cpuPerStep: round(cpuPerStepMs / ref.cpuPerStepMs) } } : {}),
  };
}

const SIZES: Record<string, FabricSize> = { fabric1000: { spines: 4, racks: 40, perRack: 23 }, fabric5000: { spines: 4, racks: 100, perRack: 48 } };
const small = (await loadTopology('topologies/two-nodes.yaml')).topology!;
const smallM = await measure(small);
const ref = report('two-nodes', small, smallM);
const out: unknown[] = [ref];
for (const [name, size] of Object.entries(SIZES)) {
  const t = generateFabric(size);
  out.push(report(name, t, await measure(t), { firstFrameMs: ref.firstFrameMs, zoomStepMs: ref.zoomStepMs.median, cpuPerStepMs: ref.cpuPerStepMs }));
}
process.stdout.write(`${JSON.stringify({ bench: 'ui', machine: { cpus: cpus().length, node: process.version }, goal: 'zoom step <= 16 ms at 5,000 nodes', results: out }, null, 2)}\n`);
