/**
 * confd's intent drives podlab's built-in speakers: sessions come up under BIRD's protocol
 * names with the right side passive, blocks travel aggregated, pod /32s inside a block stay
 * home, borrowed /32s travel, route reflectors reflect, and `calicoctl node status` reads
 * the speakers' `show protocols` like it reads BIRD's.
 */
import { describe, expect, it } from 'vitest';
import { calicoctlNodeStatus, parseShowProtocols, speakerConfigFromIntent, statusPeers } from '../../../engine/calico/confd/index.ts';
import { showProtocols } from '../../../engine/bgp/views.ts';
import { lab } from '../../bgp/helpers.ts';
import { asPerRack, meshIpipAlways, routeReflectors } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';

function start(s: Scenario) {
  const l = lab();
  const sp = new Map([...s.intents].map(([name, intent]) => [name, l.speaker(speakerConfigFromIntent(intent).config)]));
  for (const x of sp.values()) x.sp.start();
  return { l, sp };
}

describe('built-in speaker configured by confd', () => {
  it('full mesh: BIRD names, string-compare passive sides, aggregated blocks and borrowed /32s', () => {
    const s = meshIpipAlways();
    const { l, sp } = start(s);
    const a = sp.get('node-a')!.sp;
    const b = sp.get('node-b')!.sp;
    // A pod route inside node-a's own block must not leave node-a (calico_aggr rejects it).
    a.announce({ prefix: '10.244.10.5/32' });
    l.run(500);
    for (const [name, x] of sp) {
      for (const p of x.sp.peers.values()) expect(p.session.state, `${name} → ${p.name}`).toBe('Established');
    }
    expect([...b.peers.values()].map((p) => `${p.name}${p.config.passive ? ' passive' : ''}`)).toEqual(['Mesh_10_0_0_9 passive', 'Mesh_10_0_0_11 passive']);
    expect([...a.peers.values()].map((p) => `${p.name}${p.config.passive ? ' passive' : ''}`)).toEqual(['Mesh_10_0_0_10', 'Mesh_10_0_0_11']);
    expect(b.rib.get('10.244.10.0/26')!.best!.attrs.nextHop).toBe('10.0.0.9');
    expect(b.rib.get('10.244.10.64/26')).toBeDefined();
    expect(b.rib.get('10.244.20.7/32')!.best!.attrs.nextHop).toBe('10.0.0.9');
    expect(b.rib.get('10.244.10.5/32')).toBeUndefined();
    const st = statusPeers(parseShowProtocols(showProtocols(b)));
    expect(st.map((p) => `${p.peerAddress} ${p.peerType} ${p.state} ${p.info}`)).toEqual([
      '10.0.0.9 node-to-node mesh up Established',
      '10.0.0.11 node-to-node mesh up Established',
    ]);
    expect(calicoctlNodeStatus({ ipv4: { rows: parseShowProtocols(showProtocols(b)) } }).stdout).toContain('| 10.0.0.9     | node-to-node mesh | up    |');
  });

  it('route reflectors: clients learn each other through both RRs with cluster id 244.0.0.1', () => {
    const s = routeReflectors();
    const { l, sp } = start(s);
    l.run(800);
    const w2 = sp.get('worker-2')!.sp;
    const got = w2.rib.get('10.244.1.0/26')!;
    expect(got.best!.attrs).toMatchObject({ nextHop: '10.2.0.11', clusterList: [0xf4000001] });
    expect(got.paths.length).toBe(2);
    // RR-to-RR is a plain iBGP session: routes the other RR reflected are not reflected back.
    expect([...sp.get('rr-1')!.sp.peers.values()].filter((p) => p.config.routeReflectorClient).map((p) => p.name)).toEqual(['Node_10_2_0_11', 'Node_10_2_0_12', 'Node_10_2_0_13']);
  });

  it('lists what the built-in speaker cannot express instead of dropping it silently', () => {
    const plan = speakerConfigFromIntent(asPerRack().intents.get('r1-n1')!);
    expect(plan.config).toMatchObject({ routerId: '10.3.1.11', localAS: 65001, listenPort: 1790 });
    expect(plan.config.announce!.map((a) => a.prefix)).toEqual(['10.244.1.0/26', '10.96.0.0/12', '192.0.2.0/24']);
    expect(plan.caveats).toEqual([
      'Global_10_3_0_100_port_1179: graceful restart is not modelled',
      'Global_10_3_0_100_port_1179: sourceAddress None is not modelled; the node address is used',
      "Node_10_3_1_1: 'next hop keep' is not supported by the built-in speaker (eBGP rewrites the next hop)",
      "Node_10_3_1_1: 'allow local as 1' is not supported by the built-in speaker",
    ]);
    // The export policy adds the prefixAdvertisements communities.
    const out = plan.config.peers[1]!.exportPolicy!('10.244.1.0/26', { origin: 0, asPath: [], nextHop: '10.3.1.11' });
    expect(out).toMatchObject({ communities: [(65000 << 16 | 100) >>> 0], largeCommunities: [[65000, 200, 300]] });
    expect(plan.config.peers[1]!.exportPolicy!('10.244.1.7/32', { origin: 0, asPath: [], nextHop: '10.3.1.11' })).toBeNull();
  });
});
