/** Calico selectors and Kubernetes LabelSelectors: one AST, one matcher. */
export type { Labels, SelectorNode } from './ast.ts';
export { ALL, andOf, mentionsGlobal, prefixKeys, selectorToString } from './ast.ts';
export { parseSelector, SelectorError } from './parse.ts';
export type { MatchOptions } from './match.ts';
export { matchSelector } from './match.ts';
export type { LabelSelectorIssue } from './label-selector.ts';
export { labelSelectorToAst } from './label-selector.ts';
