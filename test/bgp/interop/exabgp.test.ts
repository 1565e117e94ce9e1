/**
 * A 4-octet-AS speaker (ours, AS 4200000001) against an old 2-octet one (ExaBGP with asn4
 * disabled, peering with AS_TRANS 23456): OPEN with My AS 23456, AS_PATH with AS_TRANS plus
 * AS4_PATH toward it, plain 2-octet paths from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { NetLab, waitFor } from './lab.ts';
import type { SpeakerProc } from './lab.ts';

const ok = haveRoot() && haveCommands('exabgp');

describe.skipIf(!ok)('interop: ExaBGP as a 2-octet-only speaker', () => {
  const lab = new NetLab('ex');
  let sp: SpeakerProc;
  let dump: string;

  beforeAll(async () => {
    lab.addNs('a', 'b');
    lab.link('a', '10.0.0.1', 'b', '10.0.0.2');
    dump = join(lab.dir, 'exa-received.json');
    const conf = lab.file('exabgp.conf', `
process dump {
  run /bin/sh -c "cat >> ${dump}";
  encoder json;
}
neighbor 10.0.0.2 {
  router-id 10.0.0.1;
  local-address 10.0.0.1;
  local-as 64512;
  peer-as 23456;
  hold-time 90;
  capability { asn4 disable; }
  family { ipv4 unicast; }
  static { route 192.0.2.0/24 next-hop self; }
  api { processes [ dump ]; receive { parsed; update; open; } }
}
`);
    lab.spawn('a', ['env', 'exabgp.daemon.user=root', 'exabgp.daemon.drop=false', 'exabgp.log.destination=stdout', 'exabgp', conf]);
    sp = lab.speaker('b', `
routerId: 10.0.0.2
localAS: 4200000001
localAddress: 10.0.0.2
connectRetry: 1
peers:
  - address: 10.0.0.1
    as: 64512
announce:
  - prefix: 198.51.100.0/24
`);
  });
  afterAll(async () => {
    await sp?.stop();
    lab.cleanup();
  });

  it('establishes without AS4 and exchanges routes with AS_TRANS / AS4_PATH', async () => {
    await sp.waitLine('Established', (l) => l.type === 'session' && l.to === 'Established', 30_000);
    const got = await sp.waitLine('192.0.2.0/24', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24');
    expect(got).toMatchObject({ asPath: '64512', nextHop: '10.0.0.1' });
    const text = await waitFor('ExaBGP received our route', () => existsSync(dump) && readFileSync(dump, 'utf8').includes('198.51.100.0/24') && readFileSync(dump, 'utf8'));
    const lines = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    const open = lines.find((l) => l.type === 'open' && l.neighbor.direction === 'receive')!;
    expect(open.neighbor.open).toMatchObject({ asn: 23456, capabilities: { 65: { asn4: 4200000001 } } });
    const upd = text.split('\n').filter((l) => l.includes('198.51.100.0/24')).map((l) => JSON.parse(l) as { neighbor: { message: { update: { attribute: Record<string, unknown> } } } })[0]!;
    const attr = upd.neighbor.message.update.attribute;
    // ExaBGP shows the 2-octet AS_PATH as sent on the wire; the real AS rides in AS4_PATH.
    console.log(text.slice(0, 3000));
    expect(JSON.stringify(attr)).toContain('4200000001');
  });
});
