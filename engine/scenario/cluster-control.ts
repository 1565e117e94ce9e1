/**
 * What the scenario's Calico steps need from a running cluster, whatever hosts it: apply and
 * delete resources, create and delete pods (through CNI), wait for convergence, stop a
 * calico-node, read BGP sessions, and the policy model the `policy` expectation evaluates.
 *
 * The simulator implements it over the in-process CalicoCluster (sim-cluster.ts); real
 * runtimes over etcd, `podlab cni` run in the node and real BIRD (engine/runtime/real).
 * The steps in calico-steps.ts only ever talk to this seam.
 */
import type { JsonValue } from '../calico/datastore/index.ts';
import type { NamedPort, Namespace, Policy, ServiceAccount, ServiceEndpoints, Tier } from '../calico/policy/index.ts';
import type { State } from '../bgp/fsm.ts';
import type { ServerPort } from './sim-nc.ts';

/** A Kubernetes manifest as written (apiVersion, kind, metadata, spec…). */
export type Manifest = Record<string, unknown>;

/** A pod as the steps and expectations see it. */
export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  /** The k8s node it runs on. */
  readonly node: string;
  /** The name a command addresses the pod's own namespace by (driver.exec target). */
  readonly podNode: string;
  readonly ip: string;
  readonly hostIface: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.serviceAccountName` (absent: `default`). */
  readonly serviceAccount?: string;
  /** Named container ports (what named-port rules resolve against). */
  readonly ports?: readonly NamedPort[];
}

/** One BGP session of a node's speaker (BIRD or the built-in one). */
export interface BgpSessionInfo {
  /** The peer's address. */
  readonly peer: string;
  /** The protocol's name (`Mesh_10_30_200_2`, `node_1a`). */
  readonly name: string;
  readonly state: State;
}

/** The result of waiting for convergence. */
export interface ConvergeResult {
  readonly converged: boolean;
  /** What has not converged yet, one short phrase each (`node-1a→10.1.1.1 Active`). */
  readonly pending: readonly string[];
}

/** A running Calico cluster, as the scenario runner drives it. */
export interface ClusterControl {
  /** The k8s nodes that run a calico-node. */
  agentNodes(): readonly string[];
  /** The pods, keyed `namespace/name`. */
  pods(): ReadonlyMap<string, PodInfo>;
  /** Applies one manifest the way its tool would (calicoctl or kubectl). */
  apply(m: Manifest): Promise<void>;
  /** Deletes a resource (`calicoctl delete`, `kubectl delete`). */
  remove(kind: string, name: string, namespace?: string): Promise<void>;
  /** An RFC 7386 merge patch on a stored resource; undefined when there is no such resource. */
  patch(kind: string, name: string, patch: Manifest): Promise<JsonValue | undefined>;
  /** Creates a pod through CNI on `node`, optionally with test servers listening. */
  addPod(node: string, namespace: string, name: string, opts: { labels: Record<string, string>; ip?: string; listen?: readonly ServerPort[] }): Promise<PodInfo>;
  /** Deletes a pod through CNI DEL. */
  removePod(namespace: string, name: string): Promise<void>;
  /** Waits until every session is Established and every node learned every block, or `maxMs` pass. */
  converge(maxMs: number): Promise<ConvergeResult>;
  /** Stops calico-node on a node (BIRD sends Cease). */
  stopAgent(node: string): Promise<void>;
  /** The BGP sessions of a node's speaker; undefined when the node runs none. */
  bgpSessions(node: string): Promise<readonly BgpSessionInfo[] | undefined>;
  /** The policy model Felix programs (for the evaluator behind the `policy` expectation). */
  policyModel(): {
    readonly namespaces: readonly Namespace[]; readonly policies: readonly Policy[]; readonly tiers: readonly Tier[];
    readonly serviceAccounts?: readonly ServiceAccount[]; readonly services?: readonly ServiceEndpoints[];
  };
}
