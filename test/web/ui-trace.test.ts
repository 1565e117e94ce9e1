/**
 * bench/ui/trace.ts: the page's main-thread tasks are told from other threads and other
 * renderers by the marks the page set, and the longest task of a window is its thread CPU.
 */
import { describe, expect, it } from 'vitest';
import { longestTask, mainThreadTasks } from '../../bench/ui/trace.ts';

const events = [
  { ph: 'M', name: 'thread_name', pid: 1, tid: 10, args: { name: 'CrRendererMain' } },
  { ph: 'M', name: 'thread_name', pid: 1, tid: 11, args: { name: 'Compositor' } },
  { ph: 'M', name: 'thread_name', pid: 2, tid: 20, args: { name: 'CrRendererMain' } },
  { ph: 'R', name: 'bench:gesture', pid: 1, tid: 10, ts: 1000 },
  { ph: 'X', name: 'ThreadControllerImpl::RunTask', pid: 1, tid: 10, ts: 1100, dur: 30_000, tdur: 9_000 },
  { ph: 'X', name: 'ThreadControllerImpl::RunTask', pid: 1, tid: 11, ts: 1200, dur: 50_000, tdur: 40_000 },
  { ph: 'X', name: 'ThreadControllerImpl::RunTask', pid: 2, tid: 20, ts: 1300, dur: 50_000, tdur: 45_000 },
  { ph: 'R', name: 'bench:gesture-end', pid: 1, tid: 10, ts: 60_000 },
  { ph: 'X', name: 'ThreadControllerImpl::RunTask', pid: 1, tid: 10, ts: 70_000, dur: 20_000, tdur: 14_500 },
];

describe('UI bench trace', () => {
  it('keeps the marking renderer main thread, in thread CPU per window', () => {
    const { tasks, marks } = mainThreadTasks(events, 'bench:gesture');
    expect(marks.map((m) => m.name)).toEqual(['bench:gesture', 'bench:gesture-end']);
    expect(tasks.map((t) => t.cpuMs)).toEqual([9, 14.5]);
    expect(longestTask(tasks, 1000, 60_000)).toBe(9);
    expect(longestTask(tasks, 60_000, Infinity)).toBe(14.5);
    expect(longestTask(tasks, 100_000, Infinity)).toBe(0);
  });
});
