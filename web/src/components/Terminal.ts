/**
 * The lab's node shell in the browser, on xterm.js: the same language as `podlab up`'s
 * terminal (engine/cli/shell-line.ts: `NODE COMMAND`, `use NODE`, `help`, `nodes`), commands
 * sent to POST /api/exec, history (↑/↓), Ctrl-C, Tab completion of nodes and commands. The
 * xterm instance lives as long as the page, so its scrollback and focus survive every command
 * and every change of the selected node (which becomes the node in use).
 */
import { useEffect, useRef } from 'react';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { h } from './h.ts';
import { execOnNode } from '../data/client.ts';
import type { CommandEvent } from '../../../engine/events.ts';
import type { Topology } from '../../../engine/model/types.ts';
import { SHELL_HELP, completeLine, interpretLine, listLinks, listNodes } from '../../../engine/cli/shell-line.ts';
import { heredocTerminator } from '../../../engine/sim/tools/heredoc.ts';
import { LineEditor } from '../domain/line-editor.ts';

/** The hint printed when the terminal opens: what the nodes answer. */
export const TERMINAL_HINT = "ip, bridge, ss, ping, tcpdump, calicoctl, birdc, kubectl … on any node.\n'help': the shell's words (use NODE, nodes…); Tab completes; ↑/↓ history.";

export interface TerminalProps {
  /** The node selected in the app: the node in use. */
  readonly node: string;
  /** Every name that runs commands (topology nodes and pods). */
  readonly nodes: readonly string[];
  readonly topology: Topology;
  /** A replay: what ran on the node, up to the cursor; no input. */
  readonly recorded?: readonly CommandEvent[];
  /** `use NODE` typed here: the app selects that node too (inspector, graph). */
  readonly onUse?: (node: string) => void;
}

/** The terminal of the lab; with `recorded` (a replay) it shows what ran on `node` and takes no input. */
export function Terminal(p: TerminalProps) {
  if (p.recorded) return h(RecordedTerminal, { node: p.node, recorded: p.recorded });
  return h(LiveTerminal, p);
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

/** xterm wants CRLF; tools print LF. */
const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

/** One page-lifetime shell: xterm, the line being typed, the node in use. */
class BrowserShell {
  readonly term = new XTerm({ convertEol: false, cursorBlink: true, fontSize: 12, scrollback: 5000, fontFamily: 'ui-monospace, Menlo, Consolas, monospace', theme: { background: '#10151c' } });
  private readonly editor = new LineEditor();
  node: string;
  nodes: readonly string[] = [];
  topology?: Topology;
  onUse?: (node: string) => void;
  /** Bumped by Ctrl-C: the output of a command started before is not printed. */
  private generation = 0;
  private busy = false;
  private typedAhead: string[] = [];
  /** A here-document being typed (`kubectl apply -f - <<EOF`): lines go to it until its terminator. */
  private doc: { node: string; lines: string[]; word: string } | undefined;

  constructor(node: string) {
    this.node = node;
    this.term.onData((d) => this.onData(d));
  }

  private get prompt(): string {
    return `\x1b[32mroot@${this.node}\x1b[0m:~# `;
  }

  start(): void {
    this.term.write(crlf(`${TERMINAL_HINT}\n`));
    this.term.write(this.prompt);
  }

  /** The app selected another node: it is the node in use from now on. */
  select(node: string): void {
    if (node === this.node) return;
    this.node = node;
    if (this.busy) return; // the prompt comes when the running command ends
    this.term.write(`\r\x1b[2K${this.prompt}${this.editor.line}`);
  }

  private onData(d: string): void {
    if (d === '\x03') { // Ctrl-C: abandon the line (or the running command's output) and what was typed ahead
      this.generation++;
      this.busy = false;
      this.typedAhead = [];
      this.editor.clear();
      this.term.write(`^C\r\n${this.prompt}`);
      return;
    }
    if (this.busy) { this.typedAhead.push(d); return; } // typed while a command runs: kept, as a shell's tty does
    if (d === '\r') { void this.enter(); return; }
    if (d === '\t') { this.complete(); return; }
    if (d === '\x0c') { this.term.clear(); return; } // Ctrl-L
    const echo = this.editor.key(d);
    if (echo !== undefined) this.term.write(echo);
  }

  private complete(): void {
    const c = completeLine(this.editor.line, this.nodes, this.node);
    if (c.candidates.length > 1 && c.line === this.editor.line) {
      this.term.write(`\r\n${c.candidates.join('  ')}\r\n${this.prompt}${this.editor.line}`);
      return;
    }
    this.term.write(this.editor.replace(c.line));
  }

  private async enter(): Promise<void> {
    const line = this.editor.submit();
    this.term.write('\r\n');
    const gen = this.generation;
    const isNode = (n: string): boolean => this.nodes.includes(n);
    if (this.doc) {
      this.doc.lines.push(line);
      if (line !== this.doc.word) { this.term.write('> '); return; }
    }
    const doc = this.doc;
    this.doc = undefined;
    const a = doc ? { kind: 'exec' as const, node: doc.node, command: doc.lines.join('\n') } : interpretLine(line, this.node, isNode);
    const out = (s: string): void => this.term.write(crlf(s));
    switch (a.kind) {
      case 'none': break;
      case 'help': out(SHELL_HELP); break;
      case 'nodes': if (this.topology) out(listNodes(this.topology)); break;
      case 'links': if (this.topology) out(listLinks(this.topology)); break;
      case 'say': out(a.text); break;
      case 'use': this.node = a.node; this.onUse?.(a.node); break;
      case 'exit': out('exit: the lab keeps running in `podlab up`; close the tab to leave\n'); break;
      case 'run': out('run: virtual time is advanced from the `podlab up` terminal, not the browser\n'); break;
      case 'setup': out('setup: the setup commands are in the `podlab up` terminal (`setup NODE`) and, for a scenario, in the timeline\'s Deploy step\n'); break;
      case 'exec': {
        if (a.command === 'clear') { this.term.clear(); break; }
        const word = doc ? undefined : heredocTerminator(a.command);
        if (word !== undefined) {
          // The document's lines follow; the command runs when a line reads `word`.
          this.doc = { node: a.node, lines: [a.command], word };
          this.term.write('> ');
          return;
        }
        this.busy = true;
        const r = await execOnNode(a.node, a.command);
        if (gen !== this.generation) return; // Ctrl-C'd: the prompt is already there
        this.busy = false;
        out(r.stdout);
        if (r.stderr) this.term.write(`\x1b[31m${crlf(r.stderr)}\x1b[0m`);
        if (r.code !== 0) this.term.write(`\x1b[2mexit ${r.code}\x1b[0m\r\n`);
        break;
      }
    }
    this.term.write(this.prompt);
    const ahead = this.typedAhead;
    this.typedAhead = [];
    for (const d of ahead) this.onData(d);
  }
}

let shared: BrowserShell | undefined;

function LiveTerminal(p: TerminalProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = !shared;
    shared ??= new BrowserShell(p.node);
    const sh = shared;
    if (!sh.term.element) sh.term.open(box.current!);
    else box.current!.appendChild(sh.term.element); // back from the inspector tab: the same scrollback
    if (first) sh.start();
    fit(sh.term, box.current!);
    sh.term.focus();
    const onResize = (): void => fit(sh.term, box.current!);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  useEffect(() => {
    if (!shared) return;
    shared.nodes = p.nodes;
    shared.topology = p.topology;
    shared.onUse = p.onUse;
    shared.select(p.node);
  }, [p.node, p.nodes, p.topology, p.onUse]);
  return h('div', { className: 'terminal xterm-box', ref: box, 'data-testid': 'terminal', onClick: () => shared?.term.focus() });
}

/** Sizes the terminal to its box from the rendered cell size (what xterm's fit addon does). */
function fit(term: XTerm, el: HTMLElement): void {
  const cell = el.querySelector('.xterm-rows > div') as HTMLElement | null;
  const ch = cell?.getBoundingClientRect().height || 15;
  // xterm measures its cell with a 32-character span; the same span gives the column width.
  const measure = el.querySelector('.xterm-char-measure-element') as HTMLElement | null;
  const cw = (measure?.getBoundingClientRect().width || 32 * 7.3) / 32;
  const cols = Math.max(40, Math.floor((el.clientWidth - 12) / cw));
  const rows = Math.max(8, Math.floor((el.clientHeight - 8) / ch));
  if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
}
