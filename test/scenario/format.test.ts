import { describe, it, expect, onTestFinished } from 'vitest';
import { resolve } from 'node:path';
import { parseScenario, loadScenario } from '../../engine/scenario/index.ts';
import { formatProblem } from '../../engine/model/problems.ts';

const FILE = resolve('test/fixtures/scenarios/inline.yaml');
const messages = (text: string): string[] => parseScenario(text, FILE).problems.map((p) => formatProblem(p).replace(`${FILE}:`, ''));

describe('scenario format', () => {
  it('parses every built-in action and expectation kind into steps', () => {
    const r = parseScenario(`name: s
topology: topologies/mtu.yaml
seed: 3
steps:
  - { title: a, narration: n, exec: { node: a, command: "ip route show" } }
  - { title: b, ping: { from: a, to: b, count: 1, size: 1200, df: true }, expect: [ { exitCode: 0 }, { output: { contains: x } } ] }
  - { title: c, traceroute: { from: a, to: "b:eth0" } }
  - { title: d, link: { endpoint: "r1:eth2", state: down, delay: 5ms, loss: "10%" } }
  - { title: e, node: { name: r1, state: stopped } }
  - { title: f, wait: 1.5s }
  - { title: g, capture: { on: ["r1:eth1", "b:eth0"] } }
  - title: h
    expect:
      - reachable: { from: [a, b], to: [b, a], matrix: [". X", [true, false]] }
      - route: { node: r1, dst: default, present: false, proto: static }
      - packet: { on: "r1:eth1", filter: "icmp", encap: ipip, inner: "host 10.5.0.1", seen: false }
`, FILE);
    expect(r.problems).toEqual([]);
    const s = r.scenario!;
    expect(s.seed).toBe(3);
    expect(s.topology.path).toBe(resolve('test/fixtures/scenarios/topologies/mtu.yaml'));
    expect(s.steps.map((x) => x.action?.kind ?? 'check')).toEqual(['exec', 'ping', 'traceroute', 'link', 'node', 'wait', 'capture', 'check']);
    expect(s.steps[0]!.action!.params).toMatchObject({ argv: ['ip', 'route', 'show'] });
    expect(s.steps[3]!.action!.params).toMatchObject({ state: 'down', delayMs: 5, lossPct: 10 });
    expect(s.steps[5]!.action!.params).toBe(1500);
    expect(s.steps[7]!.expect.map((x) => x.kind)).toEqual(['reachable', 'route', 'packet']);
    expect(s.steps[7]!.expect[0]!.params).toMatchObject({ want: [[true, false], [true, false]], matrix: true });
    expect(s.steps[7]!.expect[1]!.params).toMatchObject({ dst: '0.0.0.0/0', present: false, proto: 'static' });
  });

  it('reports every problem at once, each with line and column', () => {
    const out = messages(`name: s
topolgy: x.yaml
steps:
  - title: one
    ping: { from: a, to: b, count: many }
    exec: { node: a, command: "ip r" }
  - title: two
    wait: 5
    expect:
      - route: { node: r1, dst: 10.1.0.0/33, vai: 10.0.0.1 }
      - packet: { on: "r1", filter: "icmp and" }
      - reachable: { from: a, to: b, matrix: [[true]], expect: true }
      - rechable: { from: a, to: b }
  - title: three
    link: { endpoint: "r1:eth1" }
    expect: [ { exitCode: 0 } ]
  - narration: no title
    reachable: { from: a, to: b }
`);
    expect(out).toEqual([
      "1:1: error: the scenario has no 'topology' — add `topology: path/to/topology.yaml` (relative to this file)",
      "2:1: error: unknown field 'topolgy' in a scenario — did you mean 'topology'?",
      '5:36: error: ping: count must be a whole number between 1 and 1000, not \'many\'',
      "6:5: error: step 1 has two actions ('ping' and 'exec') — split it into two steps",
      '8:11: error: wait must be a duration like "500ms" or "2s", not 5',
      expect.stringMatching(/^10:33: error: route: dst '10\.1\.0\.0\/33' is not an IPv4 prefix/),
      "10:46: error: unknown field 'vai' in route — known fields: node, dst, present, dev, via, proto, type, onlink, table",
      expect.stringMatching(/^11:23: error: packet: on must be "node:interface"/),
      expect.stringMatching(/^11:\d+: error: packet: filter: tcpdump: /),
      "12:38: error: reachable takes 'matrix' or 'expect', not both",
      "13:9: error: unknown expectation 'rechable' — did you mean 'reachable'?",
      "15:5: error: link changes nothing — add `state: down|up`, `delay: 5ms` or `loss: 10%`",
      "16:17: error: 'exitCode' checks the step's own command, but step 3 runs none — give the step an exec, ping or traceroute action, or name node and command",
      "17:5: error: step 4 has no 'title' — add `title: what this step shows`",
      "17:5: error: step 4 does nothing — give it an action (exec, ping, traceroute, link, node, wait, capture, apply, delete, patch, pod, converge, stopAgent, kubectl) or an `expect:` list",
      "18:5: error: unknown field 'reachable' in step 4 — expectations go in the step's `expect:` list",
    ]);
  });

  it('checks node, interface and target names against the topology with did-you-mean', async () => {
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/pl-scen-`);
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = `${dir}/s.yaml`;
    await writeFile(file, `name: s
topology: ${resolve('test/fixtures/scenarios/topologies/mtu.yaml')}
steps:
  - { title: x, ping: { from: rr1, to: c } }
  - { title: y, link: { endpoint: "a:eth7", state: down } }
  - { title: z, traceroute: { from: a, to: "b:eth3" }, expect: [ { route: { node: q, dst: default } } ] }
`);
    const r = await loadScenario(file);
    expect(r.scenario).toBeUndefined();
    expect(r.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.message}${p.hint ? ` — ${p.hint}` : ''}`)).toEqual([
      "4:31 no node 'rr1' in topology 'mtu' — did you mean 'r1'?",
      "4:40 no node 'c' in topology 'mtu' — did you mean 'a'?",
      "5:35 a has no link on 'eth7' — cabled interfaces of a: eth0",
      "6:44 b has no address on 'eth3'",
      "6:83 no node 'q' in topology 'mtu' — did you mean 'a'?",
    ]);
  });

  it('names an unreadable topology at the topology line', async () => {
    const r = await loadScenario('test/fixtures/scenarios/bad/missing-topology.yaml');
    expect(r.scenario).toBeUndefined();
    expect(r.problems.map(formatProblem)).toEqual([
      'test/fixtures/scenarios/bad/missing-topology.yaml:2:11: error: topology: cannot read ' +
        `${resolve('test/fixtures/scenarios/bad/nowhere.yaml')}: no such file — the path is relative to the scenario file`,
    ]);
  });

  it('refuses an empty file and a non-map document', () => {
    expect(messages('')).toEqual(['1:1: error: the scenario file is empty — start with `name:`, `topology:` and `steps:`']);
    expect(messages('- a\n- b\n')).toEqual(['1:1: error: a scenario must be a map (key: value lines), not a list']);
  });
});
