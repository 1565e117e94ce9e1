/**
 * `podlab run SCENARIO [--runtime sim] [--record FILE] [--pcap DIR] [--json]`: run a
 * scenario and check its expectations. Progress goes to stdout step by step
 * (`[3/7] Ping pod to pod … ok`), then a summary naming every failed step with its
 * expected and observed values. `--json` prints one JSON document instead. Exit status:
 * 0 = every expectation passed, 1 = an expectation failed, a step errored, or the scenario
 * is invalid (file:line:col messages on stderr), 2 = usage error or unreadable file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProblem } from '../model/problems.ts';
import { DeployError } from '../runtime/sim/sim-lab.ts';
import { loadScenario, ScenarioReadError } from '../scenario/format.ts';
import { runScenario } from '../scenario/run.ts';
import { progressPrinter } from '../scenario/render.ts';
import { recordingOf } from '../scenario/recording.ts';
import { writeRecording } from '../scenario/recording-file.ts';
import { runReport } from '../scenario/report.ts';

const USAGE = 'usage: podlab run SCENARIO [--runtime sim] [--record FILE] [--pcap DIR] [--json]\n';

interface Args {
  file: string;
  runtime: string;
  record?: string;
  pcap?: string;
  json: boolean;
}

function parseArgs(args: string[]): Args | string {
  let file: string | undefined;
  const out: Omit<Args, 'file'> = { runtime: 'sim', json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = (): string | undefined => args[++i];
    if (a === '--runtime') out.runtime = val() ?? '';
    else if (a === '--record') {
      const v = val();
      if (!v) return '--record needs a file name';
      out.record = v;
    } else if (a === '--pcap') {
      const v = val();
      if (!v) return '--pcap needs a directory';
      out.pcap = v;
    } else if (a === '--json') out.json = true;
    else if (a.startsWith('-')) return `unknown option '${a}'`;
    else if (file) return `one scenario at a time ('${file}' and '${a}' given)`;
    else file = a;
  }
  if (!file) return 'no scenario given';
  if (out.runtime !== 'sim') return `runtime '${out.runtime}' is not available yet; use --runtime sim (the default)`;
  return { file, ...out };
}

/** Runs `podlab run`; returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE + 'Runs a scenario on the simulator and checks every expectation.\n');
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`podlab run: ${parsed}\n${USAGE}`);
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
  let result;
  try {
    result = await runScenario(loaded.scenario, loaded.topology, parsed.json ? {} : { onEvent: progressPrinter((s) => process.stdout.write(s)) });
  } catch (e) {
    if (!(e instanceof DeployError)) throw e;
    process.stderr.write(`podlab run: deploy failed: ${e.message}\n`);
    return 1;
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
    const size = await writeRecording(parsed.record, recordingOf(result));
    say(`recorded ${result.events.length} events to ${parsed.record} (${(size / 1024).toFixed(1)} KiB)\n`);
  }
  if (parsed.json) process.stdout.write(JSON.stringify(runReport(result, pcaps), null, 2) + '\n');
  return result.passed ? 0 : 1;
}
