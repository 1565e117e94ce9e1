/**
 * `podlab validate` reports every problem in one run, as the docs promise: shape errors
 * (an unknown kind, an unknown step field), meaning errors (an address used twice), the
 * Calico resource checks and the topology a broken scenario names — not the next layer only
 * after the previous one is fixed. An addressed interface no link cables is flagged.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { formatProblem } from '../../engine/model/problems.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import { loadCheckedTopology, loadScenario } from '../../engine/scenario/format.ts';

const TOPO = 'test/fixtures/one-pass/topology.yaml';
const lines = (ps: readonly Parameters<typeof formatProblem>[0][]): string[] => ps.map(formatProblem);

describe('validate in one pass', () => {
  it('reports shape, meaning and Calico errors of a topology together', async () => {
    const r = await loadCheckedTopology(TOPO);
    expect(r.topology).toBeUndefined();
    const got = lines(r.problems);
    expect(got).toEqual([
      expect.stringContaining(`${TOPO}:11:24: warning: a:eth1 has an address (10.9.0.1/24) but no cable`),
      expect.stringContaining(`${TOPO}:15:24: error: address 10.0.0.1 of b:eth0 is already used by a:eth0`),
      expect.stringContaining(`${TOPO}:17:11: error: unknown kind 'rooter'`),
      expect.stringContaining(`${TOPO}:25:42: error: IPPool 'pool': spec.ipipMode: 'Sometimes' is not one of Always, CrossSubnet, Never`),
    ]);
  });

  it("reports a broken scenario's own problems and its topology's together", async () => {
    const r = await loadScenario('test/fixtures/one-pass/scenario.yaml');
    const got = lines(r.problems);
    expect(got.some((l) => l.startsWith("test/fixtures/one-pass/scenario.yaml:7:5: error: unknown field 'pingg' in step 1"))).toBe(true);
    expect(got.some((l) => l.startsWith(`${resolve(TOPO)}:25:42: error: IPPool 'pool': spec.ipipMode`))).toBe(true);
    expect(got.some((l) => l.startsWith(`${resolve(TOPO)}:17:11: error: unknown kind 'rooter'`))).toBe(true);
  });

  it('flags an addressed interface with no cable, but not a loopback', () => {
    const text = `name: t
nodes:
  r1:
    kind: router
    interfaces:
      eth1: { address: 10.0.0.1/24 }
      lo: { address: 10.255.0.1/32 }
      eth2: { address: 10.0.1.1/24 }
  h:
    kind: host
    interfaces:
      eth0: { address: 10.0.0.2/24 }
links:
  - endpoints: ["r1:eth1", "h:eth0"]
`;
    const r = parseTopology(text, 't.yaml');
    expect(r.topology).toBeDefined(); // a warning, not an error: the lab still deploys
    expect(lines(r.problems)).toEqual([
      't.yaml:8:24: warning: r1:eth2 has an address (10.0.1.1/24) but no cable: nothing in links: connects it — add a link such as `- endpoints: ["r1:eth2", "OTHER:ethN"]`, or remove the interface',
    ]);
  });
});
