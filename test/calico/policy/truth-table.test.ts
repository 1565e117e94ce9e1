/**
 * The evaluator against the hand-written truth tables of netpol-cases.ts: 9 × 9 pods, for
 * TCP and UDP on ports 80 and 81, printed as the upstream e2e suite prints them on mismatch.
 */
import { describe, expect, it } from 'vitest';
import { compareTables, compileWorld, formatPolicyProblem, parsePolicyManifests, prettyPrint, reachability } from '../../../engine/calico/policy/index.ts';
import { NETPOL_CASES } from './netpol-cases.ts';
import { FIXTURE_NAMESPACES, FIXTURE_PODS, POD_IDS, PROBES } from './netpol-fixture.ts';

describe('netpol truth tables (evaluator)', () => {
  it('has at least 25 cases with unique ids', () => {
    expect(NETPOL_CASES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(NETPOL_CASES.map((c) => c.id)).size).toBe(NETPOL_CASES.length);
  });

  for (const c of NETPOL_CASES) {
    it(`${c.id}: ${c.description}`, () => {
      const parsed = parsePolicyManifests(c.manifests);
      const errors = parsed.problems.filter((p) => p.problem.severity === 'error');
      expect(errors.map((e) => `manifest ${e.index}: ${formatPolicyProblem(e.problem)}`)).toEqual([]);
      expect(parsed.policies.length + parsed.tiers.length).toBe(c.manifests.length);
      const world = compileWorld({ namespaces: FIXTURE_NAMESPACES, endpoints: FIXTURE_PODS, policies: parsed.policies, tiers: parsed.tiers });
      const report: string[] = [];
      for (const probe of PROBES) {
        const expected = c.expected(probe).table;
        const observed = reachability(world, POD_IDS, probe).table;
        const { table, wrong } = compareTables(expected, observed);
        if (wrong > 0) {
          report.push(
            `${probe.protocol}/${probe.port}: ${wrong} wrong cell(s)`,
            'expected:', prettyPrint(expected, '  '),
            'observed:', prettyPrint(observed, '  '),
            'comparison (X = mismatch):', prettyPrint(table, '  '),
          );
        }
      }
      expect(report.join('\n'), report.join('\n')).toBe('');
    });
  }
});
