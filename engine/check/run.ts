/**
 * `podlab check` on the simulator: deploy the lab (running a scenario's steps first when
 * given one), add one probe pod per k8s node when there are no pods, converge, observe the
 * healthy state, then each single failure of the chosen class.
 *
 * Failure cases run on the one converged lab: apply the failure, let BGP's hold timer
 * expire in virtual time (SETTLE_MS), observe, revert, converge again — and compare the
 * sessions and route counts with the healthy state. When they differ the revert did not
 * restore the lab, and the next case gets a freshly deployed one (reported as `redeploy`),
 * so a case never sees the leftovers of another.
 */
import { buildResourceSet } from '../calico/resources/resource-set.ts';
import type { Topology } from '../model/types.ts';
import { formatIPv4 } from '../net/ip.ts';
import { simLabOf, simDeploy } from '../scenario/sim-driver.ts';
import type { LabDriver } from '../scenario/driver.ts';
import type { ClusterControl } from '../scenario/cluster-control.ts';
import { runScenario } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { blastText, lostPairs } from './blast.ts';
import { evaluateDefaults, evaluateIntents, intentPairs, judgedIntents } from './evaluate.ts';
import { excusedNodes, failureCases, singleUplink, topologyReflectors } from './failures.ts';
import type { Intent } from './intents.ts';
import { ipamCapacity } from './ipam.ts';
import { Prober } from './probe.ts';
import { probeMtu } from './mtu.ts';
import { analysePolicies } from './policy.ts';
import type { PolicyAnalysis } from './policy.ts';
import { BgpExplainer } from './bgp-facts.ts';
import { SimClusterControl } from '../scenario/sim-cluster.ts';
import { globalBgpSettings } from '../calico/resources/resource-set.ts';
import { bgpNote, reasonClass } from './reason.ts';
import type { CaseReport, CheckReport, FailureCase, FailureClass, PairResult, ProbeEndpoint, SessionResult, StateResult } from './types.ts';

/** Virtual time a failure gets before it is observed: BGP's 90 s hold timer plus reconvergence. */
export const SETTLE_MS = 100_000;
/** Virtual time convergence may take, at deploy and after a revert. */
export const CONVERGE_MS = 120_000;

/** What to check: a topology, or a scenario whose steps run first. */
export interface CheckInput {
  readonly file: string;
  readonly topology: Topology;
  readonly scenario?: Scenario;
}

/** How to check. */
export interface CheckOptions {
  readonly failures: FailureClass;
  /** An intents file's intents; absent = the default intents. */
  readonly intents?: readonly Intent[];
  /** Progress lines (`case 3/15: …`). */
  readonly onProgress?: (line: string) => void;
  readonly settleMs?: number;
  /**
   * The k8s nodes probed (their address, their pods, one probe pod each when the lab has none);
   * default every k8s node. Large fabrics: the matrices grow with the square of this list.
   */
  readonly probeNodes?: readonly string[];
  /** Runs only the first N failure cases (benchmarks). */
  readonly maxCases?: number;
  /** Every failure case on a freshly deployed lab instead of apply-and-revert (the reference the bench compares with). */
  readonly redeploy?: boolean;
}

interface Lab {
  readonly driver: LabDriver;
  readonly prober: Prober;
  readonly control?: ClusterControl;
  readonly converged: boolean;
  /** Explains sessions that are not Established (simulator clusters only). */
  readonly bgp?: BgpExplainer;
}

async function deployLab(input: CheckInput, ports: readonly number[], notes: string[], probeNodes?: ReadonlySet<string>): Promise<Lab> {
  let driver: LabDriver | undefined;
  const deploy = async (t: Topology, seed: number): Promise<LabDriver> => (driver = await simDeploy(t, { seed }));
  if (input.scenario) {
    const r = await runScenario(input.scenario, input.topology, { deploy });
    if (!r.passed && !notes.some((n) => n.startsWith('the scenario'))) notes.push(`the scenario's own expectations did not all pass (podlab run ${input.file} shows which); checked its end state anyway`);
  } else {
    await deploy(input.topology, 1);
  }
  const d = driver!;
  const lab = simLabOf(d)!;
  const control = d.calico();
  let converged = true;
  if (control) {
    if (control.pods().size === 0) {
      const listen = ports.map((port) => ({ protocol: 'tcp' as const, port }));
      for (const n of control.agentNodes()) if (!probeNodes || probeNodes.has(n)) await control.addPod(n, 'default', `probe-${n}`, { labels: { app: 'podlab-probe' }, listen });
    }
    converged = (await control.converge(CONVERGE_MS)).converged;
  } else {
    await d.wait(5_000);
  }
  const prober = new Prober(d, lab);
  const bgp = control instanceof SimClusterControl
    ? new BgpExplainer(input.topology, control.c, lab, d, prober, globalBgpSettings(buildResourceSet(input.topology.calico).set).nodeToNodeMeshEnabled)
    : undefined;
  return { driver: d, prober, ...(control ? { control } : {}), converged, ...(bgp ? { bgp } : {}) };
}

/** The probe endpoints: k8s nodes by their first address, pods, and the topology's hosts as "outside". */
export function endpointsOf(t: Topology, control: ClusterControl | undefined, probeNodes?: ReadonlySet<string>): ProbeEndpoint[] {
  const first = (name: string): string | undefined => {
    const a = t.nodes.find((n) => n.name === name)?.interfaces.find((i) => i.address)?.address;
    return a ? formatIPv4(a.addr) : undefined;
  };
  const out: ProbeEndpoint[] = [];
  for (const n of t.nodes) {
    const ip = first(n.name);
    if (n.kind === 'k8s-node' && ip && (!probeNodes || probeNodes.has(n.name))) out.push({ id: n.name, kind: 'node', node: n.name, execNode: n.name, ip });
  }
  const pods = [...(control?.pods().values() ?? [])].filter((p) => !probeNodes || probeNodes.has(p.node));
  const names = pods.map((p) => p.name);
  for (const p of pods) {
    const id = names.filter((x) => x === p.name).length > 1 ? `${p.namespace}/${p.name}` : p.name;
    out.push({ id, kind: 'pod', node: p.node, execNode: p.podNode, ip: p.ip, namespace: p.namespace, labels: p.labels });
  }
  for (const n of t.nodes) {
    const ip = first(n.name);
    if (n.kind === 'host' && ip) out.push({ id: n.name, kind: 'outside', node: n.name, execNode: n.name, ip });
  }
  return out;
}

async function sessionsOf(t: Topology, control: ClusterControl | undefined): Promise<SessionResult[]> {
  const out: SessionResult[] = [];
  if (!control) return out;
  for (const n of t.nodes) {
    for (const s of (await control.bgpSessions(n.name)) ?? []) out.push({ node: n.name, peer: s.peer, name: s.name, state: s.state });
  }
  return out;
}

async function observe(lab: Lab, t: Topology, eps: readonly ProbeEndpoint[], extra: ReturnType<typeof intentPairs>, healthy: boolean): Promise<StateResult> {
  const explained = lab.bgp ? await lab.bgp.explain(await sessionsOf(t, lab.control), healthy) : { sessions: await sessionsOf(t, lab.control), isolated: [] };
  const sessions = explained.sessions;
  const bgpIsolated = explained.isolated;
  const routes: Record<string, number> = {};
  const routeData = new Map<string, Awaited<ReturnType<LabDriver['routes']>>>();
  for (const n of t.nodes) {
    if (n.kind === 'switch') continue;
    const r = await lab.driver.routes(n.name);
    routeData.set(n.name, r);
    routes[n.name] = r.length;
  }
  const pairs: PairResult[] = [];
  const probe = async (matrix: string, a: ProbeEndpoint, b: ProbeEndpoint, port?: number): Promise<void> => {
    const r = await lab.prober.probe(a, b, port !== undefined ? { port } : {});
    let reason = r.reason;
    // A route failure between k8s nodes' pods may come from a BGP session that is down at the source.
    if (reason && (reasonClass(reason) === 'route' || reason.startsWith('no reply')) && a.kind === 'pod') {
      const note = bgpNote(a.node, b.ip, routeData.get(a.node) ?? [], sessions.filter((s) => s.node === a.node));
      if (note) reason = `${reason}; ${note}`;
    }
    pairs.push({ matrix, from: a.id, to: b.id, ok: r.ok, ...(reason ? { reason } : {}), ...(r.trace ? { trace: r.trace } : {}) });
  };
  const of = (k: ProbeEndpoint['kind']): ProbeEndpoint[] => eps.filter((e) => e.kind === k);
  for (const a of of('node')) for (const b of of('node')) if (a !== b) await probe('node', a, b);
  for (const a of of('pod')) for (const b of of('pod')) if (a !== b) await probe('pod', a, b);
  for (const a of of('pod')) for (const b of of('outside')) await probe('outside', a, b);
  if (!healthy) return { pairs, sessions, routes, ...(bgpIsolated.length ? { bgpIsolated } : {}) };
  for (const x of extra) {
    const m = x.port !== undefined ? `tcp/${x.port}` : 'intent';
    if (x.port === undefined && pairs.some((p) => p.from === x.from.id && p.to === x.to.id)) continue;
    await probe(m, x.from, x.to, x.port);
  }
  // The MTU black hole: a full-size packet with DF between pods on different nodes, and the largest that passes.
  const mtu = await probeMtu(lab.prober, of('pod'));
  return { pairs, sessions, routes, mtu, ...(bgpIsolated.length ? { bgpIsolated } : {}) };
}

const fingerprint = (s: StateResult): string => JSON.stringify([s.sessions.map((x) => `${x.node}>${x.peer}=${x.state}`).sort(), s.routes]);

async function apply(d: LabDriver, f: FailureCase, down: boolean): Promise<void> {
  if (f.kind === 'link') {
    const i = f.a.lastIndexOf(':');
    await d.setLink(f.a.slice(0, i), f.a.slice(i + 1), { state: down ? 'down' : 'up' });
  } else {
    await d.setNode(f.node, down ? 'stopped' : 'started');
  }
}

/** Runs the check; throws DeployError/ClusterConfigError when the lab cannot be deployed. */
export async function runCheck(input: CheckInput, opts: CheckOptions): Promise<CheckReport> {
  const t0 = performance.now();
  const t = input.topology;
  const notes: string[] = [];
  const intents = opts.intents;
  const ports = [...new Set((intents ?? []).flatMap((i) => (i.kind === 'reach' && i.port !== undefined ? [i.port] : [])))];
  const probeNodes = opts.probeNodes ? new Set(opts.probeNodes) : undefined;
  if (probeNodes) notes.push(`probed from ${probeNodes.size} k8s nodes only: ${[...probeNodes].slice(0, 6).join(', ')}${probeNodes.size > 6 ? ', …' : ''}`);
  let lab = await deployLab(input, ports, notes, probeNodes);
  const start = lab.driver.now();
  let virtual = 0;
  if (!lab.converged) notes.push(`the lab did not converge within ${CONVERGE_MS / 1000}s of virtual time; the healthy state is observed as it is`);
  if (!lab.control) notes.push('no calico: section — no pods, no Calico BGP; only node-to-node reachability is checked');
  const eps = endpointsOf(t, lab.control, probeNodes);
  const extra = intents ? intentPairs(intents, eps) : [];
  opts.onProgress?.(`healthy: probing ${eps.length} endpoints`);
  const healthy = await observe(lab, t, eps, extra, true);
  const healthyPrint = fingerprint(healthy);

  // Failure classes: the one asked for, plus whatever `survives:` intents need.
  const classes = new Set<FailureClass>([opts.failures]);
  for (const i of intents ?? []) if (i.kind === 'survives') classes.add(i.failure);
  const reflectors = topologyReflectors(t);
  const seen = new Set<string>();
  const cases: FailureCase[] = [];
  for (const c of classes) for (const f of failureCases(t, c, reflectors).slice(0, opts.maxCases)) if (!seen.has(f.id)) (seen.add(f.id), cases.push(f));

  const reports: CaseReport[] = [];
  const tCases = performance.now();
  let fresh = opts.redeploy === true;
  for (const [k, f] of cases.entries()) {
    if (fresh) {
      virtual += lab.driver.now() - start;
      lab = await deployLab(input, ports, notes, probeNodes);
    }
    const mode = fresh ? 'redeploy' : 'revert';
    await apply(lab.driver, f, true);
    await lab.driver.wait(opts.settleMs ?? SETTLE_MS);
    const state = await observe(lab, t, eps, extra, false);
    const excused = excusedNodes(t, f);
    const lost = lostPairs(healthy.pairs, state.pairs, eps, excused);
    // A stopped node cutting off itself says nothing; a pulled cable cutting off its rack does.
    const cut = f.kind === 'link' && lostPairs(healthy.pairs, state.pairs, eps, []).length > lost.length ? cutOffText(t, f, healthy.pairs, state.pairs, eps) : undefined;
    reports.push({ failure: f, state, excused, lost, mode, ...(cut ? { cutOff: cut } : {}) });
    opts.onProgress?.(`case ${k + 1}/${cases.length}: ${f.text}: ${lost.length ? `${lost.length} pair${lost.length === 1 ? '' : 's'} lost` : 'nothing lost'}`);
    if (opts.redeploy) continue; // the next case deploys anew: reverting would be wasted work
    await apply(lab.driver, f, false);
    if (lab.control) await lab.control.converge(CONVERGE_MS);
    else await lab.driver.wait(5_000);
    // Compare without probing: sessions and route counts tell whether the lab is back.
    const back = { pairs: [], sessions: await sessionsOf(t, lab.control), routes: (await observe0(lab, t)) };
    fresh = fingerprint(back) !== healthyPrint;
  }
  const casesMs = Math.round(performance.now() - tCases);
  virtual += lab.driver.now() - start;
  const set = buildResourceSet(t.calico).set;
  const ipam = lab.control ? ipamCapacity(set, lab.control.agentNodes().length) : undefined;
  const policy = lab.control ? policyOf(lab.control) : undefined;
  const observed = { topology: t, endpoints: eps, healthy, cases: reports, ...(ipam ? { ipam } : {}) };
  const violations = intents ? evaluateIntents(observed, intents) : evaluateDefaults(observed);
  if (!opts.redeploy && reports.some((r) => r.mode === 'redeploy')) notes.push('some failure cases did not revert cleanly and ran on a freshly deployed lab (mode: redeploy)');
  return {
    input: input.file, topology: t.name, failures: opts.failures, endpoints: eps, converged: lab.converged, healthy, cases: reports,
    ...(ipam ? { ipam } : {}), ...(policy ? { policy } : {}), violations, judged: judgedIntents(observed, intents), notes,
    timing: { wallMs: Math.round(performance.now() - t0), casesMs, virtualMs: Math.round(virtual), cases: cases.length },
    passed: violations.length === 0,
  };
}

/** The informational line of a failure that cut off only what it takes out by itself. */
function cutOffText(t: Topology, f: FailureCase, healthy: readonly PairResult[], now: readonly PairResult[], eps: readonly ProbeEndpoint[]): string {
  return `${blastText(f, healthy, lostPairs(healthy, now, eps, []), eps, [], singleUplink(t, f))} — expected: their own uplink`;
}

async function observe0(lab: Lab, t: Topology): Promise<Record<string, number>> {
  const routes: Record<string, number> = {};
  for (const n of t.nodes) if (n.kind !== 'switch') routes[n.name] = (await lab.driver.routes(n.name)).length;
  return routes;
}

/** The policy analysis of the lab's pods under the policies Felix programs; undefined when there is no policy. */
function policyOf(control: ClusterControl): PolicyAnalysis | undefined {
  const m = control.policyModel();
  if (m.policies.length === 0) return undefined;
  const endpoints = [...control.pods().values()].map((p) => ({ kind: 'workload' as const, namespace: p.namespace, name: p.name, labels: p.labels, ips: [p.ip] }));
  return analysePolicies({ namespaces: [...m.namespaces], endpoints, policies: [...m.policies], tiers: [...m.tiers] });
}
