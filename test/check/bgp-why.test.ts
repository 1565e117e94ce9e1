/**
 * Why BGP sessions are down: the pure reasoning (bgp-why.ts) on hand-made facts, and the whole
 * chain on a leaf-spine scenario with one fault of each kind (test/fixtures/check/bgp-faults.yaml).
 */
import { describe, it, expect } from 'vitest';
import { sessionWhy } from '../../engine/check/bgp-why.ts';
import type { SessionFacts } from '../../engine/check/bgp-why.ts';
import { loadCheckInput } from '../../engine/check/load.ts';
import { runCheck } from '../../engine/check/run.ts';

const up: SessionFacts = {
  node: 'node-1a', peer: '10.1.1.1', state: 'Active', expectedAs: 65001, localAs: 65001, peerNode: 'leaf1',
  peerSpeaker: { localAs: 65001, peersBack: true, expectsAs: 65001 }, routeToPeer: '10.1.1.1 dev eth0 src 10.1.1.11',
};

describe('sessionWhy (pure)', () => {
  it('names the first cause an operator would find, in order', () => {
    expect(sessionWhy({ ...up, selfStopped: true }).class).toBe('peer-down');
    const { peerNode: _n, ...noOwner } = up;
    expect(sessionWhy(noOwner).text).toBe('peer down: no node of the lab has 10.1.1.1');
    expect(sessionWhy({ ...up, peerStopped: true }).text).toBe('peer down: leaf1 is stopped');
    const { routeToPeer: _r, ...noRoute } = up;
    expect(sessionWhy(noRoute)).toEqual({ class: 'no-route', text: 'no route to peer: node-1a has no route to 10.1.1.1' });
    expect(sessionWhy({ ...up, port179: 'no route: rack-sw has no route to 10.1.1.1' }).class).toBe('no-route');
    expect(sessionWhy({ ...up, port179: 'policy: dropped on leaf1:eth3 by rule "-A INPUT -p tcp --dport 179 -j DROP"' }))
      .toEqual({ class: 'filtered', text: 'port 179 filtered: dropped on leaf1:eth3 by rule "-A INPUT -p tcp --dport 179 -j DROP"' });
    expect(sessionWhy({ ...up, peerSpeaker: { localAs: 65001, peersBack: false } }).class).toBe('no-peering');
    expect(sessionWhy({ ...up, peerSpeaker: { localAs: 65002, peersBack: true, expectsAs: 65001 } }).text).toBe('AS mismatch: node-1a expects AS 65001 of 10.1.1.1, but leaf1 is AS 65002');
    expect(sessionWhy({ ...up, peerSpeaker: { localAs: 65001, peersBack: true, expectsAs: 65009 } }).text).toBe('AS mismatch: leaf1 expects AS 65009 of node-1a, but node-1a is AS 65001');
    expect(sessionWhy({ ...up, lastNotification: 'Received: Cease: administrative shutdown' }).class).toBe('notification');
    expect(sessionWhy(up).class).toBe('other');
  });
  it('a filter hides an AS mismatch behind it (no OPEN is ever exchanged)', () => {
    expect(sessionWhy({ ...up, peerSpeaker: { localAs: 65002, peersBack: true }, port179: 'policy: dropped on x by rule "y"' }).class).toBe('filtered');
  });
});

describe('every down session of a faulty fabric has its reason, from the lab', () => {
  it('AS mismatch, no route to peer, port 179 filtered, no peering / missing reflector, peer down', { timeout: 120_000 }, async () => {
    const l = await loadCheckInput('test/fixtures/check/bgp-faults.yaml');
    const r = await runCheck(l.input!, { failures: 'none' });
    const why = (node: string, peer: string): string | undefined => r.healthy.sessions.find((s) => s.node === node && s.peer === peer)?.why;
    expect(why('node-2a', '10.1.2.1')).toBe('AS mismatch: node-2a expects AS 65009 of 10.1.2.1, but leaf2 is AS 65002 (last NOTIFICATION: Error: OPEN message error: bad peer AS (AS 65002))');
    expect(why('leaf2', '10.1.2.11')).toMatch(/^AS mismatch: node-2a expects AS 65009 of leaf2, but leaf2 is AS 65002/);
    expect(why('node-1b', '10.1.3.1')).toBe('no route to peer: leaf1 has no route to 10.1.3.1');
    expect(why('leaf2', '10.0.1.2')).toBe('port 179 filtered: dropped on spine1:eth2 by rule "-A INPUT -s 10.0.1.3/32 -p tcp -j DROP"');
    expect(why('spine1', '10.0.1.3')).toMatch(/^port 179 filtered: the answer is dropped on spine1:eth2/);
    expect(why('leaf3', '10.1.3.11')).toMatch(/^no peering configured on node-3a for leaf3 .*Cease: connection rejected/);
    expect(why('leaf1', '10.0.2.0')).toBe('peer down: spine2 is stopped');
    expect(why('spine2', '10.0.2.1')).toBe('node down: spine2 itself is stopped');
    expect(r.healthy.bgpIsolated).toEqual([
      'node-3a has no BGP session: nodeToNodeMeshEnabled is false and no BGPPeer selects it (missing route reflector or ToR peering)',
      'node-3b has no BGP session: nodeToNodeMeshEnabled is false and no BGPPeer selects it (missing route reflector or ToR peering)',
    ]);
    // Every down session has a reason; none fell through to "other".
    const down = r.healthy.sessions.filter((s) => s.state !== 'Established');
    expect(down.length).toBeGreaterThan(10);
    expect(down.filter((s) => !s.why || s.whyClass === 'other')).toEqual([]);
    expect(r.violations.map((v) => v.intent)).toContain('every k8s node has a BGP session');
  });
});
