/**
 * `podlab up [SCENARIO|TOPOLOGY] [--runtime sim|mininet|containerlab] [--seed N] [--port N] [--no-ui]`:
 * deploy a lab on the simulator (or on real nodes: up-real.ts), put the web UI on it (http://127.0.0.1:7878), and open a node shell.
 *
 * With a topology, the lab is deployed (and Calico started when the topology has a `calico:`
 * section). With a scenario, the scenario runs first and the UI shows it as a timeline; the
 * lab stays up afterwards for exploring. The shell is the terminal twin of the UI's: lines
 * read `NODE COMMAND...`, or `COMMAND...` after `use NODE`, and every node answers the real
 * tools' commands. Piped input runs line by line; then, with the UI on, the lab keeps serving
 * until Ctrl-C (with --no-ui it exits at end of input: scriptable, testable).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TopologyReadError } from '../model/load.ts';
import { formatProblem } from '../model/problems.ts';
import type { Topology } from '../model/types.ts';
import { SimLab, DeployError } from '../runtime/sim/sim-lab.ts';
import { startCalico, wantsCalico } from '../runtime/sim/calico.ts';
import { ClusterConfigError } from '../calico/cluster/index.ts';
import { loadCheckedTopology, loadScenario, looksLikeScenario, ScenarioReadError } from '../scenario/format.ts';
import type { Scenario } from '../scenario/index.ts';
import { runScenarioLive, startUi, UiStartError, type UiServer } from './ui-serve.ts';
import { shell, type ShellHost } from './shell.ts';
import { upReal } from './up-real.ts';
import { runCommand, type CommandSpec } from './args.ts';
import { DEFAULT_UI_PORT, ensurePortFree } from './port-free.ts';
import type { LiveFeed } from '../server/index.ts';
import type { RunResult } from '../scenario/index.ts';
import { SHELL_HELP } from './shell-line.ts';

/** What `npm start` opens: the seed articles' two-node cluster, IPIP then plain BGP. */
const DEFAULT_TARGET = 'scenarios/ipip-vs-bgp.yaml';

const HELP = SHELL_HELP;

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'up',
  summary: 'Deploys a lab, serves the web UI on http://127.0.0.1:7878 and opens the lab\'s node shell here.',
  details: `Without an argument: the default scenario ${DEFAULT_TARGET}. A scenario runs first and the UI
shows it as a timeline; a topology is deployed (with Calico when it has a calico: section).
Real runtimes need root (mininet; containerlab also dockerd).

shell ${HELP}`,
  positionals: [{ name: 'SCENARIO|TOPOLOGY', optional: true }],
  options: {
    runtime: { type: 'string', choices: ['sim', 'mininet', 'containerlab'], default: 'sim', description: 'where the lab runs' },
    seed: { type: 'integer', default: 1, description: 'simulator: the seed of its randomness (a topology only)' },
    port: { type: 'integer', min: 0, max: 65535, value: 'N', description: 'the web UI\'s port on 127.0.0.1 (default 7878; 0: any free one)' },
    'no-ui': { type: 'boolean', description: 'no web UI: the shell only (exits at end of input)' },
  },
  examples: ['npx podlab up topologies/leaf-spine.yaml --port 8080', 'echo "master-01 ip route" | npx podlab up --no-ui scenarios/ipip-vs-bgp.yaml'],
} as const satisfies CommandSpec;

const say = (l: string): void => void process.stderr.write(`${l}\n`);

/** Runs `podlab up`. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, async ({ values, positionals }) => up({
    file: positionals[0] ?? DEFAULT_TARGET, runtime: values.runtime as 'sim' | 'mininet' | 'containerlab',
    seed: values.seed, ui: !values['no-ui'], ...(values.port !== undefined ? { port: values.port } : {}),
  }));
}

interface Args {
  file: string;
  runtime: 'sim' | 'mininet' | 'containerlab';
  seed: number;
  port?: number;
  ui: boolean;
}

async function up(parsed: Args): Promise<number> {
  const target = await loadTarget(resolve(parsed.file));
  if (typeof target === 'number') return target;
  // A busy port is found now, not after a deploy that may take minutes on real nodes.
  if (parsed.ui) await ensurePortFree(parsed.port ?? DEFAULT_UI_PORT);
  if (parsed.runtime === 'mininet' || parsed.runtime === 'containerlab') return upReal(target, { runtime: parsed.runtime, ui: parsed.ui, ...(parsed.port !== undefined ? { port: parsed.port } : {}), help: HELP });
  const up = target.scenario ? await runScenario(target.scenario, target.topology) : await deploy(target.topology, parsed.seed);
  if (typeof up === 'number') return up;
  let ui: UiServer | undefined;
  if (parsed.ui) {
    try {
      ui = await startUi(up.lab, { ...(parsed.port !== undefined ? { port: parsed.port } : {}), ...(up.feed ? { feed: up.feed } : {}), ...(up.result ? { result: up.result } : {}) });
    } catch (e) {
      if (!(e instanceof UiStartError)) throw e;
      say(`podlab up: ${e.message}`);
      return 2;
    }
  }
  say(`podlab: '${up.lab.topology.name}' is up${ui ? `: open ${ui.url}` : ''}. This terminal is the lab's node shell; type 'help'.`);
  try {
    const status = await shell(simShellHost(up.lab), HELP);
    if (ui && process.stdin.isTTY !== true) {
      say('podlab: end of input; the web UI keeps serving until Ctrl-C');
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    return status;
  } finally {
    await ui?.close();
  }
}

type Target = { scenario?: Scenario; topology: Topology };

/** Reads a scenario (and its topology) or a topology; prints problems; an exit status when unusable. */
async function loadTarget(path: string): Promise<Target | number> {
  try {
    if (looksLikeScenario(await readFile(path, 'utf8').catch(() => ''))) {
      const r = await loadScenario(path);
      for (const p of r.problems) say(formatProblem(p));
      if (!r.scenario) {
        say(`podlab up: ${path} is an invalid scenario; nothing was deployed`);
        return 1;
      }
      return { scenario: r.scenario, topology: r.topology };
    }
    const r = await loadCheckedTopology(path);
    for (const p of r.problems) say(formatProblem(p));
    if (!r.topology) {
      say(`podlab up: ${path} is invalid; nothing was deployed`);
      return 1;
    }
    return { topology: r.topology };
  } catch (e) {
    if (e instanceof TopologyReadError || e instanceof ScenarioReadError) {
      say(`podlab up: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

interface Up {
  lab: SimLab;
  feed?: LiveFeed;
  result?: RunResult;
}

/** Runs a scenario live; the lab stays up for the UI and the shell. */
async function runScenario(scenario: Scenario, topology: Topology): Promise<Up | number> {
  say(`podlab: running scenario '${scenario.name}' on '${topology.name}' (built-in simulator)…`);
  try {
    const up = await runScenarioLive(scenario, topology);
    const failed = up.result.steps.reduce((n, st) => n + st.expectations.filter((x) => !x.pass).length, 0);
    say(`podlab: ${up.result.steps.length} steps, ${failed ? `${failed} expectation(s) FAILED (podlab run shows which)` : 'every expectation met'}`);
    return up;
  } catch (e) {
    if (e instanceof DeployError || e instanceof ClusterConfigError) {
      say(`podlab up: ${e.message}\nnothing was deployed`);
      return 1;
    }
    throw e;
  }
}

/** Deploys a topology on the simulator, with Calico when it has a `calico:` section. */
async function deploy(t: Topology, seed: number): Promise<Up | number> {
  say(`podlab: deploying '${t.name}' (${t.nodes.length} nodes, ${t.links.length} links) on the built-in simulator…`);
  let lab: SimLab;
  try {
    lab = SimLab.deploy(t, { seed });
  } catch (e) {
    if (!(e instanceof DeployError)) throw e;
    say(`podlab up: ${e.message}\nnothing was deployed`);
    return 1;
  }
  if (wantsCalico(lab)) {
    try {
      const k8s = t.nodes.filter((n) => n.kind === 'k8s-node').length;
      // A big fabric takes a while: say what is going on (a few-node lab is up before anyone reads it).
      const big = k8s >= 100;
      if (big) say(`podlab: starting Calico on ${k8s} nodes…`);
      const c = await startCalico(lab);
      const r = c.converge(120_000, big
        ? (p) => say(`podlab: converging — ${p.pendingSessions.toLocaleString('en-US')} BGP sessions not Established, ${p.missingRoutes.toLocaleString('en-US')} routes still to learn`)
        : undefined);
      say(`podlab: Calico is up on ${c.agents.size} nodes (${c.routers.size} BGP routers, ${c.pods.size} pods)${r.converged ? `, converged in ${r.virtualMs.toFixed(1)} ms of virtual time` : ', NOT converged after 120 s of virtual time (try calicoctl node status)'}`);
    } catch (e) {
      if (!(e instanceof ClusterConfigError)) throw e;
      say(`podlab up: Calico resources are invalid:\n${e.message}\nnothing was deployed`);
      return 1;
    }
  }
  return { lab };
}

/** The simulator lab as the shell's host. */
function simShellHost(lab: SimLab): ShellHost {
  return {
    topology: lab.topology,
    isNode: (n) => lab.resolveNode(n) !== undefined,
    exec: (node, line) => lab.execAsync(node, line),
    run: (ms) => lab.world.run(ms),
    setup: (node) => lab.setup.find((s) => s.node === node)?.steps.map((s) => ({ why: s.command.why, argv: s.command.argv })),
  };
}
