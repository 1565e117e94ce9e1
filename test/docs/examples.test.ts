/**
 * The examples in docs/topology-format.md and docs/scenario-format.md are real files: every
 * fenced yaml block whose first line is `# example: topology` or `# example: scenario` must
 * load with no problem at all (errors or warnings), through the same parsers `podlab
 * validate` uses. Scenario examples are parsed as if they lived in docs/ (so a relative
 * `topology:` resolves from there), then checked against their topology as loadScenario does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { formatProblem } from '../../engine/model/problems.ts';
import type { Problem } from '../../engine/model/types.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import { checkScenario, parseScenario } from '../../engine/scenario/format.ts';
import { actionKeys, expectationKeys } from '../../engine/scenario/registry.ts';

const DOCS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs');

interface Example { kind: 'topology' | 'scenario'; text: string; doc: string; line: number }

/** Every marked ```yaml block of a markdown text, with the line its body starts on. */
function extractExamples(markdown: string, doc: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```yaml') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    const m = /^# example: (topology|scenario)\s*$/.exec(lines[start] ?? '');
    if (m) out.push({ kind: m[1] as Example['kind'], text: lines.slice(start, end).join('\n') + '\n', doc, line: start + 1 });
    i = end;
  }
  return out;
}

/** All problems of one example (the file name places it in docs/ for relative paths). */
async function problemsOf(ex: Example): Promise<readonly Problem[]> {
  const file = join(DOCS, `${ex.doc}#L${ex.line}.yaml`);
  if (ex.kind === 'topology') return parseTopology(ex.text, file).problems;
  const parsed = parseScenario(ex.text, file);
  if (!parsed.scenario) return parsed.problems;
  const topo = await loadTopology(parsed.scenario.topology.path);
  if (!topo.topology) return [...parsed.problems, ...topo.problems];
  return [...parsed.problems, ...topo.problems, ...checkScenario(parsed.scenario, topo.topology)];
}

const docs = ['topology-format.md', 'scenario-format.md'];
const examples = docs.flatMap((d) => extractExamples(readFileSync(join(DOCS, d), 'utf8'), d));

describe('docs examples', () => {
  it('finds examples of both kinds', () => {
    expect(examples.filter((e) => e.kind === 'topology').length).toBeGreaterThanOrEqual(8);
    expect(examples.filter((e) => e.kind === 'scenario').length).toBeGreaterThanOrEqual(20);
  });

  it.each(examples.map((e) => [`${e.doc}:${e.line} (${e.kind})`, e] as const))('%s loads without problems', async (_name, ex) => {
    const problems = await problemsOf(ex);
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('shows every registered action and expectation in a scenario example', () => {
    const parsed = examples.filter((e) => e.kind === 'scenario').map((e) => parseScenario(e.text, join(DOCS, 'x.yaml')).scenario);
    const actions = new Set(parsed.flatMap((s) => s?.steps.flatMap((st) => (st.action ? [st.action.kind] : [])) ?? []));
    const expectations = new Set(parsed.flatMap((s) => s?.steps.flatMap((st) => st.expect.map((x) => x.kind)) ?? []));
    expect(actionKeys().filter((k) => !actions.has(k))).toEqual([]);
    expect(expectationKeys().filter((k) => !expectations.has(k))).toEqual([]);
  });

  it('the checker catches a broken example', async () => {
    const bad = extractExamples('```yaml\n# example: topology\nname: Bad_Name\nnodes:\n  a: { kind: hots }\n```\n', 'x.md');
    expect(bad).toHaveLength(1);
    const problems = await problemsOf(bad[0]!);
    expect(problems.filter((p) => p.severity === 'error').length).toBe(2);
    const badScenario = extractExamples('```yaml\n# example: scenario\nname: s\ntopology: ../topologies/two-nodes.yaml\nsteps:\n  - title: t\n    ping: { from: nobody, to: worker-01 }\n```\n', 'x.md');
    expect((await problemsOf(badScenario[0]!)).map((p) => p.message)).toEqual([expect.stringContaining("no node 'nobody'")]);
  });

  it('ignores unmarked blocks', () => {
    expect(extractExamples('```yaml\nname: fragment\n```\n```yaml\n# example: topology\nname: x\n```\n', 'x.md').map((e) => e.text)).toEqual(['# example: topology\nname: x\n']);
  });
});
