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
    throw new TopologyReadError(cannotRead(path, e));
  }
  return parseTopology(text, path);
}

/** "cannot read PATH: no such file"-style words for a failed readFile, shared by the file loaders. */
export function cannotRead(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
  return `cannot read ${path}: ${why}`;
}
