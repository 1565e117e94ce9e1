/**
 * Reads a `*.podlab` recording in the browser (layout: engine/scenario/recording.ts): the
 * `PODLAB-RECORDING <format>` line, then gzip'd JSON, inflated with DecompressionStream and
 * checked by the same validator the engine uses. No Node APIs.
 */
import { RECORDING_FORMAT, RECORDING_MAGIC, RecordingError, checkRecording, type Recording } from '../../../engine/scenario/recording.ts';

/** Inflates gzip bytes with the platform's DecompressionStream. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decodes and validates a recording's bytes; rejects with a RecordingError saying what is wrong. */
export async function decodeRecordingBytes(bytes: Uint8Array): Promise<Recording> {
  const nl = bytes.indexOf(0x0a);
  const first = new TextDecoder('latin1').decode(bytes.subarray(0, nl < 0 ? Math.min(bytes.length, 64) : nl));
  const m = new RegExp(`^${RECORDING_MAGIC} (\\d+)$`).exec(first);
  if (!m) throw new RecordingError(`not a podlab recording (the first line is not "${RECORDING_MAGIC} <version>")`);
  if (Number(m[1]) !== RECORDING_FORMAT) throw new RecordingError(`recording format ${m[1]} is not supported (this podlab reads format ${RECORDING_FORMAT})`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(await gunzip(bytes.subarray(nl + 1))));
  } catch (e) {
    throw new RecordingError(`the recording is damaged: ${(e as Error).message}`);
  }
  return checkRecording(doc);
}

/** Reads a File (from an <input type=file>) as a recording. */
export async function readRecordingFile(file: Blob): Promise<Recording> {
  return decodeRecordingBytes(new Uint8Array(await file.arrayBuffer()));
}
