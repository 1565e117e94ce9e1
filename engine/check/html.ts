/**
 * The check as one self-contained HTML page (no script, no external style or font: it opens
 * from a CI artifact store or an e-mail as it is): verdict, violations, the healthy matrices
 * as grids (a cell's title is the broken pair's reason), BGP sessions with why, MTU, IPAM,
 * policy analysis and every failure case with what it lost. Every text from the lab or the
 * user's files is escaped. Pure: report in, HTML out.
 */
import type { CheckReport, PairResult } from './types.ts';

/** HTML text and attribute escaping. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = htmlEscape;

function grid(pairs: readonly PairResult[]): string {
  const froms = [...new Set(pairs.map((p) => p.from))];
  const tos = [...new Set(pairs.map((p) => p.to))];
  const at = new Map(pairs.map((p) => [`${p.from}|${p.to}`, p]));
  const head = `<tr><th></th>${tos.map((t) => `<th class="to">${e(t)}</th>`).join('')}</tr>`;
  const rows = froms.map((f) => `<tr><th>${e(f)}</th>${tos.map((t) => {
    const p = at.get(`${f}|${t}`);
    if (!p) return '<td class="na">·</td>';
    return p.ok ? '<td class="ok" title="reachable">✓</td>' : `<td class="bad" title="${e(p.reason ?? 'no reply')}">✗</td>`;
  }).join('')}</tr>`);
  return `<table class="grid">${head}${rows.join('')}</table>`;
}

function list(items: readonly string[]): string {
  return items.length ? `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>` : '';
}

/** The report as an HTML document. */
export function renderHtml(r: CheckReport): string {
  const h = r.healthy;
  const parts: string[] = [];
  parts.push(`<h1>podlab check — ${e(r.topology)}</h1>`);
  parts.push(`<p class="verdict ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'OK: every intent holds' : `FAIL: ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`}</p>`);
  parts.push(`<p>${e(r.input)} · failures: ${e(r.failures)} · ${r.timing.cases} failure cases in ${(r.timing.wallMs / 1000).toFixed(1)} s (${Math.round(r.timing.virtualMs / 1000)} s of virtual time)${r.converged ? '' : ' · <b>not converged</b>'}</p>`);
  if (r.violations.length) parts.push(`<h2>Violations</h2>${list(r.violations.map((v) => v.text))}`);
  for (const [title, m] of [['Pod ↔ pod', 'pod'], ['Pod → outside', 'outside'], ['Node ↔ node', 'node']] as const) {
    const ps = h.pairs.filter((p) => p.matrix === m);
    if (ps.length) parts.push(`<h2>${title}: ${ps.filter((p) => p.ok).length}/${ps.length} reachable</h2>${grid(ps)}${list(ps.filter((p) => !p.ok).map((p) => `${p.from} → ${p.to}: ${p.reason ?? 'no reply'}`))}`);
  }
  if (h.sessions.length) {
    const rows = h.sessions.map((s) => `<tr class="${s.state === 'Established' ? 'ok' : 'bad'}"><td>${e(s.node)}</td><td>${e(s.peer)}</td><td>${e(s.name)}</td><td>${e(s.state)}</td><td>${e(s.why ?? '')}</td></tr>`);
    parts.push(`<h2>BGP: ${h.sessions.filter((s) => s.state === 'Established').length}/${h.sessions.length} Established</h2><table><tr><th>node</th><th>peer</th><th>protocol</th><th>state</th><th>why</th></tr>${rows.join('')}</table>${list(h.bgpIsolated ?? [])}`);
  }
  if (h.mtu?.length) {
    const rows = h.mtu.map((m) => `<tr class="${m.ok ? 'ok' : 'bad'}"><td>${e(m.from)}</td><td>${e(m.to)}</td><td>${m.podMtu}</td><td>${m.largest ?? '—'}</td><td>${e(m.blackHole ?? m.reason ?? '')}</td></tr>`);
    parts.push(`<h2>MTU with DF</h2><table><tr><th>from</th><th>to</th><th>pod MTU</th><th>largest that passes</th><th>why</th></tr>${rows.join('')}</table>`);
  }
  if (r.ipam) parts.push(`<h2>IPAM</h2><p>${r.ipam.podsPerNode} pods per node with ${r.ipam.nodes} nodes full (${e(r.ipam.limitedBy)})</p>`);
  if (r.policy) {
    parts.push(`<h2>Policy</h2>${list(r.policy.warnings.map((w) => `warning: ${w}`))}`);
    for (const p of r.policy.policies) parts.push(`<h3>${e(p.policy)} <small>tier ${e(p.tier)}</small></h3><p>selects ${e(p.selects.join(', ') || 'no pod')}</p>${list([...p.allows.map((a) => `allows ${a}`), ...p.denies.map((d) => `denies ${d}`)])}`);
  }
  if (r.cases.length) {
    const broke = new Set(r.violations.map((v) => v.state));
    const rows = r.cases.map((c) => `<tr class="${broke.has(c.failure.id) ? 'bad' : 'ok'}"><td>${e(c.failure.text)}</td><td>${c.lost.length}</td><td>${e(c.excused.join(', '))}</td><td>${e(c.cutOff ?? '')}</td><td>${c.mode}</td></tr>`);
    parts.push(`<h2>Failure cases</h2><table><tr><th>failure</th><th>pairs lost</th><th>taken out by the failure</th><th>note</th><th>run by</th></tr>${rows.join('')}</table>`);
  }
  if (r.notes.length) parts.push(`<h2>Notes</h2>${list(r.notes)}`);
  const css = 'body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}' +
    '.grid td{text-align:center;width:1.6em}.ok td,td.ok{background:#e8f6e8}.bad td,td.bad{background:#fbe3e3}td.na{color:#aaa}.verdict{font-size:1.3em;font-weight:bold}.pass{color:#176417}.fail{color:#a11}th.to{writing-mode:vertical-rl}';
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${e(`podlab check ${r.topology}`)}</title><style>${css}</style></head><body>\n${parts.join('\n')}\n</body></html>\n`;
}
