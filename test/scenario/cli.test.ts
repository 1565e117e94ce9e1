import { spawn } from 'node:child_process';
import { describe, it, expect, onTestFinished } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readPcap } from '../../engine/net/pcap.ts';
import { readFile } from 'node:fs/promises';

const exec = promisify(execFile);

/** Runs the real CLI; resolves with code, stdout, stderr whatever the exit status. */
async function podlab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', ['bin/podlab.js', ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('podlab run', () => {
  it('exits 1 on a wrong expectation, naming the step, the expected and the observed', async () => {
    const r = await podlab('run', 'test/fixtures/scenarios/wrong-expectation.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[1/3] Ping b from a … ok');
    expect(r.stdout).toContain('[2/3] Claim b is unreachable … FAILED');
    expect(r.stdout).toContain('[3/3] A later step still runs … ok');
    expect(r.stdout).toContain('FAILED: 3 steps, 4 expectations, 2 passed, 2 failed');
    expect(r.stdout).toMatch(/step 2 'Claim b is unreachable': a cannot reach b\n\s+expected: false\n\s+observed: true/);
    expect(r.stdout).toMatch(/step 2 'Claim b is unreachable': r1 has a route 10\.9\.0\.0\/16\n\s+expected: .*"present":true.*\n\s+observed: no route to 10\.9\.0\.0\/16/);
  });

  it('exits 0 when everything passes, and --json prints one document with every step and expectation', async () => {
    const r = await podlab('run', 'test/fixtures/scenarios/mtu.yaml', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, passed: true, topology: 'mtu', runtime: 'sim', summary: { steps: 3, expectations: 7, failed: 0, errors: 0 } });
    expect(doc.steps.map((s: { title: string }) => s.title)).toEqual(['A small ping fits', 'A large DF ping does not', 'Without DF the router fragments']);
    expect(doc.steps[1].expectations.map((x: { kind: string; pass: boolean }) => `${x.kind}:${x.pass}`)).toEqual(['exitCode:true', 'output:true', 'packet:true', 'packet:true']);
    expect(doc.steps[1].commands[0]).toMatchObject({ node: 'a', argv: ['ping', '-c', '1', '-s', '1450', '-M', 'do', '10.2.0.2'], code: 1 });
    expect(doc.steps[1].commands[0].stdout).toContain('Frag needed and DF set (mtu = 1400)');
  });

  it('--json on a failing run still prints the document and exits 1', async () => {
    const r = await podlab('run', '--json', 'test/fixtures/scenarios/wrong-expectation.yaml');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.passed).toBe(false);
    expect(doc.steps[1].expectations[0]).toMatchObject({ kind: 'reachable', expected: false, observed: true, pass: false });
  });

  it('writes pcaps as DIR/<node>-<iface>.pcap and a recording that replay --print tells', async () => {
    const dir = await mkdtemp(`${tmpdir()}/pl-scen-cli-`);
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const r = await podlab('run', 'test/fixtures/scenarios/two-nodes-ipip.yaml', '--pcap', `${dir}/pcap`, '--record', `${dir}/run.podlab`);
    expect(r.code).toBe(0);
    const files = (await readdir(`${dir}/pcap`)).sort();
    expect(files).toEqual(['gw-eth1.pcap', 'master-01-eth0.pcap', 'master-01-tunl0.pcap', 'worker-01-eth0.pcap']);
    const w = readPcap(await readFile(`${dir}/pcap/worker-01-eth0.pcap`));
    expect(w.records.length).toBeGreaterThan(4);
    const size = (await stat(`${dir}/run.podlab`)).size;
    expect(r.stdout).toContain(`recorded `);
    expect(size).toBeGreaterThan(1000);

    const p = await podlab('replay', '--print', `${dir}/run.podlab`);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('Scenario: two-nodes-ipip — An IPIP tunnel between the two nodes, built by hand');
    expect(p.stdout).toContain('[11/11] Pod to pod through the tunnel');
    expect(p.stdout).toContain('  │ master-01 sends from 10.5.1.1 to 10.5.2.1.');
    expect(p.stdout).toContain('  master-01$ ping -c 2 -I 10.5.1.1 10.5.2.1');
    expect(p.stdout).toContain('2 packets transmitted, 2 received, 0% packet loss');
    expect(p.stdout).toContain("  ✓ 'ip proto 4 and src host 10.30.200.1' in ipip inner 'icmp and dst host 10.5.2.1' seen on worker-01:eth0");
    expect(p.stdout).toContain('  route master-01 + 10.5.2.0/26 via 10.30.200.2 dev tunl0 onlink');
    expect(p.stdout).toContain('Result: PASSED');

    // Without --print the recording is served to the web UI until Ctrl-C.
    const child = spawn('node', ['bin/podlab.js', 'replay', '--port', '0', `${dir}/run.podlab`]);
    let err = '';
    const url = await new Promise<string>((res, rej) => {
      child.stderr.on('data', (d) => { err += d; const m = /web UI on (http:\/\/127\.0\.0\.1:\d+)/.exec(err); if (m) res(m[1]!); });
      child.on('close', () => rej(new Error(`replay exited early:\n${err}`)));
    });
    try {
      expect(JSON.stringify(await (await fetch(`${url}/api/topology`)).json())).toContain('two-nodes');
    } finally {
      child.kill('SIGINT');
    }
  });

  it('refuses an invalid scenario with file:line:col and runs nothing', async () => {
    const r = await podlab('run', 'test/fixtures/scenarios/bad/missing-topology.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test/fixtures/scenarios/bad/missing-topology.yaml:2:11: error: topology: cannot read');
    expect(r.stdout).toBe('');
  });

  it('usage errors exit 2', async () => {
    expect((await podlab('run')).code).toBe(2);
    expect((await podlab('run', 'x.yaml', '--runtime', 'qemu')).stderr).toBe("podlab run: --runtime takes one of sim, mininet, containerlab, not 'qemu' (podlab run --help)\n");
    expect((await podlab('run', 'scenarios/vxlan.yaml', '--keep')).stderr).toContain('--keep applies to real runtimes only');
    expect((await podlab('run', 'nope.yaml')).code).toBe(2);
    expect((await podlab('replay', '--print', 'test/fixtures/scenarios/mtu.yaml')).stderr).toContain('not a podlab recording');
  });
});

describe('podlab validate on scenarios', () => {
  it('checks a scenario with its topology: shipped ones pass, a broken one fails at its position', async () => {
    const ok = await podlab('validate', 'scenarios/ipip-vs-bgp.yaml', 'scenarios/network-policy.yaml', 'topologies/floors.yaml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('3 files checked: 0 errors');
    const bad = await podlab('validate', 'test/fixtures/scenarios/bad/missing-topology.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('test/fixtures/scenarios/bad/missing-topology.yaml:2:11: error: topology: cannot read');
  });
});
