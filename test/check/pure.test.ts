import { describe, it, expect } from 'vitest';
import { blastText, cutOffGroups, lostPairs, pairChanges } from '../../engine/check/blast.ts';
import { bgpNote, describeDrop, probeReason, reasonClass, ruleText } from '../../engine/check/reason.ts';
import { excusedNodes, failureCases, singleUplink, topologyReflectors } from '../../engine/check/failures.ts';
import { ipamCapacity } from '../../engine/check/ipam.ts';
import { parseIntents } from '../../engine/check/intents.ts';
import { evaluateIntents, selectEndpoints } from '../../engine/check/evaluate.ts';
import { diffReports } from '../../engine/check/diff.ts';
import { loadCheckedTopology } from '../../engine/scenario/format.ts';
import { buildResourceSet } from '../../engine/calico/resources/resource-set.ts';
import type { CalicoManifest } from '../../engine/model/types.ts';
import type { CheckReport, FailureCase, PairResult, ProbeEndpoint } from '../../engine/check/types.ts';

const eps: ProbeEndpoint[] = ['1a', '1b', '2a', '2b', '3a', '3b'].map((n) => ({ id: `pod-${n}`, kind: 'pod', node: `node-${n}`, execNode: `pod-${n}`, ip: '10.5.0.1', namespace: 'default', labels: { rack: `rack${n[0]}` } }));
const allPairs = (ok: (a: string, b: string) => boolean, reason = 'no route: leaf1 has no route to 10.5.0.1'): PairResult[] =>
  eps.flatMap((a) => eps.filter((b) => b !== a).map((b) => {
    const good = ok(a.node, b.node);
    return { matrix: 'pod', from: a.id, to: b.id, ok: good, ...(good ? {} : { reason }) };
  }));
const rack3 = (n: string): boolean => n.startsWith('node-3');
const link: FailureCase = { kind: 'link', id: 'link spine1:eth3↔leaf3:eth1', a: 'spine1:eth3', b: 'leaf3:eth1', text: 'link spine1:eth3 ↔ leaf3:eth1 down' };

describe('blast radius', () => {
  const healthy = allPairs(() => true);
  const cut = allPairs((a, b) => rack3(a) === rack3(b));
  it('finds the pairs lost, leaving out excused nodes', () => {
    expect(lostPairs(healthy, cut, eps, [])).toHaveLength(16);
    expect(lostPairs(healthy, cut, eps, ['node-3a', 'node-3b'])).toHaveLength(0);
  });
  it('groups a rack that is cut off from the rest', () => {
    const lost = lostPairs(healthy, cut, eps, []);
    expect(cutOffGroups(healthy, lost, eps, []).groups).toEqual([['node-3a', 'node-3b']]);
    expect(blastText(link, healthy, lost, eps, [], 'leaf3 has no other uplink'))
      .toBe('link spine1:eth3 ↔ leaf3:eth1 down → node-3a, node-3b cut off from 4 nodes (no route: leaf3 has no other uplink)');
  });
  it('lists pairs when nothing is partitioned', () => {
    const one = healthy.map((p) => (p.from === 'pod-1a' && p.to === 'pod-2a' ? { ...p, ok: false, reason: 'policy: x' } : p));
    expect(blastText(link, healthy, lostPairs(healthy, one, eps, []), eps, [])).toBe('link spine1:eth3 ↔ leaf3:eth1 down → 1 pair lost: pod-1a → pod-2a (policy: x)');
  });
  it('diffs pairs', () => {
    const d = pairChanges(healthy, cut);
    expect(d.lost).toHaveLength(16);
    expect(d.gained).toHaveLength(0);
    expect(pairChanges(cut, healthy).gained).toHaveLength(16);
  });
});

describe('reasons', () => {
  const base = { node: 'leaf1', dir: 'request' as const, src: '10.5.0.1', dst: '10.5.1.1', len: 84, df: true };
  it('words each drop class', () => {
    expect(describeDrop({ ...base, reason: 'no-route' })).toBe('no route: leaf1 has no route to 10.5.1.1');
    expect(describeDrop({ ...base, reason: 'mtu', dev: 'eth1', len: 1500, mtu: 1400 })).toBe('MTU: a 1500-byte packet with DF does not fit leaf1:eth1 (mtu 1400)');
    expect(describeDrop({ ...base, reason: 'netfilter', dev: 'tunl0', rule: '-A cali-tw-x -m comment --comment "cali:abc" -m comment --comment "Drop if no policies passed packet" -j DROP' }))
      .toBe('policy: dropped on leaf1:tunl0 by rule "Drop if no policies passed packet" of chain cali-tw-x (cali:abc)');
    expect(ruleText('-A FORWARD -p tcp -j DROP')).toBe('rule "-A FORWARD -p tcp -j DROP"');
  });
  it('prefers the request direction, then the reply, then ARP, then the last device seen', () => {
    expect(probeReason([{ ...base, dir: 'reply', reason: 'blackhole' }, { ...base, reason: 'ttl' }])).toMatch(/^TTL/);
    expect(probeReason([{ ...base, dir: 'reply', reason: 'blackhole' }])).toMatch(/^reply: blackhole/);
    expect(probeReason([], [{ node: 'n', dev: 'eth0', ip: '10.1.1.1' }])).toBe('ARP failed: n:eth0 got no answer for 10.1.1.1');
    expect(probeReason([], [], 'sw:eth1')).toMatch(/^no reply: last seen leaving sw:eth1/);
  });
  it('adds the BGP session that should have carried the route', () => {
    const routes = [{ dst: '0.0.0.0/0', type: 'unicast' }, { dst: '10.5.7.0/26', type: 'unicast' }];
    expect(bgpNote('m', '10.5.9.1', routes, [{ peer: '10.30.2.11', state: 'Active' }])).toBe('BGP: m has no route to 10.5.9.1 (session m→10.30.2.11 Active)');
    expect(bgpNote('m', '10.5.7.9', routes, [{ peer: '10.30.2.11', state: 'Active' }])).toBeUndefined();
    expect(bgpNote('m', '10.5.9.1', routes, [{ peer: '10.30.2.11', state: 'Established' }])).toBeUndefined();
  });
  it('classifies', () => {
    expect(reasonClass('no route: x')).toBe('route');
    expect(reasonClass('no route: x; BGP: y')).toBe('bgp');
    expect(reasonClass('policy: dropped')).toBe('policy');
    expect(reasonClass('MTU: a 1500-byte')).toBe('mtu');
  });
});

describe('failure cases', async () => {
  const intact = (await loadCheckedTopology('topologies/leaf-spine.yaml')).topology!;
  const variant = (await loadCheckedTopology('test/fixtures/check/leaf-spine-single-uplink.yaml')).topology!;
  it('enumerates each class', () => {
    expect(failureCases(intact, 'link', [])).toHaveLength(15);
    expect(failureCases(intact, 'router', []).map((c) => c.id)).toContain('router leaf3');
    expect(failureCases(intact, 'node', [])).toHaveLength(6);
    expect(topologyReflectors(intact)).toEqual(['leaf1', 'leaf2', 'leaf3']);
    expect(failureCases(intact, 'all', topologyReflectors(intact)).filter((c) => c.kind === 'rr')).toHaveLength(0);
    expect(failureCases(intact, 'none', [])).toHaveLength(0);
  });
  it('excuses a node’s own link and its rack’s only cable to the router, not a fabric link', () => {
    const cases = failureCases(intact, 'link', []);
    const byId = (id: string): FailureCase => cases.find((c) => c.id === id)!;
    expect(excusedNodes(intact, byId('link node-3a:eth0↔rack3-sw:eth2')).sort()).toEqual(['node-3a', 'node-3b']);
    expect(excusedNodes(intact, byId('link leaf3:eth3↔rack3-sw:eth1')).sort()).toEqual(['node-3a', 'node-3b']);
    expect(excusedNodes(intact, link)).toEqual([]);
  });
  it('names a single uplink from the topology', () => {
    expect(singleUplink(variant, link)).toBe('leaf3 has no other uplink');
    expect(singleUplink(intact, link)).toBeUndefined();
  });
});

describe('IPAM capacity', () => {
  const pool = (cidr: string, blockSize: number): CalicoManifest => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', name: 'p', loc: { file: 'x', line: 1, col: 1 }, manifest: { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr, blockSize } } });
  const ipamCfg = (spec: Record<string, unknown>): CalicoManifest => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfig', name: 'default', loc: { file: 'x', line: 1, col: 1 }, manifest: { apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfig', metadata: { name: 'default' }, spec } });
  it('is capped by maxBlocksPerHost (default 20)', () => {
    expect(ipamCapacity(buildResourceSet([pool('10.5.0.0/16', 26)]).set, 6)!.podsPerNode).toBe(1280);
    expect(ipamCapacity(buildResourceSet([pool('10.5.0.0/16', 26), ipamCfg({ strictAffinity: true, maxBlocksPerHost: 1 })]).set, 6)!.podsPerNode).toBe(64);
  });
  it('shares a small pool, borrowing unless strictAffinity', () => {
    expect(ipamCapacity(buildResourceSet([pool('10.5.0.0/24', 26)]).set, 3)!.podsPerNode).toBe(85);
    expect(ipamCapacity(buildResourceSet([pool('10.5.0.0/24', 26), ipamCfg({ strictAffinity: true, maxBlocksPerHost: 20 })]).set, 3)!.podsPerNode).toBe(64);
  });
});

describe('intents', () => {
  it('parses every kind', () => {
    const r = parseIntents('intents:\n  - reach: { from: all, to: outside }\n  - isolated: { from: "rack=rack1", to: "rack=rack3" }\n  - survives: link\n  - maxPodsPerNode: 110\n', 'i.yaml');
    expect(r.problems).toEqual([]);
    expect(r.intents!.map((i) => i.kind)).toEqual(['reach', 'isolated', 'survives', 'maxPodsPerNode']);
  });
  it('reports mistakes at file:line:col', () => {
    const r = parseIntents('intents:\n  - survives: cable\n  - reach: { from: all, too: x }\n  - maxPods: 3\n', 'i.yaml');
    expect(r.intents).toBeUndefined();
    const at = r.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`);
    expect(at[0]).toMatch(/^2:15 survives: must be one of link, node, router, rr/);
    expect(at.some((x) => /^3:\d+ unknown field 'too'/.test(x))).toBe(true);
    expect(at.some((x) => /^4:5 unknown intent 'maxPods'/.test(x))).toBe(true);
  });
  it('selects and evaluates', async () => {
    expect(selectEndpoints('rack=rack1', eps).map((e) => e.id)).toEqual(['pod-1a', 'pod-1b']);
    expect(selectEndpoints('node=node-2a', eps).map((e) => e.id)).toEqual(['pod-2a']);
    const topology = (await loadCheckedTopology('topologies/leaf-spine.yaml')).topology!;
    const { intents } = parseIntents('intents:\n  - isolated: { from: "rack=rack1", to: "rack=rack3" }\n  - reach: { from: "rack=rack1", to: "rack=rack2" }\n  - maxPodsPerNode: 2000\n', 'i.yaml');
    const v = evaluateIntents({ topology, endpoints: eps, healthy: { pairs: allPairs(() => true), sessions: [], routes: {} }, cases: [] }, intents!);
    expect(v.map((x) => x.intent)).toEqual(['isolated: rack=rack1 → rack=rack3', 'maxPodsPerNode: 2000']);
  });
});

describe('diff', () => {
  it('reports healthy pairs lost and sessions removed', () => {
    const rep = (pairs: PairResult[], sessions: CheckReport['healthy']['sessions']): CheckReport => ({
      input: 'x', topology: 't', failures: 'none', endpoints: eps, converged: true, healthy: { pairs, sessions, routes: { 'node-1a': 3 } },
      cases: [], violations: [], judged: [], notes: [], timing: { wallMs: 0, virtualMs: 0, cases: 0 }, passed: true,
    });
    const d = diffReports(rep(allPairs(() => true), [{ node: 'a', peer: 'b', name: 'n', state: 'Established' }]), rep(allPairs((a, b) => rack3(a) === rack3(b)), []), new Map([['node-1a', 'k8s-node']]));
    expect(d.pairs[0]!.lost).toHaveLength(16);
    expect(d.sessionsRemoved).toEqual(['a→b Established']);
    expect(d.routes).toEqual({ 'k8s-node': { old: 3, new: 3 } });
  });
});

describe('JUnit and HTML reports', () => {
  it('escape what comes from the lab and the files', async () => {
    const { renderJunit, xmlEscape } = await import('../../engine/check/junit.ts');
    const { renderHtml } = await import('../../engine/check/html.ts');
    const bad = '<script>alert("x")</script> & \u0001';
    const r: CheckReport = {
      input: 'a&b.yaml', topology: 't<1>', failures: 'none', endpoints: eps, converged: true,
      healthy: { pairs: [{ matrix: 'pod', from: 'p"1', to: 'p2', ok: false, reason: bad }], sessions: [], routes: {} },
      cases: [], violations: [{ state: 'healthy', intent: 'every pod reaches every pod', text: bad, pairs: [] }],
      judged: [{ state: 'healthy', intent: 'every pod reaches every pod' }], notes: [], timing: { wallMs: 1500, virtualMs: 0, cases: 0 }, passed: false,
    };
    expect(xmlEscape(bad)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ');
    const x = renderJunit(r, '2026-01-01T00:00:00');
    expect(x).toContain('<failure message="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; " type="violation">');
    expect(x).toContain('<testsuites name="podlab check a&amp;b.yaml" tests="1" failures="1" errors="0" time="1.500">');
    const h = renderHtml(r);
    expect(h).not.toContain('<script>');
    expect(h).toContain('title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; \u0001"');
    expect(h).toContain('<th>p&quot;1</th>');
  });
});
