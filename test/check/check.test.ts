/**
 * podlab check and diff on the simulator: the must-show (a leaf with one spine uplink is cut
 * off by that link's failure; the intact fabric is not), a reachability reason per class
 * (route, policy rule, MTU, BGP down) on small fixtures, exit codes and file:line:col input errors.
 */
import { describe, it, expect, vi, afterEach } from 'vitest';
import { writeFile, mkdtemp, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as check } from '../../engine/cli/check.ts';
import { run as diff } from '../../engine/cli/diff.ts';
import { loadCheckInput } from '../../engine/check/load.ts';
import { runCheck } from '../../engine/check/run.ts';
import { reasonClass } from '../../engine/check/reason.ts';
import type { CheckReport } from '../../engine/check/types.ts';

const VARIANT = 'test/fixtures/check/leaf-spine-single-uplink.yaml';
const INTACT = 'topologies/leaf-spine.yaml';
const LINK = 'spine1:eth3 ↔ leaf3:eth1';

/** Runs a CLI entry point, capturing stdout and stderr. */
async function cli(fn: (a: string[]) => Promise<number>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await fn(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => vi.restoreAllMocks());

async function checked(file: string, failures: 'none' | 'link' = 'none'): Promise<CheckReport> {
  const l = await loadCheckInput(file);
  return runCheck(l.input!, { failures });
}

describe('podlab check --failures link (must show)', () => {
  it('exits 1 on a leaf with a single spine uplink, naming that link and the rack it cuts off, once; JUnit and HTML say the same', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podlab-check-'));
    const junit = join(dir, 'check.xml');
    const html = join(dir, 'check.html');
    const r = await cli(check, VARIANT, '--failures', 'link', '--junit', junit, '--html', html);
    expect(r.code).toBe(1);
    const violations = r.stdout.split('\n').filter((l) => l.startsWith('  ✗'));
    expect(violations).toEqual([`  ✗ link ${LINK} down → node-3a, node-3b cut off from 4 nodes (no route: leaf3 has no other uplink)`]);
    expect(r.stderr).toMatch(/case 3\/14: link spine1:eth3 ↔ leaf3:eth1 down: 16 pairs lost/);
    // A real XML parser (Python's ElementTree) reads the JUnit file: 5 healthy intents + 14 cases, one failure.
    const py = 'import sys,xml.etree.ElementTree as E\nr=E.parse(sys.argv[1]).getroot()\nc=r.findall("./testsuite/testcase")\nf=[x for x in c if x.find("failure") is not None]\nprint(r.tag,r.get("tests"),r.get("failures"),len(c),len(f),f[0].find("failure").get("message"))';
    const out = execFileSync('/usr/bin/python3', ['-c', py, junit], { encoding: 'utf8' });
    expect(out.trim()).toBe(`testsuites 19 1 19 1 link ${LINK} down → node-3a, node-3b cut off from 4 nodes (no route: leaf3 has no other uplink)`);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('<p class="verdict fail">FAIL: 1 violation</p>');
    expect(page).not.toMatch(/<script|<link |src=/);
  });

  it('refuses an unwritable --junit or --html path before the run', async () => {
    const r = await cli(check, VARIANT, '--junit', '/no/such/dir/check.xml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('podlab check: --junit /no/such/dir/check.xml: its directory does not exist; nothing was checked\n');
    const d = await cli(check, VARIANT, '--html', tmpdir());
    expect(d.stderr).toBe(`podlab check: --html ${tmpdir()}: is a directory (give a file name, e.g. check.html); nothing was checked\n`);
  });

  it('exits 0 on the intact fabric, where the same link is not reported', { timeout: 120_000 }, async () => {
    const r = await cli(check, INTACT, '--failures', 'link', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.passed).toBe(true);
    expect(report.violations).toEqual([]);
    const c = report.cases.find((x) => x.failure.id === 'link spine1:eth3↔leaf3:eth1')!;
    expect(c.lost).toEqual([]);
    expect(c.mode).toBe('revert');
    // Node addresses are not routed between racks in this design: a route reason, from the trace.
    const n = report.healthy.pairs.find((p) => p.matrix === 'node' && p.from === 'node-1a' && p.to === 'node-3a')!;
    expect(n.reason).toBe('no route: leaf1 has no route to 10.1.3.11');
    expect(reasonClass(n.reason!)).toBe('route');
  });

  it('podlab diff prints the pairs the variant loses', { timeout: 120_000 }, async () => {
    const r = await cli(diff, INTACT, VARIANT);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reachability, under link spine1:eth3↔leaf3:eth1 down: 16 lost, 0 gained/);
    expect(r.stdout).toMatch(/− pod probe-node-1a → probe-node-3a \(no route: leaf1 has no route to 10\.5\.\d+\.\d+\)/);
    expect(r.stdout).toMatch(/− spine2→10\.0\.2\.5 Established/);
  });
});

describe('reasons per class, from the packet trace', () => {
  it('policy: the netfilter rule that dropped it', async () => {
    const r = await checked('test/fixtures/check/policy-deny.yaml');
    const p = r.healthy.pairs.find((x) => x.from === 'pod-a' && x.to === 'pod-b')!;
    expect(p.ok).toBe(false);
    expect(reasonClass(p.reason!)).toBe('policy');
    expect(p.reason).toMatch(/^policy: dropped on worker-01:tunl0 by rule "Drop if no policies passed packet" of chain cali-tw-cali/);
    expect(r.healthy.pairs.filter((x) => x.matrix === 'outside').every((x) => x.ok)).toBe(true);
    // The policy analysis agrees with the dataplane: the policy denies pod to pod at the end of its tier.
    expect(r.policy!.policies.map((x) => [x.policy, x.allows, x.denies])).toEqual([
      ['default/knp.default.default-deny', [], ['end of tier default: default/pod-a, default/pod-b → default/pod-a, default/pod-b on ICMP, TCP/1024, UDP/1024']],
    ]);
  });

  it('MTU: the full-size packet with DF and the link too small for it', async () => {
    const r = await checked('test/fixtures/check/mtu-small-link.yaml');
    expect(r.healthy.pairs.filter((x) => x.matrix === 'pod').every((x) => x.ok)).toBe(true);
    const m = r.healthy.mtu!.find((x) => x.from === 'pod-a' && x.to === 'pod-c')!;
    expect(m).toMatchObject({ podMtu: 1480, ok: false, reason: 'MTU: a 1500-byte packet with DF does not fit floor2-tor:eth1 (mtu 1400)' });
    // The search: 1380 bytes pass (1400 on the wire with IPIP's 20), 1381 do not.
    expect(m.largest).toBe(1380);
    expect(m.blackHole).toBe('IPIP black hole: pods send up to 1480 bytes, IPIP adds 20 (1500 on the wire), but floor2-tor:eth1 carries 1400; the largest packet that passes is 1380 bytes; a pod MTU of 1380 would fit (FelixConfiguration ipipMTU)');
    expect(r.violations.map((v) => v.intent)).toEqual(['full-size packets pass pod to pod (MTU)']);
  });

  it('BGP down: no route, and the session that should have carried it', async () => {
    const r = await checked('test/fixtures/check/bgp-blocked.yaml');
    const p = r.healthy.pairs.find((x) => x.from === 'pod-a' && x.to === 'pod-c')!;
    expect(reasonClass(p.reason!)).toBe('bgp');
    expect(p.reason).toMatch(/BGP: master-01 has no route to 10\.5\.\d+\.\d+ \(sessions master-01→10\.30\.2\.11 Active/);
    expect(r.violations.map((v) => v.intent)).toContain('every BGP session is Established');
  });
});

describe('input errors exit 2', () => {
  it('usage, unreadable and invalid files', async () => {
    expect((await cli(check)).code).toBe(2);
    expect((await cli(check, INTACT, '--failures', 'cable')).code).toBe(2);
    expect((await cli(check, 'no/such.yaml')).stderr).toMatch(/cannot read no\/such\.yaml/);
    const dir = await mkdtemp(join(tmpdir(), 'podlab-check-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: x\nnodes:\n  a: { kind: rooter }\n');
    const r = await cli(check, bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${bad}:3:\\d+: error`));
    const intents = join(dir, 'intents.yaml');
    await writeFile(intents, 'intents:\n  - survives: cable\n');
    const i = await cli(check, INTACT, '--intents', intents);
    expect(i.code).toBe(2);
    expect(i.stderr).toContain(`${intents}:2:15: error: survives: must be one of link, node, router, rr`);
  });
  it('--help shows an example', async () => {
    const r = await cli(check, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/examples:\n  npx podlab check topologies\/leaf-spine\.yaml --failures link\n/);
    expect(r.stdout).toMatch(/--junit FILE/);
    expect((await cli(diff, '--help')).stdout).toMatch(/example:\n  npx podlab diff/);
  });
});
