/** Interop with BIRD 1.6 (what Calico runs): session, routes both ways, and bad peer AS as 1.6 sends it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { bird16 } from './bird16.ts';
import { NetLab, waitFor } from './lab.ts';
import type { SpeakerProc } from './lab.ts';

const ok = haveRoot() && haveCommands('apt-get', 'dpkg');
const bin = ok ? bird16() : { error: 'not root' };
if (ok && 'error' in bin) {
  if (process.env.CI === 'true') throw new Error(bin.error);
  process.stderr.write(`skipping BIRD 1.6 interop — ${bin.error}\n`);
}

const conf = (peerAs: number): string => `
router id 10.0.0.1;
protocol device { scan time 10; }
protocol static static4 { route 192.0.2.0/24 blackhole; }
protocol bgp Mesh_10_0_0_2 {
  local 10.0.0.1 as 64512;
  neighbor 10.0.0.2 as ${peerAs};
  hold time 9;
  connect retry time 1;
  error wait time 1, 2;
  import all;
  export all;
}
`;

describe.skipIf(!ok || 'error' in bin)('interop: BIRD 1.6', () => {
  const lab = new NetLab('b6');
  let birdc: (cmd: string) => Promise<string>;
  let sp: SpeakerProc;
  const b = bin as { bird: string; birdc: string };

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    const c = lab.file('bird16.conf', conf(64599));
    const ctl = join(lab.dir, 'bird16.ctl');
    await lab.exec('a', [b.bird, '-c', c, '-s', ctl, '-P', join(lab.dir, 'bird16.pid')]);
    lab.trackPidFile(join(lab.dir, 'bird16.pid'));
    birdc = (cmd) => lab.exec('a', [b.birdc, '-s', ctl, ...cmd.split(' ')]);
    sp = lab.speaker('b', `
routerId: 10.0.0.2
localAS: 64513
localAddress: 10.0.0.2
connectRetry: 1
peers:
  - {address: 10.0.0.1, as: 64512}
announce:
  - {prefix: 198.51.100.0/24}
`);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('receives 2/2 with the AS it claimed as data when BIRD 1.6 expects another AS', async () => {
    const l = await sp.waitLine('2/2', (x) => x.type === 'session' && x.reason === 'notification-received');
    expect(l).toMatchObject({ notification: { code: 2, subcode: 2, sent: false } });
    expect(String(l.text)).toContain('bad peer AS (AS 64513)');
  });

  it('after reconfiguration: Established, routes both ways, shown in BIRD 1.6 format', async () => {
    await birdc(`configure "${lab.file('bird16-ok.conf', conf(64513))}"`);
    await sp.waitLine('Established', (x) => x.type === 'session' && x.to === 'Established', 30_000);
    await sp.waitLine('192.0.2.0/24', (x) => x.type === 'received' && x.prefix === '192.0.2.0/24');
    const out = await waitFor('BIRD 1.6 has our route', async () => {
      const t = await birdc('show route');
      return t.includes('198.51.100.0/24') && t;
    });
    expect(out).toMatch(/198\.51\.100\.0\/24\s+via 10\.0\.0\.2 on \S+ \[Mesh_10_0_0_2 [\d:]+\] \* \(100\) \[AS64513i\]/);
    expect(await birdc('show protocols Mesh_10_0_0_2')).toMatch(/Mesh_10_0_0_2 BGP\s+master\s+up\s+\S+\s+Established/);
  });
});
