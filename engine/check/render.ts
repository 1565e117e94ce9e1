/**
 * The terminal report of `podlab check`: one summary line per matrix, BGP, MTU and IPAM,
 * then each failure case that broke an intent (once, with its blast radius), the cases that
 * only cut off what they take out themselves, and a verdict line. Pure: report in, text out.
 */
import type { CheckReport, PairResult } from './types.ts';

function matrixLine(name: string, pairs: readonly PairResult[]): string | undefined {
  if (pairs.length === 0) return undefined;
  const bad = pairs.filter((p) => !p.ok);
  const first = bad[0];
  return `  ${name.padEnd(14)} ${pairs.length - bad.length}/${pairs.length} reachable${first ? ` — e.g. ${first.from} → ${first.to}: ${first.reason ?? 'no reply'}` : ''}`;
}

/** The report as terminal text. */
export function renderCheck(r: CheckReport): string {
  const out: string[] = [];
  const h = r.healthy;
  out.push(`podlab check ${r.input} (${r.topology}), failures: ${r.failures}`);
  out.push(`healthy${r.converged ? '' : ' (not converged)'}:`);
  const by = (m: string): PairResult[] => h.pairs.filter((p) => p.matrix === m);
  for (const [name, m] of [['pod ↔ pod', 'pod'], ['pod → outside', 'outside'], ['node ↔ node', 'node']] as const) {
    const l = matrixLine(name, by(m));
    if (l) out.push(l);
  }
  const up = h.sessions.filter((s) => s.state === 'Established').length;
  if (h.sessions.length) out.push(`  ${'BGP'.padEnd(14)} ${up}/${h.sessions.length} sessions Established`);
  for (const s of h.sessions) if (s.state !== 'Established') out.push(`    ${s.node} → ${s.peer} ${s.state}: ${s.why ?? 'no reason found'}`);
  for (const l of h.bgpIsolated ?? []) out.push(`    ${l}`);
  const mtu = h.mtu ?? [];
  if (mtu.length) out.push(`  ${'MTU'.padEnd(14)} ${mtu.filter((m) => m.ok).length}/${mtu.length} pod pairs pass ${mtu[0]!.podMtu}-byte packets with DF (the pod MTU)`);
  // Pairs where not even a small packet passes are the reachability lines' business, not MTU's.
  for (const m of mtu) if (!m.ok && m.largest !== undefined) out.push(`    ${m.from} → ${m.to}: largest with DF ${m.largest} bytes${m.blackHole ? ` — ${m.blackHole}` : m.reason ? ` — ${m.reason}` : ''}`);
  const dead = mtu.filter((m) => !m.ok && m.largest === undefined).length;
  if (dead) out.push(`    (${dead} pair${dead === 1 ? '' : 's'} pass no packet at all: see pod ↔ pod)`);
  if (r.ipam) out.push(`  ${'IPAM'.padEnd(14)} ${r.ipam.podsPerNode} pods per node with ${r.ipam.nodes} nodes full (${r.ipam.limitedBy})`);
  if (r.policy) {
    out.push(`  ${'policy'.padEnd(14)} ${r.policy.policies.length} polic${r.policy.policies.length === 1 ? 'y' : 'ies'} over ${r.policy.flows} pod flows, ${r.policy.warnings.length} dead or shadowed rule${r.policy.warnings.length === 1 ? '' : 's'}`);
    for (const p of r.policy.policies) {
      out.push(`    ${p.policy} (tier ${p.tier}) selects ${p.selects.length ? p.selects.join(', ') : 'no pod'}`);
      for (const a of p.allows) out.push(`      allows ${a}`);
      for (const d of p.denies) out.push(`      denies ${d}`);
    }
  }
  if (r.cases.length) {
    const broke = new Set(r.violations.map((v) => v.state));
    out.push(`failure cases: ${r.cases.length}, ${r.cases.filter((c) => !broke.has(c.failure.id)).length} break no intent`);
    for (const c of r.cases) if (c.cutOff && !broke.has(c.failure.id)) out.push(`  · ${c.cutOff}`);
  }
  if (r.violations.length) {
    out.push('violations:');
    for (const v of r.violations) out.push(`  ✗ ${v.text}`);
  }
  for (const w of r.policy?.warnings ?? []) out.push(`warning: ${w}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  const t = r.timing;
  out.push(`${r.passed ? 'OK: every intent holds' : `FAIL: ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`} (${t.cases} failure case${t.cases === 1 ? '' : 's'} in ${(t.wallMs / 1000).toFixed(1)} s, ${Math.round(t.virtualMs / 1000)} s of virtual time)`);
  return out.join('\n') + '\n';
}
