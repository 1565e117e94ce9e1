/**
 * The lab shell's language, pure: what one line means (`NODE COMMAND…`, `use NODE`, `help`…),
 * its help text, and tab completion. The terminal shell (shell.ts) and the browser's terminal
 * (web/src/components/Terminal.ts) both interpret lines here, so the two cannot drift apart.
 * No Node APIs: the web bundle imports it.
 */
import { formatIPv4 } from '../net/ip.ts';
import type { Topology } from '../model/types.ts';

/** The shell's help text (`help`, and `podlab up --help`). */
export const SHELL_HELP = `commands:
  NODE COMMAND...     run COMMAND on NODE (ip, bridge, sysctl, iptables, ipset, conntrack,
                      ping, traceroute, tcpdump, ss, curl; with Calico: calicoctl (node
                      status, get/apply/delete/patch/label, ipam show|check|release),
                      birdc/birdcl show protocols|route, kubectl (get, describe, apply,
                      delete, run, create deployment, expose, scale, label, exec)),
                      e.g.  master-01 ip route   master-01 calicoctl node status
  POD COMMAND...      pods are nodes too: client curl -s http://10.96.0.1/ (or ns/pod)
  ... <<EOF           a here-document feeds stdin: kubectl apply -f - <<EOF, the
                      manifest, then a line EOF
  use NODE            run the following commands on NODE (prompt shows it)
  nodes               list nodes with their kind and addresses
  links               list links
  setup NODE          the commands that configured NODE, and why
  run MS              advance virtual time by MS milliseconds (simulator only)
  help                this text
  exit | quit         leave (the simulated lab disappears with the process)
`;

/** The tools the nodes answer (completion of a command's first word). */
export const NODE_TOOLS: readonly string[] = [
  'birdc', 'birdcl', 'bridge', 'calicoctl', 'conntrack', 'curl', 'ip', 'ipset', 'iptables', 'iptables-save', 'kubectl',
  'ping', 'ss', 'sysctl', 'tcpdump', 'traceroute',
];

/** The shell's own words. */
export const SHELL_WORDS: readonly string[] = ['exit', 'help', 'links', 'nodes', 'quit', 'run', 'setup', 'use'];

/** What a line asks for. */
export type ShellAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'exit' }
  | { readonly kind: 'help' }
  | { readonly kind: 'nodes' }
  | { readonly kind: 'links' }
  | { readonly kind: 'run'; readonly ms: number }
  | { readonly kind: 'use'; readonly node: string }
  | { readonly kind: 'setup'; readonly node: string }
  | { readonly kind: 'exec'; readonly node: string; readonly command: string }
  /** A line the shell answers with a message (a mistake, and what to do). */
  | { readonly kind: 'say'; readonly text: string };

/** Interprets one line typed while `current` is the node in use (undefined: none yet). */
export function interpretLine(raw: string, current: string | undefined, isNode: (name: string) => boolean): ShellAction {
  const line = raw.trim();
  if (!line || line.startsWith('#')) return { kind: 'none' };
  const [first, ...rest] = line.split(/\s+/) as [string, ...string[]];
  const restLine = line.slice(first.length).trim();
  switch (first) {
    case 'exit': case 'quit': return { kind: 'exit' };
    case 'help': return { kind: 'help' };
    case 'nodes': return { kind: 'nodes' };
    case 'links': return { kind: 'links' };
    case 'run': {
      const ms = Number(rest[0]);
      return Number.isFinite(ms) && ms >= 0 ? { kind: 'run', ms } : { kind: 'say', text: 'run: give a number of milliseconds\n' };
    }
    case 'use':
      return rest[0] && isNode(rest[0]) ? { kind: 'use', node: rest[0] } : { kind: 'say', text: `use: no node '${rest[0] ?? ''}' (try 'nodes')\n` };
    case 'setup':
      return rest[0] ? { kind: 'setup', node: rest[0] } : { kind: 'say', text: "setup: no node ''\n" };
  }
  const onNode = isNode(first) ? first : current;
  const command = onNode === first ? restLine : line;
  if (!onNode) return { kind: 'say', text: `'${first}' is not a node; prefix a node name or 'use NODE' first (try 'nodes', 'help')\n` };
  if (!command) return { kind: 'use', node: onNode };
  return { kind: 'exec', node: onNode, command };
}

/** `nodes`: each node with its kind and addresses. */
export function listNodes(t: Topology): string {
  const rows = t.nodes.map((n) => {
    const addrs = n.interfaces.filter((i) => i.address).map((i) => `${i.name} ${formatIPv4(i.address!.addr)}/${i.address!.len}`);
    return `${n.name.padEnd(16)} ${n.kind.padEnd(9)} ${addrs.join(', ')}`;
  });
  return `${rows.join('\n')}\n`;
}

/** `links`: each cable, with its latency when it has one. */
export function listLinks(t: Topology): string {
  return t.links.map((l) => `${l.endpoints[0].node}:${l.endpoints[0].iface} <-> ${l.endpoints[1].node}:${l.endpoints[1].iface}${l.latencyMs ? ` (${l.latencyMs} ms)` : ''}\n`).join('');
}

/** What Tab does to a line: the completed line, and the candidates when more than one fits. */
export interface Completion {
  readonly line: string;
  readonly candidates: readonly string[];
}

/**
 * Completes the last word of `line`: the first word against shell words, node names and the
 * tools (with a node in use); the word after `use`/`setup` against node names; the word after
 * a node name against the tools. One candidate completes with a space; several extend to
 * their common prefix and are listed.
 */
export function completeLine(line: string, nodes: readonly string[], current: string | undefined): Completion {
  const words = line.split(/\s+/);
  const word = words[words.length - 1] ?? '';
  const before = words.slice(0, -1).filter((w) => w);
  let pool: readonly string[];
  if (before.length === 0) pool = [...SHELL_WORDS, ...nodes, ...(current ? NODE_TOOLS : [])];
  else if (before.length === 1 && (before[0] === 'use' || before[0] === 'setup')) pool = nodes;
  else if (before.length === 1 && nodes.includes(before[0]!)) pool = NODE_TOOLS;
  else pool = nodes; // an argument: node names are what a learner types most (ping pod-b…)
  const candidates = [...new Set(pool.filter((c) => c.startsWith(word)))].sort();
  if (candidates.length === 0) return { line, candidates: [] };
  const head = line.slice(0, line.length - word.length);
  if (candidates.length === 1) return { line: `${head}${candidates[0]} `, candidates };
  return { line: `${head}${commonPrefix(candidates)}`, candidates };
}

function commonPrefix(xs: readonly string[]): string {
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}
