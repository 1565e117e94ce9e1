import { describe, it, expect } from 'vitest';
import { registerAction, registerExpectation, parseScenario, runScenario, loadScenario } from '../../engine/scenario/index.ts';
import { strictMap, needString } from '../../engine/scenario/values.ts';

// A kind registered from outside the scenario module, the way Calico's will be: one call each.
registerAction<{ node: string; key: string; value: string }>({
  key: 'test-sysctl',
  runsCommand: true,
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'test-sysctl', ['node', 'set']);
    const node = m && needString(src, m, 'node', e.keyLoc, 'test-sysctl');
    const set = m && needString(src, m, 'set', e.keyLoc, 'test-sysctl');
    if (!node || !set) return undefined;
    const [key, value] = set.value.split('=');
    return { node: node.value, key: key!, value: value ?? '' };
  },
  check: (p, ctx) => ctx.node(p.node, { file: '', line: 1, col: 1 }),
  describe: (p) => `sysctl ${p.key}=${p.value} on ${p.node}`,
  async run(p, ctx) {
    await ctx.exec(p.node, ['sysctl', '-w', `${p.key}=${p.value}`], 'step');
  },
});
registerExpectation<{ node: string; key: string; value: string }>({
  key: 'test-sysctl-is',
  parse(src, e) {
    const s = src.string(e.value, e.valueLoc, 'test-sysctl-is');
    const m = s && /^([^:]+):([^=]+)=(.*)$/.exec(s.value);
    if (!m) {
      src.problems.error(e.valueLoc, 'test-sysctl-is wants node:key=value');
      return undefined;
    }
    return { node: m[1]!, key: m[2]!, value: m[3]! };
  },
  async evaluate(p, ctx) {
    const r = await ctx.exec(p.node, ['sysctl', '-n', p.key], 'probe');
    return { text: `${p.node} ${p.key} = ${p.value}`, expected: p.value, observed: r.stdout.trim(), pass: r.stdout.trim() === p.value };
  },
});

describe('registries', () => {
  it('a kind registered outside the module is parsed, checked and run like a built-in', async () => {
    const l = await loadScenario('test/fixtures/scenarios/mtu.yaml');
    const text = `name: ext
topology: topologies/mtu.yaml
steps:
  - title: turn forwarding off on r1
    narration: r1 stops routing.
    test-sysctl: { node: r1, set: net.ipv4.ip_forward=0 }
    expect:
      - exitCode: 0
      - test-sysctl-is: "r1:net.ipv4.ip_forward=0"
      - reachable: { from: a, to: b, expect: false }
`;
    const p = parseScenario(text, l.scenario!.file);
    expect(p.problems).toEqual([]);
    const r = await runScenario(p.scenario!, l.topology!);
    expect(r.steps[0]!.expectations.map((x) => [x.kind, x.pass, x.observed])).toEqual([
      ['exitCode', true, 0], ['test-sysctl-is', true, '0'], ['reachable', true, false],
    ]);
    expect(() => registerExpectation({ key: 'route', parse: () => undefined, evaluate: async () => ({ text: '', expected: 0, observed: 0, pass: true }) })).toThrow(/already registered/);
    expect(() => registerAction({ key: 'expect', parse: () => undefined, describe: () => '', run: async () => {} })).toThrow(/reserved/);
  });
});
