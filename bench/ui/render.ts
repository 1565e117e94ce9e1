/**
 * Bench: the UI on generated leaf-spine fabrics of 1,000 and 5,000 Kubernetes nodes
 * (bench/scale/fabric.ts's fabric, racks of a leaf and a switch over 50 nodes, two spines,
 * racks on floors of ten: bench/ui/generate.ts), against the two-node lab measured in the
 * same run, in headless Chromium (Debian's /usr/bin/chromium).
 *
 * 1. Layout (pure): topology → view model → tiered placement, median of R runs, in Node.
 * 2. First frame: navigation start → the topology painted (performance mark
 *    `podlab:topology-painted`, set two animation frames after React committed the SVG),
 *    plus how many SVG elements the drawing has then. The zoom steps start once the page
 *    is quiet (its main thread busy < 10 % over 500 ms: the lab's first events applied);
 *    `quietMs` is how long after the first frame that was.
 * 3. Zoom steps: one mouse-wheel notch (deltaY ±100, d3-zoom's ×1.15) dispatched on the
 *    drawing, timed until the second animation frame after it — the frame that shows it has
 *    been produced. 36 steps in from fit-to-screen (through every level of detail), then 36
 *    out, at points spread over the drawing, in gestures of 6 notches back to back. Frames
 *    are unthrottled (--disable-frame-rate-limit, --disable-gpu-vsync) so a step costs what
 *    the page does, not a 60 Hz tick; the two-node lab shows what is left of a frame with
 *    nothing in it. Wall time suffers when other processes compete for the CPUs, so renderer
 *    CPU time (DevTools Performance.getMetrics ProcessTime: main thread, raster and
 *    compositor threads) is reported too: per notch, the gesture's CPU over its notches
 *    (ProcessTime counts in 10 ms ticks, too coarse for one notch); min/median/max over the
 *    gestures.
 * 4. Settle: a large drawing only moves its last picture during a gesture and is redrawn
 *    sharp once the gesture pauses (mark `podlab:zoom-settled`, 120 ms after the last
 *    notch); zoomed in, the detail window is then refilled a chunk of nodes per frame
 *    (mark `podlab:detail-complete`). After each gesture: wall from the settle mark to the
 *    second frame after the refill, the frames it took and the longest of them (wall, so
 *    inflated when other processes hold the cores), renderer CPU from the gesture's end to
 *    then, per level of detail it settled in; and how many times a gesture settled before
 *    its end (should be 0).
 * 5. Pan: after zooming all the way in, two drags of 12 moves of 40 px (`panMove`: per move,
 *    as zoom steps; their settles count in `settleByLevel`).
 * 6. The longest main-thread task, in renderer thread CPU (a Chromium trace: bench/ui/trace.ts),
 *    of each gesture (`zoomStep.mainTaskCpu*`) and of each settle with its refill
 *    (`settleByLevel.*.mainTaskCpu*`): a frame is at least that long, whatever the load.
 * Prints one JSON document. Run: npx tsx bench/ui/render.ts [RUNS]
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { uiFabric } from './generate.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi } from '../../engine/server/index.ts';
import { launchChromium } from '../../test/web/browser.ts';
import { endTrace, longestTask, mainThreadTasks, startTrace } from './trace.ts';
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
  readonly quietMs: number;
  readonly svgElements: number;
  readonly steps: readonly Step[];
  /** Drag moves, as steps. */
  readonly pans: readonly Step[];
  readonly settles: readonly Settle[];
  readonly earlySettles: number;
  /** Per gesture, and per settle (as `settles`): the longest main-thread task's CPU (trace). */
  readonly gestureTaskMaxMs: readonly number[];
  readonly settleTaskMaxMs: readonly number[];
}

/**
 * In the page: one wheel notch over the drawing (step `i` of `steps` in, then as many out,
 * at points spread over it), timed to the second animation frame after it; returns the
 * wall time and the level of detail shown after it. (No named inner functions: tsx would
 * wrap them in a helper the page does not have.)
 */
async function zoomGesture(a: { from: number; n: number; steps: number }): Promise<{ ms: number[]; settles: number }> {
  const svg = document.querySelector('svg.topology')!;
  const settled0 = performance.getEntriesByName('podlab:zoom-settled').length;
  const ms: number[] = [];
  performance.mark('bench:gesture');
  for (let i = a.from; i < a.from + a.n; i++) {
    const r = svg.getBoundingClientRect();
    const x = r.left + r.width * (0.35 + 0.3 * (((i * 7) % 11) / 10));
    const y = r.top + r.height * (0.35 + 0.3 * (((i * 5) % 7) / 6));
    const t0 = performance.now();
    svg.dispatchEvent(new WheelEvent('wheel', { deltaY: i < a.steps ? -100 : 100, clientX: x, clientY: y, bubbles: true, cancelable: true }));
    await new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res())));
    ms.push(performance.now() - t0);
  }
  performance.mark('bench:gesture-end');
  return { ms, settles: performance.getEntriesByName('podlab:zoom-settled').length - settled0 };
}

/**
 * After a gesture: waits (up to 1 s) for the drawing to settle, then, zoomed in, for its
 * detail window to be refilled (mark `podlab:detail-complete`, up to 3 s); wall from the
 * settle mark to the second frame after that, how many frames it took and the longest
 * (null: small drawings do not defer). No helpers: tsx would wrap them in one the page lacks.
 */
async function zoomSettle(): Promise<{ ms: number | null; level: string; elements: number; frames: number; longestFrameMs: number }> {
  const before = performance.getEntriesByName('podlab:zoom-settled').length;
  const t0 = performance.now();
  while (performance.getEntriesByName('podlab:zoom-settled').length === before && performance.now() - t0 < 1000) {
    await new Promise<void>((res) => requestAnimationFrame(() => res()));
  }
  const marks = performance.getEntriesByName('podlab:zoom-settled');
  const level = document.querySelector('[data-testid=detail-level]')?.getAttribute('data-level') ?? 'full';
  const at = marks.length > before ? marks[marks.length - 1]!.startTime : performance.now();
  const intervals: number[] = [];
  let last = at;
  const t1 = performance.now();
  while (level !== 'overview' && !performance.getEntriesByName('podlab:detail-complete').some((m) => m.startTime >= at) && performance.now() - t1 < 3000) {
    await new Promise<void>((res) => requestAnimationFrame(() => res()));
    intervals.push(performance.now() - last);
    last = performance.now();
  }
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((res) => requestAnimationFrame(() => res()));
    intervals.push(performance.now() - last);
    last = performance.now();
  }
  return {
    ms: marks.length > before ? performance.now() - at : null,
    level,
    elements: document.querySelectorAll('svg.topology *').length,
    frames: intervals.length,
    longestFrameMs: Math.max(...intervals),
  };
}

/**
 * In the page: a drag of `n` moves of `dx` px over the drawing (d3-zoom's pan: mousedown on
 * it, mousemove and mouseup on the window), each timed to the second frame after it.
 */
async function panGesture(a: { n: number; dx: number }): Promise<{ ms: number[]; settles: number }> {
  const svg = document.querySelector('svg.topology')!;
  const settled0 = performance.getEntriesByName('podlab:zoom-settled').length;
  const r = svg.getBoundingClientRect();
  let x = r.left + r.width * 0.7;
  const y = r.top + r.height * 0.5;
  const ms: number[] = [];
  performance.mark('bench:gesture');
  svg.dispatchEvent(new MouseEvent('mousedown', { clientX: x, clientY: y, button: 0, bubbles: true, cancelable: true, view: window }));
  for (let i = 0; i < a.n; i++) {
    x -= a.dx;
    const t0 = performance.now();
    window.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true, cancelable: true, view: window }));
    await new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res())));
    ms.push(performance.now() - t0);
  }
  window.dispatchEvent(new MouseEvent('mouseup', { clientX: x, clientY: y, button: 0, bubbles: true, cancelable: true, view: window }));
  performance.mark('bench:gesture-end');
  return { ms, settles: performance.getEntriesByName('podlab:zoom-settled').length - settled0 };
}

const GESTURE = 6;
/** Drags after zooming all the way in (names and interfaces drawn), of PAN_MOVES moves of 40 px. */
const PANS = 2;
const PAN_MOVES = 12;

interface Step { readonly ms: number; readonly cpuMs: number; gesture: number }
interface Settle { readonly ms: number; readonly cpuMs: number; readonly level: string; readonly elements: number; readonly frames: number; readonly longestFrameMs: number; gesture: number }

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
      const metric = async (name: string): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)!.value;
      const cpu = (): Promise<number> => metric('ProcessTime');
      // Quiet: the main thread busy under 10 % of 500 ms (or 20 s passed).
      const q0 = performance.now();
      for (let busy = await metric('TaskDuration'); performance.now() - q0 < 20_000;) {
        await new Promise((res) => setTimeout(res, 500));
        const now = await metric('TaskDuration');
        if (now - busy < 0.05) break;
        busy = now;
      }
      const quietMs = performance.now() - q0;
      const steps: Step[] = [];
      const pans: Step[] = [];
      const settles: Settle[] = [];
      let earlySettles = 0;
      let gi = 0; // gestures (zooms and pans) in the order they ran: the trace's marks
      await startTrace(cdp);
      /** One gesture, then its settle: each event's wall ms and the gesture's CPU per event into `into`, the settle into `settles`. */
      const measure = async (gesture: () => Promise<{ ms: number[]; settles: number }>, events: number, into: Step[]): Promise<void> => {
        const c0 = await cpu();
        const g = await gesture();
        const c1 = await cpu();
        const z = await page.evaluate(zoomSettle);
        const c2 = await cpu();
        earlySettles += g.settles;
        for (const ms of g.ms) into.push({ ms: round(ms), cpuMs: round(((c1 - c0) * 1000) / events), gesture: gi });
        if (z.ms !== null) settles.push({ ms: round(z.ms), cpuMs: round((c2 - c1) * 1000), level: z.level, elements: z.elements, frames: z.frames, longestFrameMs: round(z.longestFrameMs), gesture: gi });
      };
      for (let i = 0; i < 2 * STEPS; i += GESTURE) {
        for (let p = 0; i === STEPS && p < PANS; p++, gi++) await measure(() => page.evaluate(panGesture, { n: PAN_MOVES, dx: 40 }), PAN_MOVES, pans);
        await measure(() => page.evaluate(zoomGesture, { from: i, n: GESTURE, steps: STEPS }), GESTURE, steps);
        gi++;
      }
      // The longest main-thread task (thread CPU) in each gesture and in each settle after it.
      const { tasks, marks } = mainThreadTasks(await endTrace(cdp), 'bench:gesture');
      const starts = marks.filter((m) => m.name === 'bench:gesture').map((m) => m.ts);
      const ends = marks.filter((m) => m.name === 'bench:gesture-end').map((m) => m.ts);
      const inGesture = starts.map((s, g) => longestTask(tasks, s, ends[g] ?? Infinity));
      const afterGesture = ends.map((e, g) => longestTask(tasks, e, starts[g + 1] ?? Infinity));
      runs.push({
        firstFrameMs: round(first.firstFrameMs), quietMs: round(quietMs), svgElements: first.svgElements, earlySettles,
        steps, pans, settles, gestureTaskMaxMs: inGesture.map(round), settleTaskMaxMs: settles.map((x) => round(afterGesture[x.gesture] ?? NaN)),
      });
      await page.close();
    }
  } finally {
    await close();
    await ui.close();
  }
  return { deployMs, runs };
}

/** Wall (min, median, p90, max) and renderer CPU (min, median, mean, max) of a set of steps or settles. */
function stepStats(steps: readonly Step[]) {
  const ms = steps.map((x) => x.ms);
  const cpu = steps.map((x) => x.cpuMs);
  return {
    count: steps.length,
    wallMinMs: round(Math.min(...ms)), wallMedianMs: round(median(ms)), wallP90Ms: round(quantile(ms, 0.9)), wallMaxMs: round(Math.max(...ms)),
    cpuMinMs: round(Math.min(...cpu)), cpuMedianMs: round(median(cpu)), cpuMeanMs: round(cpu.reduce((s, x) => s + x, 0) / cpu.length), cpuMaxMs: round(Math.max(...cpu)),
  };
}

function report(name: string, t: Topology, m: { deployMs: number; runs: PageRun[] }, ref?: { firstFrameMs: number; wallMedianMs: number; cpuMeanMs: number; cpuMaxMs: number }) {
  const steps = m.runs.flatMap((r) => r.steps);
  const firstFrameMs = median(m.runs.map((r) => r.firstFrameMs));
  const all = stepStats(steps);
  const settles = m.runs.flatMap((r) => r.settles.map((x, i) => ({ ...x, taskMaxMs: r.settleTaskMaxMs[i]! })));
  const gestureTasks = m.runs.flatMap((r) => [...new Set(r.steps.map((x) => x.gesture))].map((g) => r.gestureTaskMaxMs[g]!));
  const pans = m.runs.flatMap((r) => r.pans);
  const panTasks = m.runs.flatMap((r) => [...new Set(r.pans.map((x) => x.gesture))].map((g) => r.gestureTaskMaxMs[g]!));
  const settleByLevel = Object.fromEntries([...new Set(settles.map((x) => x.level))].map((l) => {
    const at = settles.filter((x) => x.level === l);
    const longest = at.map((x) => x.longestFrameMs);
    const tasks = at.map((x) => x.taskMaxMs);
    return [l, {
      ...stepStats(at), maxElements: Math.max(...at.map((x) => x.elements)), framesMedian: median(at.map((x) => x.frames)),
      longestFrameMedianMs: round(median(longest)), longestFrameMaxMs: round(Math.max(...longest)), mainTaskCpuMedianMs: round(median(tasks)), mainTaskCpuMaxMs: round(Math.max(...tasks)),
    }];
  }));
  return {
    name, nodes: t.nodes.length, links: t.links.length, deployMs: m.deployMs, layoutMs: layoutMs(t),
    firstFrameMs, firstFrameRuns: m.runs.map((r) => r.firstFrameMs), quietMs: median(m.runs.map((r) => r.quietMs)), svgElementsAtFit: m.runs[0]!.svgElements,
    zoomStep: { ...all, mainTaskCpuMedianMs: round(median(gestureTasks)), mainTaskCpuMaxMs: round(Math.max(...gestureTasks)) },
    panMove: { ...stepStats(pans), mainTaskCpuMedianMs: round(median(panTasks)), mainTaskCpuMaxMs: round(Math.max(...panTasks)) },
    ...(settles.length ? { settle: stepStats(settles), settleByLevel, earlySettles: m.runs.reduce((s, r) => s + r.earlySettles, 0) } : {}),
    ...(ref ? { ratioToTwoNodes: { firstFrame: round(firstFrameMs / ref.firstFrameMs), zoomStepWall: round(all.wallMedianMs / ref.wallMedianMs), zoomStepCpu: round(all.cpuMeanMs / ref.cpuMeanMs), zoomStepCpuMax: round(all.cpuMaxMs / ref.cpuMaxMs) } } : {}),
  };
}

/** Kubernetes nodes of each generated fabric (plus its spines, leaves and rack switches). */
const SIZES: Record<string, number> = { fabric1000: 1000, fabric5000: 5000 };
const small = (await loadTopology('topologies/two-nodes.yaml')).topology!;
const smallM = await measure(small);
const ref = report('two-nodes', small, smallM);
const out: unknown[] = [ref];
for (const [name, size] of Object.entries(SIZES)) {
  const t = uiFabric(size);
  out.push(report(name, t, await measure(t), { firstFrameMs: ref.firstFrameMs, wallMedianMs: ref.zoomStep.wallMedianMs, cpuMeanMs: ref.zoomStep.cpuMeanMs, cpuMaxMs: ref.zoomStep.cpuMaxMs }));
}
process.stdout.write(`${JSON.stringify({ bench: 'ui', machine: { cpus: cpus().length, node: process.version }, goal: 'zoom step <= 16 ms at 5,000 nodes', results: out }, null, 2)}\n`);
