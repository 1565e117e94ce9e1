/**
 * The Kubernetes netpol e2e model (test/e2e/network/netpol in kubernetes/kubernetes):
 * namespaces x, y, z × pods a, b, c, each pod serving ports 80 and 81 over TCP and UDP with
 * container ports named `serve-<port>-<proto>`, labels `pod=<name>`, namespaces labelled
 * `ns=<name>` plus `kubernetes.io/metadata.name`. Reusable by any suite (the evaluator's truth
 * table here, the simulated dataplane later): it exports the fixture, a Reachability builder
 * in the upstream style and the probes.
 */
import type { Namespace, Probe, TruthTable, WorkloadEndpoint } from '../../../engine/calico/policy/index.ts';
import { newTruthTable } from '../../../engine/calico/policy/index.ts';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const PODS = ['a', 'b', 'c'] as const;
export const PORTS = [80, 81] as const;
export const PROTOCOLS = ['TCP', 'UDP'] as const;

/** Every (port, protocol) the truth tables are checked on. */
export const PROBES: readonly Probe[] = PROTOCOLS.flatMap((protocol) => PORTS.map((port) => ({ port, protocol })));

/** `x/a`, `x/b`, … `z/c` in upstream order. */
export const POD_IDS: readonly string[] = NAMESPACES.flatMap((ns) => PODS.map((p) => `${ns}/${p}`));

/** The pod CIDR the fixture's addresses come from. */
export const POD_CIDR = '10.244.0.0/16';

/** Address of a pod: 10.244.<ns index + 1>.<pod index + 10>, so each namespace is a /24. */
export function podIp(ns: string, pod: string): string {
  return `10.244.${NAMESPACES.indexOf(ns as 'x') + 1}.${PODS.indexOf(pod as 'a') + 10}`;
}

/** The /24 holding every pod of a namespace. */
export function namespaceCidr(ns: string): string {
  return `10.244.${NAMESPACES.indexOf(ns as 'x') + 1}.0/24`;
}

/** Namespaces with their labels. */
export const FIXTURE_NAMESPACES: readonly Namespace[] = NAMESPACES.map((n) => ({ name: n, labels: { ns: n, 'kubernetes.io/metadata.name': n } }));

/** The nine pods as workload endpoints, each with its four named ports. */
export const FIXTURE_PODS: readonly WorkloadEndpoint[] = NAMESPACES.flatMap((ns) =>
  PODS.map((pod) => ({
    kind: 'workload' as const,
    namespace: ns,
    name: pod,
    labels: { pod },
    ips: [podIp(ns, pod)],
    ports: PROTOCOLS.flatMap((protocol) => PORTS.map((port) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, protocol, port }))),
  })),
);

/** A peer pattern as upstream's `Peer{Namespace, Pod}`: empty fields match everything. */
export interface Peer {
  readonly ns?: string;
  readonly pod?: string;
}

/** Upstream-style expectation builder: start from a value, then apply known effects. */
export class Reachability {
  readonly table: TruthTable;

  constructor(all = true) {
    this.table = newTruthTable(POD_IDS, POD_IDS, all);
  }

  private set(test: (from: string, to: string) => boolean, v: boolean): this {
    POD_IDS.forEach((f, i) => POD_IDS.forEach((t, j) => {
      if (test(f, t)) this.table.values[i]![j] = v;
    }));
    return this;
  }

  /** Sets one cell. */
  expect(from: string, to: string, v: boolean): this {
    return this.set((f, t) => f === from && t === to, v);
  }

  /** Sets every cell whose source matches `from` and destination matches `to`. */
  expectPeer(from: Peer, to: Peer, v: boolean): this {
    return this.set((f, t) => matches(from, f) && matches(to, t), v);
  }

  /** Sets every cell into `to`. */
  expectAllIngress(to: string, v: boolean): this {
    return this.set((_, t) => t === to, v);
  }

  /** Sets every cell out of `from`. */
  expectAllEgress(from: string, v: boolean): this {
    return this.set((f) => f === from, v);
  }
}

function matches(p: Peer, id: string): boolean {
  const [ns, pod] = id.split('/');
  return (p.ns === undefined || p.ns === ns) && (p.pod === undefined || p.pod === pod);
}

/**
 * Upstream ignores loopback cells (a pod reaching itself) because CNIs disagree (k8s#95879).
 * The evaluator judges them by policy (as if hairpinned through the host); a dataplane suite
 * where pod → own IP never leaves the pod should pass this as `ignore` to compareTables.
 */
export function isLoopback(from: string, to: string): boolean {
  return from === to;
}
