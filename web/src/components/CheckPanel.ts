/**
 * The Check tab: open a `podlab check --json` report (read in the browser, not uploaded), list
 * its states — healthy, then each failure case with the pairs it lost and the intents it broke —
 * and, for the selected case, its broken pairs; a broken pair's packet is shown hop by hop here
 * and animated on the topology (the App draws the failed element and the path).
 */
import { useRef, useState } from 'react';
import { h } from './h.ts';
import type { CheckReport, PairResult, TraceHop } from '../../../engine/check/types.ts';
import { checkRows, parseCheckReport, type CheckRow } from '../domain/check-report.ts';

export interface CheckPanelProps {
  readonly report: CheckReport | undefined;
  readonly onReport: (r: CheckReport) => void;
  /** The selected state (`healthy` or a case id). */
  readonly selected: string | undefined;
  readonly onSelect: (row: CheckRow) => void;
  /** The broken pair whose trace is shown. */
  readonly pair: PairResult | undefined;
  readonly onPair: (p: PairResult | undefined) => void;
}

// Inline: the tab's few rules stay with the tab (styles.css is shared by every panel).
const STYLE = {
  panel: { padding: '6px 10px', overflow: 'auto', height: '100%' },
  body: { display: 'flex', gap: '16px', alignItems: 'flex-start' },
  list: { margin: '4px 0', padding: 0, listStyle: 'none', fontFamily: 'monospace', fontSize: '12px' },
  mono: { margin: '4px 0', fontFamily: 'monospace', fontSize: '12px' },
  item: { cursor: 'pointer', padding: '1px 4px' },
  on: { cursor: 'pointer', padding: '1px 4px', outline: '1px solid var(--accent)' },
  detail: { flex: 1, minWidth: 0 },
} as const;

function hopLine(t: TraceHop): string {
  return `${t.node}${t.dev ? ` ${t.dev}` : ''}: ${t.text}`;
}

/** The Check tab's content. */
export function CheckPanel(p: CheckPanelProps) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const picked = async (files: FileList | null) => {
    const f = files?.[0];
    if (!f) return;
    try {
      p.onReport(parseCheckReport(await f.text()));
      setError(undefined);
    } catch (e) {
      setError(`${f.name}: ${(e as Error).message}`);
    } finally {
      if (input.current) input.current.value = '';
    }
  };
  const rows = p.report ? checkRows(p.report) : [];
  const row = rows.find((r) => r.id === p.selected);
  return h('div', { className: 'check', style: STYLE.panel, 'data-testid': 'check' },
    h('div', { className: 'check-head' },
      h('button', { onClick: () => input.current?.click(), title: 'a report made by podlab check … --json > report.json (read in this browser)', 'data-testid': 'open-check' }, 'open check report…'),
      h('input', { ref: input, type: 'file', accept: '.json', hidden: true, 'data-testid': 'check-file', onChange: (ev: { target: HTMLInputElement }) => void picked(ev.target.files) }),
      p.report && h('span', { className: p.report.passed ? 'muted' : 'bad', 'data-testid': 'check-verdict' },
        ` ${p.report.topology}: ${p.report.passed ? 'every intent holds' : `${p.report.violations.length} violation${p.report.violations.length === 1 ? '' : 's'}`} · ${p.report.cases.length} failure cases`),
      error && h('span', { className: 'bad', 'data-testid': 'check-error' }, ` ${error}`),
      !p.report && !error && h('span', { className: 'muted' }, ' npx podlab check TOPOLOGY --failures link --json > report.json, then open it here')),
    p.report && h('div', { className: 'check-body', style: STYLE.body },
      h('ul', { className: 'check-cases', style: STYLE.list },
        rows.map((r) => h('li', {
          key: r.id, className: `${r.id === p.selected ? 'on' : ''} ${r.violations.length ? 'bad' : ''}`, style: r.id === p.selected ? STYLE.on : STYLE.item, 'data-testid': 'check-case', 'data-case': r.id,
          onClick: () => { p.onSelect(r); p.onPair(undefined); },
        }, `${r.violations.length ? '✗' : '✓'} ${r.text}${r.broken.length ? ` — ${r.broken.length} pair${r.broken.length === 1 ? '' : 's'} ${r.id === 'healthy' ? 'broken' : 'lost'}` : ''}`))),
      row && h('div', { className: 'check-detail', style: STYLE.detail },
        row.violations.map((v, i) => h('div', { key: i, className: 'bad', 'data-testid': 'check-violation' }, v)),
        h('ul', { className: 'check-pairs', style: STYLE.list },
          row.broken.slice(0, 200).map((x, i) => h('li', {
            key: i, className: x === p.pair ? 'on' : '', style: x === p.pair ? STYLE.on : STYLE.item, 'data-testid': 'check-pair', onClick: () => p.onPair(x),
          }, `${x.matrix} ${x.from} → ${x.to}: ${x.reason ?? 'no reply'}`))),
        p.pair && h('ol', { className: 'check-trace', style: STYLE.mono, 'data-testid': 'check-trace' },
          (p.pair.trace ?? []).map((t) => h('li', { key: t.seq, className: t.hop === 'drop' ? 'bad' : '' }, hopLine(t))),
          !(p.pair.trace ?? []).length && h('li', { className: 'muted' }, 'no hop recorded: the packet never left its source')))));
}
