/**
 * The one JSON document `podlab run --json` prints: the run's outcome, every step with its
 * commands and every expectation with expected and observed values. Packet hops and route
 * tables are left to recordings (`--record`), which carry the whole event stream.
 */
import { SCHEMA_VERSION } from '../events.ts';
import type { RunResult, StepReport } from './run.ts';

/** The `--json` document. */
export interface RunReport {
  readonly schemaVersion: number;
  readonly scenario: { readonly name: string; readonly file: string };
  readonly topology: string;
  readonly runtime: string;
  readonly seed: number;
  readonly passed: boolean;
  readonly summary: { readonly steps: number; readonly expectations: number; readonly failed: number; readonly errors: number };
  readonly steps: readonly (StepReport & { readonly narration: string })[];
  readonly pcaps?: readonly { readonly file: string; readonly frames: number }[];
}

/** Builds the `--json` document of a run (`pcaps` = files written by --pcap, if any). */
export function runReport(run: RunResult, pcaps?: readonly { file: string; frames: number }[]): RunReport {
  const expectations = run.steps.reduce((n, s) => n + s.expectations.length, 0);
  const failed = run.steps.reduce((n, s) => n + s.expectations.filter((x) => !x.pass).length, 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: { name: run.scenario.name, file: run.scenario.file },
    topology: run.topology.name,
    runtime: run.runtime,
    seed: run.scenario.seed,
    passed: run.passed,
    summary: { steps: run.steps.length, expectations, failed, errors: run.steps.filter((s) => s.error !== undefined).length },
    steps: run.steps.map((s) => ({ ...s, narration: run.scenario.steps[s.index - 1]?.narration ?? '' })),
    ...(pcaps ? { pcaps } : {}),
  };
}
