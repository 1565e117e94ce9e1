/**
 * The policy model the evaluator runs on: Calico's v3 shapes after defaulting and after
 * Kubernetes NetworkPolicies have been converted the way Calico converts them.
 *
 * Representation choices (documented because the UI and Felix read them):
 * - A Kubernetes NetworkPolicy `<name>` in namespace `ns` becomes a namespaced Calico policy
 *   named `knp.default.<name>` in tier `default` at order 1000; its pod selector is ANDed with
 *   `projectcalico.org/orchestrator == "k8s"`, as Calico's converter does. Each (peer × port) of a
 *   k8s rule becomes one Calico rule whose `origin` names the k8s field (`spec.ingress[0].from[1]`).
 * - Namespace labels: a rule's `namespaceSelector` is kept as written (in terms of the
 *   namespace's own labels). When matching, it is rewritten as Calico does: every key gets the
 *   `pcns.` prefix, `all()` becomes `has(projectcalico.org/namespace)` and `global()` becomes
 *   `!has(projectcalico.org/namespace)`; endpoints carry their namespace's labels as
 *   `pcns.<key>` (plus `pcns.projectcalico.org/name`), see `effectiveLabels` in evaluate.ts.
 * - Addresses use engine/net's family-tagged IpPrefix, so IPv4 and IPv6 nets both work.
 */
import type { IpPrefix } from '../../net/ip.ts';
import type { SelectorNode } from '../selector/index.ts';

/** Traffic direction relative to the endpoint whose policy is evaluated. */
export type Direction = 'ingress' | 'egress';

/** A Calico rule action. */
export type Action = 'Allow' | 'Deny' | 'Log' | 'Pass';

/** One entry of `ports`/`notPorts`: a range (a single port is first === last) or a named port. */
export type PortMatch =
  | { readonly kind: 'range'; readonly first: number; readonly last: number }
  | { readonly kind: 'named'; readonly name: string };

/** ICMP type/code match; absent fields match anything. */
export interface IcmpMatch {
  readonly type?: number;
  readonly code?: number;
}

/** The `source` or `destination` half of a rule. Absent fields match anything. */
export interface EntityRule {
  readonly nets?: readonly IpPrefix[];
  readonly notNets?: readonly IpPrefix[];
  readonly selector?: SelectorNode;
  readonly notSelector?: SelectorNode;
  readonly namespaceSelector?: SelectorNode;
  readonly ports?: readonly PortMatch[];
  readonly notPorts?: readonly PortMatch[];
  /**
   * `serviceAccounts: {names, selector}` as Calico's rule converter rewrites it: a selector on
   * the `pcsa.*` labels endpoints inherit from their service account's profile `ksa.<ns>.<sa>`
   * (`names` → `pcsa.projectcalico.org/name in {…}`, `selector` with every key prefixed `pcsa.`),
   * ANDed with the side's own selector and scoped like it.
   */
  readonly serviceAccountSelector?: SelectorNode;
  /** `services: {name, namespace}`: the Service's endpoints (destination: their IP and port). */
  readonly services?: ServiceRef;
}

/** A Kubernetes Service named by a rule (namespace defaulted to the policy's). */
export interface ServiceRef {
  readonly name: string;
  readonly namespace: string;
}

/** One rule of a policy. */
export interface Rule {
  readonly action: Action;
  /** IANA protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6). */
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly source: EntityRule;
  readonly destination: EntityRule;
  /** Field path of the manifest element this rule came from, e.g. `spec.ingress[0].from[1]`. */
  readonly origin: string;
}

/** A policy after defaulting/conversion. */
export interface Policy {
  /** Calico kind: k8s policies become namespaced `NetworkPolicy`. */
  readonly kind: 'NetworkPolicy' | 'GlobalNetworkPolicy';
  /** Where it came from: a Calico manifest or a converted Kubernetes NetworkPolicy. */
  readonly source: 'calico' | 'kubernetes';
  /** Calico name (`knp.default.<name>` for k8s policies). */
  readonly name: string;
  /** Namespace for namespaced policies; undefined for global ones. */
  readonly namespace?: string;
  readonly tier: string;
  /** Lower runs first; undefined counts as +∞ (Calico's policy sorter). */
  readonly order?: number;
  /** Which endpoints the policy applies to (within `namespace` when namespaced). */
  readonly selector: SelectorNode;
  /** `spec.serviceAccountSelector`, keys prefixed `pcsa.`: ANDed with `selector`. */
  readonly serviceAccountSelector?: SelectorNode;
  /** GlobalNetworkPolicy only: namespaces whose endpoints it applies to (namespace labels). */
  readonly namespaceSelector?: SelectorNode;
  readonly types: readonly Direction[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

/** A Calico Tier. */
export interface Tier {
  readonly name: string;
  /** Lower runs first; undefined counts as +∞. */
  readonly order?: number;
  /** What happens when a policy of the tier selected the endpoint and none decided. */
  readonly defaultAction: 'Deny' | 'Pass';
}

/** The tiers Calico creates itself (v3.29+); `default` is where policies land without a tier. */
export const BUILTIN_TIERS: readonly Tier[] = [
  { name: 'adminnetworkpolicy', order: 1_000, defaultAction: 'Pass' },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'baselineadminnetworkpolicy', order: 10_000_000, defaultAction: 'Pass' },
];

/** A problem found in a manifest: the field path, what is wrong and what to do. */
export interface PolicyProblem {
  readonly severity: 'error' | 'warning';
  /** Field path inside the manifest, e.g. `spec.ingress[0].ports[1].port`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

/** Protocol names Calico accepts, with their numbers. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ICMP: 1, TCP: 6, UDP: 17, ICMPv6: 58, SCTP: 132, UDPLite: 136,
};

/** The name of a protocol number (`6` → `TCP`), or the number as text. */
export function protocolName(n: number): string {
  for (const [k, v] of Object.entries(PROTOCOL_NUMBERS)) if (v === n) return k;
  return String(n);
}
