/**
 * The step and expectation registries. A kind is one YAML key (`ping:`, `route:`…) with
 * a parser (shape errors with positions, through model/source.ts), an optional name check
 * against the topology, and what it does at run time. Built-in kinds register in
 * actions.ts and expectations.ts; Calico's (`apply:`, `bgp:`…) will register the same way,
 * one `registerAction` / `registerExpectation` call each, with no change to the format
 * parser or the runner.
 */
import type { Entry, Source } from '../model/source.ts';
import type { Problems } from '../model/problems.ts';
import type { Location, Topology } from '../model/types.ts';
import type { EventBody, Json } from '../events.ts';
import type { CommandResult, LabDriver } from './driver.ts';
import type { Scenario, Step } from './types.ts';

/** A failure of a step's action the user can act on (unknown node, no link on an interface). */
export class StepError extends Error {
  override name = 'StepError';
}

/** What actions and expectations see while a step runs. */
export interface StepContext {
  readonly driver: LabDriver;
  readonly step: Step;
  /** Emits an event; the runner fills seq, t and step. */
  emit(body: EventBody): void;
  /** Runs a command on a node and emits its `command` event. */
  exec(node: string, argv: readonly string[], phase: 'step' | 'probe'): Promise<CommandResult>;
  /** The step's own command and its result (exec, ping, traceroute), once the action ran. */
  readonly lastCommand: { readonly node: string; readonly argv: readonly string[]; readonly result: CommandResult } | undefined;
  /** How many frames a device had seen when the step started. */
  frameMark(node: string, dev: string): number;
  /** The IPv4 address a target names (IP, `node`, `node:iface`, or what a registered resolver knows). */
  resolveAddress(target: string): string;
  /** The error of the step's action when the step expects one (an `error` expectation); else undefined. */
  readonly stepError?: string;
}

/** Where name checks report: the topology plus the problem sink. */
export interface CheckContext {
  readonly topology: Topology;
  readonly problems: Problems;
  /** Errors when `name` is not a node of the topology (with a did-you-mean). */
  node(name: string, loc: Location): void;
  /** Errors when `node:iface` does not name an interface of the topology. */
  endpoint(text: string, loc: Location): void;
  /** Errors when a target is neither an IP, a node, nor `node:iface`, nor known to a resolver. */
  target(text: string, loc: Location): void;
}

/** A step action kind. */
export interface ActionKind<P = unknown> {
  readonly key: string;
  /** Parses the value under the key; reports problems to `src` and returns undefined on error. */
  parse(src: Source, entry: Entry): P | undefined;
  /** Checks node/interface names against the topology before anything is deployed. */
  check?(params: P, ctx: CheckContext): void;
  /** True when the action runs one command whose result `exitCode` / `output` can check. */
  readonly runsCommand?: boolean;
  /** One line for progress output ("ping printer-1 → 10.30.3.11"). */
  describe(params: P): string;
  run(params: P, ctx: StepContext): Promise<void>;
}

/** One evaluated expectation. */
export interface ExpectationResult {
  /** What was checked, in words ("printer-1 reaches 10.30.3.11"). */
  readonly text: string;
  readonly expected: Json;
  readonly observed: Json;
  readonly pass: boolean;
}

/** An expectation kind. */
export interface ExpectationKind<P = unknown> {
  readonly key: string;
  parse(src: Source, entry: Entry): P | undefined;
  check?(params: P, ctx: CheckContext): void;
  /** True when these params check the step's own command (the step's action must run one). */
  usesStepCommand?(params: P): boolean;
  evaluate(params: P, ctx: StepContext): Promise<ExpectationResult>;
}

/** Resolves a target name to an IPv4 address text, or undefined when it does not know it. */
export type TargetResolver = (name: string, driver: LabDriver | undefined, topology: Topology) => string | undefined;

/**
 * Names a scenario may use as nodes besides the topology's (pods its steps or its topology
 * create at run time), so name checks accept them before anything is deployed.
 */
export type NodeNameSource = (scenario: Scenario, topology: Topology) => readonly string[];

/** Maps a run-time name (a pod) to the driver's node that runs its commands, or undefined. */
export type NodeResolver = (name: string, driver: LabDriver) => string | undefined;

const actions = new Map<string, ActionKind>();
const expectations = new Map<string, ExpectationKind>();
const resolvers: TargetResolver[] = [];
const nodeSources: NodeNameSource[] = [];
const nodeResolvers: NodeResolver[] = [];

/** Registers a step action kind under its YAML key; a key registers once. */
export function registerAction<P>(kind: ActionKind<P>): void {
  if (actions.has(kind.key) || kind.key === 'title' || kind.key === 'narration' || kind.key === 'expect') {
    throw new Error(`step action '${kind.key}' is already registered or reserved`);
  }
  actions.set(kind.key, kind as ActionKind);
}

/** Registers an expectation kind under its YAML key. */
export function registerExpectation<P>(kind: ExpectationKind<P>): void {
  if (expectations.has(kind.key)) throw new Error(`expectation '${kind.key}' is already registered`);
  expectations.set(kind.key, kind as ExpectationKind);
}

/** Adds a target resolver (pods, services…), tried after the built-in IP / node / node:iface forms. */
export function registerTargetResolver(fn: TargetResolver): void {
  resolvers.push(fn);
}

/** The action kind registered under `key`. */
export function actionKind(key: string): ActionKind | undefined {
  return actions.get(key);
}

/** The expectation kind registered under `key`. */
export function expectationKind(key: string): ExpectationKind | undefined {
  return expectations.get(key);
}

/** Registered action keys, in registration order. */
export function actionKeys(): string[] {
  return [...actions.keys()];
}

/** Registered expectation keys, in registration order. */
export function expectationKeys(): string[] {
  return [...expectations.keys()];
}

/** The registered resolvers, in order. */
export function targetResolvers(): readonly TargetResolver[] {
  return resolvers;
}

/** Adds a source of run-time node names (pods) that name checks accept. */
export function registerNodeNames(fn: NodeNameSource): void {
  nodeSources.push(fn);
}

/** The run-time node names every registered source declares for a scenario. */
export function declaredNodeNames(scenario: Scenario, topology: Topology): Set<string> {
  return new Set(nodeSources.flatMap((f) => f(scenario, topology)));
}

/** Adds a resolver from run-time names (pods) to the driver's node names. */
export function registerNodeResolver(fn: NodeResolver): void {
  nodeResolvers.push(fn);
}

/** The driver's node for `name`: itself when the driver has it, else what a resolver says, else `name` unchanged. */
export function resolveNode(name: string, driver: LabDriver): string {
  if (driver.nodes().includes(name)) return name;
  for (const r of nodeResolvers) {
    const n = r(name, driver);
    if (n !== undefined) return n;
  }
  return name;
}
