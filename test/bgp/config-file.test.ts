import { describe, expect, it } from 'vitest';
import { parseSpeakerConfig } from '../../engine/bgp/config-file.ts';

describe('podlab bgp config file', () => {
  it('accepts the documented shape', () => {
    const r = parseSpeakerConfig('s.yaml', [
      'routerId: 10.0.0.1', 'localAS: 4200000001', 'listenPort: 1179', 'clusterId: 10.0.0.1',
      'peers:', '  - {address: 10.0.0.2, as: 64513, passive: true, holdTime: 30, routeReflectorClient: true, port: 179}',
      'announce:', '  - {prefix: 192.0.2.0/24, nextHop: 10.0.0.1, localPref: 200, med: 5, communities: ["64512:100"]}',
    ].join('\n'));
    expect(r).toEqual({ ok: true, config: {
      routerId: '10.0.0.1', localAS: 4200000001, listenPort: 1179, clusterId: '10.0.0.1',
      peers: [{ address: '10.0.0.2', as: 64513, passive: true, holdTime: 30, routeReflectorClient: true, port: 179 }],
      announce: [{ prefix: '192.0.2.0/24', nextHop: '10.0.0.1', localPref: 200, med: 5, communities: ['64512:100'] }],
    } });
  });

  it('reports every problem with file:line:col', () => {
    const r = parseSpeakerConfig('bad.yaml', 'routerId: 10.0.0.300\nlocalAS: 64512\npeers:\n  - address: 10.0.0.2\n    as: x\n    holdTime: 2\n    bogus: 1\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'bad.yaml:1:11: routerId must be an IPv4 address (a.b.c.d), got "10.0.0.300"',
      "bad.yaml:7:5: unknown key 'bogus' in peers[0] (expected one of: address, as, name, passive, holdTime, routeReflectorClient, port, nextHopSelf, nextHopKeep, connectRetry)",
      'bad.yaml:5:9: peers[0].as must be an integer 1..4294967295, got "x"',
      'bad.yaml:6:15: peers[0].holdTime must be 0 or at least 3 (RFC 4271 §4.2)',
    ]);
  });

  it('reports YAML syntax errors and missing keys', () => {
    const r = parseSpeakerConfig('x.yaml', 'routerId: [\n');
    expect(!r.ok && r.errors[0]).toMatch(/^x\.yaml:\d+:\d+: YAML syntax/);
    const m = parseSpeakerConfig('y.yaml', 'peers: []\n');
    expect(!m.ok && m.errors).toEqual(["y.yaml:1:1: missing required key 'routerId'", "y.yaml:1:1: missing required key 'localAS'"]);
  });
});
