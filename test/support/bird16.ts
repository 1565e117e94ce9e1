/**
 * BIRD 1.6 for tests, without installing it: Debian's `bird` package (1.6) conflicts with
 * the installed bird2, so fetch the .deb with `apt-get download bird` and unpack it with
 * `dpkg -x` into a cache directory. Idempotent and safe for parallel test files: each run
 * unpacks into a private directory and renames it into place.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where the unpacked package lives (override with PODLAB_BIRD16_DIR). */
export const BIRD16_DIR = process.env.PODLAB_BIRD16_DIR ?? '/tmp/podlab-bird16';

/** Path of BIRD 1.6's `bird` binary, downloading and unpacking the package on first use. */
export function bird16(): string {
  const bin = join(BIRD16_DIR, 'root', 'usr', 'sbin', 'bird');
  if (existsSync(bin)) return bin;
  execFileSync('mkdir', ['-p', BIRD16_DIR]);
  const work = mkdtempSync(join(BIRD16_DIR, 'dl-'));
  try {
    // apt-get download drops bird_<version>_<arch>.deb into the working directory.
    execFileSync('apt-get', ['download', '-q', 'bird'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(work).find((f) => /^bird_1\.6.*\.deb$/.test(f));
    if (!deb) throw new Error(`apt-get download bird gave no bird_1.6*.deb (got: ${readdirSync(work).join(', ')})`);
    execFileSync('dpkg', ['-x', join(work, deb), join(work, 'root')]);
    try {
      renameSync(join(work, 'root'), join(BIRD16_DIR, 'root'));
    } catch (e) {
      // Another test file won the race; its copy is as good as ours.
      if (!existsSync(bin)) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

/** Runs `bird -p -c <config>` (parse only); returns exit status and BIRD's message. */
export function birdParse(bin: string, config: string): { status: number; output: string } {
  try {
    const out = execFileSync(bin, ['-p', '-c', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { status: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
