/**
 * Problems (errors and warnings) and how they print: `file:line:col: error: message — hint`,
 * the shape compilers use so editors and terminals make them clickable.
 */
import type { Location, Problem, Severity } from './types.ts';

/** Collects problems in the order they are found. */
export class Problems {
  readonly list: Problem[] = [];

  /** Records an error at `loc`. */
  error(loc: Location, message: string, hint?: string): void {
    this.add('error', loc, message, hint);
  }

  /** Records a warning at `loc`. */
  warn(loc: Location, message: string, hint?: string): void {
    this.add('warning', loc, message, hint);
  }

  /** Records a problem of the given severity. */
  add(severity: Severity, loc: Location, message: string, hint?: string): void {
    this.list.push(hint === undefined ? { severity, loc, message } : { severity, loc, message, hint });
  }

  /** True when at least one error (not warning) was recorded. */
  hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

/** Formats one problem as `file:line:col: error: message — hint`. */
export function formatProblem(p: Problem): string {
  const where = `${p.loc.file}:${p.loc.line}:${p.loc.col}`;
  return `${where}: ${p.severity}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}

/** Sorts problems by file, line, column (stable for equal positions). */
export function sortProblems(ps: readonly Problem[]): Problem[] {
  return [...ps].sort(
    (a, b) =>
      (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : 0) ||
      a.loc.line - b.loc.line ||
      a.loc.col - b.loc.col,
  );
}

/** `line:col` of a location, for "first defined at …" hints within the same file. */
export function shortLoc(loc: Location): string {
  return `line ${loc.line}:${loc.col}`;
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.ceil(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
