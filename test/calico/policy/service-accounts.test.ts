/**
 * Calico's service-account and Service matches: parsing into the `pcsa.` selectors Calico's
 * rule converter writes, the evaluator's verdicts (a namespaced policy names its own
 * namespace's accounts; ServiceAccount labels reach selectors as `pcsa.*`; `services:` match
 * a Service's endpoints and ports), and what Felix renders for them (selector sets over the
 * inherited labels, `svc`/`svcnoport` IP sets filled from the Service's endpoints).
 */
import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../../engine/calico/felix/index.ts';
import type { FelixSnapshot, FelixWorkload } from '../../../engine/calico/felix/index.ts';
import { compileWorld, effectiveLabels, evaluatePacket, formatPolicyProblem, namedContainerPorts, parsePolicyManifest, parsePolicyManifests, podServiceAccount } from '../../../engine/calico/policy/index.ts';
import type { ServiceAccount, ServiceEndpoints, WorkloadEndpoint } from '../../../engine/calico/policy/index.ts';
import { selectorToString } from '../../../engine/calico/selector/index.ts';
import { renderRule } from '../../../engine/dataplane/index.ts';

const cnp = (name: string, namespace: string, spec: unknown) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const gnp = (name: string, spec: unknown) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const wep = (namespace: string, name: string, ip: string, sa?: string, labels: Record<string, string> = {}): WorkloadEndpoint =>
  ({ kind: 'workload', namespace, name, labels, ips: [ip], ...(sa ? { serviceAccount: sa } : {}) });

const PODS = [wep('x', 'db', '10.5.0.1', 'db'), wep('x', 'api', '10.5.0.2', 'api'), wep('y', 'api', '10.5.0.3', 'api'), wep('x', 'plain', '10.5.0.4')];
const ACCOUNTS: ServiceAccount[] = [{ namespace: 'x', name: 'db', labels: { role: 'db' } }, { namespace: 'y', name: 'api', labels: { role: 'client' } }];
const NS = [{ name: 'x', labels: {} }, { name: 'y', labels: {} }];
const SERVICES: ServiceEndpoints[] = [{ namespace: 'x', name: 'db', endpoints: [{ ip: '10.5.0.1', protocol: 'TCP', port: 5432 }] }];

function errorsOf(m: unknown): string[] {
  return parsePolicyManifest(m).problems.filter((p) => p.severity === 'error').map(formatPolicyProblem);
}

function world(manifests: unknown[]) {
  const parsed = parsePolicyManifests(manifests);
  expect(parsed.problems.filter((p) => p.problem.severity === 'error')).toEqual([]);
  return compileWorld({ namespaces: NS, endpoints: PODS, policies: parsed.policies, serviceAccounts: ACCOUNTS, services: SERVICES });
}
const tcp = (src: string, dst: string, port = 5432) => ({ src, dst, protocol: 'TCP', dstPort: port, srcPort: 40000 });

describe('service accounts and services in policy', () => {
  it('parses serviceAccounts and serviceAccountSelector into pcsa. selectors, as Calico converts them', () => {
    const p = parsePolicyManifest(cnp('p', 'x', {
      selector: "app == 'db'", serviceAccountSelector: "role == 'db'",
      ingress: [{ action: 'Allow', source: { selector: "tier == 'web'", serviceAccounts: { names: ['api', 'web'], selector: "role == 'client'" } } }],
    })).policy!;
    expect(selectorToString(p.serviceAccountSelector!)).toBe("pcsa.role == \"db\"");
    expect(selectorToString(p.ingress[0]!.source.serviceAccountSelector!)).toBe('pcsa.role == "client" && pcsa.projectcalico.org/name in {"api", "web"}');
  });

  it('refuses what Calico refuses beside services, naming the field', () => {
    expect(errorsOf(cnp('p', 'x', { egress: [{ action: 'Allow', protocol: 'TCP', destination: { services: { name: 'db' }, ports: [80] } }] })))
      .toEqual(["spec.egress[0].destination.ports: error: ports cannot be combined with destination services — the Service's own ports are matched; drop the ports"]);
    expect(errorsOf(cnp('p', 'x', { ingress: [{ action: 'Allow', source: { services: { name: 'db' }, selector: 'a == "b"' } }] })))
      .toEqual(['spec.ingress[0].source.selector: error: selector cannot be combined with services — the Service already names the endpoints; use a separate rule']);
    expect(errorsOf(gnp('g', { egress: [{ action: 'Allow', destination: { services: { name: 'kubernetes' } } }] })))
      .toEqual(['spec.egress[0].destination.services.namespace: error: a GlobalNetworkPolicy must say which namespace the Service is in — add services.namespace']);
    expect(errorsOf(cnp('p', 'x', { ingress: [{ action: 'Allow', source: { serviceAccounts: ['api'] } }] })))
      .toEqual(["spec.ingress[0].source.serviceAccounts: error: must be an object {names, selector} — e.g. serviceAccounts: {names: [api]} or {selector: \"app == 'db'\"}"]);
  });

  it('endpoints carry their account as pcsa.* labels (default: the default account)', () => {
    expect(effectiveLabels(PODS[0]!, NS[0], ACCOUNTS[0])).toMatchObject({ 'pcsa.role': 'db', 'pcsa.projectcalico.org/name': 'db', 'projectcalico.org/serviceaccount': 'db' });
    expect(effectiveLabels(PODS[3]!, NS[0])).toMatchObject({ 'pcsa.projectcalico.org/name': 'default', 'projectcalico.org/serviceaccount': 'default' });
  });

  it('a namespaced policy names accounts of its own namespace; a global one selects by account labels', () => {
    const w = world([cnp('db-from-api', 'x', { selector: 'all()', serviceAccountSelector: "role == 'db'", ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api'] } } }] })]);
    expect(evaluatePacket(w, tcp('10.5.0.2', '10.5.0.1')).allowed).toBe(true); // x/api
    expect(evaluatePacket(w, tcp('10.5.0.3', '10.5.0.1')).allowed).toBe(false); // y/api: another namespace's account
    expect(evaluatePacket(w, tcp('10.5.0.4', '10.5.0.1')).allowed).toBe(false);
    expect(evaluatePacket(w, tcp('10.5.0.1', '10.5.0.2')).ingress.decision.kind).toBe('profile'); // x/api is not a db account
    const g = world([gnp('g', { serviceAccountSelector: "role == 'db'", ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: "role == 'client'" } } }] })]);
    expect(evaluatePacket(g, tcp('10.5.0.3', '10.5.0.1')).allowed).toBe(true); // y/api has role=client
    expect(evaluatePacket(g, tcp('10.5.0.2', '10.5.0.1')).allowed).toBe(false); // x/api has no such account labels
  });

  it('destination.services matches the endpoints on the Service ports; source.services their addresses', () => {
    const w = world([
      cnp('egress-db', 'x', { selector: "projectcalico.org/serviceaccount == 'api'", types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { services: { name: 'db' } } }] }),
      cnp('from-db', 'x', { selector: "projectcalico.org/serviceaccount == 'default'", ingress: [{ action: 'Allow', source: { services: { name: 'db', namespace: 'x' } } }] }),
    ]);
    expect(evaluatePacket(w, tcp('10.5.0.2', '10.5.0.1', 5432)).allowed).toBe(true);
    expect(evaluatePacket(w, tcp('10.5.0.2', '10.5.0.1', 80)).allowed).toBe(false); // not a Service port
    expect(evaluatePacket(w, tcp('10.5.0.2', '10.5.0.4', 5432)).allowed).toBe(false); // not an endpoint
    expect(evaluatePacket(w, tcp('10.5.0.1', '10.5.0.4', 22)).allowed).toBe(true); // from the Service's endpoint
    expect(evaluatePacket(w, tcp('10.5.0.2', '10.5.0.4', 22)).allowed).toBe(false);
  });

  it('pod specs give named container ports and the account', () => {
    const spec = { serviceAccountName: 'api', containers: [{ ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] };
    expect(namedContainerPorts(spec)).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]);
    expect(podServiceAccount(spec)).toBe('api');
    expect(podServiceAccount({})).toBe('default');
  });
});

describe('Felix renders service-account and Service matches', () => {
  const wl = (pod: string, ip: string, sa: string, node = 'n1'): FelixWorkload => ({ node, namespace: 'x', pod, iface: `cali${pod}`, ips: [ip], labels: {}, serviceAccount: sa });
  const snap = (policies: unknown[]): FelixSnapshot => ({
    nodeName: 'n1',
    pools: [{ name: 'p', cidr: '10.5.0.0/16', blockSize: 26, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: false, disabled: false, nodeSelector: 'all()' }],
    nodes: [{ name: 'n1', labels: {}, ipv4Address: '10.0.1.1/24' }], blocks: [],
    workloads: [wl('db', '10.5.0.1', 'db'), wl('api', '10.5.0.2', 'api'), wl('api2', '10.5.1.2', 'api', 'n2')],
    namespaces: [{ name: 'x', labels: {} }], policies: parsePolicyManifests(policies).policies,
    serviceAccounts: [{ namespace: 'x', name: 'db', labels: { role: 'db' } }],
    services: [{ namespace: 'x', name: 'db', endpoints: [{ ip: '10.5.0.1', protocol: 'TCP', port: 5432 }, { ip: '10.5.9.9', protocol: 'UDP', port: 53 }] }],
    hostInterfaces: [{ name: 'eth0', mtu: 1500, up: true, addresses: ['10.0.1.1/24'] }],
  });

  it('a serviceAccounts source is a selector IP set over the inherited labels; the policy applies by account labels', () => {
    const d = computeDesired(snap([cnp('db', 'x', { serviceAccountSelector: "role == 'db'", ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api'] } } }] })]));
    const chains = d.iptables.filter.chains;
    expect(chains.some((c) => c.name === 'cali-tw-calidb' && c.rules.some((r) => r.action?.a === 'jump' || r.action?.a === 'goto'))).toBe(true);
    const pi = chains.find((c) => c.name.startsWith('cali-pi-'))!;
    const set = /--match-set (\S+) src/.exec(pi.rules.map((r) => renderRule(pi.name, r, undefined)).join('\n'))![1]!;
    expect(d.ipsets.find((s) => s.name === set)!.members).toEqual(['10.5.0.2/32', '10.5.1.2/32']);
    // api's endpoint is not selected by the db policy: its chain ends in the profiles only.
    expect(chains.find((c) => c.name === 'cali-tw-caliapi')!.rules.map((r) => renderRule('tw', r, undefined)).join('\n')).not.toContain('cali-pi-');
  });

  it('destination.services is a hash:ip,port set (svc) matched dst,dst; source.services a hash:net set (svcnoport)', () => {
    const d = computeDesired(snap([cnp('to-db', 'x', {
      selector: 'all()', types: ['Ingress', 'Egress'],
      egress: [{ action: 'Allow', destination: { services: { name: 'db' } } }],
      ingress: [{ action: 'Allow', source: { services: { name: 'db' } } }],
    })]));
    const text = d.iptables.filter.chains.filter((c) => c.name.startsWith('cali-p')).flatMap((c) => c.rules.map((r) => renderRule(c.name, r, undefined))).join('\n');
    const dst = /--match-set (cali40svc:\S+) dst,dst/.exec(text)![1]!;
    const src = /--match-set (cali40svcnoport:\S+) src/.exec(text)?.[1] ?? /--match-set (cali40svcnoport\S*) src/.exec(text)![1]!;
    expect(d.ipsets.find((s) => s.name === dst)).toEqual({ name: dst, type: 'hash:ip,port', members: ['10.5.0.1,tcp:5432', '10.5.9.9,udp:53'] });
    expect(d.ipsets.find((s) => s.name === src)).toEqual({ name: src, type: 'hash:net', members: ['10.5.0.1/32', '10.5.9.9/32'] });
  });
});
