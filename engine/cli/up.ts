/**
 * `podlab up [TOPOLOGY] [--runtime sim] [--seed N]`: deploy a topology and drop into a node
 * shell. Until the web UI exists, the shell is how a learner explores the lab: every node
 * answers `ip`, `bridge`, `sysctl`, `iptables`, `ping`, `traceroute` and `tcpdump` the way
 * the real tools do. Lines read `NODE COMMAND...`, or just `COMMAND...` after `use NODE`.
 * Piped input runs line by line and exits at end of input (scriptable, testable).
 */
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { loadTopology, TopologyReadError } from '../model/load.ts';
import { formatProblem } from '../model/problems.ts';
import { SimLab, DeployError } from '../runtime/sim/sim-lab.ts';
import { formatIPv4 } from '../net/ip.ts';
import { startCalico, wantsCalico } from '../runtime/sim/calico.ts';
import { ClusterConfigError } from '../calico/cluster/index.ts';
import { readFile } from 'node:fs/promises';
import { parseScenario } from '../scenario/format.ts';

const DEFAULT_TOPOLOGY = 'topologies/two-nodes.yaml';

const HELP = `commands:
  NODE COMMAND...     run COMMAND on NODE (ip, bridge, sysctl, iptables, ipset, conntrack,
                      ping, traceroute, tcpdump, ss; with Calico: calicoctl node status|
                      get nodes|get ippools|ipam show, birdc/birdcl show protocols|route),
                      e.g.  master-01 ip route   master-01 calicoctl node status
  use NODE            run the following commands on NODE (prompt shows it)
  nodes               list nodes with their kind and addresses
  links               list links
  setup NODE          the commands that configured NODE, and why
  run MS              advance virtual time by MS milliseconds
  help                this text
  exit | quit         leave (the simulated lab disappears with the process)
`;

interface Args {
  file: string;
  runtime: string;
  seed: number;
}

function parseArgs(args: string[]): Args | string {
  const out: Args = { file: DEFAULT_TOPOLOGY, runtime: 'sim', seed: 1 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--runtime') out.runtime = args[++i] ?? '';
    else if (a === '--seed') out.seed = Number(args[++i]);
    else if (a === '--port') i++; // the UI's port; accepted now so scripts keep working when it lands
    else if (a.startsWith('-')) return `unknown option '${a}'`;
    else out.file = a;
  }
  if (out.runtime !== 'sim') return `runtime '${out.runtime}' is not available yet; use --runtime sim (the default)`;
  if (!Number.isInteger(out.seed)) return '--seed needs an integer';
  return out;
}

/** Runs `podlab up`. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`podlab up: ${parsed}\n`);
    return 2;
  }
  let path = resolve(parsed.file);
  // A scenario names its topology: `up` deploys that one (`podlab run` runs the steps).
  const scenario = await scenarioTopology(path);
  if (typeof scenario === 'number') return scenario;
  if (scenario) {
    process.stderr.write(`podlab: scenario '${scenario.name}' uses topology ${scenario.path}\n`);
    path = scenario.path;
  }
  let loaded;
  try {
    loaded = await loadTopology(path);
  } catch (e) {
    if (e instanceof TopologyReadError) {
      process.stderr.write(`podlab up: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (!loaded.topology) {
    process.stderr.write(`podlab up: ${path} is invalid; nothing was deployed\n`);
    return 1;
  }
  const t = loaded.topology;
  process.stderr.write(`podlab: deploying '${t.name}' (${t.nodes.length} nodes, ${t.links.length} links) on the built-in simulator…\n`);
  let lab: SimLab;
  try {
    lab = SimLab.deploy(t, { seed: parsed.seed });
  } catch (e) {
    if (e instanceof DeployError) {
      process.stderr.write(`podlab up: ${e.message}\nnothing was deployed\n`);
      return 1;
    }
    throw e;
  }
  // ---- Calico (engine/runtime/sim/calico.ts): a topology with a `calico:` section gets its
  // control plane — datastore, calico-node per k8s node, the fabric's BGP routers, its pods —
  // and every node's shell gains calicoctl and birdc/birdcl.
  if (wantsCalico(lab)) {
    try {
      const c = await startCalico(lab);
      const r = c.converge();
      process.stderr.write(`podlab: Calico is up on ${c.agents.size} nodes (${c.routers.size} BGP routers, ${c.pods.size} pods)${r.converged ? `, converged in ${r.virtualMs.toFixed(1)} ms of virtual time` : ', NOT converged after 120 s of virtual time (try calicoctl node status)'}\n`);
    } catch (e) {
      if (!(e instanceof ClusterConfigError)) throw e;
      process.stderr.write(`podlab up: Calico resources are invalid:\n${e.message}\nnothing was deployed\n`);
      return 1;
    }
  }
  // ---- end Calico
  process.stderr.write(`podlab: '${t.name}' is up. The web UI is not built yet; this is the lab's node shell. Type 'help'.\n`);
  return shell(lab);
}

/** The topology a scenario file names (undefined for a topology file); an exit status when the scenario is invalid. */
async function scenarioTopology(path: string): Promise<{ name: string; path: string } | number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  if (!/^steps:/m.test(text)) return undefined;
  const parsed = parseScenario(text, path);
  for (const p of parsed.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (!parsed.scenario) {
    process.stderr.write(`podlab up: ${path} is an invalid scenario; nothing was deployed\n`);
    return 1;
  }
  return { name: parsed.scenario.name, path: parsed.scenario.topology.path };
}

async function shell(lab: SimLab): Promise<number> {
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
    if (first === 'help') out(HELP);
    else if (first === 'nodes') out(listNodes(lab));
    else if (first === 'links') out(listLinks(lab));
    else if (first === 'run') {
      const ms = Number(rest[0]);
      if (!Number.isFinite(ms) || ms < 0) out('run: give a number of milliseconds\n');
      else lab.world.run(ms);
    } else if (first === 'use') {
      if (rest[0] && lab.world.kernel(rest[0])) current = rest[0];
      else out(`use: no node '${rest[0] ?? ''}' (try 'nodes')\n`);
    } else if (first === 'setup') {
      const rec = lab.setup.find((s) => s.node === rest[0]);
      if (!rec) out(`setup: no node '${rest[0] ?? ''}'\n`);
      else for (const s of rec.steps) out(`# ${s.command.why}\n${s.command.argv.join(' ')}\n`);
    } else {
      const onNode = lab.world.kernel(first!) ? first! : current;
      const command = onNode === first ? restLine : line;
      if (!onNode) out(`'${first}' is not a node; prefix a node name or 'use NODE' first (try 'nodes', 'help')\n`);
      else if (!command) current = onNode;
      else {
        const r = lab.exec(onNode, command);
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

function listNodes(lab: SimLab): string {
  const rows = lab.topology.nodes.map((n) => {
    const addrs = n.interfaces.filter((i) => i.address).map((i) => `${i.name} ${formatIPv4(i.address!.addr)}/${i.address!.len}`);
    return `${n.name.padEnd(16)} ${n.kind.padEnd(9)} ${addrs.join(', ')}`;
  });
  return `${rows.join('\n')}\n`;
}

function listLinks(lab: SimLab): string {
  return lab.topology.links.map((l) => `${l.endpoints[0].node}:${l.endpoints[0].iface} <-> ${l.endpoints[1].node}:${l.endpoints[1].iface}${l.latencyMs ? ` (${l.latencyMs} ms)` : ''}\n`).join('');
}
