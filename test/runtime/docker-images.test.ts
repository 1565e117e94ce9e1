/**
 * `podlab images build` for real (root + docker + debootstrap): builds the images or reuses
 * them, then runs the tools each image promises in a throwaway container, and checks that
 * asking again is a no-op. The first run on a machine builds cold (a few minutes: debootstrap
 * and apt from the Debian mirror); later runs reuse the images.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it, beforeAll } from 'vitest';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import type { EnsuredImages, ImageProgress } from '../../engine/runtime/docker/images.ts';
import { NODE_IMAGE, ROUTER_IMAGE } from '../../engine/runtime/containerlab/images.ts';
import { haveCommands, haveRoot, haveDocker } from '../support/system.ts';

const ok = haveRoot() && haveCommands('docker', 'debootstrap', 'tar') && haveDocker();

/** Runs a shell line in a throwaway container of `image`; stdout + stderr (BIRD prints its version on stderr). */
function inImage(image: string, script: string): string {
  return execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'sh', '-ec', `exec 2>&1\n${script}`], { encoding: 'utf8', timeout: 120_000 });
}

describe.runIf(ok)('podlab images (debootstrap base, node and router images)', () => {
  let first: EnsuredImages;
  const lines: ImageProgress[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    first = await ensureImages({ onProgress: (p) => lines.push(p) });
    process.stderr.write(`images ${first.built ? 'built' : 'reused'} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${first.node}, ${first.router}\n`);
  }, 20 * 60_000);

  it('names images by content hash and tags the generator names on them', () => {
    expect(first.node).toMatch(/^podlab\/node:[0-9a-f]{12}$/);
    expect(first.router).toMatch(/^podlab\/router:[0-9a-f]{12}$/);
    const id = (ref: string): string => execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { encoding: 'utf8' }).trim();
    expect(id(NODE_IMAGE)).toBe(id(first.node));
    expect(id(ROUTER_IMAGE)).toBe(id(first.router));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => Number.isFinite(l.elapsedS))).toBe(true);
  });

  it('node image: BIRD 2, BIRD 1.6 beside it, etcd, tcpdump, the agent on PATH, stays up', () => {
    const out = inImage(first.node, [
      'bird --version', '/opt/bird16/usr/sbin/bird --version', 'etcd --version', 'tcpdump --version',
      'podlab agent --help', 'echo "bird16=$PODLAB_BIRD16"', 'ip -V', 'iptables --version',
      // ipset --version asks the kernel too (fails without NET_ADMIN): only check it is there.
      'for c in ipset ping traceroute nc ps; do command -v $c; done',
    ].join('\n'));
    expect(out).toMatch(/BIRD version 2\.\d+/);
    expect(out).toMatch(/BIRD version 1\.6\.8/);
    expect(out).toMatch(/etcd Version: 3\./);
    expect(out).toMatch(/tcpdump version 4\./);
    expect(out).toMatch(/usage: podlab agent --node NAME/);
    expect(out).toContain('bird16=/opt/bird16/usr/sbin');
    for (const c of ['ipset', 'ping', 'traceroute', 'nc', 'ps']) expect(out).toMatch(new RegExp(`/${c}\\n`));
    const cmd = execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Cmd}}', first.node], { encoding: 'utf8' }).trim();
    expect(JSON.parse(cmd)).toEqual(['sleep', 'infinity']);
  });

  it('the agent finds BIRD 1.6 through PODLAB_BIRD16 inside the node image', () => {
    const out = inImage(first.node, `cd /opt/podlab && node --import tsx -e "import('./engine/runtime/linux/bird.ts').then((m) => console.log(JSON.stringify(m.findBird('bird1'))))"`);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toMatchObject({ dialect: 'bird1', version: '1.6.8', bird: '/opt/bird16/usr/sbin/bird' });
  });

  it('router image: BIRD 2 and FRR', () => {
    const out = inImage(first.router, 'bird --version\nzebra --version\nvtysh --help');
    expect(out).toMatch(/BIRD version 2\.\d+/);
    expect(out).toMatch(/zebra version \d+/);
    expect(out).toMatch(/Usage : vtysh/);
  });

  it('a second ensureImages with nothing changed builds nothing and says so', async () => {
    const seen: string[] = [];
    const again = await ensureImages({ onProgress: (p) => seen.push(p.step) });
    expect(again.built).toBe(false);
    expect(again.logFile).toBeUndefined();
    expect(again.node).toBe(first.node);
    expect(again.router).toBe(first.router);
    expect(seen.at(-1)).toMatch(/nothing to build/);
  }, 60_000);
});
