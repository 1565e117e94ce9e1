/**
 * The scenario runner: deploy, then for each step emit step-start, run the action, emit the
 * route changes it caused, evaluate the expectations in order, emit step-end. Every
 * observation goes out as an event (events.ts) in one ordered stream with virtual time, so
 * the same scenario always yields the same stream. A failed expectation does not stop the
 * run: the remaining steps still run and the report lists every failure.
 */
import type { Topology } from '../model/types.ts';
import { SCHEMA_VERSION } from '../events.ts';
import type { EventBody, PodlabEvent, RouteEntry, Json } from '../events.ts';
import type { CaptureFile, CommandResult, LabDriver } from './driver.ts';
import { actionKind, expectationKind, resolveNode, StepError } from './registry.ts';
import type { StepContext } from './registry.ts';
import { diffRoutes } from './routes.ts';
import { LabStateRecorder } from './lab-state.ts';
import { simDeploy } from './sim-driver.ts';
import type { Scenario, Step } from './types.ts';
import { resolveTarget } from './values.ts';

/** Options of a run. */
export interface RunOptions {
  /** Builds the lab (default: the simulator). */
  deploy?: (topology: Topology, seed: number) => LabDriver | Promise<LabDriver>;
  /** Called with every event as it is emitted (terminal progress, a WebSocket). */
  onEvent?: (e: PodlabEvent) => void;
  /**
   * Snapshot each node's tools at every step (`lab.snapshot`), for a UI or a recording to show
   * the lab at any step. Off for a run nobody will look at: it runs ~14 commands per node per step.
   */
  snapshots?: boolean;
  /**
   * Build the result's `captures` (what a recording stores) and `pcaps` (what `--pcap DIR`
   * writes); default both. A run that writes neither skips them: on a 1,000-node fabric a
   * pcap of every device's frames took minutes and gigabytes after the last step.
   */
  keep?: { readonly captures?: boolean; readonly pcaps?: boolean };
  /**
   * Keep packet events (every hop of every frame) in `events`; default true. Off, the run
   * still sees every frame (`packet:` expectations read the devices' frames) but the result,
   * and a recording of it, holds no packet hops: on a fabric of hundreds of nodes its BGP
   * traffic is most of a recording (250 nodes: 219k hops, 88 of its 199 MiB).
   */
  packets?: boolean;
}

/** One expectation's outcome in a report. */
export interface ExpectationReport {
  readonly kind: string;
  readonly text: string;
  readonly expected: Json;
  readonly observed: Json;
  readonly pass: boolean;
}

/** One step's outcome in a report. */
export interface StepReport {
  readonly index: number;
  readonly title: string;
  readonly action: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly commands: readonly { readonly node: string; readonly argv: readonly string[]; readonly code: number; readonly stdout: string; readonly stderr: string; readonly phase: string }[];
  readonly expectations: readonly ExpectationReport[];
}

/** Everything a run produced. */
export interface RunResult {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly runtime: string;
  readonly passed: boolean;
  readonly steps: readonly StepReport[];
  readonly events: readonly PodlabEvent[];
  /** Frames of every device, as referenced by packet events. */
  readonly captures: readonly CaptureFile[];
  /** What `--pcap DIR` writes. */
  readonly pcaps: readonly CaptureFile[];
}

/** Runs a loaded scenario against a freshly deployed lab; throws only when deployment fails. */
export async function runScenario(scenario: Scenario, topology: Topology, opts: RunOptions = {}): Promise<RunResult> {
  const deploy = opts.deploy ?? ((t: Topology, seed: number) => simDeploy(t, { seed }));
  const driver = await deploy(topology, scenario.seed);
  const events: PodlabEvent[] = [];
  let current = 0;
  const frameCounts = new Map<string, number>();
  const keepPackets = opts.packets ?? true;
  const emit = (body: EventBody): void => {
    if (body.type === 'packet') {
      // Counted even when not kept: a step's `packet:` expectations read the frames after its first.
      if (body.frame) frameCounts.set(body.frame.capture, body.frame.index + 1);
      if (!keepPackets) return;
    }
    const e = { seq: events.length, t: driver.now(), step: current, ...body } as PodlabEvent;
    events.push(e);
    opts.onEvent?.(e);
  };

  emit({
    type: 'run-start', schemaVersion: SCHEMA_VERSION,
    scenario: { name: scenario.name, ...(scenario.description ? { description: scenario.description } : {}), file: scenario.file },
    topology: topology.name, runtime: driver.runtime, clock: driver.clock, seed: scenario.seed, steps: scenario.steps.length,
  });
  for (const s of driver.setupCommands()) {
    emit({ type: 'command', node: s.node, argv: [...s.argv], stdout: s.result.stdout, stderr: s.result.stderr, code: s.result.code, start: 0, phase: 'setup' });
  }
  const tables = new Map<string, readonly RouteEntry[]>();
  // Pods and per-step inspector snapshots: what the UI needs to show the lab at any step.
  const state = new LabStateRecorder(driver, emit, opts.snapshots ?? false);
  const emitRouteChanges = async (): Promise<void> => {
    state.recordPods();
    for (const node of driver.nodes()) {
      const now = await driver.routes(node);
      const { added, removed } = diffRoutes(tables.get(node) ?? [], now);
      tables.set(node, now);
      if (added.length || removed.length) emit({ type: 'routes', node, added, removed });
    }
  };
  await emitRouteChanges();
  await state.snapshot();
  driver.onPacket(emit);

  const reports: StepReport[] = [];
  let failed = 0;
  let errors = 0;
  let total = 0;
  for (const step of scenario.steps) {
    current = step.index;
    const r = await runStep(step, driver, emit, new Map(frameCounts), topology, emitRouteChanges);
    await state.snapshot();
    reports.push(r);
    total += r.expectations.length;
    failed += r.expectations.filter((x) => !x.pass).length;
    if (r.error) errors++;
  }
  current = 0;
  const passed = failed === 0 && errors === 0;
  emit({ type: 'run-end', passed, expectations: total, failed, errors });
  const result: RunResult = {
    scenario, topology, runtime: driver.runtime, passed, steps: reports, events,
    captures: opts.keep?.captures === false ? [] : driver.recordedCaptures(),
    pcaps: opts.keep?.pcaps === false ? [] : driver.pcapFiles(),
  };
  await driver.destroy();
  return result;
}

async function runStep(step: Step, driver: LabDriver, emit: (b: EventBody) => void, marks: ReadonlyMap<string, number>,
  topology: Topology, emitRouteChanges: () => Promise<void>): Promise<StepReport> {
  emit({ type: 'step-start', title: step.title, narration: step.narration, action: step.action?.kind ?? 'check' });
  const commands: StepReport['commands'][number][] = [];
  let last: StepContext['lastCommand'];
  // A step with an `error` expectation expects its action to fail: the error is observed, not fatal.
  const expectsError = step.expect.some((x) => x.kind === 'error');
  let stepError: string | undefined;
  const ctx: StepContext = {
    driver,
    step,
    emit,
    async exec(name: string, argv: readonly string[], phase: 'step' | 'probe'): Promise<CommandResult> {
      const node = resolveNode(name, driver);
      if (!driver.nodes().includes(node)) throw new StepError(`no node '${name}' in this lab`);
      const start = driver.now();
      const result = await driver.exec(node, argv);
      emit({ type: 'command', node, argv: [...argv], stdout: result.stdout, stderr: result.stderr, code: result.code, start, phase });
      commands.push({ node, argv: [...argv], code: result.code, stdout: result.stdout, stderr: result.stderr, phase });
      if (phase === 'step') last = { node, argv: [...argv], result };
      return result;
    },
    get lastCommand() {
      return last;
    },
    get stepError() {
      return stepError;
    },
    frameMark: (node, dev) => marks.get(`${node}:${dev}`) ?? 0,
    resolveAddress(target: string): string {
      const a = resolveTarget(target, topology, driver);
      if (a === undefined) throw new StepError(`cannot resolve '${target}' to an address`);
      return a;
    },
  };
  let error: string | undefined;
  if (step.action) {
    try {
      await actionKind(step.action.kind)!.run(step.action.params, ctx);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      if (expectsError) stepError = e.message;
      else error = e.message;
    }
    await emitRouteChanges();
  }
  const expectations: ExpectationReport[] = [];
  if (error === undefined) {
    for (const x of step.expect) {
      let r;
      try {
        r = await expectationKind(x.kind)!.evaluate(x.params, ctx);
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        r = { text: `${x.kind}: could not be checked`, expected: null, observed: e.message, pass: false };
      }
      emit({ type: 'expectation', kind: x.kind, text: r.text, expected: r.expected, observed: r.observed, pass: r.pass });
      expectations.push({ kind: x.kind, ...r });
    }
  }
  const ok = error === undefined && expectations.every((x) => x.pass);
  emit(error === undefined ? { type: 'step-end', ok } : { type: 'step-end', ok, error });
  return { index: step.index, title: step.title, action: step.action?.kind ?? 'check', ok, ...(error !== undefined ? { error } : {}), commands, expectations };
}
