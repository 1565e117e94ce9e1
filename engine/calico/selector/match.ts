/** Evaluating a selector AST against a label map. */
import type { Labels, SelectorNode } from './ast.ts';

/** Options of a match: `global` is what `global()` evaluates to (true unless told otherwise). */
export interface MatchOptions {
  readonly global?: boolean;
}

/** True when `labels` satisfy the selector. */
export function matchSelector(n: SelectorNode, labels: Labels, opts: MatchOptions = {}): boolean {
  switch (n.kind) {
    case 'all':
      return true;
    case 'global':
      return opts.global ?? true;
    case 'has':
      return Object.hasOwn(labels, n.key);
    case 'eq':
      return Object.hasOwn(labels, n.key) && labels[n.key] === n.value;
    case 'ne':
      return !Object.hasOwn(labels, n.key) || labels[n.key] !== n.value;
    case 'contains':
      return Object.hasOwn(labels, n.key) && labels[n.key]!.includes(n.value);
    case 'startsWith':
      return Object.hasOwn(labels, n.key) && labels[n.key]!.startsWith(n.value);
    case 'endsWith':
      return Object.hasOwn(labels, n.key) && labels[n.key]!.endsWith(n.value);
    case 'in':
      return Object.hasOwn(labels, n.key) && n.values.includes(labels[n.key]!);
    case 'notIn':
      return !Object.hasOwn(labels, n.key) || !n.values.includes(labels[n.key]!);
    case 'not':
      return !matchSelector(n.expr, labels, opts);
    case 'and':
      return n.exprs.every((e) => matchSelector(e, labels, opts));
    case 'or':
      return n.exprs.some((e) => matchSelector(e, labels, opts));
  }
}
