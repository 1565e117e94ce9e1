/**
 * What real nodes run: the CLI bundled by esbuild, keyed by a hash of the engine's sources.
 * The bundle answers like bin/podlab.js, and building it twice builds once.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodePodlabArgv, sourceHash } from '../../engine/runtime/linux/podlab-bundle.ts';

describe('the podlab bundle real nodes run', () => {
  it('is keyed by the sources, built once, and answers as podlab does', async () => {
    const said: string[] = [];
    const argv = await nodePodlabArgv((m) => said.push(m));
    expect(argv[1]).toMatch(new RegExp(`node_modules/\\.cache/podlab/node-${sourceHash()}/podlab\\.mjs$`));
    const again = await nodePodlabArgv((m) => said.push(m));
    expect(again).toEqual(argv);
    expect(said.filter((m) => m.startsWith('bundled')).length).toBeLessThanOrEqual(1);
    for (const cmd of ['agent', 'cni']) {
      const r = spawnSync(argv[0]!, [argv[1]!, cmd, '--help'], { encoding: 'utf8' });
      const ref = spawnSync(process.execPath, ['bin/podlab.js', cmd, '--help'], { encoding: 'utf8' });
      expect({ code: r.status, out: r.stdout }).toEqual({ code: ref.status, out: ref.stdout });
      expect(r.status).toBe(0);
    }
  }, 60_000);
});
