import { describe, expect, it } from 'vitest';
import { parsePolicyManifest, parsePolicyManifests, selectorToStringOf } from './helpers.ts';

const k8s = (spec: unknown, name = 'p', namespace: string | undefined = 'x') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, ...(namespace ? { namespace } : {}) }, spec });
const calico = (kind: string, spec: unknown, md: Record<string, unknown> = { name: 'p', namespace: 'x' }) => ({ apiVersion: 'projectcalico.org/v3', kind, metadata: md, spec });
const paths = (r: ReturnType<typeof parsePolicyManifest>, sev: 'error' | 'warning' = 'error') => r.problems.filter((p) => p.severity === sev).map((p) => p.path);

describe('Kubernetes NetworkPolicy conversion', () => {
  it('becomes knp.default.<name> in tier default at order 1000, scoped to k8s pods', () => {
    const r = parsePolicyManifest(k8s({ podSelector: { matchLabels: { app: 'db' } } }, 'deny-all'));
    expect(r.problems).toEqual([]);
    const p = r.policy!;
    expect([p.kind, p.name, p.namespace, p.tier, p.order, p.source]).toEqual(['NetworkPolicy', 'knp.default.deny-all', 'x', 'default', 1000, 'kubernetes']);
    expect(selectorToStringOf(p.selector)).toBe('app == "db" && projectcalico.org/orchestrator == "k8s"');
    expect(p.types).toEqual(['ingress']);
    expect(p.ingress).toEqual([]);
  });

  it('defaults policyTypes the Kubernetes way', () => {
    expect(parsePolicyManifest(k8s({ podSelector: {}, egress: [{}] })).policy!.types).toEqual(['ingress', 'egress']);
    expect(parsePolicyManifest(k8s({ podSelector: {}, egress: [] })).policy!.types).toEqual(['ingress']);
    expect(parsePolicyManifest(k8s({ podSelector: {}, policyTypes: ['Egress'] })).policy!.types).toEqual(['egress']);
    const ignored = parsePolicyManifest(k8s({ podSelector: {}, policyTypes: ['Egress'], ingress: [{}] }));
    expect(ignored.policy!.ingress).toEqual([]);
    expect(paths(ignored, 'warning')).toEqual(['spec.ingress']);
  });

  it('turns peers × ports into Allow rules with their origin', () => {
    const p = parsePolicyManifest(k8s({
      podSelector: {},
      ingress: [{
        from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
        ports: [{ port: 80 }, { protocol: 'UDP', port: 'dns', }, { protocol: 'SCTP', port: 1000, endPort: 2000 }],
      }],
    })).policy!;
    expect(p.ingress).toHaveLength(9);
    expect(p.ingress.map((r) => r.origin)[4]).toBe('spec.ingress[0].from[1] × ports[1]');
    const r0 = p.ingress[0]!;
    expect([r0.action, r0.protocol, selectorToStringOf(r0.source.selector!), r0.destination.ports]).toEqual(['Allow', 6, 'pod == "b" && projectcalico.org/orchestrator == "k8s"', [{ kind: 'range', first: 80, last: 80 }]]);
    expect(selectorToStringOf(p.ingress[3]!.source.namespaceSelector!)).toBe('ns == "y"');
    expect(p.ingress[4]!.destination.ports).toEqual([{ kind: 'named', name: 'dns' }]);
    expect(p.ingress[4]!.protocol).toBe(17);
    expect(p.ingress[8]!.destination.ports).toEqual([{ kind: 'range', first: 1000, last: 2000 }]);
    expect(p.ingress[8]!.source.nets!.map((n) => n.len)).toEqual([8]);
    expect(p.ingress[8]!.source.notNets!.map((n) => n.len)).toEqual([16]);
  });

  it('names the field path of every invalid value, with what to do', () => {
    const r = parsePolicyManifest(k8s({
      podSelector: {},
      policyTypes: ['Ingress', 'Sideways'],
      ingress: [{
        from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }, { ipBlock: { cidr: '10.0.0.1' } }, {}, { podSelector: {}, ipBlock: { cidr: '1.2.3.0/24' } }],
        ports: [{ port: 80, protocol: 'ICMP' }, { port: 70000 }, { port: 'Not_A_Name' }, { port: 90, endPort: 80 }, { endPort: 5 }, { port: 'http', endPort: 90 }],
      }],
    }));
    expect(r.policy).toBeUndefined();
    expect(paths(r)).toEqual([
      'spec.policyTypes[1]',
      'spec.ingress[0].from[0].ipBlock.except[0]',
      'spec.ingress[0].from[1].ipBlock.cidr',
      'spec.ingress[0].from[2]',
      'spec.ingress[0].from[3]',
      'spec.ingress[0].ports[0].protocol',
      'spec.ingress[0].ports[1].port',
      'spec.ingress[0].ports[2].port',
      'spec.ingress[0].ports[3].endPort',
      'spec.ingress[0].ports[4].endPort',
      'spec.ingress[0].ports[5].endPort',
    ]);
    for (const p of r.problems) expect(p.hint ?? p.message, p.path).not.toBe('');
    expect(r.problems.find((p) => p.path === 'spec.ingress[0].ports[0].protocol')!.hint).toMatch(/TCP, UDP or SCTP/);
  });

  it('warns about unknown fields with a suggestion, and a missing namespace', () => {
    const r = parsePolicyManifest(k8s({ podSelector: {}, ingres: [{}], ingress: [{ form: [] }] }, 'p', ''));
    expect(r.policy).toBeDefined();
    expect(r.problems.filter((p) => p.severity === 'warning').map((p) => [p.path, p.hint])).toEqual([
      ['metadata.namespace', undefined],
      ['spec.ingres', "did you mean 'ingress'?"],
      ['spec.ingress[0].form', "did you mean 'from'?"],
    ]);
    expect(r.policy!.namespace).toBe('default');
  });
});

describe('Calico NetworkPolicy / GlobalNetworkPolicy / Tier', () => {
  it('defaults tier, types (only directions with rules; Ingress if none) and selector', () => {
    const eg = parsePolicyManifest(calico('NetworkPolicy', { egress: [{ action: 'Allow' }] })).policy!;
    expect([eg.tier, eg.order, eg.types, selectorToStringOf(eg.selector)]).toEqual(['default', undefined, ['egress'], 'all()']);
    expect(parsePolicyManifest(calico('NetworkPolicy', {})).policy!.types).toEqual(['ingress']);
    expect(parsePolicyManifest(calico('NetworkPolicy', { ingress: [{ action: 'Deny' }], egress: [{ action: 'Allow' }] })).policy!.types).toEqual(['ingress', 'egress']);
    const g = parsePolicyManifest(calico('GlobalNetworkPolicy', { order: 10.5, tier: 'security', namespaceSelector: "ns == 'x'", selector: 'has(app)', ingress: [{ action: 'Pass' }] }, { name: 'security.g' })).policy!;
    expect([g.kind, g.namespace, g.order, g.tier, selectorToStringOf(g.namespaceSelector!)]).toEqual(['GlobalNetworkPolicy', undefined, 10.5, 'security', 'ns == "x"']);
  });

  it('parses rule matches: protocol, icmp, nets, selectors, ports ranges and names', () => {
    const p = parsePolicyManifest(calico('NetworkPolicy', {
      ingress: [
        { action: 'Allow', protocol: 'TCP', source: { nets: ['10.0.0.0/8'], notNets: ['10.1.0.0/16'], selector: "app == 'a'", notSelector: "x == 'y'", namespaceSelector: 'global()' }, destination: { ports: [80, '8000:8080', 'http'], notPorts: [8001] } },
        { action: 'Log', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
        { action: 'Deny', notProtocol: 'udp' },
      ],
    })).policy!;
    const [a, b, c] = p.ingress;
    expect(a!.destination.ports).toEqual([{ kind: 'range', first: 80, last: 80 }, { kind: 'range', first: 8000, last: 8080 }, { kind: 'named', name: 'http' }]);
    expect(b!.icmp).toEqual({ type: 8, code: 0 });
    expect(c!.notProtocol).toBe(17);
  });

  it('reports invalid Calico values at their path', () => {
    const r = parsePolicyManifest(calico('NetworkPolicy', {
      order: 'first',
      types: ['Ingress'],
      selector: "app = 'x'",
      ingress: [
        { action: 'allow' },
        { action: 'Allow', destination: { ports: [80] } },
        { action: 'Allow', protocol: 'TCP', destination: { ports: ['2000:1000', 'BAD NAME', 70000] } },
        { action: 'Deny', protocol: 'XTP' },
        { action: 'Allow', protocol: 'TCP', icmp: { type: 8 } },
        { action: 'Allow', source: { nets: ['10.0.0.300/8'], selector: "(a == 'b'" } },
        { protocol: 'UDP' },
      ],
      egress: [{ action: 'Allow' }],
    }));
    expect(r.policy).toBeUndefined();
    expect(paths(r)).toEqual([
      'spec.order',
      'spec.selector',
      'spec.ingress[0].action',
      'spec.ingress[1].destination.ports',
      'spec.ingress[2].destination.ports[0]',
      'spec.ingress[2].destination.ports[1]',
      'spec.ingress[2].destination.ports[2]',
      'spec.ingress[3].protocol',
      'spec.ingress[4].icmp',
      'spec.ingress[5].source.nets[0]',
      'spec.ingress[5].source.selector',
      'spec.ingress[6].action',
      'spec.egress',
    ]);
    expect(r.problems.find((p) => p.path === 'spec.ingress[0].action')!.hint).toBe("write 'Allow' (capitalised)");
    expect(r.problems.find((p) => p.path === 'spec.selector')!.message).toMatch(/column 5/);
    expect(r.problems.find((p) => p.path === 'spec.ingress[2].destination.ports[0]')!.hint).toBe('write it as "1000:2000"');
  });

  it('parses tiers and refuses policies in undeclared tiers', () => {
    const t = parsePolicyManifest({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100, defaultAction: 'Pass' } });
    expect(t.tier).toEqual({ name: 'security', order: 100, defaultAction: 'Pass' });
    expect(parsePolicyManifest({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: {} }).tier!.defaultAction).toBe('Deny');
    expect(paths(parsePolicyManifest({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: { defaultAction: 'Allow' } }))).toEqual(['spec.defaultAction']);
    const set = parsePolicyManifests([calico('GlobalNetworkPolicy', { tier: 'nope' }, { name: 'g' }), { apiVersion: 'v1', kind: 'Namespace' }]);
    expect(set.problems.map((p) => [p.index, p.problem.path, p.problem.message])).toEqual([[0, 'spec.tier', "tier 'nope' does not exist"]]);
  });

  it('rejects wrong apiVersions and kinds with a hint', () => {
    const r = parsePolicyManifest({ apiVersion: 'networking.k8s.io/v1beta1', kind: 'NetworkPolicy', metadata: { name: 'a' }, spec: {} });
    expect(r.problems[0]!.path).toBe('apiVersion');
    expect(r.problems[0]!.hint).toMatch(/networking\.k8s\.io\/v1/);
  });
});

describe('Kubernetes defaults the API server applies', () => {
  it('treats a missing podSelector as {} with a warning', () => {
    const r = parsePolicyManifest({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'd', namespace: 'x' }, spec: {} });
    expect(r.problems.map((p) => [p.severity, p.path])).toEqual([['warning', 'spec.podSelector']]);
    expect(selectorToStringOf(r.policy!.selector)).toBe('projectcalico.org/orchestrator == "k8s"');
  });
});
