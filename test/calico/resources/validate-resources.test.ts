/**
 * `validate` runs the Calico resource checks: a value the cluster would refuse at deploy
 * (`ipipMode: Sometimes`, `blockSize: 0`, `cidr: …/99`) is a file:line:col error at that
 * field, from `podlab validate` on the topology and from loading a scenario that uses it —
 * so `podlab run` stops before deploying anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCheckedTopology, loadScenario } from '../../../engine/scenario/format.ts';
import { formatProblem } from '../../../engine/model/problems.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'podlab-validate-calico-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOPO = readFileSync('topologies/two-nodes.yaml', 'utf8');
const lineOf = (needle: string): number => TOPO.split('\n').findIndex((l) => l.includes(needle)) + 1;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const CASES = [
  ['ipipMode: Always', 'ipipMode: Sometimes', 'ipipMode:', 17, "IPPool 'default-ipv4-ippool': spec.ipipMode: 'Sometimes' is not one of Always, CrossSubnet, Never"],
  ['blockSize: 26 ', 'blockSize: 0  ', 'blockSize:', 18, "IPPool 'default-ipv4-ippool': spec.blockSize: 0 is out of range for an IPv4 pool (20..32)"],
  ['cidr: 10.5.0.0/16', 'cidr: 10.5.0.0/99', 'cidr: 10.5.0.0', 13, "IPPool 'default-ipv4-ippool': spec.cidr: '10.5.0.0/99': IPPool CIDR must be a valid subnet"],
] as const;

describe('Calico resource checks in validate', () => {
  it.each(CASES)('%s → %s is an error at the field', async (from, to, line, col, message) => {
    expect(TOPO).toContain(from);
    const file = write(`t-${col}.yaml`, TOPO.replace(from, to));
    const r = await loadCheckedTopology(file);
    expect(r.topology).toBeUndefined();
    expect(r.problems.map(formatProblem)).toContain(`${file}:${lineOf(line)}:${col}: error: ${message}`);
  });

  it('podlab validate exits 1 with the message; podlab run refuses before deploying', async () => {
    const file = write('bad-mode.yaml', TOPO.replace('ipipMode: Always', 'ipipMode: Sometimes'));
    const v = await run(process.execPath, ['bin/podlab.js', 'validate', file]).then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`${file}:${lineOf('ipipMode:')}:17: error: IPPool 'default-ipv4-ippool': spec.ipipMode: 'Sometimes' is not one of`);
    const scenario = write('s.yaml', readFileSync('scenarios/ipip-vs-bgp.yaml', 'utf8').replace('topology: ../topologies/two-nodes.yaml', 'topology: bad-mode.yaml'));
    const s = await loadScenario(scenario);
    expect(s.scenario).toBeUndefined();
    expect(s.problems.map(formatProblem)).toContain(`${file}:${lineOf('ipipMode:')}:17: error: IPPool 'default-ipv4-ippool': spec.ipipMode: 'Sometimes' is not one of Always, CrossSubnet, Never`);
    const r = await run(process.execPath, ['bin/podlab.js', 'run', scenario]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('every shipped topology still validates', async () => {
    for (const t of ['floors', 'leaf-spine', 'route-reflectors', 'two-nodes']) {
      const r = await loadCheckedTopology(`topologies/${t}.yaml`);
      expect(r.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    }
  });
});
