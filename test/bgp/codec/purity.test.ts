/**
 * The codec is pure: it imports only itself and engine/net (addresses), never a `node:`
 * module, so it runs unchanged over TCP, inside the simulator and in the browser bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../../engine/bgp/codec/', import.meta.url));

describe('engine/bgp/codec imports', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  it('has the modules we expect', () => {
    expect(files).toContain('types.ts');
    expect(files).toContain('framer.ts');
    expect(files).toContain('index.ts');
  });
  for (const f of files) {
    it(`${f} imports only codec files and engine/net`, () => {
      const text = readFileSync(DIR + f, 'utf8');
      const specs = [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
      for (const s of specs) expect(s, `${f}: ${s}`).toMatch(/^(\.\/[\w-]+\.ts|\.\.\/\.\.\/net\/[\w-]+\.ts)$/);
    });
  }
});
