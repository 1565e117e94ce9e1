/**
 * Reading and writing `*.podlab` files (the layout is documented in recording.ts): the
 * Node edge, where gzip (node:zlib) and the file system live.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFile, writeFile } from 'node:fs/promises';
import { RECORDING_FORMAT, RECORDING_MAGIC, RECORDING_MAX_JSON_BYTES, RecordingError, checkRecording, recordingTooLarge } from './recording.ts';
import type { Recording } from './recording.ts';

const HEADER = `${RECORDING_MAGIC} ${RECORDING_FORMAT}\n`;

/**
 * Encodes a recording: the header line, then gzip'd JSON. Throws RecordingError for one that
 * would inflate past what decodeRecording reads (`maxJsonBytes`): no file is written that
 * podlab replay and the UI then refuse.
 */
export function encodeRecording(rec: Recording, maxJsonBytes: number = RECORDING_MAX_JSON_BYTES): Uint8Array {
  const json = Buffer.from(JSON.stringify(rec), 'utf8');
  if (json.length > maxJsonBytes) throw recordingTooBig(rec, json.length, maxJsonBytes);
  const body = gzipSync(json, { level: 9 });
  const head = Buffer.from(HEADER, 'ascii');
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Why a recording is too big to write, and what takes the room (every hop of every packet is recorded). */
function recordingTooBig(rec: Recording, bytes: number, limit: number): RecordingError {
  let packets = 0;
  for (const e of rec.events) if (e.type === 'packet') packets++;
  let frames = 0;
  for (const c of rec.captures) frames += c.frames;
  const mib = (n: number): string => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : `${n} bytes`);
  return new RecordingError(`the recording would inflate to ${mib(bytes)}, more than the ${mib(limit)} podlab replay and the UI read `
    + `(${rec.events.length} events, ${packets} of them packet hops, ${frames} captured frames, on ${rec.topology.nodes.length} nodes): `
    + (packets > 0 ? 'record without packet hops (podlab run --packets none), a smaller fabric or a shorter scenario' : 'record a smaller fabric or a shorter scenario'));
}

/** Decodes and validates a recording (its JSON at most `maxJsonBytes`); throws RecordingError saying what is wrong. */
export function decodeRecording(bytes: Uint8Array, maxJsonBytes: number = RECORDING_MAX_JSON_BYTES): Recording {
  const nl = bytes.indexOf(0x0a);
  const first = Buffer.from(bytes.subarray(0, nl < 0 ? Math.min(bytes.length, 64) : nl)).toString('latin1');
  const m = /^PODLAB-RECORDING (\d+)$/.exec(first);
  if (!m) throw new RecordingError('not a podlab recording (the first line is not "PODLAB-RECORDING <version>")');
  if (Number(m[1]) !== RECORDING_FORMAT) throw new RecordingError(`recording format ${m[1]} is not supported (this podlab reads format ${RECORDING_FORMAT})`);
  let text: Buffer;
  try {
    // zlib stops inflating at the cap, so memory stays bounded whatever the file claims.
    text = gunzipSync(bytes.subarray(nl + 1), { maxOutputLength: maxJsonBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw recordingTooLarge(maxJsonBytes);
    throw new RecordingError(`the recording is damaged: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
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
