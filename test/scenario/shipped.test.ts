/**
 * Issue "Scenarios, expectations and recordings", must-show, on the shipped scenarios:
 * every `scenarios/*.yaml` passes through the real CLI (`podlab run … --json`, exit 0); a
 * copy with one deliberately wrong expectation exits 1 naming the step, the expected and the
 * observed; a recording of ipip-vs-bgp replays the same event sequence a fresh run produces,
 * is under 5 MB, and two runs give identical event streams.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../engine/scenario/format.ts';
import { runScenario } from '../../engine/scenario/run.ts';
import { readRecording } from '../../engine/scenario/recording-file.ts';

const exec = promisify(execFile);

/** The real CLI; resolves with the exit status and both streams whatever the status. */
async function podlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', ['bin/podlab.js', ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const SHIPPED = [
  'bgp-port-blocked', 'cross-subnet', 'ipam-exhaustion', 'ipip-blocked', 'ipip-vs-bgp',
  'mtu-blackhole', 'netpol-service-accounts', 'network-policy', 'route-reflectors', 'services', 'tor-peering', 'vxlan', 'vxlan-policy',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-shipped-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('shipped scenarios', () => {
  it('scenarios/ holds exactly the eleven shipped scenarios', async () => {
    const files = (await readdir('scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    expect(files).toEqual(SHIPPED);
  });

  it.each(SHIPPED)('podlab run scenarios/%s.yaml --json exits 0 and every step and expectation passed', async (name) => {
    const t0 = performance.now();
    const r = await podlab('run', `scenarios/${name}.yaml`, '--json');
    const wallMs = performance.now() - t0;
    const doc = JSON.parse(r.stdout) as { passed: boolean; summary: { steps: number; expectations: number; failed: number; errors: number }; steps: { title: string; ok: boolean; error?: string; expectations: { pass: boolean; text: string }[] }[] };
    const failures = doc.steps.flatMap((s) => [...(s.error ? [`${s.title}: ${s.error}`] : []), ...s.expectations.filter((x) => !x.pass).map((x) => `${s.title}: ${x.text}`)]);
    expect(failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.passed).toBe(true);
    expect(doc.summary.failed).toBe(0);
    expect(doc.summary.errors).toBe(0);
    // Self-checking: every scenario checks something in most of its steps.
    expect(doc.summary.expectations).toBeGreaterThanOrEqual(doc.summary.steps / 2);
    console.log(`${name}: ${doc.summary.steps} steps, ${doc.summary.expectations} expectations, ${wallMs.toFixed(0)} ms wall (CLI)`);
  }, 120_000);

  it('a copy with a wrong expectation exits 1 naming the step, the expected and the observed', async () => {
    const text = await readFile('scenarios/ipip-vs-bgp.yaml', 'utf8');
    const wrong = text
      .replace('topology: ../topologies/two-nodes.yaml', `topology: ${resolve('topologies/two-nodes.yaml')}`)
      // Claim the IPIP-era route goes out eth0: it goes into tunl0.
      .replace('- route: { node: master-01, dst: 10.5.119.128/26, via: 10.30.200.2, dev: tunl0, proto: bird, onlink: true }',
        '- route: { node: master-01, dst: 10.5.119.128/26, via: 10.30.200.2, dev: eth0, proto: bird }');
    expect(wrong).not.toBe(text);
    const file = join(dir, 'ipip-vs-bgp-wrong.yaml');
    await writeFile(file, wrong);
    const r = await podlab('run', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[4/9] The routes on master-01 (IPIP Always) … FAILED');
    expect(r.stdout).toContain('[9/9] The same ping, unencapsulated … ok');
    expect(r.stdout).toMatch(/step 4 'The routes on master-01 \(IPIP Always\)': master-01 has a route 10\.5\.119\.128\/26 via 10\.30\.200\.2 dev eth0 proto bird\n\s+expected: .*"dev":"eth0".*\n\s+observed: .*10\.5\.119\.128\/26 via 10\.30\.200\.2 dev tunl0 proto bird onlink/);
    const json = JSON.parse((await podlab('run', file, '--json')).stdout) as { passed: boolean; steps: { index: number; expectations: { kind: string; pass: boolean; observed: unknown }[] }[] };
    expect(json.passed).toBe(false);
    expect(json.steps.filter((s) => s.expectations.some((x) => !x.pass)).map((s) => s.index)).toEqual([4]);
  }, 120_000);
});

describe('ipip-vs-bgp: recording, replay, determinism', () => {
  it('record → replay gives the run\'s event sequence; the recording is under 5 MB', async () => {
    const file = join(dir, 'ipip-vs-bgp.podlab');
    const r = await podlab('run', 'scenarios/ipip-vs-bgp.yaml', '--record', file);
    expect(r.code).toBe(0);
    const size = (await stat(file)).size;
    console.log(`ipip-vs-bgp recording: ${size} bytes`);
    expect(size).toBeLessThan(5 * 1024 * 1024);

    const rec = await readRecording(file);
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const fresh = await runScenario(l.scenario!, l.topology!, { snapshots: true }); // --record takes per-step snapshots
    // The file keeps the CLI's path for the scenario; everything else is the same stream.
    const norm = (es: readonly unknown[]) => JSON.parse(JSON.stringify(es).replaceAll(JSON.stringify(resolve('scenarios/ipip-vs-bgp.yaml')).slice(1, -1), 'scenarios/ipip-vs-bgp.yaml'));
    expect(norm(rec.events)).toEqual(norm(fresh.events));
    expect(rec.events.some((e) => e.type === 'calico.bgp-session')).toBe(true);
    expect(rec.events.some((e) => e.type === 'packet' && e.hop === 'encap' && e.tunnel === 'ipip')).toBe(true);

    const printed = await podlab('replay', '--print', file);
    expect(printed.code).toBe(0);
    const titles = l.scenario!.steps.map((s) => s.title);
    let at = 0;
    for (const t of titles) {
      const i = printed.stdout.indexOf(`] ${t}`, at);
      expect(i, t).toBeGreaterThan(at);
      at = i;
    }
    expect(printed.stdout).toContain('route master-01 + 10.5.119.128/26 via 10.30.200.2 dev tunl0 proto bird onlink');
    expect(printed.stdout).toContain('[calico.bgp-session] node=master-01 peer=10.30.200.2');
  }, 120_000);

  it('two runs give identical event streams and captures', async () => {
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const a = await runScenario(l.scenario!, l.topology!);
    const b = await runScenario(l.scenario!, l.topology!);
    expect(a.events.length).toBeGreaterThan(100);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(a.captures.map((c) => Buffer.from(c.pcap).toString('base64'))).toEqual(b.captures.map((c) => Buffer.from(c.pcap).toString('base64')));
  }, 120_000);
});
