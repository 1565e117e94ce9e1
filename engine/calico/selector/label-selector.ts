/**
 * Kubernetes metav1.LabelSelector (matchLabels + matchExpressions) → the selector AST.
 * matchLabels and every expression are ANDed; `{}` (or no terms) is `all()`. NotIn and
 * DoesNotExist are true when the key is absent, exactly as Calico's `not in` and `!has()`.
 */
import type { SelectorNode } from './ast.ts';
import { andOf } from './ast.ts';

/** A problem found in a LabelSelector, with the field path under the selector. */
export interface LabelSelectorIssue {
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Converts a LabelSelector object; issues name paths under `path` (e.g.
 * `spec.podSelector.matchExpressions[0].operator`). Returns `undefined` when it has errors.
 */
export function labelSelectorToAst(
  sel: unknown,
  path: string,
  issues: LabelSelectorIssue[],
): SelectorNode | undefined {
  const before = issues.filter((i) => i.severity === 'error').length;
  if (sel === null || sel === undefined) return { kind: 'all' };
  if (!isObject(sel)) {
    issues.push({ severity: 'error', path, message: 'must be a label selector object', hint: 'use {} to select everything, or matchLabels / matchExpressions' });
    return undefined;
  }
  const parts: SelectorNode[] = [];
  for (const k of Object.keys(sel)) {
    if (k !== 'matchLabels' && k !== 'matchExpressions') {
      issues.push({ severity: 'warning', path: `${path}.${k}`, message: `unknown field '${k}' is ignored`, hint: 'a LabelSelector has only matchLabels and matchExpressions' });
    }
  }
  const ml = sel.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObject(ml)) {
      issues.push({ severity: 'error', path: `${path}.matchLabels`, message: 'must be a map of label → value' });
    } else {
      for (const [k, v] of Object.entries(ml)) {
        if (typeof v !== 'string') {
          issues.push({ severity: 'error', path: `${path}.matchLabels.${k}`, message: `label value must be a string, got ${JSON.stringify(v)}`, hint: 'quote it in YAML (e.g. "80")' });
          continue;
        }
        parts.push({ kind: 'eq', key: k, value: v });
      }
    }
  }
  const me = sel.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) {
      issues.push({ severity: 'error', path: `${path}.matchExpressions`, message: 'must be a list of {key, operator, values}' });
    } else {
      me.forEach((e: unknown, i: number) => {
        const p = `${path}.matchExpressions[${i}]`;
        if (!isObject(e)) {
          issues.push({ severity: 'error', path: p, message: 'must be an object {key, operator, values}' });
          return;
        }
        const key = e.key;
        const op = e.operator;
        const values = e.values;
        if (typeof key !== 'string' || key === '') {
          issues.push({ severity: 'error', path: `${p}.key`, message: 'a non-empty label key is required' });
          return;
        }
        if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
          issues.push({ severity: 'error', path: `${p}.operator`, message: `unknown operator ${JSON.stringify(op)}`, hint: `use one of ${OPERATORS.join(', ')}` });
          return;
        }
        const list = values === undefined || values === null ? [] : values;
        if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
          issues.push({ severity: 'error', path: `${p}.values`, message: 'must be a list of strings' });
          return;
        }
        if ((op === 'In' || op === 'NotIn') && list.length === 0) {
          issues.push({ severity: 'error', path: `${p}.values`, message: `operator ${op} needs at least one value`, hint: 'use Exists / DoesNotExist to test only for the key' });
          return;
        }
        if ((op === 'Exists' || op === 'DoesNotExist') && list.length > 0) {
          issues.push({ severity: 'error', path: `${p}.values`, message: `operator ${op} takes no values`, hint: 'remove values, or use In / NotIn' });
          return;
        }
        if (op === 'In') parts.push({ kind: 'in', key, values: list as string[] });
        else if (op === 'NotIn') parts.push({ kind: 'notIn', key, values: list as string[] });
        else if (op === 'Exists') parts.push({ kind: 'has', key });
        else parts.push({ kind: 'not', expr: { kind: 'has', key } });
        for (const k of Object.keys(e)) {
          if (k !== 'key' && k !== 'operator' && k !== 'values') {
            issues.push({ severity: 'warning', path: `${p}.${k}`, message: `unknown field '${k}' is ignored` });
          }
        }
      });
    }
  }
  if (issues.filter((i) => i.severity === 'error').length > before) return undefined;
  return andOf(...parts);
}
