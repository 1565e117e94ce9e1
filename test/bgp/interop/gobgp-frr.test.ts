/**
 * Interop with real gobgpd and FRR bgpd (each in its own namespace pair): session, routes
 * both ways with attributes checked in the daemon's own RIB, withdrawals both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { NetLab, waitFor } from './lab.ts';
import type { SpeakerProc } from './lab.ts';

const ok = haveRoot() && haveCommands('gobgpd', 'gobgp', 'vtysh', 'bgpd');

const ours = `
routerId: 10.0.0.2
localAS: 64513
localAddress: 10.0.0.2
connectRetry: 1
peers:
  - address: 10.0.0.1
    as: 64512
announce:
  - prefix: 198.51.100.0/24
    med: 20
    communities: ["64513:7"]
`;

describe.skipIf(!ok)('interop: gobgpd', () => {
  const lab = new NetLab('gb');
  let gobgp: (args: string[]) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    gobgp = await lab.gobgp('a', `
[global.config]
  as = 64512
  router-id = "10.0.0.1"
  local-address-list = ["10.0.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.2"
    peer-as = 64513
  [neighbors.timers.config]
    hold-time = 30
    keepalive-interval = 10
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`);
    await gobgp(['global', 'rib', 'add', '-a', 'ipv4', '192.0.2.0/24', 'community', '64512:100', 'large-community', '64512:1:2']);
    sp = lab.speaker('b', ours);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('establishes with hold time 30 negotiated and exchanges routes with attributes', async () => {
    await sp.waitLine('Established', (l) => l.type === 'session' && l.to === 'Established');
    const got = await sp.waitLine('192.0.2.0/24', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24');
    expect(got).toMatchObject({ nextHop: '10.0.0.1', asPath: '64512', communities: ['64512:100'] });
    const rib = await waitFor('gobgp has our route', async () => {
      const j = JSON.parse(await gobgp(['global', 'rib', '-a', 'ipv4', '-j'])) as Record<string, { attrs: { type: number; [k: string]: unknown }[] }[]>;
      return j['198.51.100.0/24']?.[0];
    });
    const attr = (t: number): Record<string, unknown> | undefined => rib.attrs.find((a) => a.type === t);
    expect(attr(2)).toMatchObject({ as_paths: [{ segment_type: 2, num: 1, asns: [64513] }] });
    expect(attr(3)).toMatchObject({ nexthop: '10.0.0.2' });
    expect(attr(4)).toMatchObject({ metric: 20 });
    expect(attr(8)).toMatchObject({ communities: [64513 * 65536 + 7] });
    const nb = await gobgp(['neighbor', '10.0.0.2']);
    expect(nb).toMatch(/BGP state = ESTABLISHED/);
    expect(nb).toMatch(/Hold time is 30, keepalive interval is 10 seconds/);
    expect(nb).toMatch(/4-octet-as:\s+advertised and received/);
  });

  it('propagates withdrawals both ways', async () => {
    await gobgp(['global', 'rib', 'del', '-a', 'ipv4', '192.0.2.0/24']);
    await sp.waitLine('withdrawn', (l) => l.type === 'withdrawn' && l.prefix === '192.0.2.0/24');
    sp.command('withdraw 198.51.100.0/24');
    await waitFor('gobgp lost our route', async () => !(await gobgp(['global', 'rib', '-a', 'ipv4'])).includes('198.51.100.0/24'));
  });
});

describe.skipIf(!ok)('interop: FRR bgpd', () => {
  const lab = new NetLab('fr');
  let vtysh: (cmd: string) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    const run = join(lab.dir, 'frr');
    mkdirSync(run);
    execFileSync('chown', ['frr:frr', run, lab.dir]);
    const conf = lab.file('bgpd.conf', `frr defaults traditional
hostname frrA
router bgp 64512
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.2 remote-as 64513
 neighbor 10.0.0.2 timers 10 30
 neighbor 10.0.0.2 timers connect 1
 address-family ipv4 unicast
  network 192.0.2.0/24
  neighbor 10.0.0.2 activate
 exit-address-family
`);
    execFileSync('chown', ['frr:frr', conf]);
    await lab.exec('a', ['/usr/lib/frr/bgpd', '-d', '-Z', '-f', conf, '-i', join(run, 'bgpd.pid'), '--vty_socket', run, '-n']).catch(async () =>
      lab.exec('a', ['/usr/lib/frr/bgpd', '-d', '-Z', '-f', conf, '-i', join(run, 'bgpd.pid'), '--vty_socket', run]));
    lab.trackPidFile(join(run, 'bgpd.pid'));
    vtysh = (cmd: string) => lab.exec('a', ['vtysh', '--vty_socket', run, '-c', cmd]);
    await waitFor('bgpd vty', async () => (await vtysh('show bgp summary')).length > 0);
    sp = lab.speaker('b', ours);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('establishes and exchanges routes both ways', async () => {
    await sp.waitLine('Established', (l) => l.type === 'session' && l.to === 'Established');
    const got = await sp.waitLine('192.0.2.0/24', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24');
    // FRR adds MED 0 to its `network` route (seen in the captures).
    expect(got).toMatchObject({ nextHop: '10.0.0.1', asPath: '64512', med: 0 });
    const out = await waitFor('FRR has our route', async () => {
      const t = await vtysh('show bgp ipv4 unicast 198.51.100.0/24');
      return t.includes('64513') && t;
    });
    expect(out).toMatch(/10\.0\.0\.2 from 10\.0\.0\.2 \(10\.0\.0\.2\)/);
    expect(out).toMatch(/Community: 64513:7/);
    expect(out).toMatch(/metric 20/);
  });

  it('propagates withdrawals both ways', async () => {
    sp.command('withdraw 198.51.100.0/24');
    await waitFor('FRR lost our route', async () => !(await vtysh('show bgp ipv4 unicast')).includes('198.51.100.0/24'));
    await lab.exec('a', ['vtysh', '-d', 'bgpd', '--vty_socket', join(lab.dir, 'frr'), '-c', 'configure terminal', '-c', 'router bgp 64512', '-c', 'address-family ipv4 unicast', '-c', 'no network 192.0.2.0/24']);
    await sp.waitLine('withdrawn', (l) => l.type === 'withdrawn' && l.prefix === '192.0.2.0/24');
  });
});
