/**
 * The start-up bundle is never stale: its key is a content hash of every engine source and
 * the lockfile (bin/source-hash.mjs, shared by bin/podlab.js and podlab-bundle.ts), so any
 * edit selects another bundle; and the bundled CLI answers as the sources do through tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceHash } from '../../bin/source-hash.mjs';

describe('the start-up bundle', () => {
  it('is keyed by the content of every engine source and the lockfile, not by tests', () => {
    const repo = mkdtempSync(join(tmpdir(), 'podlab-hash-'));
    try {
      mkdirSync(join(repo, 'engine', 'cli'), { recursive: true });
      writeFileSync(join(repo, 'engine', 'cli', 'main.ts'), 'export const a = 1;\n');
      const h0 = sourceHash(repo);
      writeFileSync(join(repo, 'engine', 'cli', 'main.test.ts'), 'test\n');
      expect(sourceHash(repo)).toBe(h0);
      writeFileSync(join(repo, 'engine', 'cli', 'main.ts'), 'export const a = 2;\n');
      const h1 = sourceHash(repo);
      expect(h1).not.toBe(h0);
      writeFileSync(join(repo, 'package-lock.json'), '{}');
      expect(sourceHash(repo)).not.toBe(h1);
      mkdirSync(join(repo, 'engine', 'net'));
      writeFileSync(join(repo, 'engine', 'net', 'x.ts'), '');
      expect(sourceHash(repo)).not.toBe(h1);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('bin/podlab.js runs (and if needed builds) the bundle of the current sources, which answers as tsx does', () => {
    const bundled = spawnSync(process.execPath, ['bin/podlab.js', 'validate', '--help'], { encoding: 'utf8' });
    const main = join('node_modules', '.cache', 'podlab', `node-${sourceHash(process.cwd())}`, 'main.js');
    const viaTsx = spawnSync(process.execPath, ['bin/podlab.js', 'validate', '--help'], { encoding: 'utf8', env: { ...process.env, PODLAB_TSX: '1' } });
    expect({ code: bundled.status, out: bundled.stdout }).toEqual({ code: viaTsx.status, out: viaTsx.stdout });
    expect(bundled.status).toBe(0);
    // Other engineers' edits may change the hash between the two lines above; CI's sources do not.
    if (sourceHash(process.cwd()) === main.split('node-')[1]!.split('/')[0]) expect(existsSync(main)).toBe(true);
  }, 60_000);
});
