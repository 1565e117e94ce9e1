/**
 * One image build at a time per cache directory: two test files, or a lab deploy and a
 * `podlab images build`, may ask for the images at once, and two debootstraps into the same
 * scratch directory would ruin each other. The lock is a file holding the builder's pid; a
 * lock whose pid is gone (a killed build) is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(file: string): number | undefined {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) return holder;
  // Stale (dead holder, or a crash between create and write): remove and let the caller retry.
  rmSync(file, { force: true });
  return 0;
}

/** Runs fn holding the lock file; while another live process holds it, calls onWait(pid) once and polls. */
export async function withLock<T>(file: string, onWait: (pid: number) => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    const holder = tryTake(file);
    if (holder === undefined) break;
    if (holder > 0) {
      if (!told) onWait(holder);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
