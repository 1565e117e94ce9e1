import { describe, expect, it } from 'vitest';
import type { Endpoint, PacketSpec } from '../../../engine/calico/policy/index.ts';
import { compareTables, compileWorld, evaluatePacket, isReplyAllowed, newTruthTable, parsePolicyManifests, prettyPrint } from '../../../engine/calico/policy/index.ts';
import { FIXTURE_NAMESPACES, FIXTURE_PODS, podIp, POD_IDS } from './netpol-fixture.ts';

const HEP: Endpoint = { kind: 'host', name: 'node1-eth0', labels: { role: 'node' }, ips: ['192.168.0.11'] };

function world(manifests: Record<string, unknown>[], extra: Endpoint[] = []) {
  const parsed = parsePolicyManifests(manifests);
  expect(parsed.problems.filter((p) => p.problem.severity === 'error')).toEqual([]);
  return compileWorld({ namespaces: FIXTURE_NAMESPACES, endpoints: [...FIXTURE_PODS, ...extra], policies: parsed.policies, tiers: parsed.tiers });
}
const tcp = (from: string, to: string, port = 80): PacketSpec => ({ src: ip(from), dst: ip(to), protocol: 'TCP', dstPort: port, srcPort: 40000 });
function ip(id: string): string {
  if (!id.includes('/')) return id;
  const [ns, pod] = id.split('/');
  return podIp(ns!, pod!);
}
const knp = (name: string, namespace: string, spec: unknown) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const gnp = (name: string, spec: unknown) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const cnp = (name: string, namespace: string, spec: unknown) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

describe('evaluator explanations', () => {
  it('explains end of tier, rule decisions and profiles', () => {
    const w = world([knp('deny-all', 'y', { podSelector: {} }), knp('allow-80', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] })]);
    const v = evaluatePacket(w, tcp('x/a', 'y/b'));
    expect(v.allowed).toBe(false);
    expect(v.ingress.text).toBe('ingress at y/b: denied — policy knp.default.deny-all in tier default selects y/b and no rule matched TCP/80 (end of tier)');
    expect(v.ingress.decision).toEqual({ kind: 'end-of-tier', tier: 'default', policies: ['knp.default.deny-all'] });
    expect(v.egress.decision).toEqual({ kind: 'rule', hit: { tier: 'default', policy: 'knp.default.allow-80', namespace: 'x', ruleIndex: 0, origin: 'spec.egress[0] × ports[0]', action: 'Allow' } });
    const z = evaluatePacket(w, tcp('z/a', 'x/b'));
    expect(z.egress.decision).toEqual({ kind: 'profile', profile: 'kns.z', reason: 'no-policy' });
    expect(z.egress.text).toBe('egress at z/a: allowed — no policy selects z/a for egress; profile kns.z allows');
    expect(z.ingress.text).toBe('ingress at x/b: allowed — no policy selects x/b for ingress; profile kns.x allows');
  });

  it('records Log hits, Pass steps and tier walk', () => {
    const w = world([
      { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'sec' }, spec: { order: 10 } },
      gnp('sec.log-pass', { tier: 'sec', namespaceSelector: "ns == 'x'", ingress: [{ action: 'Log' }, { action: 'Pass', protocol: 'TCP' }] }),
      gnp('deny-udp', { order: 1, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Log', protocol: 'UDP' }, { action: 'Deny', protocol: 'UDP' }] }),
    ]);
    const t = evaluatePacket(w, tcp('y/a', 'x/a'));
    expect(t.ingress.logs.map((l) => [l.policy, l.ruleIndex])).toEqual([['sec.log-pass', 0]]);
    expect(t.ingress.tiers).toEqual([
      { tier: 'sec', policies: ['sec.log-pass'], outcome: 'pass' },
      { tier: 'default', policies: ['deny-udp'], outcome: 'end-of-tier-deny' },
    ]);
    const u = evaluatePacket(w, { ...tcp('y/a', 'x/a'), protocol: 'UDP' });
    // UDP: not passed by sec (Pass is TCP only) → end of tier sec.
    expect(u.ingress.decision).toEqual({ kind: 'end-of-tier', tier: 'sec', policies: ['sec.log-pass'] });
    const w2 = world([
      { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'sec' }, spec: { order: 10 } },
      gnp('sec.pass', { tier: 'sec', ingress: [{ action: 'Pass' }] }),
      knp('allow', 'x', { podSelector: {}, ingress: [{}] }),
    ]);
    const p = evaluatePacket(w2, tcp('y/a', 'x/a'));
    expect(p.ingress.text).toBe('ingress at x/a: allowed — rule 0 (spec.ingress[0]) of policy knp.default.allow in tier default: Allow (after tier sec passed)');
    const q = evaluatePacket(w2, tcp('x/a', 'y/a'));
    expect(q.ingress.decision).toEqual({ kind: 'profile', profile: 'kns.y', reason: 'passed' });
  });

  it('orders policies by order (missing = +∞), then name', () => {
    const w = world([
      cnp('b-allow', 'x', { order: 5, ingress: [{ action: 'Allow' }] }),
      cnp('a-deny', 'x', { order: 5, ingress: [{ action: 'Deny' }] }),
      cnp('0-unordered', 'x', { ingress: [{ action: 'Allow' }] }),
    ]);
    expect(evaluatePacket(w, tcp('y/a', 'x/a')).ingress.decision).toMatchObject({ kind: 'rule', hit: { policy: 'a-deny', action: 'Deny' } });
    expect(w.tiers.find((t) => t.tier.name === 'default')!.policies.map((p) => p.name)).toEqual(['a-deny', 'b-allow', '0-unordered']);
  });

  it('matches addresses outside the cluster by nets only', () => {
    const w = world([
      knp('egress', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '8.8.8.0/24' } }] }, { to: [{ namespaceSelector: {} }], ports: [{ port: 'serve-80-tcp' }] }] }),
      cnp('not-sel', 'y', { ingress: [{ action: 'Allow', source: { notSelector: "pod == 'a'" } }] }),
      gnp('from-anywhere-but', { namespaceSelector: "ns == 'z'", ingress: [{ action: 'Allow', source: { notSelector: "pod == 'a'" } }] }),
    ]);
    const out = evaluatePacket(w, { src: podIp('x', 'a'), dst: '8.8.8.8', protocol: 'UDP', dstPort: 53 });
    expect(out.allowed).toBe(true);
    expect(out.ingress).toMatchObject({ policed: false, at: '8.8.8.8' });
    // The named port resolves only against endpoints: 1.1.1.1:80 is not "serve-80-tcp".
    expect(evaluatePacket(w, { src: podIp('x', 'a'), dst: '1.1.1.1', protocol: 'TCP', dstPort: 80 }).allowed).toBe(false);
    expect(evaluatePacket(w, tcp('x/a', 'y/b')).egress.allowed).toBe(true);
    // A namespaced notSelector rule still scopes the source to the namespace: outsiders fail.
    expect(evaluatePacket(w, { src: '203.0.113.9', dst: podIp('y', 'b'), protocol: 'TCP', dstPort: 80 }).allowed).toBe(false);
    // A global one does not: an outside address is "not pod == a".
    expect(evaluatePacket(w, { src: '203.0.113.9', dst: podIp('z', 'b'), protocol: 'TCP', dstPort: 80 }).allowed).toBe(true);
    expect(evaluatePacket(w, tcp('y/a', 'z/b')).allowed).toBe(false);
  });

  it('lets host endpoints match global() and global selectors, not namespaced ones', () => {
    const w = world([
      gnp('from-nodes', { namespaceSelector: "ns == 'x'", ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()', selector: "role == 'node'" } }] }),
      gnp('nodes-into-y', { namespaceSelector: "ns == 'y'", ingress: [{ action: 'Allow', source: { namespaceSelector: 'all()' } }] }),
    ], [HEP]);
    expect(evaluatePacket(w, { src: '192.168.0.11', dst: podIp('x', 'a'), protocol: 'TCP', dstPort: 80 }).allowed).toBe(true);
    expect(evaluatePacket(w, tcp('y/a', 'x/a')).allowed).toBe(false);
    // all() in a namespaceSelector means "any namespace": the host endpoint is in none.
    expect(evaluatePacket(w, { src: '192.168.0.11', dst: podIp('y', 'a'), protocol: 'TCP', dstPort: 80 }).allowed).toBe(false);
    expect(evaluatePacket(w, tcp('z/a', 'y/a')).allowed).toBe(true);
    const v = evaluatePacket(w, { src: podIp('x', 'a'), dst: '192.168.0.11', protocol: 'TCP', dstPort: 22 });
    expect(v.ingress).toMatchObject({ policed: false, at: 'hep:node1-eth0' });
  });

  it('matches ICMP type/code, notProtocol and IPv6 nets', () => {
    const w = world([cnp('icmp', 'x', {
      ingress: [
        { action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } },
        { action: 'Allow', notProtocol: 'ICMP', source: { nets: ['fd00::/8'] } },
      ],
    })]);
    const ping = { src: podIp('y', 'a'), dst: podIp('x', 'a'), protocol: 'ICMP' as const, icmpType: 8, icmpCode: 0 };
    expect(evaluatePacket(w, ping).allowed).toBe(true);
    expect(evaluatePacket(w, { ...ping, icmpType: 13 }).allowed).toBe(false);
    expect(evaluatePacket(w, { src: 'fd00::5', dst: podIp('x', 'a'), protocol: 'TCP', dstPort: 1 }).allowed).toBe(true);
    expect(evaluatePacket(w, { src: 'fe80::5', dst: podIp('x', 'a'), protocol: 'TCP', dstPort: 1 }).allowed).toBe(false);
  });

  it('ignores policies whose tier does not exist', () => {
    const parsed = parsePolicyManifests([gnp('ghost', { tier: 'nope', ingress: [{ action: 'Deny' }] })]);
    const w = compileWorld({ namespaces: FIXTURE_NAMESPACES, endpoints: FIXTURE_PODS, policies: parsed.policies, tiers: parsed.tiers });
    expect(w.orphans.map((p) => p.name)).toEqual(['ghost']);
    expect(evaluatePacket(w, tcp('x/a', 'y/a')).allowed).toBe(true);
  });

  it('allows replies exactly when the original was allowed (conntrack semantics)', () => {
    const w = world([knp('deny-all', 'y', { podSelector: {} })]);
    expect(isReplyAllowed(evaluatePacket(w, tcp('y/a', 'x/a')))).toBe(true);
    // x/a → y/a is denied, so no reply ever exists to allow.
    expect(isReplyAllowed(evaluatePacket(w, tcp('x/a', 'y/a')))).toBe(false);
  });
});

describe('truth-table printing', () => {
  it('prints upstream-style grids and counts mismatches', () => {
    const a = newTruthTable(POD_IDS, POD_IDS, true);
    const b = newTruthTable(POD_IDS, POD_IDS, true);
    b.values[0]![1] = false;
    const { table, wrong } = compareTables(a, b);
    expect(wrong).toBe(1);
    const lines = prettyPrint(table).split('\n');
    expect(lines[0]).toBe(['-', ...POD_IDS].join('\t'));
    expect(lines[1]).toBe(['x/a', '.', 'X', '.', '.', '.', '.', '.', '.', '.'].join('\t'));
    expect(compareTables(a, b, (f, t) => f === 'x/a' && t === 'x/b').wrong).toBe(0);
  });
});
