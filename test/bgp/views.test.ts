import { describe, expect, it } from 'vitest';
import { showProtocols, showRoute } from '../../engine/bgp/views.ts';
import { lab } from './helpers.ts';

describe('birdc-style views', () => {
  it('show protocols and show route all in BIRD 2 layout', () => {
    const l = lab();
    const a = l.speaker({ routerId: '10.0.0.1', localAS: 64512, localAddress: '10.0.0.1', peers: [{ address: '10.0.0.2', as: 64513, name: 'Mesh_10_0_0_2' }, { address: '10.0.0.9', as: 64513, name: 'Node_10_0_0_9', passive: true }], announce: [{ prefix: '192.0.2.0/24' }] });
    const b = l.speaker({ routerId: '10.0.0.2', localAS: 64513, localAddress: '10.0.0.2', peers: [{ address: '10.0.0.1', as: 64512, passive: true }], announce: [{ prefix: '198.51.100.0/24', med: 5, communities: ['64513:7'] }] });
    a.sp.start();
    b.sp.start();
    l.run(1_000);
    expect(showProtocols(a.sp)).toBe([
      'Name       Proto      Table      State  Since         Info',
      'Mesh_10_0_0_2 BGP        ---        up     00:00:00.000  Established   ',
      'Node_10_0_0_9 BGP        ---        start  00:00:00.000  Passive',
      '',
    ].join('\n'));
    expect(showRoute(a.sp, { all: true })).toBe([
      'Table master4:',
      '192.0.2.0/24         blackhole [static1 00:00:00.000] * (200)',
      '\tType: static univ',
      '198.51.100.0/24      unicast [Mesh_10_0_0_2 00:00:00.000] * (100) [AS64513i]',
      '\tvia 10.0.0.2',
      '\tType: BGP univ',
      '\tBGP.origin: IGP',
      '\tBGP.as_path: 64513',
      '\tBGP.next_hop: 10.0.0.2',
      '\tBGP.med: 5',
      '\tBGP.local_pref: 100',
      '\tBGP.community: (64513,7)',
      '',
    ].join('\n'));
  });
});
