/**
 * The page's main-thread tasks from a Chromium trace (CDP Tracing, category `toplevel` and
 * `blink.user_timing`): each task's thread CPU time (`tdur`, microseconds in the trace),
 * and the page's performance marks on the same clock. A frame cannot be shorter than the
 * longest main-thread task in it, so "no task over 16 ms of CPU" is what bounds frames by
 * the page's own work — measured in CPU, which other processes on the machine do not inflate
 * the way they inflate wall time.
 */
import type { CDPSession } from 'playwright-core';

interface TraceEvent { readonly ph?: string; readonly name?: string; readonly pid?: number; readonly tid?: number; readonly ts?: number; readonly dur?: number; readonly tdur?: number; readonly args?: { name?: string } }

/** A main-thread task: start and end (µs, trace clock) and its thread CPU in ms. */
export interface MainTask { readonly ts: number; readonly end: number; readonly cpuMs: number }

/** The main thread's tasks of the renderer that set marks starting with `markPrefix`, and those marks (name, µs). */
export function mainThreadTasks(events: readonly TraceEvent[], markPrefix: string): { tasks: MainTask[]; marks: { name: string; ts: number }[] } {
  const marks = events.filter((e) => e.name?.startsWith(markPrefix) && e.ts !== undefined && e.ph !== 'M');
  const pid = marks[0]?.pid;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain').map((e) => e.tid));
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.pid === pid && main.has(e.tid))
    .map((e) => ({ ts: e.ts!, end: e.ts! + (e.dur ?? 0), cpuMs: (e.tdur ?? 0) / 1000 }));
  // The same mark can appear as a begin and an end event: keep the first of each time.
  const seen = new Set<string>();
  const uniq = marks.map((m) => ({ name: m.name!, ts: m.ts! })).filter((m) => {
    const k = `${m.name}@${m.ts}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => a.ts - b.ts);
  return { tasks, marks: uniq };
}

/** The most CPU any main-thread task that started in [from, to) took (0: none). */
export function longestTask(tasks: readonly MainTask[], from: number, to: number): number {
  let max = 0;
  for (const t of tasks) if (t.ts >= from && t.ts < to && t.cpuMs > max) max = t.cpuMs;
  return max;
}

/** Starts a trace of main-thread tasks and performance marks on `cdp`. */
export async function startTrace(cdp: CDPSession): Promise<void> {
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing', transferMode: 'ReturnAsStream' });
}

/** Ends the trace started by startTrace and returns its events. */
export async function endTrace(cdp: CDPSession): Promise<TraceEvent[]> {
  const complete = new Promise<{ stream?: string }>((res) => cdp.once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  if (!stream) return [];
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const doc = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(doc) ? doc : doc.traceEvents ?? [];
}
