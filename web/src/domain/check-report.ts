/**
 * A `podlab check --json` report as the Check tab shows it: read and sanity-checked (a file
 * that is not a check report is refused with the reason), its states listed (healthy, then
 * each failure case with what it lost and whether it broke an intent), and, for a selected
 * case, the links the topology draws as down and the broken pairs. Pure; the types are the
 * engine's own (type-only imports, nothing of Node reaches the bundle).
 */
import type { CaseReport, CheckReport, PairResult } from '../../../engine/check/types.ts';
import type { LinkState } from '../../../engine/server/api-types.ts';

/** One row of the case list. */
export interface CheckRow {
  /** `healthy` or the failure case's id. */
  readonly id: string;
  readonly text: string;
  /** Pairs that broke: lost under a failure; failing pairs when healthy. */
  readonly broken: readonly PairResult[];
  /** The intents it violates, one line each. */
  readonly violations: readonly string[];
  readonly failure?: CaseReport['failure'];
}

/** Parses a check report; throws an Error saying why the text is not one. */
export function parseCheckReport(text: string): CheckReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message}); make one with podlab check … --json > report.json`);
  }
  const r = v as Partial<CheckReport>;
  if (!r || typeof r !== 'object' || !r.healthy || !Array.isArray(r.cases) || !Array.isArray(r.violations) || typeof r.topology !== 'string') {
    throw new Error('not a podlab check report (no healthy state, cases and violations); make one with podlab check … --json > report.json');
  }
  return r as CheckReport;
}

/** The rows: healthy first, then every failure case in the order the check ran them. */
export function checkRows(r: CheckReport): CheckRow[] {
  const vio = (state: string): string[] => r.violations.filter((v) => v.state === state).map((v) => v.text);
  const rows: CheckRow[] = [{ id: 'healthy', text: 'healthy', broken: r.healthy.pairs.filter((p) => !p.ok), violations: vio('healthy') }];
  for (const c of r.cases) rows.push({ id: c.failure.id, text: c.failure.text, broken: c.lost, violations: vio(c.failure.id), failure: c.failure });
  return rows;
}

/** The store's id of a link (`a:ethX--b:ethY`), for both orders of a case's ends. */
function linkIds(a: string, b: string): string[] {
  return [`${a}--${b}`, `${b}--${a}`];
}

/** The lab's links with the selected case's failure drawn: its link down, or every link of its stopped node. */
export function linksUnder(links: ReadonlyMap<string, LinkState>, f: CaseReport['failure'] | undefined): ReadonlyMap<string, LinkState> {
  if (!f) return links;
  const down = (id: string, l: LinkState): boolean => (f.kind === 'link' ? linkIds(f.a, f.b).includes(id) : l.a === f.node || l.b === f.node);
  return new Map([...links].map(([id, l]) => [id, down(id, l) ? { ...l, up: false } : l]));
}

/** The node to select for a case: the stopped node, or the first end of the failed link. */
export function failedNode(f: CaseReport['failure'] | undefined): string | undefined {
  if (!f) return undefined;
  return f.kind === 'link' ? f.a.slice(0, f.a.lastIndexOf(':')) : f.node;
}
