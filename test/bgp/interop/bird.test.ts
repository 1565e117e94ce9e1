/**
 * Interop with real bird2 over a veth pair between two namespaces: session, routes both
 * ways, withdrawals, hold-timer expiry (bird frozen with SIGSTOP), bad peer AS both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { NetLab, waitFor } from './lab.ts';
import type { SpeakerProc } from './lab.ts';

const ok = haveRoot() && haveCommands('bird', 'birdc');

const birdConf = (peerAs: number, hold = 9): string => `
router id 10.0.0.1;
protocol device { scan time 10; }
protocol static static4 {
  ipv4;
  route 192.0.2.0/24 blackhole;
  route 203.0.113.0/25 blackhole;
}
protocol bgp to_podlab {
  local 10.0.0.1 as 64512;
  neighbor 10.0.0.2 as ${peerAs};
  hold time ${hold};
  connect retry time 1;
  error wait time 1, 2;
  ipv4 { import all; export all; };
}
`;

const ourConf = (peerAs = 64512): string => `
routerId: 10.0.0.2
localAS: 64513
localAddress: 10.0.0.2
connectRetry: 1
peers:
  - address: 10.0.0.1
    as: ${peerAs}
announce:
  - prefix: 198.51.100.0/24
    communities: ["64513:7"]
`;

describe.skipIf(!ok)('interop: bird2', () => {
  const lab = new NetLab('bd');
  let birdc: (cmd: string) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    birdc = await lab.bird('a', birdConf(64513));
    sp = lab.speaker('b', ourConf());
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('establishes and exchanges routes both ways', async () => {
    await sp.waitLine('Established', (l) => l.type === 'session' && l.to === 'Established');
    const got = await sp.waitLine('192.0.2.0/24 from bird', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24');
    expect(got).toMatchObject({ nextHop: '10.0.0.1', asPath: '64512' });
    await sp.waitLine('203.0.113.0/25 from bird', (l) => l.type === 'received' && l.prefix === '203.0.113.0/25');
    const route = await waitFor('bird has our route', async () => {
      const out = await birdc('show route all 198.51.100.0/24');
      return out.includes('198.51.100.0/24') && out;
    });
    expect(route).toMatch(/BGP\.as_path: 64513/);
    expect(route).toMatch(/BGP\.next_hop: 10\.0\.0\.2/);
    expect(route).toMatch(/BGP\.community: \(64513,7\)/);
    expect(await birdc('show protocols to_podlab')).toMatch(/to_podlab\s+BGP\s+---\s+up\s+\S+\s+Established/);
    const ours = await sp.view('show route all');
    expect(ours).toMatch(/192\.0\.2\.0\/24\s+unicast \[bgp_10_0_0_1 [\d:.]+\] \* \(100\) \[AS64512i\]/);
  });

  it('propagates withdrawals both ways', async () => {
    await birdc('disable static4');
    await sp.waitLine('withdrawal of 192.0.2.0/24', (l) => l.type === 'withdrawn' && l.prefix === '192.0.2.0/24');
    await birdc('enable static4');
    await sp.waitLine('re-announcement', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24' && sp.lines.indexOf(l) > sp.lines.findIndex((x) => x.type === 'withdrawn'));
    sp.command('withdraw 198.51.100.0/24');
    await waitFor('bird lost our route', async () => !(await birdc('show route')).includes('198.51.100.0/24'));
    sp.command('announce 198.51.100.0/24');
    await waitFor('bird has it again', async () => (await birdc('show route')).includes('198.51.100.0/24'));
  });

  it('expires the hold timer when bird freezes (4/0 sent) and recovers', async () => {
    const pid = Number((await lab.exec('a', ['cat', `${lab.dir}/bird.pid`])).trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const down = await sp.waitLine('hold timer expiry', (l) => l.type === 'session' && l.from === 'Established' && l.reason === 'hold-expired', 20_000);
      expect(down).toMatchObject({ notification: { code: 4, subcode: 0, sent: true } });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const n = sp.lines.filter((l) => l.type === 'session' && l.to === 'Established').length;
    await waitFor('re-established', () => sp.lines.filter((l) => l.type === 'session' && l.to === 'Established').length > n, 30_000);
  });

  it('sends Cease 6/2 on SIGINT, which bird reports as administrative shutdown', async () => {
    expect(await sp.stop()).toBe(0);
    const out = await waitFor('bird sees the shutdown', async () => {
      const t = await birdc('show protocols all to_podlab');
      return /Administrative shutdown/i.test(t) && t;
    });
    expect(out).toMatch(/Received: Administrative shutdown/);
  });
});

describe.skipIf(!ok)('interop: bird2, bad peer AS', () => {
  const lab = new NetLab('bx');
  let birdc: (cmd: string) => Promise<string>;
  let sp: SpeakerProc;

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    // bird expects AS 64599 but we are 64513; we expect 64512, which bird is.
    birdc = await lab.bird('a', birdConf(64599));
    sp = lab.speaker('b', ourConf());
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('bird rejects our OPEN with 2/2 and we report it', async () => {
    const l = await sp.waitLine('2/2 from bird', (x) => x.type === 'session' && (x.notification as { code: number } | undefined)?.code === 2);
    expect(l).toMatchObject({ notification: { code: 2, subcode: 2, sent: false }, reason: 'notification-received' });
    expect(await birdc('show protocols to_podlab')).toMatch(/Bad peer AS/i);
  });

  it('we reject a peer with the wrong AS with 2/2, and bird reports it', async () => {
    await sp.stop();
    await birdc(`configure "${lab.file('bird2.conf', birdConf(64513))}"`);
    const sp2 = lab.speaker('b', ourConf(64600), 'wrong.yaml');
    try {
      const l = await sp2.waitLine('we send 2/2', (x) => x.type === 'session' && x.reason === 'open-rejected');
      expect(l).toMatchObject({ notification: { code: 2, subcode: 2, sent: true } });
      await waitFor('bird shows Received: Bad peer AS', async () => /Received: Bad peer AS/i.test(await birdc('show protocols to_podlab')));
    } finally {
      await sp2.stop();
    }
  });
});
