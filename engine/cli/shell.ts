/**
 * The lab's node shell, on the terminal: lines read `NODE COMMAND...`, or `COMMAND...` after
 * `use NODE`, and every node answers with its tools — the simulator's, or the real ones on a
 * real runtime. `podlab up` runs it after deploying; piped input runs line by line.
 */
import { createInterface } from 'node:readline';
import { formatIPv4 } from '../net/ip.ts';
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
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (!interactive && line) out(`${current ? `${current}> ` : 'podlab> '}${line}\n`);
    if (!line || line.startsWith('#')) {
      prompt();
      continue;
    }
    const [first, ...rest] = line.split(/\s+/);
    const restLine = line.slice(first!.length).trim();
    if (first === 'exit' || first === 'quit') break;
    if (first === 'help') out(help);
    else if (first === 'nodes') out(listNodes(host.topology));
    else if (first === 'links') out(listLinks(host.topology));
    else if (first === 'run') {
      const ms = Number(rest[0]);
      if (!host.run) out('run: time passes by itself on real nodes\n');
      else if (!Number.isFinite(ms) || ms < 0) out('run: give a number of milliseconds\n');
      else host.run(ms);
    } else if (first === 'use') {
      if (rest[0] && host.isNode(rest[0])) current = rest[0];
      else out(`use: no node '${rest[0] ?? ''}' (try 'nodes')\n`);
    } else if (first === 'setup') {
      const rec = rest[0] ? host.setup(rest[0]) : undefined;
      if (!rec) out(`setup: no node '${rest[0] ?? ''}'\n`);
      else for (const s of rec) out(`${s.why ? `# ${s.why}\n` : ''}${s.argv.join(' ')}\n`);
    } else {
      const onNode = host.isNode(first!) ? first! : current;
      const command = onNode === first ? restLine : line;
      if (!onNode) out(`'${first}' is not a node; prefix a node name or 'use NODE' first (try 'nodes', 'help')\n`);
      else if (!command) current = onNode;
      else {
        const r = await host.exec(onNode, command);
        out(r.stdout);
        process.stdout.write(r.stderr);
        status = r.code;
      }
    }
    prompt();
  }
  rl.close();
  return interactive ? 0 : status;
}

function listNodes(t: Topology): string {
  const rows = t.nodes.map((n) => {
    const addrs = n.interfaces.filter((i) => i.address).map((i) => `${i.name} ${formatIPv4(i.address!.addr)}/${i.address!.len}`);
    return `${n.name.padEnd(16)} ${n.kind.padEnd(9)} ${addrs.join(', ')}`;
  });
  return `${rows.join('\n')}\n`;
}

function listLinks(t: Topology): string {
  return t.links.map((l) => `${l.endpoints[0].node}:${l.endpoints[0].iface} <-> ${l.endpoints[1].node}:${l.endpoints[1].iface}${l.latencyMs ? ` (${l.latencyMs} ms)` : ''}\n`).join('');
}
