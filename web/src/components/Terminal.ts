/**
 * A terminal per node: a command line sent to POST /api/exec, the output as the node's tools
 * print it, and shell-like history (↑/↓). Each node keeps its own scrollback.
 */
import { useEffect, useRef, useState } from 'react';
import { h } from './h.ts';
import { execOnNode } from '../data/client.ts';
import type { CommandEvent } from '../../../engine/events.ts';

interface Entry {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const scrollback = new Map<string, Entry[]>();
const history: string[] = [];

/** The terminal of `node`; with `recorded` (a replay) it shows what ran there and takes no input. */
export function Terminal(p: { readonly node: string; readonly recorded?: readonly CommandEvent[] }) {
  if (p.recorded) return h(RecordedTerminal, { node: p.node, recorded: p.recorded });
  return h(LiveTerminal, { node: p.node });
}

function RecordedTerminal(p: { readonly node: string; readonly recorded: readonly CommandEvent[] }) {
  return h('div', { className: 'terminal', 'data-testid': 'terminal' },
    h('div', { className: 'replay-note' }, 'a recording: nothing runs here; these are the commands the scenario ran on this node'),
    h('div', { className: 'term-out', 'data-testid': 'term-out' },
      p.recorded.map((e) => h('div', { key: e.seq, className: 'term-entry' },
        h('div', { className: 'term-cmd' }, h('span', { className: 'prompt' }, `root@${p.node}:~# `), e.argv.join(' ')),
        e.stdout && h('pre', null, e.stdout), e.stderr && h('pre', { className: 'stderr' }, e.stderr),
        e.code !== 0 && h('div', { className: 'exit' }, `exit ${e.code}`)))));
}

function LiveTerminal(p: { readonly node: string }) {
  const [entries, setEntries] = useState<Entry[]>(() => scrollback.get(p.node) ?? []);
  const [line, setLine] = useState('');
  const [busy, setBusy] = useState(false);
  const hist = useRef(history.length);
  const out = useRef<HTMLDivElement>(null);
  const shown = useRef(p.node);
  shown.current = p.node;
  useEffect(() => setEntries(scrollback.get(p.node) ?? []), [p.node]);
  useEffect(() => { out.current?.scrollTo(0, out.current.scrollHeight); }, [entries]);

  const run = async (): Promise<void> => {
    const command = line.trim();
    if (!command || busy) return;
    if (history[history.length - 1] !== command) history.push(command);
    hist.current = history.length;
    setLine('');
    if (command === 'clear') {
      scrollback.set(p.node, []);
      setEntries([]);
      return;
    }
    setBusy(true);
    const node = p.node;
    const r = await execOnNode(node, command);
    const next = [...(scrollback.get(node) ?? []), { command, stdout: r.stdout, stderr: r.stderr, code: r.code }];
    scrollback.set(node, next);
    // The output belongs to the node it ran on, even if another node is shown by now.
    if (shown.current === node) setEntries(next);
    setBusy(false);
  };
  const onKey = (ev: { key: string; preventDefault(): void }): void => {
    if (ev.key === 'Enter') void run();
    else if (ev.key === 'ArrowUp' && hist.current > 0) { ev.preventDefault(); setLine(history[--hist.current] ?? ''); }
    else if (ev.key === 'ArrowDown') { ev.preventDefault(); hist.current = Math.min(history.length, hist.current + 1); setLine(history[hist.current] ?? ''); }
  };

  return h('div', { className: 'terminal', 'data-testid': 'terminal' },
    h('div', { className: 'term-out', ref: out, 'data-testid': 'term-out' },
      entries.length === 0 && h('p', { className: 'muted' }, `${p.node}: ip, bridge, sysctl, iptables, ipset, conntrack, ping, traceroute, tcpdump. 'clear' clears.`),
      entries.map((e, i) => h('div', { key: i, className: 'term-entry' },
        h('div', { className: 'term-cmd' }, h('span', { className: 'prompt' }, `root@${p.node}:~# `), e.command),
        e.stdout && h('pre', null, e.stdout),
        e.stderr && h('pre', { className: 'stderr' }, e.stderr),
        e.code !== 0 && h('div', { className: 'exit' }, `exit ${e.code}`)))),
    h('div', { className: 'term-in' },
      h('span', { className: 'prompt' }, `root@${p.node}:~# `),
      h('input', {
        value: line, onChange: (ev: { target: { value: string } }) => setLine(ev.target.value), onKeyDown: onKey,
        spellCheck: false, autoComplete: 'off', disabled: busy, 'data-testid': 'term-input', 'aria-label': `command on ${p.node}`,
      })));
}
