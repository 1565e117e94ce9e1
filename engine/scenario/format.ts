/**
 * Reading a scenario file: YAML with positions (model/source.ts), every problem reported at
 * once as `file:line:col: error: message — hint`, nothing run from an invalid file.
 *
 * ```yaml
 * name: floors-static
 * description: Static routing between floors.
 * topology: ../../topologies/floors.yaml     # relative to this file
 * seed: 1                                    # optional, default 1
 * steps:
 *   - title: Ping across floors
 *     narration: |
 *       printer-1 sends through its floor's ToR…
 *     ping: { from: printer-1, to: worker-03 }   # at most one action per step
 *     expect:
 *       - reachable: { from: printer-1, to: worker-03 }
 *       - route: { node: floor1-tor, dst: 10.30.3.0/24, via: 10.30.0.3 }
 * ```
 * Actions and expectations are whatever the registry holds (registry.ts); this parser only
 * knows the step frame (`title`, `narration`, `expect`) and asks the registry for the rest.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Node as YNode } from 'yaml';
import { Source } from '../model/source.ts';
import type { Entry } from '../model/source.ts';
import { didYouMean, sortProblems } from '../model/problems.ts';
import { loadTopology, TopologyReadError } from '../model/load.ts';
import type { LoadResult, Location, Problem, Topology } from '../model/types.ts';
import { checkCalicoManifests } from '../calico/resources/check.ts';
import { actionKeys, actionKind, declaredNodeNames, expectationKeys, expectationKind } from './registry.ts';
import type { CheckContext } from './registry.ts';
import type { Scenario, Spec, Step } from './types.ts';
import { resolveTarget, splitEndpoint } from './values.ts';
import './actions.ts';
import './expectations.ts';
import './calico-steps.ts';
import './calico-expect.ts';
import './kube-expect.ts';

const TOP_KEYS = ['name', 'description', 'topology', 'seed', 'steps'];
const FRAME_KEYS = ['title', 'narration', 'expect'];

/** A parsed scenario, or why there is none. */
export type ScenarioParse =
  | { readonly scenario: Scenario; readonly problems: readonly Problem[] }
  | { readonly scenario?: undefined; readonly problems: readonly Problem[]; readonly topologyRef?: Scenario['topology'] };

/** Parses scenario text (no I/O); `file` is used in messages and to resolve the topology path. */
export function parseScenario(text: string, file: string): ScenarioParse {
  const src = new Source(file, text);
  const root = src.root;
  const top = root === null ? undefined : src.map(root, 'a scenario');
  if (root === null && !src.refused) src.problems.error({ file, line: 1, col: 1 }, 'the scenario file is empty', 'start with `name:`, `topology:` and `steps:`');
  if (!top) return { problems: sortProblems(src.problems.list) };
  const f = new Map<string, Entry>();
  for (const e of top) {
    if (TOP_KEYS.includes(e.key)) f.set(e.key, e);
    else {
      const guess = didYouMean(e.key, TOP_KEYS);
      src.problems.error(e.keyLoc, `unknown field '${e.key}' in a scenario`, guess ? `did you mean '${guess}'?` : `known fields: ${TOP_KEYS.join(', ')}`);
    }
  }
  const rootLoc = src.loc(root);
  const need = (k: string, hint: string): Entry | undefined => {
    const e = f.get(k);
    if (!e) src.problems.error(rootLoc, `the scenario has no '${k}'`, hint);
    return e;
  };
  const nameE = need('name', 'add `name: my-scenario`');
  const name = nameE ? src.string(nameE.value, nameE.valueLoc, 'name') : undefined;
  const descE = f.get('description');
  const description = descE ? src.string(descE.value, descE.valueLoc, 'description') : undefined;
  const topoE = need('topology', 'add `topology: path/to/topology.yaml` (relative to this file)');
  const topo = topoE ? src.string(topoE.value, topoE.valueLoc, 'topology') : undefined;
  const seedE = f.get('seed');
  const seed = seedE ? src.int(seedE.value, seedE.valueLoc, 'seed', 0, 0xffffffff)?.value : 1;
  const stepsE = need('steps', 'add `steps:` with at least one step');
  const steps: Step[] = [];
  if (stepsE) {
    const items = src.seq(stepsE.value, 'steps');
    if (items && items.length === 0) src.problems.error(stepsE.keyLoc, 'a scenario needs at least one step');
    for (const item of items ?? []) {
      const s = readStep(src, item, steps.length + 1);
      steps.push(s ?? { index: steps.length + 1, title: '?', narration: '', expect: [], loc: src.loc(item) });
    }
  }
  const problems = sortProblems(src.problems.list);
  const topologyRef = topo ? { written: topo.value, path: resolve(dirname(file), topo.value), loc: topo.loc } : undefined;
  // An invalid scenario still names its topology, so its problems are reported in the same run.
  if (src.problems.hasErrors() || !name || !topo || seed === undefined) return { problems, ...(topologyRef ? { topologyRef } : {}) };
  const scenario: Scenario = {
    file,
    name: name.value,
    ...(description ? { description: description.value } : {}),
    topology: topologyRef!,
    seed,
    steps,
    text,
  };
  return { scenario, problems };
}

function readStep(src: Source, item: YNode, index: number): Step | undefined {
  const loc = src.loc(item);
  const entries = src.map(item, `step ${index}`);
  if (!entries) return undefined;
  const known = [...FRAME_KEYS, ...actionKeys()];
  let title: string | undefined;
  let narration = '';
  let action: Spec | undefined;
  const expect: Spec[] = [];
  for (const e of entries) {
    if (e.key === 'title') title = src.string(e.value, e.valueLoc, 'title')?.value;
    else if (e.key === 'narration') narration = src.string(e.value, e.valueLoc, 'narration')?.value ?? '';
    else if (e.key === 'expect') expect.push(...readExpect(src, e));
    else {
      const kind = actionKind(e.key);
      if (!kind) {
        const guess = didYouMean(e.key, [...known, ...expectationKeys()]);
        const isExpectation = expectationKind(e.key) !== undefined || (guess !== undefined && expectationKind(guess) !== undefined);
        src.problems.error(e.keyLoc, `unknown field '${e.key}' in step ${index}`,
          isExpectation ? `expectations go in the step's \`expect:\` list` : guess ? `did you mean '${guess}'?` : `a step has title, narration, expect and one action: ${actionKeys().join(', ')}`);
        continue;
      }
      if (action) {
        src.problems.error(e.keyLoc, `step ${index} has two actions ('${action.kind}' and '${e.key}')`, 'split it into two steps');
        continue;
      }
      const params = kind.parse(src, e);
      if (params !== undefined) action = { kind: e.key, loc: e.keyLoc, params };
      else action = { kind: e.key, loc: e.keyLoc, params: undefined };
    }
  }
  if (title === undefined && !entries.some((e) => e.key === 'title')) src.problems.error(loc, `step ${index} has no 'title'`, 'add `title: what this step shows`');
  if (!action && expect.length === 0) src.problems.error(loc, `step ${index} does nothing`, `give it an action (${actionKeys().join(', ')}) or an \`expect:\` list`);
  for (const x of expect) {
    const k = expectationKind(x.kind)!;
    if (x.params !== undefined && k.usesStepCommand?.(x.params) && !(action && actionKind(action.kind)?.runsCommand)) {
      src.problems.error(x.loc, `'${x.kind}' checks the step's own command, but step ${index} runs none`, 'give the step an exec, ping or traceroute action, or name node and command');
    }
  }
  return { index, title: title ?? '?', narration, ...(action ? { action } : {}), expect, loc };
}

function readExpect(src: Source, e: Entry): Spec[] {
  const items = src.seq(e.value, 'expect');
  const out: Spec[] = [];
  for (const item of items ?? []) {
    const fields = src.map(item, 'each entry of expect');
    if (!fields) continue;
    if (fields.length !== 1) {
      src.problems.error(src.loc(item), `each entry of expect has exactly one kind (${expectationKeys().join(', ')}), not ${fields.length}`,
        'start a new `- ` entry for each expectation');
      continue;
    }
    const f = fields[0]!;
    const kind = expectationKind(f.key);
    if (!kind) {
      const guess = didYouMean(f.key, expectationKeys());
      src.problems.error(f.keyLoc, `unknown expectation '${f.key}'`, guess ? `did you mean '${guess}'?` : `known: ${expectationKeys().join(', ')}`);
      continue;
    }
    out.push({ kind: f.key, loc: f.keyLoc, params: kind.parse(src, f) });
  }
  return out;
}

/** Checks the scenario's node, interface and target names against its topology. */
export function checkScenario(scenario: Scenario, topology: Topology): Problem[] {
  const src = new Source(scenario.file, '');
  const problems = src.problems;
  const nodeNames = topology.nodes.map((n) => n.name);
  // Pods (and whatever else a registered source declares) exist only once the steps run.
  const runtimeNames = declaredNodeNames(scenario, topology);
  const ctx: CheckContext = {
    topology,
    problems,
    node(name: string, loc: Location) {
      if (nodeNames.includes(name) || runtimeNames.has(name)) return;
      const guess = didYouMean(name, nodeNames);
      problems.error(loc, `no node '${name}' in topology '${topology.name}'`, guess ? `did you mean '${guess}'?` : `nodes: ${nodeNames.join(', ')}`);
    },
    endpoint(text: string, loc: Location) {
      const ep = splitEndpoint(text);
      if (ep && runtimeNames.has(ep.node)) return;
      if (!ep || !nodeNames.includes(ep.node)) return ctx.node(ep?.node ?? text, loc);
      const cabled = topology.links.some((l) => l.endpoints.some((x) => x.node === ep.node && x.iface === ep.iface));
      if (!cabled) {
        const ifs = topology.links.flatMap((l) => l.endpoints.filter((x) => x.node === ep.node).map((x) => x.iface));
        problems.error(loc, `${ep.node} has no link on '${ep.iface}'`, ifs.length ? `cabled interfaces of ${ep.node}: ${ifs.join(', ')}` : `${ep.node} has no links`);
      }
    },
    target(text: string, loc: Location) {
      if (runtimeNames.has(text) || resolveTarget(text, topology) !== undefined) return;
      const ep = splitEndpoint(text);
      if (ep && nodeNames.includes(ep.node)) problems.error(loc, `${ep.node} has no address on '${ep.iface}'`);
      else if (!ep && nodeNames.includes(text)) problems.error(loc, `node '${text}' has no address to send to`, 'name an interface address instead');
      else ctx.node(ep?.node ?? text, loc);
    },
  };
  for (const step of scenario.steps) {
    const specs = step.action ? [step.action, ...step.expect] : step.expect;
    for (const s of specs) {
      if (s.params === undefined) continue;
      const kind = s === step.action ? actionKind(s.kind) : expectationKind(s.kind);
      kind?.check?.(s.params, ctx);
    }
  }
  return problems.list;
}

/** Thrown when the scenario file or its topology cannot be read at all. */
export class ScenarioReadError extends Error {
  override name = 'ScenarioReadError';
}

/** A scenario with its validated topology, or every problem found in both files. */
export type ScenarioLoad =
  | { readonly scenario: Scenario; readonly topology: Topology; readonly problems: readonly Problem[] }
  | { readonly scenario?: undefined; readonly topology?: undefined; readonly problems: readonly Problem[] };

/** True when a YAML text is a scenario (it has a top-level `steps:`) rather than a topology. */
export function looksLikeScenario(text: string): boolean {
  return /^steps:/m.test(text);
}

/**
 * Reads a topology file and runs the Calico resource checks over its `calico:` list (what
 * the cluster would refuse at deploy), so an invalid value is a located problem and no
 * topology is returned. Throws TopologyReadError when the file is unreadable.
 */
export async function loadCheckedTopology(path: string): Promise<LoadResult> {
  const r = await loadTopology(path);
  // An invalid topology's Calico manifests are checked too: every problem in one run.
  const checked = r.topology ?? r.draft;
  if (!checked) return r;
  const calico = checkCalicoManifests(checked);
  if (!calico.length) return r;
  const problems = sortProblems([...r.problems, ...calico]);
  return problems.some((p) => p.severity === 'error') || !r.topology ? { problems } : { topology: r.topology, problems };
}

/** Reads a scenario file, its topology, and checks one against the other. Throws ScenarioReadError when a file is unreadable. */
export async function loadScenario(path: string): Promise<ScenarioLoad> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ScenarioReadError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message}`);
  }
  const parsed = parseScenario(text, path);
  const ref = parsed.scenario ? parsed.scenario.topology : parsed.topologyRef;
  if (!ref) return { problems: parsed.problems };
  let topo;
  try {
    topo = await loadCheckedTopology(ref.path);
  } catch (e) {
    if (!(e instanceof TopologyReadError)) throw e;
    return { problems: [...parsed.problems, { severity: 'error', loc: ref.loc, message: `topology: ${e.message}`, hint: 'the path is relative to the scenario file' }] };
  }
  if (!parsed.scenario || !topo.topology) return { problems: [...parsed.problems, ...topo.problems] };
  const checked = checkScenario(parsed.scenario, topo.topology);
  const problems = [...parsed.problems, ...topo.problems, ...sortProblems(checked)];
  if (checked.some((p) => p.severity === 'error')) return { problems };
  return { scenario: parsed.scenario, topology: topo.topology, problems };
}
