// Mangled topology files must never crash validation: every outcome is either a topology
// or located problems, and every location points inside the file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../engine/model/validate.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const texts = readdirSync(join(ROOT, 'topologies'))
  .sort()
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(ROOT, 'topologies', f), 'utf8'));

const edit = fc.record({
  file: fc.nat(texts.length - 1),
  op: fc.constantFrom('delete-line', 'duplicate-line', 'replace-char', 'swap-lines'),
  at: fc.nat(),
  at2: fc.nat(),
  ch: fc.constantFrom(':', ' ', '-', '[', '{', '}', '"', '0', '9', '/', '.', 'x', '\t', '#', '*', '&'),
});

function mangle(e: { file: number; op: string; at: number; at2: number; ch: string }): string {
  const text = texts[e.file]!;
  const lines = text.split('\n');
  const i = e.at % lines.length;
  const j = e.at2 % lines.length;
  switch (e.op) {
    case 'delete-line':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    case 'swap-lines':
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    default: {
      const k = e.at % text.length;
      return text.slice(0, k) + e.ch + text.slice(k + 1);
    }
  }
}

describe('validation of mangled files', () => {
  it('never throws and always points inside the file', () => {
    fc.assert(
      fc.property(edit, (e) => {
        const text = mangle(e);
        const r = parseTopology(text, 'm.yaml');
        const nLines = text.split('\n').length;
        for (const p of r.problems) {
          expect(p.loc.line).toBeGreaterThanOrEqual(1);
          expect(p.loc.line).toBeLessThanOrEqual(nLines + 1);
          expect(p.loc.col).toBeGreaterThanOrEqual(1);
        }
        if (!r.topology) expect(r.problems.some((p) => p.severity === 'error')).toBe(true);
        else expect(r.problems.every((p) => p.severity === 'warning')).toBe(true);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('duplicating a node line is caught as a duplicate key', () => {
    const t = texts[0]!.split('\n');
    const i = t.findIndex((l) => /^ {2}[a-z0-9-]+:$/.test(l) && t.indexOf(l) > t.indexOf('nodes:'));
    const dup = [...t.slice(0, i), ...t.slice(i, i + 2), ...t.slice(i)].join('\n');
    const r = parseTopology(dup, 'd.yaml');
    expect(r.topology).toBeUndefined();
    expect(r.problems.some((p) => p.loc.line === i + 3 && /duplicate node name/.test(p.message))).toBe(true);
  });
});
