/**
 * The netpol truth tables as scenarios on the simulated dataplane: the e2e model (namespaces
 * x, y, z × pods a, b, c, each a v1 Pod serving TCP and UDP 80/81 under the container port
 * names `serve-<port>-<proto>`) deployed on two-nodes, then per phase a change (apply
 * manifests, or relabel a running pod with a merge patch) and one `policy:` expectation per
 * cell and probe. A `policy:` expectation passes only when podlab's evaluator AND a real probe
 * through Felix's iptables rules both give the table's verdict, so a passing scenario is
 * "evaluator and dataplane agree on every cell". Loopback cells are left out as upstream does.
 */
import { stringify } from 'yaml';
import type { Probe } from '../../../engine/calico/policy/index.ts';
import type { Reachability } from './netpol-fixture.ts';
import { NAMESPACES, PODS, POD_IDS, PORTS, PROTOCOLS } from './netpol-fixture.ts';

/** One change and the table expected after it. */
export interface DataplanePhase {
  readonly title: string;
  readonly apply?: readonly Record<string, unknown>[];
  /** A merge patch of a running pod's labels (`kubectl label`): `{pod: 'x/b', labels: {k: v | null}}`. */
  readonly relabel?: { readonly pod: string; readonly labels: Record<string, string | null> };
  /** Probes checked after this phase (each one a full 9 × 9 table). */
  readonly probes: readonly Probe[];
  readonly expected: (probe: Probe) => Reachability;
}

/** A truth-table case on the dataplane. */
export interface DataplaneCase {
  readonly id: string;
  readonly upstream?: string;
  /** Pods' service accounts (`x/a` → `api`); others run as `default`. */
  readonly serviceAccounts?: Readonly<Record<string, string>>;
  /** ServiceAccount objects with labels to create (`{namespace, name, labels}`). */
  readonly accounts?: readonly { namespace: string; name: string; labels: Record<string, string> }[];
  readonly phases: readonly DataplanePhase[];
}

/** Node a fixture pod runs on: a's and c's on worker-01, b's on master-01 (both directions cross nodes). */
export function nodeOf(pod: string): string {
  return pod.endsWith('/b') ? 'master-01' : 'worker-01';
}

function podManifest(id: string, sa: string | undefined): Record<string, unknown> {
  const [ns, pod] = id.split('/') as [string, string];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: pod, namespace: ns, labels: { pod } },
    spec: {
      nodeName: nodeOf(id),
      ...(sa ? { serviceAccountName: sa } : {}),
      containers: [{
        name: 'cont', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47',
        ports: PROTOCOLS.flatMap((protocol) => PORTS.map((port) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol }))),
      }],
    },
  };
}

/** The scenario text of a case (topology: two-nodes). */
export function dataplaneScenario(c: DataplaneCase, topology: string): string {
  const steps: Record<string, unknown>[] = [
    { title: 'Calico comes up', converge: { max: '60s' } },
    { title: 'Namespaces x, y, z', apply: NAMESPACES.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { ns: n } } })) },
  ];
  if (c.accounts?.length) steps.push({ title: 'ServiceAccounts', apply: c.accounts.map((a) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: a.name, namespace: a.namespace, labels: a.labels } })) });
  steps.push({ title: 'The nine pods', apply: POD_IDS.map((id) => podManifest(id, c.serviceAccounts?.[id])) });
  for (const ph of c.phases) {
    const expect = ph.probes.flatMap((probe) => {
      const t = ph.expected(probe).table;
      return POD_IDS.flatMap((from, i) => POD_IDS.flatMap((to, j) => (from === to ? [] : [{
        policy: { from, to, protocol: probe.protocol, port: probe.port, verdict: t.values[i]![j] ? 'allow' : 'deny' },
      }])));
    });
    const step: Record<string, unknown> = { title: ph.title };
    if (ph.apply) step.apply = ph.apply;
    else if (ph.relabel) step.patch = { kind: 'Pod', name: ph.relabel.pod, patch: { metadata: { labels: ph.relabel.labels } } };
    step.expect = expect;
    steps.push(step);
  }
  return stringify({ name: `netpol-${c.id}`, description: c.upstream ?? c.id, topology, seed: 1, steps }, { lineWidth: 0 });
}

export { PODS };
