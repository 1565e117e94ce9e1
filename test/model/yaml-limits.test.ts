/**
 * User YAML is read with alias and depth limits, reported as located problems: an alias
 * bomb, 2,000 levels of nesting, 100 levels, an alias cycle — in a topology, a scenario and
 * a file a scenario applies — never a ReferenceError or RangeError.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseTopology } from '../../engine/model/validate.ts';
import { parseScenario } from '../../engine/scenario/format.ts';
import { parseDocument } from 'yaml';
import { YAML_MAX_DEPTH, YamlFileError, checkYamlLimits, parseYamlDocuments } from '../../engine/model/yaml-limits.ts';
import { formatProblem } from '../../engine/model/problems.ts';

const TOPO = readFileSync('topologies/two-nodes.yaml', 'utf8');
const SCENARIO = readFileSync('scenarios/ipip-vs-bgp.yaml', 'utf8');

/** Nine levels of ten aliases each: a few lines that expand to 10^9 values. */
function bomb(indent: string): string {
  const lines = [`${indent}a0: &a0 [x, x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i < 9; i++) lines.push(`${indent}a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}
const flowDeep = (n: number): string => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`;
const pool = (extra: string): string => `${TOPO}  - apiVersion: projectcalico.org/v3\n    kind: IPPool\n    metadata: {name: extra}\n    spec:\n      cidr: 10.77.0.0/16\n${extra}\n`;
/** The line number a line appended after `text` (which ends in a newline) gets, less one. */
const lines = (text: string): number => text.split('\n').length - 1;

function topologyProblems(text: string): string[] {
  return parseTopology(text, 't.yaml').problems.filter((p) => p.severity === 'error').map(formatProblem);
}

describe('YAML limits in a topology', () => {
  it('an alias bomb is one located error', () => {
    const text = pool(bomb('      '));
    expect(topologyProblems(text)).toEqual([
      `t.yaml:${lines(TOPO) + 8}:16: error: YAML aliases expand too much (more than the 100 alias resolutions podlab allows: an alias bomb?) — write the values out instead of aliases of aliases`,
    ]);
  });

  it('nesting over the limit is one located error, at the first level too deep', () => {
    const problems = topologyProblems(pool(`      x: ${flowDeep(100)}`));
    const col = 10 + 4 * (YAML_MAX_DEPTH - 4); // spec is level 4 (root, calico list, manifest, spec); x's first '{' is level 5 at col 10
    expect(problems).toEqual([`t.yaml:${lines(TOPO) + 6}:${col}: error: YAML nesting is deeper than ${YAML_MAX_DEPTH} levels — flatten the structure`]);
  });

  it('a file without aliases is measured by the plain walk as the full check measures it, at and around the limit', () => {
    for (const depth of [YAML_MAX_DEPTH - 2, YAML_MAX_DEPTH - 1, YAML_MAX_DEPTH, YAML_MAX_DEPTH + 1]) {
      for (const text of [`x: ${flowDeep(depth - 1)}\n`, `- ${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}\n`, `a:\n  b: [1, {c: ${flowDeep(depth - 3)}}]\n`]) {
        const doc = parseDocument(text);
        expect(checkYamlLimits(doc, text), `${depth}: ${text.slice(0, 40)}`).toEqual(checkYamlLimits(doc));
      }
    }
    expect(checkYamlLimits(parseDocument(`x: ${flowDeep(YAML_MAX_DEPTH)}\n`), 'no star')).toBeDefined();
  });

  it('2,000 levels (the parser itself runs out of stack) say the same, not a stack overflow', () => {
    for (const text of [pool(`      x: ${flowDeep(2000)}`), `name: deep\nnodes: ${'['.repeat(2000)}${']'.repeat(2000)}\n`]) {
      const problems = topologyProblems(text);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^t\.yaml:\d+:\d+: error: YAML nesting is too deep for the parser \(podlab reads at most 64 levels\) — flatten the structure$/);
    }
  });

  it('aliases used the ordinary way still work', () => {
    const text = TOPO.replace('calico:', 'x-defaults: &defaults {blockSize: 26}\ncalico:');
    expect(topologyProblems(text)).toEqual([]);
  });
});

describe('YAML limits in a scenario', () => {
  it('an alias bomb and deep nesting are located errors and nothing else', () => {
    const bombed = parseScenario(`${SCENARIO}\nx-bomb:\n${bomb('  ')}\n`, 's.yaml');
    expect(bombed.scenario).toBeUndefined();
    expect(bombed.problems.map(formatProblem)).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+: error: YAML aliases expand too much/)]);
    const deep = parseScenario(SCENARIO.replace('seed: 1', `seed: 1\nx-deep: ${flowDeep(200)}`), 's.yaml');
    expect(deep.problems.map(formatProblem)).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+: error: YAML nesting is deeper than 64 levels/)]);
  });

  it('an alias inside the node it names is a cycle, located', () => {
    const r = parseScenario(`${SCENARIO}\nx-cycle: &c [1, *c]\n`, 's.yaml');
    expect(r.problems.map(formatProblem)).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+: error: a YAML alias refers to a node that contains it \(a cycle\)/)]);
  });
});

describe('YAML limits in a file a scenario applies', () => {
  it('reads every document of a good file', () => {
    expect(parseYamlDocuments('kind: A\n---\nkind: B\n', 'm.yaml')).toEqual([{ kind: 'A' }, { kind: 'B' }]);
  });

  it('refuses a bomb, deep nesting and a syntax error with file:line:col', () => {
    expect(() => parseYamlDocuments(`kind: A\n---\nkind: B\n${bomb('')}\n`, 'm.yaml')).toThrow(new YamlFileError('m.yaml:6:10: YAML aliases expand too much (more than the 100 alias resolutions podlab allows: an alias bomb?) — write the values out instead of aliases of aliases'));
    expect(() => parseYamlDocuments(`spec: ${flowDeep(2000)}\n`, 'm.yaml')).toThrow(/^m\.yaml:1:\d+: YAML nesting is too deep for the parser/);
    expect(() => parseYamlDocuments(`spec: ${flowDeep(80)}\n`, 'm.yaml')).toThrow(/^m\.yaml:1:\d+: YAML nesting is deeper than 64 levels/);
    expect(() => parseYamlDocuments('a: [1\n', 'm.yaml')).toThrow(/^m\.yaml:\d+:\d+: YAML syntax: /);
  });
});
