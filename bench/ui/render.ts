/**
 * Bench: the UI on a generated 1,004-node leaf-spine fabric (4 spines, 40 racks of a ToR,
 * a switch and 23 nodes; bench/ui/generate.ts).
 *
 * 1. Layout (pure): topology → view model → tiered placement, median of R runs, in Node.
 * 2. First render in headless Chromium (Debian's /usr/bin/chromium): navigation start →
 *    the topology SVG painted (performance mark `podlab:topology-painted`, set two animation
 *    frames after React committed the SVG), plus the DOM size it produced. The same page on
 *    the small two-nodes lab is measured in the same run as the reference.
 * Prints one JSON document. Run: npx tsx bench/ui/render.ts [RUNS]
 */
import { performance } from 'node:perf_hooks';
import { generateFabric } from './generate.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi } from '../../engine/server/index.ts';
import { launchChromium } from '../../test/web/browser.ts';
import type { Topology } from '../../engine/model/types.ts';

const RUNS = Number(process.argv[2] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 100) / 100;

function layoutMs(t: Topology): { median: number; runs: number[] } {
  const runs: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    layoutTiered(viewModel(t));
    if (i > 0) runs.push(performance.now() - t0); // first run warms the JIT
  }
  return { median: round(median(runs)), runs: runs.map(round) };
}

async function firstRender(t: Topology): Promise<{ paintedMs: number; scriptStartMs: number; domNodes: number; svgElements: number; deployMs: number }[]> {
  const t0 = performance.now();
  const lab = SimLab.deploy(t, { captureAll: false });
  const deployMs = round(performance.now() - t0);
  const ui = await serveUi(lab, { port: 0 });
  const { context, close } = await launchChromium({ width: 1600, height: 1000 });
  const out = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      await page.goto(ui.url);
      await page.waitForFunction(() => performance.getEntriesByName('podlab:topology-painted').length > 0, undefined, { timeout: 120_000 });
      const m = await page.evaluate(() => ({
        paintedMs: performance.getEntriesByName('podlab:topology-painted')[0]!.startTime,
        scriptStartMs: performance.getEntriesByName('podlab:script-start')[0]?.startTime ?? -1,
        domNodes: document.getElementsByTagName('*').length,
        svgElements: document.querySelectorAll('svg.topology *').length,
      }));
      out.push({ ...m, paintedMs: round(m.paintedMs), scriptStartMs: round(m.scriptStartMs), deployMs });
      await page.close();
    }
  } finally {
    await close();
    await ui.close();
  }
  return out;
}

const big = generateFabric({ spines: 4, racks: 40, perRack: 23 });
const small = (await loadTopology('topologies/two-nodes.yaml')).topology!;
const bigRender = await firstRender(big);
const smallRender = await firstRender(small);
const result = {
  bench: 'ui',
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  fabric: { nodes: big.nodes.length, links: big.links.length },
  layoutMs: { fabric1004: layoutMs(big), twoNodes: layoutMs(small) },
  firstRenderMs: {
    fabric1004: { median: median(bigRender.map((r) => r.paintedMs)), runs: bigRender.map((r) => r.paintedMs) },
    twoNodes: { median: median(smallRender.map((r) => r.paintedMs)), runs: smallRender.map((r) => r.paintedMs) },
  },
  ratio1004vsTwoNodes: round(median(bigRender.map((r) => r.paintedMs)) / median(smallRender.map((r) => r.paintedMs))),
  dom: { fabric1004: { elements: bigRender[0]!.domNodes, svgElements: bigRender[0]!.svgElements }, twoNodes: { elements: smallRender[0]!.domNodes } },
  deployMs: { fabric1004: bigRender[0]!.deployMs, twoNodes: smallRender[0]!.deployMs },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
