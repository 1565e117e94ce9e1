/**
 * `podlab diff`: what a design change gains and loses, from two check reports — reachability
 * pairs (healthy and under each failure both sides ran), violations, BGP sessions, routes per
 * node class, MTU and IPAM capacity. Pure: two reports in, a change list and its text out.
 */
import { pairChanges } from './blast.ts';
import type { CheckReport, PairResult } from './types.ts';

/** One state's reachability changes (`healthy` or a failure case id). */
export interface PairDelta {
  readonly state: string;
  readonly gained: readonly PairResult[];
  readonly lost: readonly PairResult[];
}

/** Everything that changed between two reports. */
export interface CheckDiff {
  readonly pairs: readonly PairDelta[];
  /** Failure cases only one side has (a link added or removed). */
  readonly casesOnlyOld: readonly string[];
  readonly casesOnlyNew: readonly string[];
  readonly violationsAdded: readonly string[];
  readonly violationsRemoved: readonly string[];
  readonly sessionsAdded: readonly string[];
  readonly sessionsRemoved: readonly string[];
  readonly sessionsChanged: readonly string[];
  /** Routes per node class (k8s-node, router, host), old and new totals. */
  readonly routes: Readonly<Record<string, { readonly old: number; readonly new: number }>>;
  readonly mtu: { readonly old: string; readonly new: string };
  readonly ipam: { readonly old?: number; readonly new?: number };
}

const sessionKey = (s: { node: string; peer: string }): string => `${s.node}→${s.peer}`;

function mtuText(r: CheckReport): string {
  const m = r.healthy.mtu ?? [];
  return m.length ? `${m.filter((x) => x.ok).length}/${m.length} pod pairs pass ${m[0]!.podMtu} bytes with DF` : 'not probed';
}

/** Compares two reports; `kinds` maps node names to their kind (both topologies merged). */
export function diffReports(a: CheckReport, b: CheckReport, kinds: ReadonlyMap<string, string>): CheckDiff {
  const pairs: PairDelta[] = [];
  const h = pairChanges(a.healthy.pairs, b.healthy.pairs);
  if (h.gained.length || h.lost.length) pairs.push({ state: 'healthy', ...h });
  const oldCases = new Map(a.cases.map((c) => [c.failure.id, c]));
  const newCases = new Map(b.cases.map((c) => [c.failure.id, c]));
  for (const [id, c] of newCases) {
    const o = oldCases.get(id);
    if (!o) continue;
    const d = pairChanges(o.state.pairs, c.state.pairs);
    if (d.gained.length || d.lost.length) pairs.push({ state: id, ...d });
  }
  const va = new Set(a.violations.map((v) => v.text));
  const vb = new Set(b.violations.map((v) => v.text));
  const sa = new Map(a.healthy.sessions.map((s) => [sessionKey(s), s.state]));
  const sb = new Map(b.healthy.sessions.map((s) => [sessionKey(s), s.state]));
  const routes: Record<string, { old: number; new: number }> = {};
  const add = (r: Readonly<Record<string, number>>, side: 'old' | 'new'): void => {
    for (const [node, n] of Object.entries(r)) {
      const k = kinds.get(node) ?? 'other';
      routes[k] ??= { old: 0, new: 0 };
      routes[k][side] += n;
    }
  };
  add(a.healthy.routes, 'old');
  add(b.healthy.routes, 'new');
  return {
    pairs,
    casesOnlyOld: [...oldCases.keys()].filter((k) => !newCases.has(k)),
    casesOnlyNew: [...newCases.keys()].filter((k) => !oldCases.has(k)),
    violationsAdded: [...vb].filter((v) => !va.has(v)),
    violationsRemoved: [...va].filter((v) => !vb.has(v)),
    sessionsAdded: [...sb].filter(([k]) => !sa.has(k)).map(([k, s]) => `${k} ${s}`),
    sessionsRemoved: [...sa].filter(([k]) => !sb.has(k)).map(([k, s]) => `${k} ${s}`),
    sessionsChanged: [...sb].filter(([k, s]) => sa.has(k) && sa.get(k) !== s).map(([k, s]) => `${k} ${sa.get(k)} → ${s}`),
    routes,
    mtu: { old: mtuText(a), new: mtuText(b) },
    ipam: { ...(a.ipam ? { old: a.ipam.podsPerNode } : {}), ...(b.ipam ? { new: b.ipam.podsPerNode } : {}) },
  };
}

const pairLine = (p: PairResult): string => `${p.from} → ${p.to}${p.reason ? ` (${p.reason})` : ''}`;

/** The diff as terminal text. */
export function renderDiff(d: CheckDiff, oldName: string, newName: string): string {
  const out: string[] = [`podlab diff ${oldName} → ${newName}`];
  if (d.pairs.length === 0) out.push('reachability: no pair gained or lost');
  for (const p of d.pairs) {
    out.push(`reachability, ${p.state === 'healthy' ? 'healthy' : `under ${p.state} down`}: ${p.lost.length} lost, ${p.gained.length} gained`);
    for (const x of p.lost) out.push(`  − ${x.matrix} ${pairLine(x)}`);
    for (const x of p.gained) out.push(`  + ${x.matrix} ${x.from} → ${x.to}`);
  }
  for (const c of d.casesOnlyOld) out.push(`failure case only in the old design: ${c}`);
  for (const c of d.casesOnlyNew) out.push(`failure case only in the new design: ${c}`);
  for (const v of d.violationsAdded) out.push(`violation added: ${v}`);
  for (const v of d.violationsRemoved) out.push(`violation removed: ${v}`);
  const s = [...d.sessionsRemoved.map((x) => `  − ${x}`), ...d.sessionsAdded.map((x) => `  + ${x}`), ...d.sessionsChanged.map((x) => `  ~ ${x}`)];
  out.push(`BGP sessions: ${s.length ? `${d.sessionsRemoved.length} removed, ${d.sessionsAdded.length} added, ${d.sessionsChanged.length} changed` : 'unchanged'}`);
  out.push(...s);
  out.push(`routes: ${Object.entries(d.routes).map(([k, v]) => `${k} ${v.old} → ${v.new}`).join(', ')}`);
  if (d.mtu.old !== d.mtu.new) out.push(`MTU: ${d.mtu.old} → ${d.mtu.new}`);
  if (d.ipam.old !== d.ipam.new) out.push(`IPAM: ${d.ipam.old ?? 'none'} → ${d.ipam.new ?? 'none'} pods per node`);
  return out.join('\n') + '\n';
}
