/**
 * `podlab up --runtime mininet|containerlab`: the lab on real nodes with the same UI and shell as the
 * simulator's. With a scenario, it runs live (the UI follows it as it executes, packets as
 * tcpdump captures them); with a topology, the lab is deployed and converged. The lab stays
 * until the shell ends and Ctrl-C, then it is destroyed; a crash leaves it to
 * `podlab destroy LAB`.
 */
import type { Topology } from '../model/types.ts';
import type { PodlabEvent } from '../events.ts';
import { runScenario } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import type { LabDriver } from '../scenario/driver.ts';
import { containerlabDeploy, mininetDeploy, realTraceSource, realLabOf } from '../scenario/real-driver.ts';
import { serveBackend, LiveFeed, type UiServer } from '../server/index.ts';
import { driverBackend } from '../server/driver-backend.ts';
import { followDriver } from '../server/lab-events.ts';
import { shell, type ShellHost } from './shell.ts';

const say = (l: string): void => void process.stderr.write(`${l}\n`);

/** Runs `podlab up` on Mininet; returns the exit status. */
export async function upReal(target: { scenario?: Scenario; topology: Topology }, opts: { runtime: 'mininet' | 'containerlab'; ui: boolean; port?: number; help: string }): Promise<number> {
  let driver: LabDriver | undefined;
  let feed: LiveFeed | undefined;
  const events: PodlabEvent[] = [];
  const teardown = async (): Promise<void> => {
    const d = driver;
    driver = undefined;
    if (d) {
      say('podlab: removing the lab (namespaces, bridges, BIRD, etcd, agents)…');
      await d.destroy();
    }
  };
  const onSignal = (): void => void teardown().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const deploy = async (t: Topology): Promise<LabDriver> => {
    const how = opts.runtime === 'containerlab' ? containerlabDeploy : mininetDeploy;
    driver = await how(t, { onProgress: (m) => say(`podlab: ${m}`), ...(target.scenario ? { scenario: target.scenario } : {}) });
    feed = new LiveFeed(realTraceSource(driver)!);
    // The UI is up as soon as the lab is: the scenario then plays in it as it executes.
    if (opts.ui) {
      ui = await serveBackend(driverBackend(driver, feed, () => events), { ...(opts.port !== undefined ? { port: opts.port } : {}), log: say });
      say(`podlab: web UI on ${ui.url}`);
    }
    // The run ends with destroy(); this lab lives on for the UI and the shell.
    return Object.assign(Object.create(Object.getPrototypeOf(driver) as object) as LabDriver, driver, { destroy: async () => {} });
  };
  let ui: UiServer | undefined;
  try {
    if (target.scenario) {
      say(`podlab: running scenario '${target.scenario.name}' on '${target.topology.name}' (${opts.runtime}: real namespaces, BIRD, etcd, agents)…`);
      const r = await runScenario(target.scenario, target.topology, { deploy, onEvent: (e) => events.push(e), snapshots: true });
      const failed = r.steps.reduce((n, st) => n + st.expectations.filter((x) => !x.pass).length, 0);
      say(`podlab: ${r.steps.length} steps, ${failed ? `${failed} expectation(s) FAILED (podlab run shows which)` : 'every expectation met'}`);
    } else {
      const d = await deploy(target.topology);
      followDriver(d, events); // the UI draws BGP sessions and tunnels from these, as for a scenario
      const c = d.calico();
      if (c) {
        const r = await c.converge(120_000);
        say(`podlab: Calico is up on ${c.agentNodes().length} nodes${r.converged ? ', converged' : `, NOT converged after 120 s: ${r.pending.slice(0, 4).join(', ')}`}`);
      }
    }
  } catch (e) {
    await ui?.close();
    await teardown();
    say(`podlab up: ${(e as Error).message}\nnothing is left deployed`);
    return 1;
  }
  const d = driver!;
  for (const n of realLabOf(d)?.notes ?? []) say(`podlab: note: ${n}`);
  say(`podlab: '${target.topology.name}' is up on real nodes${ui ? `: open ${ui.url}` : ''}. This terminal is the lab's node shell; type 'help'.`);
  // The terminal answers as the web terminal does: pods by their kubectl names, here-documents as stdin.
  const backend = driverBackend(d, feed!, () => events);
  const host: ShellHost = {
    topology: d.topology,
    isNode: (n) => backend.hasNode(n),
    exec: async (node, line) => backend.exec!(node, line),
    setup: (node) => d.setupCommands().some((s) => s.node === node) ? d.setupCommands().filter((s) => s.node === node).map((s) => ({ argv: s.argv })) : undefined,
  };
  try {
    const status = await shell(host, opts.help);
    if (ui && process.stdin.isTTY !== true) {
      say('podlab: end of input; the web UI keeps serving until Ctrl-C');
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    return status;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await ui?.close();
    await teardown();
  }
}
