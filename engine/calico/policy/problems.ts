/** Collecting manifest problems with field paths, and unknown-field warnings. */
import { didYouMean } from '../../model/problems.ts';
import type { PolicyProblem } from './model.ts';

/** Collects problems in the order found. */
export class PolicyProblems {
  readonly list: PolicyProblem[] = [];

  /** Records an error at `path`. */
  error(path: string, message: string, hint?: string): void {
    this.list.push(hint === undefined ? { severity: 'error', path, message } : { severity: 'error', path, message, hint });
  }

  /** Records a warning at `path`. */
  warn(path: string, message: string, hint?: string): void {
    this.list.push(hint === undefined ? { severity: 'warning', path, message } : { severity: 'warning', path, message, hint });
  }

  /** Number of errors so far (to tell whether a sub-parse added any). */
  errorCount(): number {
    return this.list.filter((p) => p.severity === 'error').length;
  }
}

/** Formats a problem as `path: error: message — hint`. */
export function formatPolicyProblem(p: PolicyProblem): string {
  return `${p.path}: ${p.severity}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}

/** True for a plain (non-array) object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Warns about every key of `obj` not in `known`, suggesting the closest known key. */
export function warnUnknown(obj: Record<string, unknown>, path: string, known: readonly string[], ps: PolicyProblems): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const near = didYouMean(k, known);
    ps.warn(join(path, k), `unknown field '${k}' is ignored`, near ? `did you mean '${near}'?` : `known fields: ${known.join(', ')}`);
  }
}

/** `a.b` joining that tolerates an empty prefix. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Reads an optional list at `obj[key]`; reports a non-list and returns []. */
export function listAt(obj: Record<string, unknown>, key: string, path: string, ps: PolicyProblems): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    ps.error(join(path, key), `must be a list, got ${typeof v}`, 'write it as a YAML list (- item)');
    return [];
  }
  return v;
}

/** Reads an optional string list; reports non-strings. */
export function stringListAt(obj: Record<string, unknown>, key: string, path: string, ps: PolicyProblems): string[] {
  const out: string[] = [];
  listAt(obj, key, path, ps).forEach((v, i) => {
    if (typeof v === 'string') out.push(v);
    else ps.error(`${join(path, key)}[${i}]`, `must be a string, got ${JSON.stringify(v)}`);
  });
  return out;
}

