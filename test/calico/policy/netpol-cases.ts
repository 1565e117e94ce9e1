/**
 * Policy cases modelled on the upstream Kubernetes netpol e2e suite (network_policy.go), plus
 * Calico-specific ones (tiers, Pass, Log, order, notSelector/notNets). Each case carries the
 * manifests verbatim (plain objects as kubectl/calicoctl apply them) and its EXPECTED
 * reachability per probe, written by hand the upstream way: start from all-true and apply
 * the case's known effect. Nothing here calls the evaluator; other suites (the simulated
 * dataplane) run the same cases.
 */
import type { Probe } from '../../../engine/calico/policy/index.ts';
import { namespaceCidr, podIp, POD_CIDR, Reachability } from './netpol-fixture.ts';

export interface NetpolCase {
  /** Short unique id (used in test names and recordings). */
  readonly id: string;
  readonly description: string;
  /** The upstream e2e test this follows, when there is one. */
  readonly upstream?: string;
  readonly manifests: readonly Record<string, unknown>[];
  /** Hand-written expectation for one probe. */
  readonly expected: (probe: Probe) => Reachability;
}

function knp(name: string, namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
function cnp(name: string, namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
function gnp(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}
function tier(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec };
}

const ALL = (): Reachability => new Reachability(true);
const podIs = (pod: string) => ({ matchLabels: { pod } });
const nsName = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
const tcp = (p: Probe): boolean => p.protocol === 'TCP';

export const NETPOL_CASES: readonly NetpolCase[] = [
  {
    id: 'deny-ingress',
    description: 'default-deny-ingress in x',
    upstream: "should support a 'default-deny-ingress' policy",
    manifests: [knp('deny-ingress', 'x', { podSelector: {} })],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false),
  },
  {
    id: 'deny-all',
    description: 'default-deny ingress and egress in x',
    upstream: "should support a 'default-deny-all' policy",
    manifests: [knp('deny-all', 'x', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x' }, {}, false),
  },
  {
    id: 'x-a-allows-x-b',
    description: 'x/a accepts ingress only from pod=b of its own namespace',
    upstream: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    manifests: [knp('x-a-allows-x-b', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ podSelector: podIs('b') }] }] })],
    expected: () => ALL().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  },
  {
    id: 'allow-ingress-target',
    description: 'deny-all in x, then allow everything (any pod, any namespace) to x/a',
    upstream: 'should enforce policy to allow ingress traffic for a target',
    manifests: [
      knp('deny-all', 'x', { podSelector: {}, ingress: [] }),
      knp('allow-all-to-a', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    ],
    expected: () => ALL().expectAllIngress('x/a', true).expectAllIngress('x/b', false).expectAllIngress('x/c', false),
  },
  {
    id: 'allow-from-ns-y-by-name',
    description: 'x/a accepts ingress only from namespace y (kubernetes.io/metadata.name)',
    upstream: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    manifests: [knp('allow-client-a-via-ns-selector', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] })],
    expected: () => ALL().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
  },
  {
    id: 'allow-from-ns-by-label-expr',
    description: 'x/a accepts ingress from namespaces whose label ns is In {y} (matchExpressions)',
    upstream: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    manifests: [knp('allow-ns-y-match-selector', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'In', values: ['y'] }] } }] }] })],
    expected: () => ALL().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
  },
  {
    id: 'pod-or-namespace',
    description: 'two peers = OR: namespaces other than x, or pod=b of x',
    upstream: 'should enforce policy based on PodSelector or NamespaceSelector',
    manifests: [knp('allow-ns-y-match-selector', 'x', {
      podSelector: podIs('a'),
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } }, { podSelector: podIs('b') }] }],
    })],
    expected: () => ALL().expect('x/a', 'x/a', false).expect('x/c', 'x/a', false),
  },
  {
    id: 'pod-and-namespace',
    description: 'one peer with both selectors = AND: pod=b in a namespace other than x',
    upstream: 'should enforce policy based on PodSelector and NamespaceSelector',
    manifests: [knp('allow-ns-y-podselector-and-nsselector', 'x', {
      podSelector: podIs('a'),
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] }, podSelector: podIs('b') }] }],
    })],
    expected: () => ALL().expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true),
  },
  {
    id: 'multi-pod-and-namespace',
    description: 'pod In {b,c} AND namespace NotIn {x}',
    upstream: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    manifests: [knp('allow-ns-y-z-pod-b-c', 'x', {
      podSelector: podIs('a'),
      ingress: [{ from: [{
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] },
        podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
      }] }],
    })],
    expected: () => ALL().expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expect('y/a', 'x/a', false).expect('z/a', 'x/a', false),
  },
  {
    id: 'port-81-from-y',
    description: 'x/a accepts TCP 81 from namespace y only; everything else into x/a is blocked',
    upstream: 'should enforce policy based on Ports',
    manifests: [knp('allow-client-a-via-ns-selector', 'x', {
      podSelector: podIs('a'),
      ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 81, protocol: 'TCP' }] }],
    })],
    expected: (p) => {
      const r = ALL().expectAllIngress('x/a', false);
      return tcp(p) && p.port === 81 ? r.expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true) : r;
    },
  },
  {
    id: 'stacked-80-81',
    description: 'two policies on x/a (TCP 81 from y, TCP 80 from y) add up',
    upstream: 'should enforce multiple, stacked policies with overlapping podSelectors',
    manifests: [
      knp('allow-client-a-via-ns-selector', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] }),
      knp('allow-client-a-via-ns-selector-80', 'x', { podSelector: podIs('a'), ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 80, protocol: 'TCP' }] }] }),
    ],
    expected: (p) => {
      const r = ALL().expectAllIngress('x/a', false);
      return tcp(p) ? r.expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true) : r;
    },
  },
  {
    id: 'allow-all',
    description: 'ingress: [{}] allows everything into x',
    upstream: 'should support allow-all policy',
    manifests: [knp('allow-all', 'x', { podSelector: {}, ingress: [{}] })],
    expected: () => ALL(),
  },
  {
    id: 'named-port-81',
    description: 'x accepts only the named port serve-81-tcp',
    upstream: 'should allow ingress access on one named port',
    manifests: [knp('allow-all', 'x', { podSelector: {}, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    expected: (p) => (tcp(p) && p.port === 81 ? ALL() : ALL().expectPeer({}, { ns: 'x' }, false)),
  },
  {
    id: 'named-port-80-from-y',
    description: 'x/a accepts serve-80-tcp from namespace y only',
    upstream: 'should allow ingress access from namespace on one named port',
    manifests: [knp('allow-client-a-via-ns-selector-80', 'x', {
      podSelector: podIs('a'),
      ingress: [{ from: [{ namespaceSelector: nsName('y') }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
    })],
    expected: (p) => {
      const r = ALL().expectAllIngress('x/a', false);
      return tcp(p) && p.port === 80 ? r.expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true) : r;
    },
  },
  {
    id: 'egress-named-port-80',
    description: 'pods of x may only send to the named port serve-80-tcp',
    upstream: 'should allow egress access on one named port',
    manifests: [knp('allow-egress', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    expected: (p) => (tcp(p) && p.port === 80 ? ALL() : ALL().expectPeer({ ns: 'x' }, {}, false)),
  },
  {
    id: 'deny-other-namespaces',
    description: 'x accepts ingress only from its own pods (from: podSelector {})',
    upstream: 'should deny ingress from pods on other namespaces',
    manifests: [knp('deny-empty-policy', 'x', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })],
    expected: () => ALL().expectPeer({ ns: 'y' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false),
  },
  {
    id: 'deny-egress-pod-a',
    description: 'x/a may not send anything (policyTypes Egress, no egress rules)',
    upstream: 'should deny egress from pods based on PodSelector',
    manifests: [knp('deny-egress-pod-a', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'] })],
    expected: () => ALL().expectAllEgress('x/a', false),
  },
  {
    id: 'deny-egress-ns-x',
    description: 'no pod of x may send anything',
    upstream: 'should deny egress from all pods in a namespace',
    manifests: [knp('deny-egress-ns-x', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [] })],
    expected: () => ALL().expectPeer({ ns: 'x' }, {}, false),
  },
  {
    id: 'ingress-and-egress',
    description: 'x/a: ingress only from pod=b, egress only to port 80 (TCP by default)',
    upstream: 'should work with Ingress, Egress specified together',
    manifests: [knp('allow-client-a-via-pod-selector', 'x', {
      podSelector: podIs('a'),
      policyTypes: ['Egress', 'Ingress'],
      ingress: [{ from: [{ podSelector: podIs('b') }] }],
      egress: [{ ports: [{ port: 80 }] }],
    })],
    expected: (p) => {
      const r = ALL().expectAllIngress('x/a', false);
      if (!(tcp(p) && p.port === 80)) r.expectAllEgress('x/a', false);
      return r.expect('x/b', 'x/a', true);
    },
  },
  {
    id: 'client-side-egress-deny',
    description: 'x/a may only send to y/a, even though y/b accepts x/a',
    upstream: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    manifests: [
      knp('allow-to-ns-y-pod-a', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: podIs('a') }] }] }),
      knp('allow-from-xa-on-ya-match-selector', 'y', { podSelector: podIs('a'), ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: podIs('a') }] }] }),
      knp('allow-from-xa-on-yb-match-selector', 'y', { podSelector: podIs('b'), ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: podIs('a') }] }] }),
    ],
    expected: () => ALL()
      .expectPeer({ ns: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { ns: 'y', pod: 'a' }, false)
      .expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y', pod: 'a' }, true)
      .expectPeer({}, { ns: 'y', pod: 'b' }, false),
  },
  {
    id: 'egress-to-y-a',
    description: 'x/a may only send to y/a (namespaceSelector AND podSelector)',
    upstream: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    manifests: [knp('allow-to-ns-y-pod-a', 'x', { podSelector: podIs('a'), egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: podIs('a') }] }] })],
    // No policyTypes + egress rules → Ingress and Egress: x/a also loses all ingress.
    expected: () => ALL().expectAllEgress('x/a', false).expect('x/a', 'y/a', true).expectAllIngress('x/a', false),
  },
  {
    id: 'protocol-only-tcp',
    description: 'x/a accepts any TCP port, nothing else',
    upstream: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    manifests: [knp('allow-ingress-by-proto', 'x', { podSelector: podIs('a'), ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    expected: (p) => (tcp(p) ? ALL() : ALL().expectAllIngress('x/a', false)),
  },
  {
    id: 'port-80-only',
    description: 'x accepts only port 80 (TCP)',
    upstream: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence (first step)',
    manifests: [knp('allow-ingress-port-80', 'x', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] })],
    expected: (p) => (tcp(p) && p.port === 80 ? ALL() : ALL().expectPeer({}, { ns: 'x' }, false)),
  },
  {
    id: 'union-port-80-and-allow-all',
    description: 'port-80-only plus an allow-all policy: the union allows everything',
    upstream: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    manifests: [
      knp('allow-ingress-port-80', 'x', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }),
      knp('allow-ingress', 'x', { podSelector: {}, ingress: [{}] }),
    ],
    expected: () => ALL(),
  },
  {
    id: 'egress-union-allow-all',
    description: 'egress port 80 only plus egress allow-all: everything allowed',
    upstream: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    manifests: [
      knp('allow-egress-port-80', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] }),
      knp('allow-egress', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
    ],
    expected: () => ALL(),
  },
  {
    id: 'ipblock-egress-y-b',
    description: 'x/a may only send to y/b\'s /32',
    upstream: 'should allow egress access to server in CIDR block',
    manifests: [knp('allow-client-a-via-cidr-egress-rule', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${podIp('y', 'b')}/32` } }] }] })],
    expected: () => ALL().expectAllEgress('x/a', false).expect('x/a', 'y/b', true),
  },
  {
    id: 'ipblock-except',
    description: 'x/a may send to the pod CIDR except x/b',
    upstream: 'should enforce except clause while egress access to server in CIDR block',
    manifests: [knp('allow-client-a-via-cidr-egress-rule', 'x', {
      podSelector: podIs('a'), policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: POD_CIDR, except: [`${podIp('x', 'b')}/32`] } }] }],
    })],
    expected: () => ALL().expect('x/a', 'x/b', false),
  },
  {
    id: 'ipblock-except-union',
    description: 'a second policy allowing x/b\'s /32 re-opens what the first one\'s except left out',
    upstream: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    manifests: [
      knp('allow-cidr-except-b', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: POD_CIDR, except: [`${podIp('x', 'b')}/32`] } }] }] }),
      knp('allow-b', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${podIp('x', 'b')}/32` } }] }] }),
    ],
    expected: () => ALL(),
  },
  {
    id: 'independent-ingress-egress',
    description: 'x/a: egress allow-all policy, plus a deny-ingress policy',
    upstream: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    manifests: [
      knp('allow-egress-for-target', 'x', { podSelector: podIs('a'), policyTypes: ['Egress'], egress: [{}] }),
      knp('deny-ingress-via-label-selector', 'x', { podSelector: podIs('a'), policyTypes: ['Ingress'] }),
    ],
    expected: () => ALL().expectAllIngress('x/a', false),
  },
  {
    id: 'end-port-range',
    description: 'x/a accepts TCP 81..90 (port + endPort) only',
    manifests: [knp('allow-port-range', 'x', { podSelector: podIs('a'), ingress: [{ ports: [{ protocol: 'TCP', port: 81, endPort: 90 }] }] })],
    expected: (p) => (tcp(p) && p.port === 81 ? ALL() : ALL().expectAllIngress('x/a', false)),
  },
  {
    id: 'udp-only-81',
    description: 'x/a accepts UDP 81 only; TCP is not mistaken for it',
    upstream: 'should not allow access by TCP when a policy specifies only UDP',
    manifests: [knp('allow-only-udp-ingress-on-port-81', 'x', { podSelector: podIs('a'), ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    expected: (p) => (p.protocol === 'UDP' && p.port === 81 ? ALL() : ALL().expectAllIngress('x/a', false)),
  },
  {
    id: 'sctp-is-not-tcp',
    description: 'deny-ingress in x plus an SCTP-only allow on x/a: TCP and UDP stay blocked',
    upstream: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    manifests: [
      knp('deny-ingress', 'x', { podSelector: {} }),
      knp('allow-only-sctp-ingress-on-port-81', 'x', { podSelector: podIs('a'), ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] }),
    ],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false),
  },
  {
    id: 'egress-ns-not-in-y',
    description: 'x/a may send to namespaces NotIn {y}',
    upstream: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    manifests: [knp('allow-ns-y-match-selector-for-immutable-ns-label', 'x', {
      podSelector: podIs('a'), policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['y'] }] } }] }],
    })],
    expected: () => ALL().expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y' }, false),
  },
  {
    id: 'empty-ingress-list',
    description: 'ingress: [] (explicit empty list) denies all ingress to x/b, like a missing ingress field',
    manifests: [knp('deny-b', 'x', { podSelector: podIs('b'), ingress: [] })],
    expected: () => ALL().expectAllIngress('x/b', false),
  },
  {
    id: 'egress-rules-isolate-ingress',
    description: 'egress rules and no policyTypes: Kubernetes defaults to Ingress+Egress, so z/c loses all ingress',
    manifests: [knp('egress-to-x', 'z', { podSelector: podIs('c'), egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }] }] })],
    expected: () => ALL().expectAllIngress('z/c', false).expectAllEgress('z/c', false).expectPeer({ ns: 'z', pod: 'c' }, { ns: 'x' }, true),
  },
  {
    id: 'gnp-deny-before-k8s-allow',
    description: 'Calico GlobalNetworkPolicy (order 100) denies z → x/a before the k8s allow-all (order 1000)',
    manifests: [
      knp('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
      gnp('deny-z-to-xa', { order: 100, namespaceSelector: "ns == 'x'", selector: "pod == 'a'", ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'z'" } }] }),
    ],
    expected: () => ALL().expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
  },
  {
    id: 'gnp-allow-overrides-k8s-deny',
    description: 'GlobalNetworkPolicy order 500 allows x → y although y has a k8s default-deny',
    manifests: [
      knp('deny-ingress', 'y', { podSelector: {} }),
      gnp('allow-x-to-y', { order: 500, namespaceSelector: "kubernetes.io/metadata.name == 'y'", ingress: [{ action: 'Allow', source: { namespaceSelector: "ns == 'x'" } }] }),
    ],
    expected: () => ALL().expectPeer({ ns: 'y' }, { ns: 'y' }, false).expectPeer({ ns: 'z' }, { ns: 'y' }, false),
  },
  {
    id: 'calico-no-order-runs-last',
    description: 'a Calico NetworkPolicy without order (+∞) runs after the k8s allow-all (1000), so its Deny never fires',
    manifests: [
      knp('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
      cnp('deny-from-y', 'x', { selector: 'all()', ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
    ],
    expected: () => ALL(),
  },
  {
    id: 'pass-to-next-tier',
    description: 'tier security (order 100): Pass from y, Deny from z, end-of-tier drop for x; default tier: k8s allows pod=b from anywhere',
    manifests: [
      tier('security', { order: 100 }),
      gnp('security.x-guard', {
        tier: 'security', order: 1, namespaceSelector: "ns == 'x'",
        ingress: [{ action: 'Pass', source: { namespaceSelector: "ns == 'y'" } }, { action: 'Deny', source: { namespaceSelector: "ns == 'z'" } }],
      }),
      knp('allow-from-b', 'x', { podSelector: {}, ingress: [{ from: [{ podSelector: podIs('b'), namespaceSelector: {} }] }] }),
    ],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'y', pod: 'b' }, { ns: 'x' }, true),
  },
  {
    id: 'pass-reaches-profiles',
    description: 'a Pass in the only tier selecting the endpoint falls through to the kns.<ns> profile',
    manifests: [
      tier('security', { order: 100 }),
      gnp('security.pass-y', { tier: 'security', namespaceSelector: "ns == 'x'", ingress: [{ action: 'Pass', source: { namespaceSelector: "ns == 'y'" } }] }),
    ],
    // x and z sources hit the end of the security tier (Deny); y passes and no default-tier policy selects x.
    expected: () => ALL().expectPeer({ ns: 'x' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false),
  },
  {
    id: 'log-continues',
    description: 'a Log rule logs and continues; the k8s policy behind it decides (allow from y)',
    manifests: [
      gnp('log-into-x', { order: 10, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Log' }] }),
      knp('allow-from-y', 'x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] }),
    ],
    expected: () => ALL().expectPeer({ ns: 'x' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false),
  },
  {
    id: 'log-only-drops-at-end-of-tier',
    description: 'a Log-only policy still selects x: with nothing else in the tier, end of tier drops',
    manifests: [gnp('log-into-x', { order: 10, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Log' }] })],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false),
  },
  {
    id: 'tier-default-action-pass',
    description: 'tier platform with defaultAction Pass: only its explicit Deny (z → x) bites, the rest falls to profiles',
    manifests: [
      tier('platform', { order: 50, defaultAction: 'Pass' }),
      gnp('platform.block-z', { tier: 'platform', namespaceSelector: "ns == 'x'", ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'z'" } }] }),
    ],
    expected: () => ALL().expectPeer({ ns: 'z' }, { ns: 'x' }, false),
  },
  {
    id: 'tier-default-action-deny',
    description: 'the same tier with defaultAction Deny (the default): x is closed to everyone',
    manifests: [
      tier('platform', { order: 50 }),
      gnp('platform.block-z', { tier: 'platform', namespaceSelector: "ns == 'x'", ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'z'" } }] }),
    ],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false),
  },
  {
    id: 'not-selector-namespaced',
    description: 'Calico NetworkPolicy in x: allow from notSelector pod == a (scoped to x by the namespaced policy)',
    manifests: [cnp('not-a', 'x', { selector: 'all()', ingress: [{ action: 'Allow', source: { notSelector: "pod == 'a'" } }] })],
    expected: () => ALL().expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x', pod: 'b' }, { ns: 'x' }, true).expectPeer({ ns: 'x', pod: 'c' }, { ns: 'x' }, true),
  },
  {
    id: 'not-nets-egress',
    description: 'y may send only to x: Deny to the pod CIDR minus x\'s /24 (nets + notNets), then Allow',
    manifests: [gnp('y-to-x-only', {
      namespaceSelector: "ns == 'y'",
      egress: [{ action: 'Deny', destination: { nets: [POD_CIDR], notNets: [namespaceCidr('x')] } }, { action: 'Allow' }],
    })],
    expected: () => ALL().expectPeer({ ns: 'y' }, { ns: 'y' }, false).expectPeer({ ns: 'y' }, { ns: 'z' }, false),
  },
  {
    id: 'udp-not-ports',
    description: 'z/c accepts UDP except port 80 (protocol + notPorts)',
    manifests: [cnp('udp-not-80', 'z', { selector: "pod == 'c'", ingress: [{ action: 'Allow', protocol: 'UDP', destination: { notPorts: [80] } }] })],
    expected: (p) => (p.protocol === 'UDP' && p.port === 81 ? ALL() : ALL().expectAllIngress('z/c', false)),
  },
  {
    id: 'calico-port-range-and-selector-ops',
    description: 'Calico rule: TCP 80:81 from pods whose pod label is in {a, c} of namespaces starting with y or z',
    manifests: [cnp('range', 'x', {
      selector: "pod == 'b'",
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "pod in {'a', 'c'}", namespaceSelector: "ns starts with 'y' || ns ends with 'z'" }, destination: { ports: ['80:81'] } }],
    })],
    expected: (p) => {
      const r = ALL().expectAllIngress('x/b', false);
      if (!tcp(p)) return r;
      return r.expect('y/a', 'x/b', true).expect('y/c', 'x/b', true).expect('z/a', 'x/b', true).expect('z/c', 'x/b', true);
    },
  },
];
