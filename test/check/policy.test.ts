/**
 * Policy analysis over a lab's pods: what each policy allows and denies, rules that never
 * match, rules shadowed by an earlier rule or an earlier tier — on policies parsed from real
 * manifests and judged by engine/calico/policy's evaluator.
 */
import { describe, it, expect } from 'vitest';
import { analysePolicies } from '../../engine/check/policy.ts';
import { parsePolicyManifests } from '../../engine/calico/policy/index.ts';
import type { WorkloadEndpoint } from '../../engine/calico/policy/index.ts';

const pod = (name: string, app: string, ip: string, namespace = 'default'): WorkloadEndpoint => ({ kind: 'workload', namespace, name, labels: { app }, ips: [ip] });
const pods = [pod('frontend', 'frontend', '10.5.0.1'), pod('backend', 'backend', '10.5.0.2'), pod('other', 'other', '10.5.0.3')];
const namespaces = [{ name: 'default', labels: {} }];

function world(manifests: unknown[]) {
  const set = parsePolicyManifests(manifests);
  expect(set.problems).toEqual([]);
  return { namespaces, endpoints: pods, policies: set.policies, tiers: set.tiers };
}

const backendPolicy = {
  apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy',
  metadata: { name: 'backend', namespace: 'default' },
  spec: {
    selector: "app == 'backend'", order: 100, types: ['Ingress'],
    ingress: [
      { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'frontend'" }, destination: { ports: [80] } },
      { action: 'Deny', protocol: 'TCP', source: { selector: "app == 'frontend'" }, destination: { ports: ['80:81'] } },
      { action: 'Allow', source: { selector: "app == 'ghost'" } },
      { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'other'" }, destination: { ports: [443] } },
    ],
  },
};

describe('analysePolicies', () => {
  it('says what a policy allows and denies between the pods, and which rules are dead', () => {
    const a = analysePolicies(world([backendPolicy]));
    const p = a.policies.find((x) => x.policy === 'default/backend')!;
    expect(p.selects).toEqual(['default/backend']);
    expect(p.allows).toEqual([
      'rule 0 (spec.ingress[0]): default/frontend → default/backend on TCP/80',
      'rule 3 (spec.ingress[3]): default/other → default/backend on TCP/443',
    ]);
    // Rule 1 still decides TCP/81 from the frontend: used, not shadowed.
    expect(p.rules.map((r) => r.status)).toEqual(['used', 'used', 'never', 'used']);
    expect(p.denies[0]).toBe('rule 1 (spec.ingress[1]): default/frontend → default/backend on TCP/81');
    expect(p.denies[1]).toMatch(/^end of tier default: default\/frontend, default\/other → default\/backend on ICMP, /);
    expect(a.warnings).toEqual(["default/backend ingress rule 2 (spec.ingress[2], Allow) never matches: its source selector matches no pod of the lab"]);
  });

  it('a rule whose every flow an earlier rule decides is shadowed, and says by which', () => {
    const spec = { ...backendPolicy.spec, ingress: [backendPolicy.spec.ingress[1], backendPolicy.spec.ingress[0]] };
    const a = analysePolicies(world([{ ...backendPolicy, spec }]));
    expect(a.warnings).toEqual(['default/backend ingress rule 1 (spec.ingress[1], Allow) is shadowed: every flow it matches is decided first by default/backend ingress rule 0']);
  });

  it('an earlier tier decides first: the later tier\'s rule is shadowed by it', () => {
    const tier = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 10 } };
    const deny = {
      apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'security.block-other' },
      spec: { tier: 'security', selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "app == 'other'" } }, { action: 'Pass' }] },
    };
    const a = analysePolicies(world([tier, deny, backendPolicy]));
    expect(a.warnings).toContain('default/backend ingress rule 3 (spec.ingress[3], Allow) is shadowed: every flow it matches is decided first by security.block-other ingress rule 0');
    const g = a.policies.find((x) => x.policy === 'security.block-other')!;
    expect(g.selects).toEqual(['default/backend', 'default/frontend', 'default/other']);
    expect(g.denies[0]).toMatch(/^rule 0 \(spec\.ingress\[0\]\): default\/other → default\/backend, default\/frontend on ICMP/);
  });

  it('a policy that selects no pod is reported once', () => {
    const a = analysePolicies(world([{ ...backendPolicy, spec: { ...backendPolicy.spec, selector: "app == 'db'" } }]));
    expect(a.warnings).toContain('default/backend selects no pod of the lab');
    expect(a.policies[0]!.rules.every((r) => r.status === 'never')).toBe(true);
  });
});
