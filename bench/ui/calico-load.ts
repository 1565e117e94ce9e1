/**
 * The UI on a converged Calico fabric: how long the page takes to show every BGP session and
 * tunnel of an N-node route-reflector fabric (bench/ui/calico-fabric.ts; N×(N−1) route events
 * on the server), and what it costs the browser.
 *
 *   npx tsx bench/ui/calico-load.ts [--event-page N] SIZE...     (e.g. 100 500 1000)
 *
 * Per size, one line of JSON:
 * - shownMs: wall time from navigation until the overlay legend shows all the lab's sessions
 *   and tunnels (counted from the nodes' own `birdc show protocols` and `ip route`);
 * - rendererCpuMs: the renderer's CPU over that span and until the page is quiet
 *   (DevTools Performance.getMetrics ProcessTime);
 * - jsHeapMB: the page's JS heap then (JSHeapUsedSize, after a garbage collection);
 * - longestTaskMs: the longest main-thread task in thread CPU (a Chromium trace, trace.ts)
 *   between navigation and quiet — what bounds how long the page cannot react;
 * - xRef: rendererCpuMs relative to the first size of the same run (the machine is shared:
 *   compare ratios, not absolute figures, across runs).
 */
import { launchChromium } from '../../test/web/browser.ts';
import { serveCalicoFabric } from './calico-fabric.ts';
import { endTrace, mainThreadTasks, startTrace } from './trace.ts';

const round = (x: number): number => Math.round(x * 10) / 10;

async function measure(n: number, eventPage?: number) {
  const t0 = performance.now();
  const fabric = await serveCalicoFabric(n);
  const deployMs = round(performance.now() - t0);
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async (name: string): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)!.value;
    await startTrace(cdp);
    const cpu0 = await metric('ProcessTime');
    const n0 = performance.now();
    await page.goto(`${fabric.ui.url}${eventPage ? `?eventPage=${eventPage}` : ''}`);
    await page.evaluate(() => performance.mark('podlab:bench-load'));
    const want = [`BGP sessions (${fabric.sessions})`, `tunnels (${fabric.tunnels})`];
    await page.waitForFunction((w) => {
      const t = document.querySelector('[data-testid=overlay-controls]')?.textContent ?? '';
      return w.every((x) => t.includes(x));
    }, want, { timeout: 600_000, polling: 100 });
    const shownMs = round(performance.now() - n0);
    // Quiet: the main thread busy under 10 % of 500 ms (or 30 s passed).
    for (let busy = await metric('TaskDuration'), q0 = performance.now(); performance.now() - q0 < 30_000;) {
      await new Promise((res) => setTimeout(res, 500));
      const now = await metric('TaskDuration');
      if (now - busy < 0.05) break;
      busy = now;
    }
    const rendererCpuMs = round((await metric('ProcessTime') - cpu0) * 1000);
    const { tasks, marks } = mainThreadTasks(await endTrace(cdp), 'podlab:');
    if (process.env.BENCH_TASKS) {
      // Where the longest tasks ran: the page's last mark before each (store and topology marks).
      for (const t of [...tasks].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 8)) {
        const before = marks.filter((m) => m.ts <= t.end).at(-1);
        process.stderr.write(`task ${round(t.cpuMs)} ms CPU, ${round((t.end - t.ts) / 1000)} ms wall, after ${before ? `${before.name} +${round((t.ts - before.ts) / 1000)} ms` : 'no mark'}\n`);
      }
    }
    // After the trace: the forced collection is a main-thread task of its own, not the page's.
    await cdp.send('HeapProfiler.collectGarbage');
    const jsHeapMB = round((await metric('JSHeapUsedSize')) / 2 ** 20);
    const longest = tasks.reduce((a, t) => (t.cpuMs > a.cpuMs ? t : a), { ts: 0, end: 0, cpuMs: 0 });
    const over50 = tasks.filter((t) => t.cpuMs > 50).length;
    return { nodes: fabric.nodes, events: fabric.events, sessions: fabric.sessions, tunnels: fabric.tunnels, deployMs, shownMs, rendererCpuMs, jsHeapMB, longestTaskMs: round(longest.cpuMs), tasksOver50Ms: over50 };
  } finally {
    await close();
    await fabric.close();
  }
}

const args = process.argv.slice(2);
let eventPage: number | undefined;
const sizes: number[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--event-page') eventPage = Number(args[++i]);
  else sizes.push(Number(args[i]));
}
if (!sizes.length || sizes.some((x) => !Number.isInteger(x) || x < 3) || (eventPage !== undefined && !(Number.isInteger(eventPage) && eventPage > 0))) {
  process.stderr.write('usage: calico-load.ts [--event-page N] SIZE...   (SIZE ≥ 3 Kubernetes nodes of an rr fabric)\n');
  process.exit(2);
}
let ref: number | undefined;
for (const n of sizes) {
  const r = await measure(n, eventPage);
  ref ??= r.rendererCpuMs;
  process.stdout.write(`${JSON.stringify({ ...r, xRef: round(r.rendererCpuMs / ref) })}\n`);
}
