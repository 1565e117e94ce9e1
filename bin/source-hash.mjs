// The content hash that keys podlab's esbuild bundle (engine/runtime/linux/podlab-bundle.ts
// builds it; bin/podlab.js runs it). Plain JavaScript so bin/podlab.js can compute it before
// any TypeScript loader is up: the whole point is not to start tsx when a bundle is current.
// It covers every engine source and the lockfile, so an edit or an upgrade means a new
// bundle and a stale one is never run.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every .ts file under DIR except tests, sorted. */
export function engineSources(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...engineSources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** A content hash (12 hex) of REPO's engine sources and package-lock.json. */
export function sourceHash(repo) {
  const h = createHash('sha256');
  for (const f of engineSources(join(repo, 'engine'))) h.update(relative(repo, f)).update('\0').update(readFileSync(f)).update('\0');
  const lock = join(repo, 'package-lock.json');
  if (existsSync(lock)) h.update(readFileSync(lock));
  return h.digest('hex').slice(0, 12);
}
