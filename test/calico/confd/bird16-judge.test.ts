/**
 * BIRD 1.6 judges confd's output: every node of the four fabrics gets bird.cfg,
 * bird_aggr.cfg and bird_ipam.cfg written to a directory, and `bird -p -c bird.cfg` must
 * accept them (exit 0). Stock BIRD 1.6 lacks Calico's `krt_tunnel` attribute, so the files
 * are rendered in the `stock` dialect; a separate case shows that this is the only thing
 * stock BIRD refuses in the `calico` dialect.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBirdFiles } from '../../../engine/calico/confd/index.ts';
import type { BirdRenderOptions, BgpIntent } from '../../../engine/calico/confd/index.ts';
import { haveCommands } from '../../support/system.ts';
import { bird16, birdParse } from '../../support/bird16.ts';
import { allScenarios, meshIpipAlways } from './scenarios.ts';

const ok = haveCommands('apt-get', 'dpkg');
const dirs: string[] = [];

function writeFiles(i: BgpIntent, opts: (dir: string) => BirdRenderOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-confd-'));
  dirs.push(dir);
  for (const [f, text] of Object.entries(renderBirdFiles(i, opts(dir)))) writeFileSync(join(dir, f), text);
  return dir;
}

describe.skipIf(!ok)('BIRD 1.6 parses confd output (bird -p)', () => {
  const bin = ok ? bird16() : '';
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const s of allScenarios()) {
    it(`${s.name}: every node's config parses`, () => {
      for (const [node, intent] of s.intents) {
        // Bare include names, as confd writes them (BIRD resolves them next to bird.cfg)…
        const bare = writeFiles(intent, () => ({ dialect: 'stock' }));
        const r1 = birdParse(bin, join(bare, 'bird.cfg'));
        expect(r1, `${s.name}/${node}: ${r1.output}`).toMatchObject({ status: 0 });
        // …and absolute include paths.
        const abs = writeFiles(intent, (dir) => ({ dialect: 'stock', includeDir: dir }));
        expect(readFileSync(join(abs, 'bird.cfg'), 'utf8')).toContain(`include "${abs}/bird_aggr.cfg";`);
        const r2 = birdParse(bin, join(abs, 'bird.cfg'));
        expect(r2, `${s.name}/${node}: ${r2.output}`).toMatchObject({ status: 0 });
      }
    });
  }

  it('refuses a broken config (the judge can fail)', () => {
    const intent = meshIpipAlways().intents.get('node-a')!;
    const dir = writeFiles(intent, () => ({ dialect: 'stock' }));
    const cfg = join(dir, 'bird.cfg');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('local as 64512;', 'local as 64512 65000;'));
    const r = birdParse(bin, cfg);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/\/bird\.cfg:\d+:\d+/);
  });

  it("stock BIRD rejects only Calico's krt_tunnel in the calico dialect", () => {
    const intent = meshIpipAlways().intents.get('node-a')!;
    const dir = writeFiles(intent, () => ({}));
    const r = birdParse(bin, join(dir, 'bird.cfg'));
    expect(r.status).not.toBe(0);
    const m = /bird_ipam\.cfg:(\d+):\d+ You may set only variables/.exec(r.output);
    expect(m, r.output).not.toBeNull();
    const line = readFileSync(join(dir, 'bird_ipam.cfg'), 'utf8').split('\n')[Number(m![1]) - 1];
    expect(line).toContain('krt_tunnel = "tunl0";');
  });
});
