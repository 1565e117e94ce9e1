/**
 * Reading and writing `*.podlab` files (the layout is documented in recording.ts): the
 * Node edge, where gzip (node:zlib) and the file system live.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFile, writeFile } from 'node:fs/promises';
import { RECORDING_FORMAT, RECORDING_MAGIC, RecordingError, checkRecording } from './recording.ts';
import type { Recording } from './recording.ts';

const HEADER = `${RECORDING_MAGIC} ${RECORDING_FORMAT}\n`;

/** Encodes a recording: the header line, then gzip'd JSON. */
export function encodeRecording(rec: Recording): Uint8Array {
  const body = gzipSync(Buffer.from(JSON.stringify(rec), 'utf8'), { level: 9 });
  const head = Buffer.from(HEADER, 'ascii');
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Decodes and validates a recording; throws RecordingError saying what is wrong. */
export function decodeRecording(bytes: Uint8Array): Recording {
  const nl = bytes.indexOf(0x0a);
  const first = Buffer.from(bytes.subarray(0, nl < 0 ? Math.min(bytes.length, 64) : nl)).toString('latin1');
  const m = /^PODLAB-RECORDING (\d+)$/.exec(first);
  if (!m) throw new RecordingError('not a podlab recording (the first line is not "PODLAB-RECORDING <version>")');
  if (Number(m[1]) !== RECORDING_FORMAT) throw new RecordingError(`recording format ${m[1]} is not supported (this podlab reads format ${RECORDING_FORMAT})`);
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes.subarray(nl + 1)).toString('utf8'));
  } catch (e) {
    throw new RecordingError(`the recording is damaged: ${(e as Error).message}`);
  }
  return checkRecording(json);
}

/** Writes a recording file; returns its size in bytes. */
export async function writeRecording(path: string, rec: Recording): Promise<number> {
  const bytes = encodeRecording(rec);
  await writeFile(path, bytes);
  return bytes.length;
}

/** Reads a recording file; throws RecordingError for an unreadable or invalid file. */
export async function readRecording(path: string): Promise<Recording> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new RecordingError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  return decodeRecording(bytes);
}
