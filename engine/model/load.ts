/**
 * The model's only I/O: reading a topology file from disk. Everything else is pure.
 */
import { readFile } from 'node:fs/promises';
import { parseTopology } from './validate.ts';
import type { LoadResult } from './types.ts';

/** Thrown when the file itself cannot be read (missing, a directory, no permission). */
export class TopologyReadError extends Error {
  override name = 'TopologyReadError';
}

/**
 * Reads and validates a topology file. Returns `{ topology, problems }` (problems = warnings
 * only) or `{ problems }` with at least one error; an invalid file never yields a topology.
 * Throws TopologyReadError when the file cannot be read.
 */
export async function loadTopology(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new TopologyReadError(`cannot read ${path}: ${why}`);
  }
  return parseTopology(text, path);
}
