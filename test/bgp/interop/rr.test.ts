/**
 * Route reflection with real daemons on one bridge: our speaker reflecting between a bird2
 * client and a gobgpd client, and our speaker as a client of a bird2 reflector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { NetLab, waitFor } from './lab.ts';
import type { SpeakerProc } from './lab.ts';

const ok = haveRoot() && haveCommands('bird', 'birdc', 'gobgpd', 'gobgp');

const gobgpClient = (me: string, rr: string): string => `
[global.config]
  as = 64512
  router-id = "${me}"
  local-address-list = ["${me}"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${rr}"
    peer-as = 64512
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`;

type GobgpPath = { attrs: { type: number; [k: string]: unknown }[] };
async function gobgpRoute(gobgp: (a: string[]) => Promise<string>, prefix: string): Promise<GobgpPath | undefined> {
  const j = JSON.parse(await gobgp(['global', 'rib', '-a', 'ipv4', '-j'])) as Record<string, GobgpPath[]>;
  return j[prefix]?.[0];
}

describe.skipIf(!ok)('interop: our speaker reflecting between bird2 and gobgpd clients', () => {
  const lab = new NetLab('rr');
  let birdc: (cmd: string) => Promise<string>;
  let gobgp: (args: string[]) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('h', 'r', 'b', 'g');
    lab.bridge('h', [['r', '10.0.1.1'], ['b', '10.0.1.2'], ['g', '10.0.1.3']]);
    sp = lab.speaker('r', `
routerId: 10.0.1.1
localAS: 64512
localAddress: 10.0.1.1
clusterId: 10.0.1.1
peers:
  - {address: 10.0.1.2, as: 64512, routeReflectorClient: true, passive: true}
  - {address: 10.0.1.3, as: 64512, routeReflectorClient: true, passive: true}
`);
    birdc = await lab.bird('b', `
router id 10.0.1.2;
protocol device { scan time 10; }
protocol static s4 { ipv4; route 192.0.2.0/24 blackhole; }
protocol bgp to_rr {
  local 10.0.1.2 as 64512;
  neighbor 10.0.1.1 as 64512;
  direct;
  connect retry time 1;
  ipv4 { import all; export all; };
}
`);
    gobgp = await lab.gobgp('g', gobgpClient('10.0.1.3', '10.0.1.1'));
    await gobgp(['global', 'rib', 'add', '-a', 'ipv4', '198.51.100.0/24', 'local-pref', '200', 'community', '64512:9']);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('reflects bird2 → gobgpd with ORIGINATOR_ID and CLUSTER_LIST', async () => {
    const r = await waitFor('gobgp has the reflected route', () => gobgpRoute(gobgp, '192.0.2.0/24'), 30_000);
    expect(r.attrs.find((a) => a.type === 9)).toMatchObject({ value: '10.0.1.2' });
    expect(r.attrs.find((a) => a.type === 10)).toMatchObject({ value: ['10.0.1.1'] });
    expect(r.attrs.find((a) => a.type === 3)).toMatchObject({ nexthop: '10.0.1.2' });
  });

  it('reflects gobgpd → bird2 keeping LOCAL_PREF and community, never back to the sender', async () => {
    const out = await waitFor('bird has the reflected route', async () => {
      const t = await birdc('show route all protocol to_rr');
      return t.includes('198.51.100.0/24') && t;
    }, 30_000);
    expect(out).toMatch(/BGP\.originator_id: 10\.0\.1\.3/);
    expect(out).toMatch(/BGP\.cluster_list: 10\.0\.1\.1/);
    expect(out).toMatch(/BGP\.local_pref: 200/);
    expect(out).toMatch(/BGP\.community: \(64512,9\)/);
    // bird's own route never comes back from the reflector, nor gobgp's to gobgp.
    expect(out).not.toContain('192.0.2.0/24');
    const adjIn = await gobgp(['neighbor', '10.0.1.1', 'adj-in', '-a', 'ipv4']);
    expect(adjIn).not.toContain('198.51.100.0/24');
  });

  it('withdraws reflected routes when the client withdraws', async () => {
    await gobgp(['global', 'rib', 'del', '-a', 'ipv4', '198.51.100.0/24']);
    await waitFor('bird lost it', async () => !(await birdc('show route')).includes('198.51.100.0/24'));
  });
});

describe.skipIf(!ok)('interop: our speaker as a client of a bird2 route reflector', () => {
  const lab = new NetLab('rc');
  let gobgp: (args: string[]) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('h', 'x', 'y', 'z');
    lab.bridge('h', [['x', '10.0.2.1'], ['y', '10.0.2.2'], ['z', '10.0.2.3']]);
    await lab.bird('x', `
router id 10.0.2.1;
protocol device { scan time 10; }
template bgp rrclient {
  local 10.0.2.1 as 64512;
  direct;
  rr client;
  rr cluster id 10.0.2.1;
  connect retry time 1;
  ipv4 { import all; export all; };
}
protocol bgp c_ours from rrclient { neighbor 10.0.2.2 as 64512; }
protocol bgp c_gobgp from rrclient { neighbor 10.0.2.3 as 64512; }
`);
    gobgp = await lab.gobgp('z', gobgpClient('10.0.2.3', '10.0.2.1'));
    await gobgp(['global', 'rib', 'add', '-a', 'ipv4', '203.0.113.0/24']);
    sp = lab.speaker('y', `
routerId: 10.0.2.2
localAS: 64512
localAddress: 10.0.2.2
connectRetry: 1
peers:
  - {address: 10.0.2.1, as: 64512}
announce:
  - {prefix: 198.18.0.0/24, localPref: 150}
`);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('receives reflected routes with the originator and cluster list', async () => {
    const got = await sp.waitLine('reflected 203.0.113.0/24', (l) => l.type === 'received' && l.prefix === '203.0.113.0/24', 30_000);
    expect(got).toMatchObject({ nextHop: '10.0.2.3', originatorId: '10.0.2.3', clusterList: ['10.0.2.1'], asPath: '', localPref: 100 });
  });

  it('its own route reaches the other client through the reflector', async () => {
    const r = await waitFor('gobgp has our route', () => gobgpRoute(gobgp, '198.18.0.0/24'), 30_000);
    expect(r.attrs.find((a) => a.type === 9)).toMatchObject({ value: '10.0.2.2' });
    expect(r.attrs.find((a) => a.type === 5)).toMatchObject({ value: 150 });
    expect(r.attrs.find((a) => a.type === 3)).toMatchObject({ nexthop: '10.0.2.2' });
  });
});
