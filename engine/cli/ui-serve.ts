/**
 * What `podlab up` and `podlab replay` call to put the web UI on a lab: start the UI server
 * (building web/dist first when it is stale), print where to open it, close it on Ctrl-C.
 * `runScenarioLive` runs a scenario on the simulator and keeps the lab alive afterwards, so
 * the UI shows the run as a timeline and the learner can keep typing commands in it.
 */
import { serveBackend, serveUi, recordingBackend, LiveFeed, type UiServer } from '../server/index.ts';
import { SimLab } from '../runtime/sim/sim-lab.ts';
import { runScenario, type RunResult, type Scenario } from '../scenario/index.ts';
import { simDeploy, simLabOf } from '../scenario/sim-driver.ts';
import { readRecording } from '../scenario/recording-file.ts';
import type { Topology } from '../model/types.ts';

export { serveUi, serveBackend, recordingBackend };
export type { UiServer };

const say = (l: string): void => void process.stderr.write(`${l}\n`);

function announce(ui: UiServer): UiServer {
  say(`podlab: web UI on ${ui.url}`);
  process.once('SIGINT', () => void ui.close().then(() => process.exit(130)));
  return ui;
}

/** Thrown when the UI cannot listen; the message says what to do. */
export class UiStartError extends Error {
  override name = 'UiStartError';
}

async function listening(start: () => Promise<UiServer>, port: number | undefined): Promise<UiServer> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UiStartError(`port ${port ?? 7878} is in use (another podlab up?); choose one with --port N`);
    if (code === 'EACCES') throw new UiStartError(`no permission to listen on port ${port ?? 7878}; choose one above 1023 with --port N`);
    throw e;
  }
}

/** Serves the UI for `lab` on host:port (defaults 127.0.0.1:7878) and tells the user; UiStartError when the port is taken. */
export async function startUi(lab: SimLab, opts: { port?: number; host?: string; feed?: LiveFeed; result?: RunResult } = {}): Promise<UiServer> {
  return announce(await listening(() => serveUi(lab, {
    ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}),
    ...(opts.feed ? { feed: opts.feed } : {}), ...(opts.result ? { events: opts.result.events } : {}), log: say,
  }), opts.port));
}

/** Runs a loaded scenario on the simulator, watching from deploy on; returns the still-running lab, its feed and the run. */
export async function runScenarioLive(scenario: Scenario, topology: Topology): Promise<{ lab: SimLab; feed: LiveFeed; result: RunResult }> {
  let lab: SimLab | undefined;
  let feed: LiveFeed | undefined;
  const result = await runScenario(scenario, topology, {
    snapshots: true, // the UI shows every panel at any step
    deploy: async (t, seed) => {
      const driver = await simDeploy(t, { seed });
      const inner = simLabOf(driver)!;
      lab = inner;
      feed = new LiveFeed(inner);
      // The run ends with destroy(); this lab lives on for the UI, so that call must not reach it.
      return Object.assign(Object.create(driver) as typeof driver, { destroy: async () => {} });
    },
  });
  return { lab: lab!, feed: feed!, result };
}

/** Serves the UI on a recording file (read-only replay). */
export async function serveRecordingFile(path: string, opts: { port?: number; host?: string } = {}): Promise<UiServer> {
  const rec = await readRecording(path);
  return announce(await listening(() => serveBackend(recordingBackend(rec), { ...opts, log: say }), opts.port));
}
