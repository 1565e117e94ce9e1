/**
 * The containerlab CLI path's pure parts: finding the binary on PATH and the argv podlab
 * runs. containerlab itself is not installable on this machine (DESIGN.md): the real
 * deploy/destroy through it is not exercised here, and no fake binary stands in for it.
 */
import { describe, expect, it } from 'vitest';
import { deployArgv, destroyArgv, findContainerlab } from '../../engine/runtime/containerlab/clab-cli.ts';

describe('containerlab CLI detection', () => {
  const exe = (have: string[]) => (p: string) => have.includes(p);

  it('takes the first executable containerlab on PATH', () => {
    expect(findContainerlab('/usr/local/bin:/usr/bin', exe(['/usr/bin/containerlab', '/usr/local/bin/containerlab']))).toBe('/usr/local/bin/containerlab');
    expect(findContainerlab('/usr/local/bin:/usr/bin', exe(['/usr/bin/containerlab']))).toBe('/usr/bin/containerlab');
  });

  it('finds none when PATH has none, and never trusts relative PATH entries', () => {
    expect(findContainerlab('/usr/local/bin:/usr/bin', exe([]))).toBeUndefined();
    expect(findContainerlab(undefined, exe(['containerlab']))).toBeUndefined();
    expect(findContainerlab('.:bin', exe(['containerlab', 'bin/containerlab']))).toBeUndefined();
  });

  it('answers for this machine without throwing (containerlab is not installable here)', () => {
    const found = findContainerlab();
    expect(found === undefined || found.endsWith('/containerlab')).toBe(true);
  });
});

describe('containerlab CLI argv', () => {
  it('deploys and destroys by the generated file', () => {
    expect(deployArgv('/usr/bin/containerlab', '/var/lib/podlab/labs/x/x.clab.yml')).toEqual(['/usr/bin/containerlab', 'deploy', '-t', '/var/lib/podlab/labs/x/x.clab.yml']);
    expect(deployArgv('/usr/bin/containerlab', '/l/x.clab.yml', { reconfigure: true })).toEqual(['/usr/bin/containerlab', 'deploy', '-t', '/l/x.clab.yml', '--reconfigure']);
    expect(destroyArgv('/usr/bin/containerlab', '/l/x.clab.yaml')).toEqual(['/usr/bin/containerlab', 'destroy', '-t', '/l/x.clab.yaml', '--cleanup']);
  });

  it('refuses a relative or non-.clab.yml path', () => {
    expect(() => deployArgv('containerlab', 'x.clab.yml')).toThrow(/absolute path/);
    expect(() => destroyArgv('containerlab', '/l/x.yaml')).toThrow(/\.clab\.yml/);
  });
});
