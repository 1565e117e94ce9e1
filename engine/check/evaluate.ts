/**
 * Intent evaluation: the default intents (or an intents file's) against what the check
 * observed — healthy matrices, BGP sessions, the MTU probe, each failure case's lost pairs
 * and the IPAM capacity. Each broken intent becomes one Violation; a failure case is
 * reported once, with its blast radius. Pure.
 */
import type { Topology } from '../model/types.ts';
import { blastText } from './blast.ts';
import { singleUplink } from './failures.ts';
import type { Intent } from './intents.ts';
import type { CaseReport, IpamCapacity, PairResult, ProbeEndpoint, StateResult, Violation } from './types.ts';

/** The endpoints a selector names (see intents.ts for the grammar). */
export function selectEndpoints(selector: string, endpoints: readonly ProbeEndpoint[]): ProbeEndpoint[] {
  const s = selector.trim();
  if (s === 'all' || s === '*') return endpoints.filter((e) => e.kind === 'pod');
  if (s === 'outside') return endpoints.filter((e) => e.kind === 'outside');
  if (s.startsWith('node:')) return endpoints.filter((e) => e.kind === 'node' && e.id === s.slice(5));
  const terms = s.split(',').map((t) => t.trim()).filter(Boolean);
  if (terms.length && terms.every((t) => t.includes('='))) {
    return endpoints.filter((e) => e.kind === 'pod' && terms.every((t) => {
      const [k, v] = t.split('=').map((x) => x.trim()) as [string, string];
      if (k === 'ns' || k === 'namespace') return e.namespace === v;
      if (k === 'node') return e.node === v;
      return e.labels?.[k] === v;
    }));
  }
  return endpoints.filter((e) => e.id === s || (e.kind === 'pod' && e.id.endsWith(`/${s}`)));
}

/** The pairs intents need that the matrices may not hold (probed by the runner in the healthy state). */
export function intentPairs(intents: readonly Intent[], endpoints: readonly ProbeEndpoint[]): { from: ProbeEndpoint; to: ProbeEndpoint; port?: number }[] {
  const out: { from: ProbeEndpoint; to: ProbeEndpoint; port?: number }[] = [];
  for (const i of intents) {
    if (i.kind !== 'reach' && i.kind !== 'isolated') continue;
    for (const f of selectEndpoints(i.from.value, endpoints)) {
      for (const t of selectEndpoints(i.to.value, endpoints)) if (f.id !== t.id) out.push({ from: f, to: t, ...(i.port !== undefined ? { port: i.port } : {}) });
    }
  }
  return out;
}

/** Finds the result of a pair: on a port matrix when a port is given, else any ICMP matrix. */
export function findPair(pairs: readonly PairResult[], from: string, to: string, port?: number): PairResult | undefined {
  const m = port === undefined ? undefined : `tcp/${port}`;
  return pairs.find((p) => p.from === from && p.to === to && (m ? p.matrix === m : !p.matrix.startsWith('tcp/')));
}

const list = (ps: readonly PairResult[], n = 3): string =>
  ps.slice(0, n).map((p) => `${p.from} → ${p.to}${p.reason ? ` (${p.reason})` : ''}`).join('; ') + (ps.length > n ? `; … ${ps.length - n} more` : '');

/** What a check saw, as evaluation needs it. */
export interface Observed {
  readonly topology: Topology;
  readonly endpoints: readonly ProbeEndpoint[];
  readonly healthy: StateResult;
  readonly cases: readonly CaseReport[];
  readonly ipam?: IpamCapacity;
}

function caseViolation(o: Observed, c: CaseReport, intent: string): Violation | undefined {
  if (c.lost.length === 0) return undefined;
  const text = blastText(c.failure, o.healthy.pairs, c.lost, o.endpoints, c.excused, singleUplink(o.topology, c.failure));
  return { state: c.failure.id, intent, text, pairs: c.lost };
}

/** The default intents: healthy — every pod reaches every pod and the outside with full-size packets, every session Established; every failure case loses no pair it does not take out itself. */
export function evaluateDefaults(o: Observed): Violation[] {
  const out: Violation[] = [];
  const h = o.healthy;
  const bad = (m: string): PairResult[] => h.pairs.filter((p) => p.matrix === m && !p.ok);
  const pods = bad('pod');
  const podTotal = h.pairs.filter((p) => p.matrix === 'pod').length;
  if (pods.length) out.push({ state: 'healthy', intent: 'every pod reaches every pod', text: `healthy: ${pods.length} of ${podTotal} pod pairs fail: ${list(pods)}`, pairs: pods });
  const outside = bad('outside');
  if (outside.length) out.push({ state: 'healthy', intent: 'every pod reaches the outside', text: `healthy: ${outside.length} pods do not reach the outside: ${list(outside)}`, pairs: outside });
  // Only pairs whose small packets pass: the others are already reported above, with their own reason.
  const smallOk = new Set(h.pairs.filter((p) => p.matrix === 'pod' && p.ok).map((p) => `${p.from}|${p.to}`));
  const mtu = (h.mtu ?? []).filter((m) => !m.ok && smallOk.has(`${m.from}|${m.to}`));
  if (mtu.length) {
    const pairs = mtu.map((m) => ({ matrix: 'mtu', from: m.from, to: m.to, ok: false, ...(m.blackHole ?? m.reason ? { reason: m.blackHole ?? m.reason } : {}) }));
    out.push({ state: 'healthy', intent: 'full-size packets pass pod to pod (MTU)', text: `healthy: ${mtu.length} pod pairs lose ${mtu[0]!.podMtu}-byte packets with DF: ${list(pairs)}`, pairs });
  }
  const down = h.sessions.filter((s) => s.state !== 'Established');
  if (down.length) {
    out.push({
      state: 'healthy', intent: 'every BGP session is Established',
      text: `healthy: ${down.length} of ${h.sessions.length} BGP sessions not Established: ${down.slice(0, 4).map((s) => `${s.node}→${s.peer} ${s.state}${s.why ? ` (${s.why})` : ''}`).join('; ')}${down.length > 4 ? '; …' : ''}`,
      pairs: [],
    });
  }
  for (const line of h.bgpIsolated ?? []) out.push({ state: 'healthy', intent: 'every k8s node has a BGP session', text: `healthy: ${line}`, pairs: [] });
  for (const c of o.cases) {
    const v = caseViolation(o, c, DEFAULT_CASE_INTENT);
    if (v) out.push(v);
  }
  return out;
}

/** Whether a `survives: X` intent covers a failure case (a reflector that is a k8s node is also a node). */
function survivesCovers(o: Observed, failure: string, c: CaseReport): boolean {
  return c.failure.kind === failure || (failure === 'node' && c.failure.kind === 'rr' && o.topology.nodes.some((n) => n.name === (c.failure as { node: string }).node && n.kind === 'k8s-node'));
}

/** The default intents of the healthy state, by the names their violations carry. */
export const DEFAULT_HEALTHY_INTENTS = ['every pod reaches every pod', 'every pod reaches the outside', 'full-size packets pass pod to pod (MTU)', 'every BGP session is Established', 'every k8s node has a BGP session'] as const;
/** The default intent of every failure case. */
export const DEFAULT_CASE_INTENT = 'pairs with their own links stay reachable';

/** Every (state, intent) the evaluation judged, passed or not: what JUnit lists as test cases. */
export function judgedIntents(o: Observed, intents?: readonly Intent[]): { state: string; intent: string }[] {
  const out: { state: string; intent: string }[] = [];
  if (!intents) {
    for (const i of DEFAULT_HEALTHY_INTENTS) out.push({ state: 'healthy', intent: i });
    for (const c of o.cases) out.push({ state: c.failure.id, intent: DEFAULT_CASE_INTENT });
    return out;
  }
  for (const i of intents) {
    if (i.kind === 'survives') for (const c of o.cases) { if (survivesCovers(o, i.failure, c)) out.push({ state: c.failure.id, intent: i.text }); }
    else out.push({ state: 'healthy', intent: i.text });
  }
  return out;
}

/** An intents file's intents against what the check saw. */
export function evaluateIntents(o: Observed, intents: readonly Intent[]): Violation[] {
  const out: Violation[] = [];
  for (const i of intents) {
    if (i.kind === 'reach' || i.kind === 'isolated') {
      const froms = selectEndpoints(i.from.value, o.endpoints);
      const tos = selectEndpoints(i.to.value, o.endpoints);
      const where = `${i.from.loc.file}:${i.from.loc.line}:${i.from.loc.col}`;
      if (!froms.length || !tos.length) {
        out.push({ state: 'healthy', intent: i.text, text: `${where}: ${i.text}: '${!froms.length ? i.from.value : i.to.value}' matches nothing in this lab`, pairs: [] });
        continue;
      }
      const wrong: PairResult[] = [];
      for (const f of froms) for (const t of tos) {
        if (f.id === t.id) continue;
        const p = findPair(o.healthy.pairs, f.id, t.id, i.port);
        if (!p) continue;
        if (i.kind === 'reach' ? !p.ok : p.ok) wrong.push(i.kind === 'isolated' ? { ...p, reason: 'reachable' } : p);
      }
      if (wrong.length) out.push({ state: 'healthy', intent: i.text, text: `healthy: ${i.text} broken for ${wrong.length} pair${wrong.length === 1 ? '' : 's'}: ${list(wrong)}`, pairs: wrong });
    } else if (i.kind === 'survives') {
      for (const c of o.cases) {
        if (!survivesCovers(o, i.failure, c)) continue;
        const v = caseViolation(o, c, i.text);
        if (v) out.push(v);
      }
    } else if (i.kind === 'maxPodsPerNode') {
      const cap = o.ipam;
      if (!cap) out.push({ state: 'healthy', intent: i.text, text: `${i.text}: no enabled IPv4 pool gives pods addresses`, pairs: [] });
      else if (cap.podsPerNode < i.pods) out.push({ state: 'healthy', intent: i.text, text: `${i.text}: IPAM holds ${cap.podsPerNode} pods per node (${cap.limitedBy})`, pairs: [] });
    }
  }
  return out;
}
