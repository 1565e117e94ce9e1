/**
 * The inspector's `birdc show protocols` reader, judged by a real BIRD 2 (one BGP peer that
 * never answers, so its state is `start`), and on BIRD 1.6's layout as calico-node prints it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveCommands, haveRoot } from '../support/system.ts';
import { parseBirdProtocols, sessionUp } from '../../web/src/domain/bird-parse.ts';

describe('birdc show protocols (BIRD 1.6 layout, as calico-node prints it)', () => {
  it('reads every protocol and tells Established sessions', () => {
    const text = [
      'BIRD v0.3.3+birdv1.6.8 ready.',
      'name     proto    table    state  since       info',
      'static1  Static   master   up     00:00:00    ',
      'Node_10_30_10_101 BGP      master   up     00:00:00    Established   ',
      'Mesh_10_30_10_12 BGP      master   start  2020-11-25  Active        Socket: Connection refused',
      '',
    ].join('\n');
    const rows = parseBirdProtocols(text);
    expect(rows.map((r) => [r.name, r.proto, r.state, r.info])).toEqual([
      ['static1', 'Static', 'up', ''], ['Node_10_30_10_101', 'BGP', 'up', 'Established'],
      ['Mesh_10_30_10_12', 'BGP', 'start', 'Active        Socket: Connection refused'],
    ]);
    expect(rows.map(sessionUp)).toEqual([false, true, false]);
  });
});

const ok = haveCommands('bird', 'birdc') && haveRoot();
describe.skipIf(!ok)('birdc show protocols from a real BIRD 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podlab-bird-ui-'));
  const sock = join(dir, 'bird.ctl');
  const pidFile = join(dir, 'bird.pid');
  beforeAll(() => {
    writeFileSync(join(dir, 'bird.conf'), [
      'router id 192.0.2.1;', 'protocol device {}',
      // A peer that is never there: the session stays in `start`.
      'protocol bgp peer1 { local as 65001; neighbor 192.0.2.99 as 65002; ipv4 { import all; export none; }; }', '',
    ].join('\n'));
    execFileSync('bird', ['-c', join(dir, 'bird.conf'), '-s', sock, '-P', pidFile]);
  });
  afterAll(() => {
    try { process.kill(Number(readFileSync(pidFile, 'utf8').trim())); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the rows BIRD prints', async () => {
    let text = '';
    for (let i = 0; i < 50 && !text.includes('peer1'); i++) {
      try { text = execFileSync('birdc', ['-s', sock, 'show', 'protocols'], { encoding: 'utf8' }); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    const rows = parseBirdProtocols(text);
    expect(rows.map((r) => [r.name, r.proto, r.state])).toEqual([['device1', 'Device', 'up'], ['peer1', 'BGP', 'start']]);
    expect(rows[1]!.since).toMatch(/^\d\d:\d\d:\d\d/);
    expect(sessionUp(rows[1]!)).toBe(false);
  });
});
