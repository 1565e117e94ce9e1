/**
 * The fuzz suite's message half: ≥ 10,000 generated HTTP API requests and WebSocket frames
 * against a running UI server (engine/server on a simulated lab), random lines on `podlab
 * bgp`'s stdin, and mutated recordings. The assertion is the hardening contract: a clean
 * error or a success — an HTTP status below 500, a RecordingError, an `error:` line — and
 * never an uncaught exception or a dead server. Seeded (fast-check), bounded in time; the
 * counts are printed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { ensureUiBuilt, serveUi, type UiServer } from '../../engine/server/index.ts';
import { loadScenario } from '../../engine/scenario/format.ts';
import { runScenario } from '../../engine/scenario/run.ts';
import { recordingOf, RecordingError } from '../../engine/scenario/recording.ts';
import { decodeRecording, encodeRecording } from '../../engine/scenario/recording-file.ts';

const SEED = 20261205;
const API_REQUESTS = 4000;
const WS_MESSAGES = 6000;
/** Frames the server must refuse by closing that one socket: over 4 KB. */
const WS_OVERSIZE = 50;

let ui: UiServer;
beforeAll(async () => {
  const t = await loadTopology('topologies/two-nodes.yaml');
  if (!t.topology) throw new Error('two-nodes.yaml does not load');
  // Built first (once per run, behind the build lock): on a fresh clone another test file may be
  // building web/dist right now, and the server answers 503 "not built" until it exists.
  await ensureUiBuilt();
  ui = await serveUi(SimLab.deploy(t.topology), { port: 0, build: false });
});
afterAll(() => ui?.close());

const word = fc.oneof(fc.constantFrom('master-01', 'worker-01', 'gw', 'sw1', 'eth0', 'tunl0', '..', '%2e%2e', '', '\u0000', 'a'.repeat(300)), fc.string({ maxLength: 12 }));
const command = fc.oneof(
  fc.tuple(fc.constantFrom('ip route', 'ip -d link', 'ip neigh', 'bridge fdb', 'iptables-save', 'iptables -L', 'ss -tan', 'ping -c1 -W1', 'ping -c', 'traceroute -m 3', 'tcpdump -c 1', 'sysctl -a', 'calicoctl node status', 'birdc show protocols', 'kubectl get pods'), fc.array(word, { maxLength: 3 })).map(([c, a]) => [c, ...a].join(' ')),
  fc.string({ maxLength: 40 }),
);
const body = fc.oneof(
  fc.record({ node: fc.oneof(word, fc.integer(), fc.constant(null)), command: fc.oneof(command, fc.integer(), fc.array(fc.string())), quiet: fc.oneof(fc.boolean(), fc.string(), fc.constant(undefined)) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.json(),
  fc.string({ maxLength: 60 }),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD'),
  path: fc.oneof(
    fc.constantFrom('/api/topology', '/api/nodes', '/api/links', '/api/exec', '/api/captures', '/api/events?since=0', '/api/packets?since=x', '/api/hops?since=-1', '/api/pcap/master-01/eth0', '/api/pcap/..%2f..%2fetc/passwd', '/api/events?since=1e99'),
    fc.tuple(fc.constantFrom('/api/', '/api/pcap/', '/api/events?since=', '/'), fc.string({ maxLength: 20 })).map(([a, b]) => a + encodeURIComponent(b)),
  ),
  body,
});

describe('fuzz: the running server, the BGP speaker and recordings', () => {
  it(`answers ${API_REQUESTS} generated API requests without a 5xx and stays up`, async () => {
    const samples = fc.sample(request, { seed: SEED, numRuns: API_REQUESTS });
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < samples.length) {
        const r = samples[next++]!;
        const res = await fetch(new URL(r.path, ui.url), { method: r.method, ...(r.method === 'POST' || r.method === 'PUT' ? { body: r.body, headers: { 'content-type': 'application/json' } } : {}) });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`${r.method} ${r.path} ${r.body} → ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${total} API requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(total).toBe(API_REQUESTS);
    expect((await fetch(new URL('/api/topology', ui.url))).status).toBe(200);
  }, 120_000);

  it(`takes ${WS_MESSAGES} generated WebSocket messages and ${WS_OVERSIZE} oversize frames, and keeps serving`, async () => {
    const msgs = fc.sample(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), fc.json()), { seed: SEED, numRuns: WS_MESSAGES });
    const url = `${ui.url.replace('http', 'ws')}ws`;
    const open = async (): Promise<WebSocket> => {
      const ws = new WebSocket(url);
      ws.on('error', () => { /* an oversize frame gets this socket closed: expected */ });
      await new Promise<void>((ok, fail) => { ws.once('open', () => ok()); ws.once('unexpected-response', (_q, r) => fail(new Error(`upgrade refused: ${r.statusCode}`))); });
      return ws;
    };
    let sent = 0;
    for (let c = 0; c < msgs.length; c += 1500) {
      const ws = await open();
      for (const m of msgs.slice(c, c + 1500)) { ws.send(m); sent++; }
      // A pong after the last message: the server read every one of them and is still there.
      await new Promise<void>((ok) => { ws.once('pong', () => ok()); ws.ping(); });
      ws.close();
    }
    let closed = 0;
    for (let i = 0; i < WS_OVERSIZE; i++) {
      const ws = await open();
      ws.send(Buffer.alloc(4097 + i * 100, 0x61));
      const code = await new Promise<number>((ok) => ws.once('close', (c) => ok(c)));
      if (code === 1009) closed++;
    }
    console.log(`fuzz: ${sent} WebSocket messages read, ${closed} of ${WS_OVERSIZE} oversize frames closed with 1009`);
    expect(sent).toBe(WS_MESSAGES);
    expect(closed).toBe(WS_OVERSIZE);
    expect((await fetch(new URL('/api/nodes', ui.url))).status).toBe(200);
  }, 60_000);

  it('refuses mutated recordings with RecordingError, never anything else', async () => {
    const l = await loadScenario('test/fixtures/scenarios/mtu.yaml');
    if (!l.scenario) throw new Error('fixture does not load');
    const good = JSON.parse(JSON.stringify(recordingOf(await runScenario(l.scenario, l.topology)))) as Record<string, unknown>;
    const paths = ['topology', 'topology.nodes', 'topology.nodes.0', 'topology.nodes.0.interfaces', 'topology.links', 'events', 'events.0', 'events.1', 'captures', 'scenario', 'format', 'schemaVersion'];
    const mutation = fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.json().map((j) => JSON.parse(j) as unknown), fc.constant(undefined)));
    let refused = 0;
    let accepted = 0;
    for (const [path, value] of fc.sample(mutation, { seed: SEED, numRuns: 500 })) {
      const doc = structuredClone(good);
      const keys = path.split('.');
      let at: Record<string, unknown> = doc;
      for (const k of keys.slice(0, -1)) at = (at?.[k] ?? {}) as Record<string, unknown>;
      if (value === undefined) delete at[keys.at(-1)!]; else at[keys.at(-1)!] = value;
      try {
        decodeRecording(encodeRecording(doc as never));
        accepted++;
      } catch (e) {
        if (!(e instanceof RecordingError)) throw new Error(`${path} = ${JSON.stringify(value)}: ${(e as Error).stack}`);
        refused++;
      }
    }
    console.log(`fuzz: 500 mutated recordings: ${refused} refused with RecordingError, ${accepted} accepted`);
    expect(refused).toBeGreaterThan(400);
  }, 60_000);

  it("podlab bgp's stdin: 2,000 generated lines, each answered or refused, the speaker stays up", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podlab-fuzz-bgp-'));
    try {
      const cfg = join(dir, 'bgp.yaml');
      writeFileSync(cfg, `routerId: 10.0.0.1\nlocalAS: 64512\nlocalAddress: 127.0.0.1\nlistenPort: ${30000 + (process.pid % 20000)}\n`);
      const lines = fc.sample(fc.oneof(
        fc.tuple(fc.constantFrom('announce', 'withdraw'), fc.oneof(fc.constantFrom('10.1.0.0/99', '1.2.3.4/', '/-1', '10.0.0.0/32/1', '10.0.0.0/1e1', '::/200', '0.0.0.0/0', '2001:db8::/32'), fc.string({ maxLength: 20 }))).map(([a, b]) => `${a} ${b}`),
        fc.constantFrom('show protocols', 'show route', 'show route all', ''),
        fc.string({ maxLength: 50 }),
      ), { seed: SEED, numRuns: 2000 });
      const p = spawn(process.execPath, ['bin/podlab.js', 'bgp', '--config', cfg], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.stdin.write(`${lines.join('\n')}\nshow protocols\n`);
      await new Promise<void>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no answer to the last line:\n${out.slice(-500)}\n${err}`)), 40_000);
        const check = (): void => { if (/Name\s+Proto/.test(out.slice(-2000)) && out.split('\n').length > 10) { clearTimeout(t); ok(); } };
        p.stdout.on('data', check);
      });
      const code = await new Promise<number | null>((ok) => { p.once('exit', (c) => ok(c)); p.kill('SIGTERM'); });
      console.log(`fuzz: ${lines.length} lines on podlab bgp's stdin, ${out.split('\n').filter((l) => l.startsWith('error:') || l.startsWith('unknown command')).length} refused`);
      expect(err).toBe('');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
