/**
 * The scenario timeline (Packet Tracer's event list + play controls): steps with narration,
 * the commands each ran with their output, expectations with expected vs observed, and
 * play / pause / step back / step forward / scrub. The chosen step sets the time cursor the
 * rest of the page follows (packets up to it, links down at it).
 */
import { useEffect, useState } from 'react';
import { h } from './h.ts';
import type { Timeline as TimelineModel, TimelineStep } from '../domain/timeline.ts';

export interface TimelineProps {
  readonly timeline: TimelineModel;
  /** Index into steps of the current step, or undefined for "the end" (live). */
  readonly cursor?: number;
  readonly onCursor: (i: number | undefined) => void;
}

const PLAY_MS = 2500;
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The timeline panel. */
export function Timeline(p: TimelineProps) {
  const [playing, setPlaying] = useState(false);
  const n = p.timeline.steps.length;
  const at = p.cursor ?? n - 1;
  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => {
      const next = (p.cursor ?? -1) + 1;
      if (next >= n) setPlaying(false);
      else p.onCursor(next);
    }, PLAY_MS);
    return () => clearInterval(id);
  }, [playing, p.cursor, n]);
  const go = (i: number): void => p.onCursor(Math.max(0, Math.min(n - 1, i)));
  const end = p.timeline.end;
  const current = p.timeline.steps[at];

  return h('div', { className: 'timeline', 'data-testid': 'timeline' },
    h('div', { className: 'tl-bar' },
      h('button', { onClick: () => { setPlaying(false); go(0); }, title: 'first step' }, '|◀'),
      h('button', { onClick: () => { setPlaying(false); go(at - 1); }, title: 'step back', 'data-testid': 'tl-back' }, '◀'),
      h('button', { onClick: () => { if (!playing && p.cursor === undefined) p.onCursor(0); setPlaying(!playing); }, 'data-testid': 'tl-play' }, playing ? '⏸ pause' : '▶ play'),
      h('button', { onClick: () => { setPlaying(false); go(at + 1); }, title: 'step forward', 'data-testid': 'tl-next' }, '▶|'),
      h('input', { type: 'range', min: 0, max: Math.max(0, n - 1), value: at, onChange: (ev: { target: { value: string } }) => { setPlaying(false); go(Number(ev.target.value)); }, 'aria-label': 'scrub', 'data-testid': 'tl-scrub' }),
      h('span', { className: 'tl-pos' }, n ? `step ${at + 1} / ${n}` : 'no steps'),
      h('button', { onClick: () => { setPlaying(false); p.onCursor(undefined); }, disabled: p.cursor === undefined, title: 'show everything (the end of the run and anything after)' }, 'end'),
      end && h('span', { className: `tl-result ${end.passed ? 'pass' : 'fail'}`, 'data-testid': 'tl-result' },
        end.passed ? `passed: ${end.expectations} expectations` : `FAILED: ${end.failed} of ${end.expectations} expectations${end.errors ? `, ${end.errors} step errors` : ''}`)),
    h('div', { className: 'tl-body' },
      h('ol', { className: 'tl-steps' }, p.timeline.steps.map((s, i) => h('li', {
        key: s.index, className: `${i === at ? 'on' : ''} ${s.ok === false ? 'fail' : s.ok ? 'pass' : ''}`, onClick: () => { setPlaying(false); go(i); },
      }, h('span', { className: 'mark' }, s.ok === false ? '✗' : s.ok ? '✓' : '·'), ` ${s.index}. ${s.title}`))),
      current ? h(StepCard, { step: current }) : h('p', { className: 'muted' }, 'this run has no steps')));
}

function StepCard(p: { readonly step: TimelineStep }) {
  const s = p.step;
  return h('div', { className: 'tl-card', 'data-testid': 'tl-card' },
    h('h3', null, `${s.index}. ${s.title}`, h('span', { className: 'muted' }, `  ${s.action} · t=${(s.tStart / 1000).toFixed(3)}s`)),
    s.narration && h('p', { className: 'narration' }, s.narration),
    s.error && h('p', { className: 'bad' }, s.error),
    s.commands.map((c) => h('div', { key: c.seq, className: 'tl-cmd' },
      h('div', { className: 'term-cmd' }, h('span', { className: 'prompt' }, `root@${c.node}:~# `), c.argv.join(' '), c.phase === 'probe' ? h('span', { className: 'muted' }, '  (probe)') : null),
      (c.stdout || c.stderr) && h('pre', { className: c.code ? 'stderr' : '' }, c.stdout + c.stderr))),
    s.links.map((l) => h('p', { key: l.seq, className: l.state === 'down' ? 'bad' : '' }, `link ${l.endpoints.join(' — ')} ${l.state}`)),
    s.notes.length > 0 && h('ul', { className: 'tl-notes' }, s.notes.slice(0, 200).map((x, i) => h('li', { key: i, className: `note-${x.kind}${x.kind === 'drop' ? ' bad' : ''}` }, x.text))),
    s.notes.length > 200 && h('p', { className: 'muted' }, `… ${s.notes.length - 200} more`),
    s.expectations.length > 0 && h('ul', { className: 'tl-expect' }, s.expectations.map((x) => h('li', { key: x.seq, className: x.pass ? 'pass' : 'fail' },
      h('span', { className: 'mark' }, x.pass ? '✓ ' : '✗ '), x.text,
      !x.pass && h('div', { className: 'muted' }, `expected ${show(x.expected)} · observed ${show(x.observed)}`)))));
}
