/**
 * Checks, before a run starts, that the files a run will write can be written: a run may
 * take minutes on real kernels, and finding an unwritable `--record` or `--pcap` path only
 * afterwards throws its result away. The check writes nothing it does not remove again
 * (root passes permission bits, so only a real attempt is a real answer).
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a run will write: a recording file and a pcap directory, each optional. */
export interface OutputPaths {
  readonly record?: string;
  readonly pcap?: string;
}

/** Why one of the paths cannot be written (one line naming the option and the path), or undefined. */
export async function checkOutputPaths(paths: OutputPaths): Promise<string | undefined> {
  if (paths.record !== undefined) {
    const why = await fileWritable(paths.record);
    if (why) return `--record ${paths.record}: ${why}`;
  }
  if (paths.pcap !== undefined) {
    const why = await dirWritable(paths.pcap);
    if (why) return `--pcap ${paths.pcap}: ${why}`;
  }
  return undefined;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'its directory does not exist';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    default: return err.message;
  }
}

async function fileWritable(path: string): Promise<string | undefined> {
  const before = await stat(path).catch(() => undefined);
  if (before?.isDirectory()) return 'is a directory (give a file name, e.g. run.podlab)';
  try {
    // 'a' neither truncates an existing file nor moves its contents; a new one is removed again.
    const fh = await open(path, 'a');
    await fh.close();
    if (!before) await rm(path, { force: true });
    return undefined;
  } catch (e) {
    return reason(e);
  }
}

async function dirWritable(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true }); // the run would create it anyway
    const probe = join(dir, `.podlab-write-test-${process.pid}`);
    const fh = await open(probe, 'wx');
    await fh.close();
    await rm(probe, { force: true });
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'EEXIST' || err.code === 'ENOTDIR' ? 'is not a directory' : reason(e);
  }
}
