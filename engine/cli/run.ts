/**
 * `podlab run SCENARIO [--runtime sim|mininet] [--record FILE] [--pcap DIR] [--json] [--keep]
 * [--skip-unsupported] [--lab NAME]`: run a scenario and check its expectations. On the
 * simulator everything is in process; on `mininet` the lab is built from real namespaces,
 * BIRD, etcd and `podlab agent`s, and torn down at the end (`--keep` keeps it for
 * `podlab destroy LAB`). A scenario that needs a kernel feature this machine lacks (ipip,
 * 802.1Q) is reported as unsupported, naming the module — exit 1, or 0 with
 * `--skip-unsupported`. Progress goes to stdout step by step
 * (`[3/7] Ping pod to pod … ok`), then a summary naming every failed step with its
 * expected and observed values. `--json` prints one JSON document instead. Exit status:
 * 0 = every expectation passed, 1 = an expectation failed, a step errored, or the scenario
 * is invalid (file:line:col messages on stderr), 2 = usage error or unreadable file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProblem } from '../model/problems.ts';
import { DeployError } from '../runtime/sim/sim-lab.ts';
import { ClusterConfigError } from '../calico/cluster/cluster.ts';
import { MininetDeployError } from '../runtime/mininet/lab.ts';
import { containerlabDeploy, mininetDeploy, UnsupportedError } from '../scenario/real-driver.ts';
import type { LabDriver } from '../scenario/driver.ts';
import { loadScenario, ScenarioReadError } from '../scenario/format.ts';
import { runScenario } from '../scenario/run.ts';
import { progressPrinter } from '../scenario/render.ts';
import { RecordingError, recordingOf } from '../scenario/recording.ts';
import { writeRecording } from '../scenario/recording-file.ts';
import { checkOutputPaths } from './output-paths.ts';
import { runReport } from '../scenario/report.ts';
import { runCommand, UsageError, type CommandSpec, type Parsed } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'run',
  summary: 'Runs a scenario and checks every expectation (exit 1 when one fails).',
  details: 'On the built-in simulator (default), or on real network namespaces with real BIRD, etcd and\n' +
    'podlab agents (--runtime mininet, as root), or in Docker containers laid out as containerlab\n' +
    'lays them out (--runtime containerlab, as root, dockerd running). Progress goes to stdout step\n' +
    'by step, then a summary naming every failed expectation with its expected and observed values.\n' +
    'Exit status: 0 every expectation passed, 1 one failed, the scenario is invalid or the recording\n' +
    'could not be written, 2 usage or input error.',
  positionals: [{ name: 'SCENARIO' }],
  options: {
    runtime: { type: 'string', choices: ['sim', 'mininet', 'containerlab'], default: 'sim', description: 'where the lab runs' },
    record: { type: 'string', value: 'FILE', description: 'write a recording (.podlab) that podlab replay and the UI open' },
    pcap: { type: 'string', value: 'DIR', description: 'write every capture as DIR/<node>-<iface>.pcap' },
    packets: { type: 'string', choices: ['all', 'none'], default: 'all', description: 'packet hops the recording keeps: all, or none (a fabric of hundreds of nodes: its BGP traffic is most of a recording)' },
    json: { type: 'boolean', description: 'print one JSON document instead of the progress' },
    keep: { type: 'boolean', description: 'real runtimes: keep the lab afterwards (remove it with podlab destroy LAB)' },
    'skip-unsupported': { type: 'boolean', description: 'exit 0 when the scenario needs a kernel feature this machine lacks' },
    lab: { type: 'string', value: 'NAME', description: 'real runtimes: the lab\'s name (default: the topology\'s)' },
  },
  examples: ['npx podlab run scenarios/ipip-vs-bgp.yaml --record run.podlab', 'npx podlab run big-fabric.yaml --record run.podlab --packets none', 'sudo npx podlab run --runtime mininet scenarios/tor-peering.yaml --pcap out/'],
} as const satisfies CommandSpec;

interface Args {
  file: string;
  runtime: string;
  record?: string;
  pcap?: string;
  packets: boolean;
  json: boolean;
  keep: boolean;
  skipUnsupported: boolean;
  lab?: string;
}

function toArgs({ values: v, positionals }: Parsed<typeof SPEC.options>): Args {
  if (v.keep && v.runtime === 'sim') throw new UsageError('--keep applies to real runtimes only (the simulator keeps nothing outside the process)');
  return {
    file: positionals[0]!, runtime: v.runtime, json: v.json, keep: v.keep, skipUnsupported: v['skip-unsupported'], packets: v.packets === 'all',
    ...(v.record !== undefined ? { record: v.record } : {}), ...(v.pcap !== undefined ? { pcap: v.pcap } : {}), ...(v.lab !== undefined ? { lab: v.lab } : {}),
  };
}

/** Runs `podlab run`; returns the exit status. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, (p) => runParsed(toArgs(p)));
}

async function runParsed(parsed: Args): Promise<number> {
  const unwritable = await checkOutputPaths(parsed); // before the run, not after it
  if (unwritable) {
    process.stderr.write(`podlab run: ${unwritable}; nothing was run\n`);
    return 2;
  }
  let loaded;
  try {
    loaded = await loadScenario(parsed.file);
  } catch (e) {
    if (!(e instanceof ScenarioReadError)) throw e;
    process.stderr.write(`podlab run: ${e.message}\n`);
    return 2;
  }
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  if (!loaded.scenario) {
    process.stderr.write(`podlab run: ${parsed.file} is invalid; nothing was run\n`);
    return 1;
  }
  const scenario = loaded.scenario;
  const progress = (msg: string): void => { process.stderr.write(`podlab: ${msg}\n`); };
  let driver: LabDriver | undefined;
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    progress('interrupted: tearing the lab down');
    void (driver?.destroy() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  const deploy = parsed.runtime !== 'sim'
    ? async (t: typeof loaded.topology) => {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const how = parsed.runtime === 'containerlab' ? containerlabDeploy : mininetDeploy;
      driver = await how(t, { scenario, onProgress: progress, ...(parsed.lab ? { lab: parsed.lab } : {}) });
      if (!parsed.keep) return driver;
      // --keep: the runner's teardown becomes a note on how to remove the lab later.
      const kept = driver;
      return Object.assign(Object.create(Object.getPrototypeOf(kept) as object) as LabDriver, kept, {
        destroy: async () => { progress(`lab kept (--keep): remove it with 'podlab destroy ${parsed.lab ?? t.name}'`); },
      });
    }
    : undefined;
  let result;
  try {
    // A recording gets per-step snapshots: the UI shows every panel at any step from them.
    result = await runScenario(scenario, loaded.topology, { ...(parsed.json ? {} : { onEvent: progressPrinter((s) => process.stdout.write(s)) }), ...(deploy ? { deploy } : {}), snapshots: parsed.record !== undefined, packets: parsed.packets, keep: { captures: parsed.record !== undefined && parsed.packets, pcaps: parsed.pcap !== undefined } });
  } catch (e) {
    if (interrupted) return 130;
    if (e instanceof UnsupportedError) {
      const msg = `${scenario.file}: cannot run on --runtime ${parsed.runtime} here: ${e.message}`;
      if (parsed.json) process.stdout.write(`${JSON.stringify({ scenario: { name: scenario.name, file: scenario.file }, runtime: parsed.runtime, passed: parsed.skipUnsupported, skipped: true, unsupported: e.features, reason: e.message }, null, 2)}\n`);
      process.stderr.write(`podlab run: ${parsed.skipUnsupported ? 'skipped' : 'not run'}: ${msg}\n`);
      return parsed.skipUnsupported ? 0 : 1;
    }
    if (!(e instanceof DeployError || e instanceof MininetDeployError || e instanceof ClusterConfigError)) {
      if (parsed.runtime === 'sim') throw e;
    }
    process.stderr.write(`podlab run: deploy failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const say = (s: string): void => {
    (parsed.json ? process.stderr : process.stdout).write(s);
  };
  let pcaps: { file: string; frames: number }[] | undefined;
  if (parsed.pcap) {
    await mkdir(parsed.pcap, { recursive: true });
    pcaps = [];
    for (const c of result.pcaps) {
      const file = join(parsed.pcap, `${c.node}-${c.dev}.pcap`);
      await writeFile(file, c.pcap);
      pcaps.push({ file, frames: c.frames });
    }
    say(`wrote ${pcaps.length} pcap file${pcaps.length === 1 ? '' : 's'} to ${parsed.pcap}\n`);
  }
  if (parsed.record) {
    try {
      const size = await writeRecording(parsed.record, recordingOf(result));
      say(`recorded ${result.events.length} events to ${parsed.record} (${(size / 1024).toFixed(1)} KiB)\n`);
    } catch (e) {
      if (!(e instanceof RecordingError)) throw e;
      process.stderr.write(`podlab run: ${parsed.record} not written: ${e.message}\n`);
      return 1;
    }
  }
  if (parsed.json) process.stdout.write(JSON.stringify(runReport(result, pcaps), null, 2) + '\n');
  return result.passed ? 0 : 1;
}
