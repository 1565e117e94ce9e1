/**
 * The live event log: commands run on nodes and the notable hops of the trace (packets sent,
 * tunnel encap/decap, deliveries, drops with their reason). Clicking a hop line selects its
 * packet. The scenario timeline (steps, narration, expectations) will replace this panel's
 * content when the lab runs a scenario.
 */
import { h } from './h.ts';
import type { LogLine } from '../data/store.ts';

export interface EventLogProps {
  readonly log: readonly LogLine[];
  readonly onHop: (line: LogLine) => void;
}

/** The log panel, newest at the bottom. */
export function EventLog(p: EventLogProps) {
  const lines = p.log.slice(-400);
  return h('div', { className: 'event-log', 'data-testid': 'event-log' },
    lines.length === 0 && h('p', { className: 'muted' }, 'nothing yet: run a command in a terminal (try ping)'),
    lines.map((l) => h('div', { key: l.id, className: `log-line ${l.kind}${l.bad ? ' bad' : ''}`, onClick: () => p.onHop(l) },
      h('span', { className: 't' }, (l.t / 1000).toFixed(3)), h('span', { className: 'node' }, l.node ?? ''), h('span', { className: 'text' }, l.text))));
}
