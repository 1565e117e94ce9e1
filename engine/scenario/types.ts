/**
 * The scenario model: a parsed `scenarios/*.yaml` file. Steps carry their action and
 * expectations as `{ kind, params }` pairs whose params only the registered kind knows
 * (registry.ts), so Calico steps (`apply:`, `bgp:` expectations…) join with one
 * registration and no change here.
 */
import type { Location } from '../model/types.ts';

/** One action or expectation as written: its registered kind, where, and its parsed params. */
export interface Spec {
  readonly kind: string;
  readonly loc: Location;
  readonly params: unknown;
}

/** One step of a scenario. */
export interface Step {
  /** 1-based position. */
  readonly index: number;
  readonly title: string;
  readonly narration: string;
  /** The step's action; absent for a step that only checks expectations. */
  readonly action?: Spec;
  readonly expect: readonly Spec[];
  readonly loc: Location;
}

/** A parsed, shape-checked scenario (names of nodes are checked against the topology at run time). */
export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  /** The topology path as written, and resolved against the scenario file's folder. */
  readonly topology: { readonly written: string; readonly path: string; readonly loc: Location };
  readonly seed: number;
  readonly steps: readonly Step[];
  /** The source text (a recording keeps it so a replay can show the file). */
  readonly text: string;
}
