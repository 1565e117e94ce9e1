/**
 * The lab's node shell, on the terminal: lines read `NODE COMMAND...`, or `COMMAND...` after
 * `use NODE`, and every node answers with its tools — the simulator's, or the real ones on a
 * real runtime. `podlab up` runs it after deploying; piped input runs line by line.
 */
import { createInterface } from 'node:readline';
import { interpretLine, listLinks, listNodes } from './shell-line.ts';
import { heredocTerminator } from '../sim/tools/heredoc.ts';
import type { Topology } from '../model/types.ts';

/** What the shell needs from a lab. */
export interface ShellHost {
  readonly topology: Topology;
  /** True when `name` runs commands (topology nodes, pods). */
  isNode(name: string): boolean;
  /** Runs one command line on a node. */
  exec(node: string, line: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Lets virtual time pass (the simulator only). */
  run?(ms: number): void;
  /** The commands that configured a node, with why; undefined for an unknown node. */
  setup(node: string): readonly { readonly why?: string; readonly argv: readonly string[] }[] | undefined;
}

/** Reads lines from stdin and runs them on the lab's nodes until end of input or `exit`. */
export async function shell(host: ShellHost, help: string): Promise<number> {
  const interactive = process.stdin.isTTY === true;
  let current: string | undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  const prompt = (): void => {
    if (!interactive) return;
    rl.setPrompt(current ? `${current}> ` : 'podlab> ');
    rl.prompt();
  };
  const out = (s: string): void => void process.stdout.write(s);
  let status = 0;
  // A here-document being typed (`kubectl apply -f - <<EOF`): lines go to it until its terminator.
  let doc: { node: string; text: string[]; word: string } | undefined;
  const runOn = async (node: string, command: string): Promise<void> => {
    const r = await host.exec(node, command);
    out(r.stdout);
    process.stdout.write(r.stderr);
    status = r.code;
  };
  prompt();
  for await (const raw of rl) {
    if (doc) {
      doc.text.push(raw);
      if (raw !== doc.word) {
        if (interactive) { rl.setPrompt('> '); rl.prompt(); }
        continue;
      }
      const d = doc;
      doc = undefined;
      await runOn(d.node, d.text.join('\n'));
      prompt();
      continue;
    }
    const line = raw.trim();
    if (!interactive && line) out(`${current ? `${current}> ` : 'podlab> '}${line}\n`);
    if (!line || line.startsWith('#')) {
      prompt();
      continue;
    }
    const a = interpretLine(line, current, (n) => host.isNode(n));
    if (a.kind === 'exit') break;
    if (a.kind === 'help') out(help);
    else if (a.kind === 'nodes') out(listNodes(host.topology));
    else if (a.kind === 'links') out(listLinks(host.topology));
    else if (a.kind === 'say') out(a.text);
    else if (a.kind === 'run') {
      if (!host.run) out('run: time passes by itself on real nodes\n');
      else host.run(a.ms);
    } else if (a.kind === 'use') current = a.node;
    else if (a.kind === 'setup') {
      const rec = host.setup(a.node);
      if (!rec) out(`setup: no node '${a.node}'\n`);
      else for (const s of rec) out(`${s.why ? `# ${s.why}\n` : ''}${s.argv.join(' ')}\n`);
    } else if (a.kind === 'exec') {
      const word = heredocTerminator(a.command);
      if (word !== undefined) {
        doc = { node: a.node, text: [a.command], word };
        if (interactive) { rl.setPrompt('> '); rl.prompt(); }
        continue;
      }
      await runOn(a.node, a.command);
    }
    prompt();
  }
  // End of input inside a here-document: bash runs it anyway (with a warning).
  if (doc) await runOn(doc.node, doc.text.join('\n'));
  rl.close();
  return interactive ? 0 : status;
}

