/**
 * Bench: `podlab images build` cold (no base tar, no image, no Docker layer cache) and warm
 * (everything up to date: the no-op every deploy pays), against, in the same run, the bare
 * reference of what any registry-free build must do first — `debootstrap --variant=minbase`
 * + `docker import` by hand.
 *
 * It builds under its own repository (podlab-bench/…) and cache directory, so the real
 * podlab images and caches are neither used nor disturbed, and removes what it made.
 * Root, dockerd and debootstrap needed; the cold build downloads from the Debian mirror, so
 * figures depend on the mirror's speed (the reference pays the same).
 *
 * Run: sudo npx tsx bench/docker/images.ts [ROUNDS]   (default 1 round: a cold round is minutes)
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import { machineMirror, removeRootfs } from '../../engine/runtime/docker/images-base.ts';
import { BASE_SPEC } from '../../engine/runtime/docker/images-recipe.ts';

const ROUNDS = Number(process.argv[2] ?? 1);
const REPO = 'podlab-bench';

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function secs(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/** Runs argv quietly; rejects with the end of its output. */
function run(argv: string[], stdin?: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (stdin) stdin.pipe(child.stdin!);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-2000); });
    child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-2000); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}\n${out}`))));
  });
}

/** The reference: debootstrap into a scratch dir, then tar | docker import. */
async function reference(scratch: string, round: number): Promise<Record<string, number>> {
  const dir = join(scratch, `ref-rootfs-${round}`);
  try {
    const t0 = performance.now();
    await run(['debootstrap', `--variant=${BASE_SPEC.variant}`, BASE_SPEC.suite, dir, machineMirror()]);
    const debootstrapS = secs(t0);
    const t1 = performance.now();
    const tar = spawn('tar', ['-C', dir, '-c', '--numeric-owner', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await run(['docker', 'import', '-', `${REPO}/ref:${round}`], tar.stdout);
    const importS = secs(t1);
    return { debootstrapS, importS, totalS: Math.round((debootstrapS + importS) * 10) / 10 };
  } finally {
    // A failed debootstrap may leave /proc mounted inside: unmount before removing.
    await removeRootfs(dir, createWriteStream('/dev/null'));
  }
}

function removeImages(): void {
  const refs = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${REPO}/*`], { encoding: 'utf8' })
    .split('\n').filter(Boolean);
  if (refs.length > 0) execFileSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: sudo npx tsx bench/docker/images.ts');
  const scratch = mkdtempSync('/var/tmp/podlab-bench-images-');
  const refs: number[] = [];
  const colds: number[] = [];
  const warms: number[] = [];
  try {
    removeImages();
    for (let r = 0; r < ROUNDS; r++) {
      const ref = await reference(scratch, r);
      refs.push(ref.totalS!);
      emit({ bench: 'images', what: 'reference: debootstrap + docker import', round: r, ...ref });

      const cacheDir = join(scratch, `cache-${r}`);
      let baseReadyS = 0;
      const t0 = performance.now();
      const cold = await ensureImages({
        repo: REPO, cacheDir, force: true,
        onProgress: (p) => { if (p.image === 'base' && /ready$/.test(p.step)) baseReadyS = p.elapsedS; },
      });
      const coldS = secs(t0);
      colds.push(coldS);
      emit({ bench: 'images', what: 'podlab images build, cold', round: r, totalS: coldS, baseS: baseReadyS, nodeAndRouterS: Math.round((coldS - baseReadyS) * 10) / 10, built: cold.built });

      const t1 = performance.now();
      const warm = await ensureImages({ repo: REPO, cacheDir });
      const warmS = Math.round((performance.now() - t1)) / 1000;
      warms.push(warmS);
      emit({ bench: 'images', what: 'podlab images build, warm (nothing to do)', round: r, totalS: warmS, built: warm.built });
      removeImages();
    }
    const ref = median(refs);
    emit({
      bench: 'images', summary: true, rounds: ROUNDS, referenceS: ref, coldS: median(colds), warmS: median(warms),
      coldOverReference: Math.round((median(colds) / ref) * 100) / 100, warmOverReference: Math.round((median(warms) / ref) * 10000) / 10000,
    });
  } finally {
    removeImages();
    await run(['rm', '-rf', '--one-file-system', scratch]);
  }
}

await main();
