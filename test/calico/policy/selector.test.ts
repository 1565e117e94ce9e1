import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SelectorNode } from '../../../engine/calico/selector/index.ts';
import { labelSelectorToAst, matchSelector, parseSelector, SelectorError, selectorToString } from '../../../engine/calico/selector/index.ts';

const L = { app: 'web', tier: 'frontend', 'k8s.io/name': 'x-y', env: 'prod' };
const m = (s: string, labels: Record<string, string> = L): boolean => matchSelector(parseSelector(s), labels);

describe('Calico selector grammar', () => {
  it('matches every operator the reference lists', () => {
    expect(m('all()')).toBe(true);
    expect(m('')).toBe(true);
    expect(m('global()')).toBe(true);
    expect(m("app == 'web'")).toBe(true);
    expect(m('app == "db"')).toBe(false);
    expect(m("app != 'db'")).toBe(true);
    expect(m("missing != 'x'")).toBe(true); // != holds when the label is absent
    expect(m('has(app)')).toBe(true);
    expect(m('!has(app)')).toBe(false);
    expect(m('has( k8s.io/name )')).toBe(true);
    expect(m("app in {'web', 'db'}")).toBe(true);
    expect(m("app in {}")).toBe(false);
    expect(m("app not in {'web'}")).toBe(false);
    expect(m("missing not in {'web'}")).toBe(true);
    expect(m("k8s.io/name contains '-'")).toBe(true);
    expect(m("tier starts with 'front'")).toBe(true);
    expect(m("tier ends   with 'end'")).toBe(true);
    expect(m("missing contains ''")).toBe(false);
    expect(m("app in {'a','web',}")).toBe(true); // trailing comma accepted, as libcalico-go does
  });

  it('gives && precedence over || and ! over &&', () => {
    // a || b && c  ==  a || (b && c)
    expect(m("app == 'web' || app == 'x' && env == 'dev'")).toBe(true);
    expect(m("(app == 'web' || app == 'x') && env == 'dev'")).toBe(false);
    // !a && b  ==  (!a) && b
    expect(m("!app == 'db' && env == 'prod'")).toBe(true);
    expect(m("!(app == 'web' && env == 'prod')")).toBe(false);
    expect(m("!!has(app)")).toBe(true);
    const ast = parseSelector("a == 'x' || b == 'y' && !c == 'z'");
    expect(ast.kind).toBe('or');
    expect(selectorToString(ast)).toBe('a == "x" || b == "y" && !c == "z"');
  });

  it('reports errors with the column', () => {
    const cases: [string, number, RegExp][] = [
      ["app = 'web'", 5, /'=='/],
      ["app == web", 8, /quoted string/],
      ["app == 'web", 8, /unterminated/],
      ["(app == 'x'", 12, /'\)'/],
      ["app == 'x')", 11, /unbalanced/],
      ["app == 'x' &&", 14, /end of selector/],
      ["app in 'x'", 8, /set literal/],
      ["app ~ 'x'", 5, /operator after label 'app'/],
      ["has(a) && ~b", 11, /unexpected character '~'/],
      ["app starts 'x'", 12, /starts with/],
      ['has(', 5, /label name/],
      ["app 'x'", 5, /operator after label 'app'/],
      ["a == 'x' b == 'y'", 10, /expected '&&', '\|\|'/],
    ];
    for (const [text, col, re] of cases) {
      let err: unknown;
      try {
        parseSelector(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(SelectorError);
      expect((err as SelectorError).column, text).toBe(col);
      expect((err as SelectorError).reason, text).toMatch(re);
    }
  });

  it('prints canonically and reparses to the same AST (property)', () => {
    const key = fc.constantFrom('a', 'b', 'x.y/z', 'k-1');
    const val = fc.constantFrom('', 'v', 'w x', "it's", 'q"q');
    const leaf: fc.Arbitrary<SelectorNode> = fc.oneof(
      fc.constant<SelectorNode>({ kind: 'all' }),
      key.map((k): SelectorNode => ({ kind: 'has', key: k })),
      fc.tuple(fc.constantFrom('eq', 'ne', 'contains', 'startsWith', 'endsWith') as fc.Arbitrary<'eq'>, key, val).map(([kind, k, v]): SelectorNode => ({ kind, key: k, value: v })),
      fc.tuple(fc.constantFrom('in', 'notIn') as fc.Arbitrary<'in'>, key, fc.array(val.filter((v) => !(v.includes('"') && v.includes("'"))), { maxLength: 3 })).map(([kind, k, vs]): SelectorNode => ({ kind, key: k, values: vs })),
    );
    const tree = fc.letrec<{ node: SelectorNode }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('node').map((e): SelectorNode => ({ kind: 'not', expr: e })),
        fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((es): SelectorNode => ({ kind: 'and', exprs: es })),
        fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((es): SelectorNode => ({ kind: 'or', exprs: es })),
      ),
    })).node;
    const labels = fc.dictionary(key, val, { maxKeys: 4 });
    fc.assert(
      fc.property(tree, labels, (ast, ls) => {
        const text = selectorToString(ast);
        const back = parseSelector(text);
        // Same meaning on arbitrary labels, and printing is a fixed point.
        expect(matchSelector(back, ls)).toBe(matchSelector(ast, ls));
        expect(selectorToString(back)).toBe(selectorToString(parseSelector(selectorToString(back))));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Kubernetes LabelSelector → AST', () => {
  const conv = (sel: unknown) => {
    const issues: Parameters<typeof labelSelectorToAst>[2] = [];
    const ast = labelSelectorToAst(sel, 'spec.podSelector', issues);
    return { ast, issues };
  };

  it('ANDs matchLabels and every expression; {} is all()', () => {
    expect(selectorToString(conv({}).ast!)).toBe('all()');
    const { ast } = conv({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'stage'] },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'app', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(selectorToString(ast!)).toBe('app == "web" && env in {"prod", "stage"} && tier not in {"db"} && has(app) && !has(legacy)');
    expect(matchSelector(ast!, L)).toBe(true);
    expect(matchSelector(ast!, { ...L, legacy: 'y' })).toBe(false);
    expect(matchSelector(ast!, { app: 'web', env: 'prod' })).toBe(true); // NotIn holds without the key
  });

  it('reports invalid expressions with their path', () => {
    const { ast, issues } = conv({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }, { key: 'b', operator: 'In' }, { key: 'c', operator: 'Exists', values: ['v'] }], matchLables: {} });
    expect(ast).toBeUndefined();
    expect(issues.map((i) => `${i.severity} ${i.path}`)).toEqual([
      'warning spec.podSelector.matchLables',
      'error spec.podSelector.matchExpressions[0].operator',
      'error spec.podSelector.matchExpressions[1].values',
      'error spec.podSelector.matchExpressions[2].values',
    ]);
    expect(issues[1]!.hint).toMatch(/In, NotIn, Exists, DoesNotExist/);
  });
});
