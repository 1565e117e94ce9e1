/**
 * BIRD 1.6 for interop tests. Debian's `bird` (1.6) conflicts with bird2, so it is fetched
 * with `apt-get download bird` and unpacked with `dpkg -x` into a cache under /tmp, once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const CACHE = '/tmp/podlab-bird16';

/** Paths of BIRD 1.6's bird and birdc, or undefined (with the reason) when unavailable. */
export function bird16(): { bird: string; birdc: string } | { error: string } {
  const bird = join(CACHE, 'x/usr/sbin/bird');
  const birdc = join(CACHE, 'x/usr/sbin/birdc');
  if (existsSync(bird) && existsSync(birdc)) return { bird, birdc };
  try {
    mkdirSync(CACHE, { recursive: true });
    let deb = readdirSync(CACHE).find((f) => /^bird_1\.6.*\.deb$/.test(f));
    if (!deb) {
      execFileSync('apt-get', ['download', 'bird'], { cwd: CACHE, stdio: 'ignore', timeout: 120_000 });
      deb = readdirSync(CACHE).find((f) => /^bird_1\.6.*\.deb$/.test(f));
    }
    if (!deb) return { error: 'apt-get download bird did not produce a BIRD 1.6 package' };
    execFileSync('dpkg', ['-x', deb, 'x'], { cwd: CACHE, stdio: 'ignore' });
    return existsSync(bird) ? { bird, birdc } : { error: 'the bird package holds no usr/sbin/bird' };
  } catch (e) {
    return { error: `cannot fetch BIRD 1.6: ${(e as Error).message}` };
  }
}
