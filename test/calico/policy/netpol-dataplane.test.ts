/**
 * Kubernetes' netpol e2e truth tables for named ports, service accounts and pod label updates,
 * run as scenarios on the simulator: every cell is a `policy:` expectation, which passes only
 * when the evaluator's verdict and a real probe through the simulated dataplane (Felix's
 * iptables rules and ipsets) both match the hand-written table.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../../engine/model/load.ts';
import { formatProblem } from '../../../engine/model/problems.ts';
import { parseScenario } from '../../../engine/scenario/format.ts';
import { runScenario } from '../../../engine/scenario/run.ts';
import type { Probe } from '../../../engine/calico/policy/index.ts';
import { NETPOL_CASES } from './netpol-cases.ts';
import type { DataplaneCase } from './netpol-dataplane.ts';
import { dataplaneScenario } from './netpol-dataplane.ts';
import { Reachability } from './netpol-fixture.ts';

const TWO_NODES = resolve('topologies/two-nodes.yaml');
const TCP80: Probe = { protocol: 'TCP', port: 80 };
const TCP81: Probe = { protocol: 'TCP', port: 81 };
const UDP81: Probe = { protocol: 'UDP', port: 81 };

const ALL = (): Reachability => new Reachability(true);
const knp = (name: string, namespace: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const cnp = (name: string, namespace: string, spec: Record<string, unknown>) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });

/** A case of the evaluator's table, as one phase on the dataplane. */
function fromEvaluatorCase(id: string, probes: readonly Probe[]): DataplaneCase {
  const c = NETPOL_CASES.find((x) => x.id === id)!;
  return { id, ...(c.upstream ? { upstream: c.upstream } : {}), phases: [{ title: c.description, apply: c.manifests, probes, expected: c.expected }] };
}

export const DATAPLANE_CASES: readonly DataplaneCase[] = [
  // Named ports: resolved per destination pod from its containers[].ports.
  fromEvaluatorCase('named-port-81', [TCP80, TCP81, UDP81]),
  fromEvaluatorCase('named-port-80-from-y', [TCP80, TCP81]),
  fromEvaluatorCase('egress-named-port-80', [TCP80, TCP81]),
  {
    id: 'updated-pod',
    upstream: 'should allow ingress access from updated pod',
    phases: [
      {
        title: 'x/a admits pods labelled pod=b and pod2=updated: nobody has both yet',
        apply: [knp('allow-client-a-via-pod-selector', 'x', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
        probes: [TCP80],
        expected: () => ALL().expectAllIngress('x/a', false),
      },
      {
        title: 'x/b gets pod2=updated and is let in',
        relabel: { pod: 'x/b', labels: { pod2: 'updated' } },
        probes: [TCP80],
        expected: () => ALL().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
      },
      {
        title: 'the label is removed again: x/b is out',
        relabel: { pod: 'x/b', labels: { pod2: null } },
        probes: [TCP80],
        expected: () => ALL().expectAllIngress('x/a', false),
      },
    ],
  },
  {
    id: 'deny-updated-pod',
    upstream: 'should deny ingress access to updated pod',
    phases: [
      {
        title: 'a deny-all for pods labelled target=isolated: none is yet',
        apply: [knp('deny-ingress-via-label-selector', 'x', { podSelector: { matchLabels: { target: 'isolated' } }, policyTypes: ['Ingress'] })],
        probes: [TCP80],
        expected: () => ALL(),
      },
      {
        title: 'x/a is labelled target=isolated',
        relabel: { pod: 'x/a', labels: { target: 'isolated' } },
        probes: [TCP80],
        expected: () => ALL().expectAllIngress('x/a', false),
      },
    ],
  },
  {
    id: 'service-account-names',
    upstream: "Calico: source.serviceAccounts.names (a namespaced policy names its own namespace's accounts)",
    serviceAccounts: { 'x/b': 'api', 'y/b': 'api' },
    phases: [{
      title: 'x/a admits the service account api only',
      apply: [cnp('allow-api-sa', 'x', { selector: "pod == 'a'", ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api'] } } }] })],
      probes: [TCP80],
      // y/b also runs as "api", but as y's account: a policy in x names x's accounts.
      expected: () => ALL().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
    }],
  },
  {
    id: 'service-account-selectors',
    upstream: 'Calico: spec.serviceAccountSelector and source.serviceAccounts.selector on ServiceAccount labels',
    serviceAccounts: { 'x/a': 'db', 'y/c': 'client', 'z/c': 'client' },
    accounts: [
      { namespace: 'x', name: 'db', labels: { role: 'db' } },
      { namespace: 'y', name: 'client', labels: { role: 'client' } },
      { namespace: 'z', name: 'client', labels: { role: 'other' } },
    ],
    phases: [{
      title: 'pods running as a role=db account admit only pods running as role=client accounts, on TCP 80',
      apply: [gnp('db-from-clients', {
        serviceAccountSelector: "role == 'db'",
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { serviceAccounts: { selector: "role == 'client'" } }, destination: { ports: [80] } }],
      })],
      probes: [TCP80, TCP81],
      expected: (p) => (p.port === 80 ? ALL().expectAllIngress('x/a', false).expect('y/c', 'x/a', true) : ALL().expectAllIngress('x/a', false)),
    }],
  },
  {
    id: 'destination-service',
    upstream: "Calico: egress to destination.services (the Service's endpoints on its ports, from its EndpointSlice)",
    phases: [{
      title: 'pods of y may send only to Service x/web (pod=a of x, port 80)',
      apply: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'x' }, spec: { selector: { pod: 'a' }, ports: [{ port: 8080, targetPort: 80, protocol: 'TCP' }] } },
        cnp('to-web-only', 'y', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow', destination: { services: { name: 'web', namespace: 'x' } } }] }),
      ],
      probes: [TCP80, TCP81],
      expected: (p) => {
        const r = ALL().expectPeer({ ns: 'y' }, {}, false);
        return p.port === 80 ? r.expect('y/a', 'x/a', true).expect('y/b', 'x/a', true).expect('y/c', 'x/a', true) : r;
      },
    }],
  },
];

describe('netpol truth tables on the simulated dataplane (evaluator and probe agree)', () => {
  for (const c of DATAPLANE_CASES) {
    it(`${c.id}${c.upstream ? `: ${c.upstream}` : ''}`, async () => {
      const parsed = parseScenario(dataplaneScenario(c, TWO_NODES), `/virtual/netpol-${c.id}.yaml`);
      expect(parsed.problems.map(formatProblem)).toEqual([]);
      const topo = await loadTopology(TWO_NODES);
      const run = await runScenario(parsed.scenario!, topo.topology!);
      const broken = run.steps.filter((s) => !s.ok).map((s) => `step ${s.index} ${s.title}: ${s.error}`);
      const wrong = run.steps.flatMap((s) => s.expectations.filter((e) => !e.pass).map((e) => `${s.title}: ${e.text} — observed ${JSON.stringify(e.observed)}`));
      expect([...broken, ...wrong.slice(0, 12)], `${wrong.length} wrong cell(s)`).toEqual([]);
      // Every cell of every phase was checked (72 non-loopback cells per probe).
      const cells = c.phases.reduce((n, ph) => n + ph.probes.length * 72, 0);
      expect(run.steps.reduce((n, s) => n + s.expectations.length, 0)).toBe(cells);
    }, 120_000);
  }
});
