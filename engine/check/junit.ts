/**
 * The check as JUnit XML, the format CI systems (Jenkins, GitLab, GitHub Actions reporters)
 * read test results from: one <testsuite> per state (healthy, then each failure case), one
 * <testcase> per intent judged in that state, a <failure> with the violation's line and its
 * broken pairs when the intent does not hold. Pure: report in, XML text out.
 */
import type { CheckReport } from './types.ts';

/** XML 1.0 text: the five escapes, and the control characters XML forbids dropped. */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The report as a JUnit XML document; `timestamp` is when the check ran (ISO 8601, no zone). */
export function renderJunit(r: CheckReport, timestamp: string): string {
  const states = ['healthy', ...r.cases.map((c) => c.failure.id)];
  const byState = new Map<string, string[]>(states.map((s) => [s, []]));
  for (const j of r.judged) if (!byState.get(j.state)?.includes(j.intent)) byState.get(j.state)?.push(j.intent);
  const caseText = new Map(r.cases.map((c) => [c.failure.id, c.failure.text]));
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const state of states) {
    const intents = byState.get(state)!;
    if (intents.length === 0) continue;
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const intent of intents) {
      const vs = r.violations.filter((v) => v.state === state && v.intent === intent);
      const name = xmlEscape(intent);
      const cls = xmlEscape(`podlab.check.${r.topology}.${state === 'healthy' ? 'healthy' : state.replace(/\s+/g, '_')}`);
      if (vs.length === 0) {
        cases.push(`    <testcase classname="${cls}" name="${name}" time="0"/>`);
        continue;
      }
      suiteFailures++;
      const body = vs.flatMap((v) => [v.text, ...v.pairs.map((p) => `  ${p.matrix} ${p.from} → ${p.to}${p.reason ? `: ${p.reason}` : ''}`)]).join('\n');
      cases.push(`    <testcase classname="${cls}" name="${name}" time="0">\n      <failure message="${xmlEscape(vs[0]!.text)}" type="violation">${xmlEscape(body)}</failure>\n    </testcase>`);
    }
    tests += intents.length;
    failures += suiteFailures;
    const title = state === 'healthy' ? 'healthy' : caseText.get(state) ?? state;
    suites.push(`  <testsuite name="${xmlEscape(title)}" tests="${intents.length}" failures="${suiteFailures}" errors="0" skipped="0" time="0" timestamp="${xmlEscape(timestamp)}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  const time = (r.timing.wallMs / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(`podlab check ${r.input}`)}" tests="${tests}" failures="${failures}" errors="0" time="${time}">\n${suites.join('\n')}\n</testsuites>\n`;
}
