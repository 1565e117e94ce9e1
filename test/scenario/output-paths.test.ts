/**
 * `podlab run --record/--pcap` checks its output paths before the run: an unwritable path
 * is one line and exit 2 at once, not a stack trace after the whole run; a writable one is
 * left as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkOutputPaths } from '../../engine/cli/output-paths.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'podlab-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('output paths', () => {
  it('names what is wrong with each path', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep me');
    mkdirSync(join(dir, 'a-dir'));
    expect(await checkOutputPaths({ record: join(dir, 'missing', 'x.podlab') })).toBe(`--record ${join(dir, 'missing', 'x.podlab')}: its directory does not exist`);
    expect(await checkOutputPaths({ record: join(dir, 'a-dir') })).toBe(`--record ${join(dir, 'a-dir')}: is a directory (give a file name, e.g. run.podlab)`);
    expect(await checkOutputPaths({ record: join(file, 'x.podlab') })).toBe(`--record ${join(file, 'x.podlab')}: a part of the path is not a directory`);
    expect(await checkOutputPaths({ pcap: file })).toBe(`--pcap ${file}: is not a directory`);
    expect(await checkOutputPaths({ record: '/proc/podlab-test.podlab' })).toMatch(/^--record \/proc\/podlab-test\.podlab: /);
  });

  it('leaves writable paths as they were', async () => {
    const existing = join(dir, 'old.podlab');
    writeFileSync(existing, 'old contents');
    expect(await checkOutputPaths({ record: existing, pcap: join(dir, 'pcaps') })).toBeUndefined();
    expect(readFileSync(existing, 'utf8')).toBe('old contents');
    expect(await checkOutputPaths({ record: join(dir, 'new.podlab') })).toBeUndefined();
    expect(existsSync(join(dir, 'new.podlab'))).toBe(false);
    expect(readdirSync(join(dir, 'pcaps'))).toEqual([]);
  });

  it('podlab run refuses an unwritable --record before running, in one line', async () => {
    const t0 = Date.now();
    const target = join(dir, 'no-such-dir', 'run.podlab');
    const r = await run(process.execPath, ['bin/podlab.js', 'run', 'scenarios/ipip-vs-bgp.yaml', '--record', target])
      .then(() => ({ code: 0, stdout: '', stderr: '' }), (e: { code: number; stdout: string; stderr: string }) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`podlab run: --record ${target}: its directory does not exist; nothing was run\n`);
    expect(r.stdout).toBe('');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
