/**
 * The pure half of the image build: mirror detection from apt sources, the production
 * node_modules from the lockfile, content hashes, and the docker-build stream parsers.
 */
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../engine/cli/images.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  baseHash, contentHash, debianArch, debianMirror, DEFAULT_DEBIAN_MIRROR, lockDigestText, parseBuildStep,
  productionPackagePaths, progressError, splitJsonLines,
} from '../../engine/runtime/docker/images-recipe.ts';
import type { Lockfile } from '../../engine/runtime/docker/images-recipe.ts';
import { contextTarArgv, nodeContext, routerContext, sourceFiles } from '../../engine/runtime/docker/images-context.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('debianMirror', () => {
  it('reads deb822 stanzas, skipping other suites and disabled ones', () => {
    const sec = 'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n';
    const off = 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n';
    const main = 'Types: deb deb-src\n# comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n';
    expect(debianMirror([`${sec}\n${off}\n${main}`])).toBe('http://mirror.example/debian');
  });
  it('reads one-line sources with options, and falls back to deb.debian.org', () => {
    expect(debianMirror(['# x\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n'])).toBe('http://m.example/debian');
    expect(debianMirror(['deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n'])).toBe(DEFAULT_DEBIAN_MIRROR);
    expect(debianMirror([])).toBe(DEFAULT_DEBIAN_MIRROR);
  });
});

describe('productionPackagePaths', () => {
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      '': {},
      'node_modules/a': { version: '1.0.0', integrity: 'sha-a' },
      'node_modules/a/node_modules/b': { version: '2.0.0' },
      'node_modules/dev': { dev: true },
      'node_modules/devopt': { devOptional: true },
      'node_modules/@s/opt': { optional: true, version: '3.0.0' },
      'node_modules/ab': { version: '1.1.0' },
    },
  };
  it('keeps production packages, outermost only, and drops dev ones', () => {
    expect(productionPackagePaths(lock)).toEqual(['node_modules/@s/opt', 'node_modules/a', 'node_modules/ab']);
  });
  it('digests the entries of what is copied, nested ones included', () => {
    const t = lockDigestText(lock, ['node_modules/a']);
    expect(t).toBe('node_modules/a 1.0.0 sha-a\nnode_modules/a/node_modules/b 2.0.0 ');
  });
  it('refuses a lockfile without a packages map', () => {
    expect(() => productionPackagePaths({ lockfileVersion: 1 })).toThrow(/lockfileVersion 2 or 3/);
  });
  it('on podlab itself: tsx and dockerode go in, vitest and vite do not', () => {
    const paths = productionPackagePaths(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile);
    expect(paths).toContain('node_modules/tsx');
    expect(paths).toContain('node_modules/yaml');
    expect(paths).not.toContain('node_modules/vitest');
    expect(paths).not.toContain('node_modules/vite');
  });
});

describe('hashes', () => {
  it('are length-prefixed, stable and 12 hex digits', () => {
    expect(contentHash(['ab', 'c'])).not.toBe(contentHash(['a', 'bc']));
    expect(contentHash(['x'])).toBe(contentHash([Buffer.from('x')]));
    expect(baseHash()).toMatch(/^[0-9a-f]{12}$/);
    expect(baseHash({ suite: 'trixie', variant: 'minbase', arch: 'amd64' })).not.toBe(baseHash({ suite: 'bookworm', variant: 'minbase', arch: 'amd64' }));
  });
  it('name the node image after its base and the router after its base', () => {
    expect(nodeContext('podlab/base:1').hash).not.toBe(nodeContext('podlab/base:2').hash);
    expect(routerContext('podlab/base:1').hash).toBe(routerContext('podlab/base:1').hash);
  });
  it('debianArch maps Node names', () => {
    expect(debianArch('x64')).toBe('amd64');
    expect(debianArch('arm64')).toBe('arm64');
  });
});

describe('build context', () => {
  it('holds the sources, the Dockerfile and Node renamed to node', () => {
    expect(sourceFiles(ROOT)).toContain('bin/podlab.js');
    expect(sourceFiles(ROOT)).toContain('engine/cli/main.ts');
    const argv = contextTarArgv({ hash: 'h', recipeDir: '/r', nodeBinary: '/opt/n/bin/nodejs', members: ['bin', 'node_modules/a'], root: '/src' });
    expect(argv).toEqual(['-c', '-f', '-', '--owner=0', '--group=0', '--numeric-owner', '-C', '/r', 'Dockerfile',
      '--transform=s,^nodejs$,node,', '-C', '/opt/n/bin', 'nodejs', '-C', '/src', 'bin', 'node_modules/a']);
    expect(contextTarArgv({ hash: 'h', recipeDir: '/r', nodeBinary: '/usr/bin/node', members: [], root: '/r' }).some((a) => a.startsWith('--transform'))).toBe(false);
  });
});

describe('docker progress stream', () => {
  it('splits JSON lines across chunks and keeps non-JSON lines as text', () => {
    const a = splitJsonLines('', '{"stream":"Step 1/2 : FROM x\\n"}\n{"stream":"par');
    expect(a.objects).toEqual([{ stream: 'Step 1/2 : FROM x\n' }]);
    const b = splitJsonLines(a.rest, 'tial"}\r\n<html>bad gateway</html>\n');
    expect(b.objects).toEqual([{ stream: 'partial' }, { stream: '<html>bad gateway</html>\n' }]);
    expect(b.rest).toBe('');
  });
  it('finds errors and build steps', () => {
    expect(progressError({ errorDetail: { message: 'boom' } })).toBe('boom');
    expect(progressError({ error: 'bang' })).toBe('bang');
    expect(progressError({ stream: 'ok' })).toBeUndefined();
    expect(parseBuildStep('Step 4/14 : RUN apt-get   update')).toEqual({ n: 4, of: 14, what: 'RUN apt-get update' });
    expect(parseBuildStep(' ---> Running in 1234')).toBeUndefined();
  });
});

describe('podlab images (argv)', () => {
  it('help is 0, usage errors are 2, before touching Docker', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--help'])).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toMatch(/^usage: podlab images SUBCOMMAND \[options\][\s\S]*--force/);
      expect(await run([])).toBe(2);
      expect(await run(['push'])).toBe(2);
      expect(await run(['build', '--fast'])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/unknown option '--fast'[\s\S]*SUBCOMMAND is one of build, not 'push'|SUBCOMMAND is one of build, not 'push'[\s\S]*unknown option '--fast'/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
