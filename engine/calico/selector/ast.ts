/**
 * The selector AST shared by Calico selectors (`k == 'v' && has(x)`) and Kubernetes
 * LabelSelectors (matchLabels + matchExpressions), so the evaluator has one thing to match.
 *
 * Semantics follow Calico's libcalico-go selector package: `!=` and `not in` are also true
 * when the label is absent; `contains`/`starts with`/`ends with` are false when it is absent;
 * an empty selector is `all()`. `global()` is true on its own; inside a rule's
 * namespaceSelector it means "not in any namespace" (see policy/evaluate.ts).
 */

/** One node of a parsed selector. */
export type SelectorNode =
  | { readonly kind: 'all' }
  | { readonly kind: 'global' }
  | { readonly kind: 'has'; readonly key: string }
  | { readonly kind: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; readonly key: string; readonly value: string }
  | { readonly kind: 'in' | 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'not'; readonly expr: SelectorNode }
  | { readonly kind: 'and' | 'or'; readonly exprs: readonly SelectorNode[] };

/** Labels of an endpoint or namespace. */
export type Labels = Readonly<Record<string, string>>;

/** The selector that matches everything. */
export const ALL: SelectorNode = { kind: 'all' };

/** ANDs selectors, dropping `all()` terms and flattening nested ANDs. */
export function andOf(...parts: SelectorNode[]): SelectorNode {
  const out: SelectorNode[] = [];
  for (const p of parts) {
    if (p.kind === 'all') continue;
    if (p.kind === 'and') out.push(...p.exprs);
    else out.push(p);
  }
  if (out.length === 0) return ALL;
  return out.length === 1 ? out[0]! : { kind: 'and', exprs: out };
}

function quote(s: string): string {
  // Calico prints double quotes unless the value itself holds one.
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

/** Canonical text of a selector, in Calico's printed form (`pod == "a" && has(x)`). */
export function selectorToString(n: SelectorNode): string {
  switch (n.kind) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${n.key})`;
    case 'eq':
      return `${n.key} == ${quote(n.value)}`;
    case 'ne':
      return `${n.key} != ${quote(n.value)}`;
    case 'contains':
      return `${n.key} contains ${quote(n.value)}`;
    case 'startsWith':
      return `${n.key} starts with ${quote(n.value)}`;
    case 'endsWith':
      return `${n.key} ends with ${quote(n.value)}`;
    case 'in':
    case 'notIn':
      return `${n.key} ${n.kind === 'in' ? 'in' : 'not in'} {${n.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${wrap(n.expr)}`;
    case 'and':
      return n.exprs.map((e) => (e.kind === 'or' ? `(${selectorToString(e)})` : selectorToString(e))).join(' && ');
    case 'or':
      return n.exprs.map(selectorToString).join(' || ');
  }
}

function wrap(n: SelectorNode): string {
  return n.kind === 'and' || n.kind === 'or' ? `(${selectorToString(n)})` : selectorToString(n);
}

/** Rewrites every label key with a prefix (Calico matches namespace labels as `pcns.<key>`). */
export function prefixKeys(n: SelectorNode, prefix: string): SelectorNode {
  switch (n.kind) {
    case 'all':
    case 'global':
      return n;
    case 'not':
      return { kind: 'not', expr: prefixKeys(n.expr, prefix) };
    case 'and':
    case 'or':
      return { kind: n.kind, exprs: n.exprs.map((e) => prefixKeys(e, prefix)) };
    default:
      return { ...n, key: prefix + n.key };
  }
}

/** True when the selector mentions `global()` anywhere. */
export function mentionsGlobal(n: SelectorNode): boolean {
  switch (n.kind) {
    case 'global':
      return true;
    case 'not':
      return mentionsGlobal(n.expr);
    case 'and':
    case 'or':
      return n.exprs.some(mentionsGlobal);
    default:
      return false;
  }
}
