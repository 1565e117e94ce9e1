/** `podlab bgp` as a user runs it: config errors, two speakers on loopback, Cease on SIGINT. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpeakerProc } from './interop/lab.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/podlab.js');
const dir = mkdtempSync(join(tmpdir(), 'podlab-bgp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('podlab bgp', () => {
  it('exits 1 with file:line:col messages for an invalid config', async () => {
    const f = file('bad.yaml', 'routerId: 10.0.0.1\nlocalAS: 70000000000\npeers:\n  - {address: nowhere, as: 1}\n');
    const r = await new Promise<{ code: number | null; stderr: string }>((res) => {
      execFile(process.execPath, [BIN, 'bgp', '--config', f], (err, _o, stderr) => res({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:2:10: localAS must be an integer 1..4294967295`);
    expect(r.stderr).toContain(`${f}:4:15: peers[0].address must be an IP address, got "nowhere"`);
  });

  it('two speakers on loopback exchange routes; SIGINT sends Cease 6/2 and exits 0', async () => {
    const port = 20000 + (process.pid % 20000);
    const a = new SpeakerProc(spawn(process.execPath, [BIN, 'bgp', '--json', '--config', file('a.yaml', `routerId: 10.9.0.1\nlocalAS: 64512\nlocalAddress: 127.0.0.1\nlistenPort: ${port}\nconnectRetry: 1\npeers: [{address: 127.0.0.2, as: 64513, port: ${port}}]\nannounce: [{prefix: 192.0.2.0/24}]\n`)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const b = new SpeakerProc(spawn(process.execPath, [BIN, 'bgp', '--json', '--config', file('b.yaml', `routerId: 10.9.0.2\nlocalAS: 64513\nlocalAddress: 127.0.0.2\nlistenPort: ${port}\npeers: [{address: 127.0.0.1, as: 64512, passive: true}]\nannounce: [{prefix: 198.51.100.0/24}]\n`)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      expect(await b.waitLine('route from a', (l) => l.type === 'received' && l.prefix === '192.0.2.0/24')).toMatchObject({ nextHop: '127.0.0.1', asPath: '64512' });
      await a.waitLine('route from b', (l) => l.type === 'received' && l.prefix === '198.51.100.0/24');
      expect(await a.view('show protocols')).toMatch(/bgp_127_0_0_2 BGP +--- +up +[\d:.]+ +Established/);
      expect(await b.stop()).toBe(0);
      const down = await a.waitLine('a sees the Cease', (l) => l.type === 'session' && l.from === 'Established');
      expect(down).toMatchObject({ reason: 'notification-received', notification: { code: 6, subcode: 2, sent: false } });
      await a.waitLine('a withdrew b\'s route', (l) => l.type === 'session' && l.to === 'Idle');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
