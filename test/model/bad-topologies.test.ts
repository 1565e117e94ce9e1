// Every file under test/fixtures/bad-topologies has exactly one problem, recorded on its
// first line as `# expect: <file>:<line>:<col>: error: <fragment>`. Both the pure function
// and the real CLI must report it at exactly that place, and nothing else.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../engine/model/problems.ts';
import { parseTopology } from '../../engine/model/validate.ts';

const run = promisify(execFile);
const DIR = 'test/fixtures/bad-topologies';
const ROOT = join(import.meta.dirname, '..', '..');

interface Expect {
  file: string;
  where: string; // "file:line:col: error: "
  fragment: string;
}

function expectation(file: string): Expect {
  const first = readFileSync(join(ROOT, file), 'utf8').split('\n')[0]!;
  const m = /^# expect: (.+?:\d+:\d+): error: (.+)$/.exec(first);
  if (!m) throw new Error(`${file}: first line is not '# expect: <file>:<line>:<col>: error: <text>'`);
  return { file, where: `${m[1]}: error: `, fragment: m[2]! };
}

const files = readdirSync(join(ROOT, DIR))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `${DIR}/${f}`);

describe('bad topology fixtures', () => {
  it('has at least 12 fixtures, each naming itself', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) expect(expectation(f).where.startsWith(`${f}:`)).toBe(true);
  });

  for (const file of files) {
    describe(file.slice(DIR.length + 1), () => {
      const exp = expectation(file);

      it('parseTopology reports exactly the expected error and returns no topology', () => {
        const result = parseTopology(readFileSync(join(ROOT, file), 'utf8'), file);
        expect(result.topology).toBeUndefined();
        const lines = result.problems.map(formatProblem);
        expect(lines).toHaveLength(1);
        expect(lines[0]!.startsWith(exp.where)).toBe(true);
        expect(lines[0]).toContain(exp.fragment);
      });

      it('podlab validate prints it and exits 1', async () => {
        const err = await run('node', ['bin/podlab.js', 'validate', file], { cwd: ROOT }).then(
          () => undefined,
          (e: { code: number; stdout: string }) => e,
        );
        expect(err, 'validate must fail').toBeDefined();
        expect(err!.code).toBe(1);
        const hit = err!.stdout.split('\n').filter((l) => l.startsWith(exp.where));
        expect(hit).toHaveLength(1);
        expect(hit[0]).toContain(exp.fragment);
        expect(err!.stdout).toMatch(/^1 file checked: 1 error, 0 warnings$/m);
      });
    });
  }
});
