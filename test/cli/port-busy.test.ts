/**
 * A busy --port is found before anything is deployed or unpacked: `podlab up` on real nodes
 * takes minutes to deploy, and learning afterwards that 7878 is taken threw all of it away.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let busy: Server;
let port = 0;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  port = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => busy.close(() => r())));

function podlab(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, ['bin/podlab.js', ...args], { timeout: 60_000 }, (err, _out, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('a busy --port', () => {
  it('podlab up refuses it before running the scenario, in one line, exit 2', async () => {
    const r = await podlab('up', '--port', String(port), 'scenarios/ipip-vs-bgp.yaml');
    expect(r.stderr).toBe(`podlab up: port ${port} is in use (another podlab up or replay?); choose one with --port N (0 picks a free one); nothing was deployed\n`);
    expect(r.code).toBe(2);
  });

  it('podlab replay refuses it before reading the recording', async () => {
    const r = await podlab('replay', '--port', String(port), 'test/fixtures/no-such-recording.podlab');
    expect(r.stderr).toContain(`podlab replay: port ${port} is in use`);
    expect(r.code).toBe(2);
  });
});
