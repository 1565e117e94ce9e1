/**
 * Reads a `*.podlab` recording in the browser (layout: engine/scenario/recording.ts): the
 * `PODLAB-RECORDING <format>` line, then gzip'd JSON, inflated with DecompressionStream and
 * checked by the same validator the engine uses. No Node APIs.
 */
import {
  RECORDING_FORMAT, RECORDING_MAGIC, RECORDING_MAX_JSON_BYTES, RecordingError, checkRecording, recordingTooLarge, type Recording,
} from '../../../engine/scenario/recording.ts';

/** Inflates gzip bytes with the platform's DecompressionStream, stopping (and cancelling) past `limit` bytes. */
async function gunzip(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw recordingTooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes and validates a recording's bytes (JSON at most `maxJsonBytes`); rejects with a RecordingError saying what is wrong. */
export async function decodeRecordingBytes(bytes: Uint8Array, maxJsonBytes: number = RECORDING_MAX_JSON_BYTES): Promise<Recording> {
  const nl = bytes.indexOf(0x0a);
  const first = new TextDecoder('latin1').decode(bytes.subarray(0, nl < 0 ? Math.min(bytes.length, 64) : nl));
  const m = new RegExp(`^${RECORDING_MAGIC} (\\d+)$`).exec(first);
  if (!m) throw new RecordingError(`not a podlab recording (the first line is not "${RECORDING_MAGIC} <version>")`);
  if (Number(m[1]) !== RECORDING_FORMAT) throw new RecordingError(`recording format ${m[1]} is not supported (this podlab reads format ${RECORDING_FORMAT})`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(await gunzip(bytes.subarray(nl + 1), maxJsonBytes)));
  } catch (e) {
    if (e instanceof RecordingError) throw e;
    throw new RecordingError(`the recording is damaged: ${(e as Error).message}`);
  }
  return checkRecording(doc);
}

/** Reads a File (from an <input type=file>) as a recording. */
export async function readRecordingFile(file: Blob): Promise<Recording> {
  return decodeRecordingBytes(new Uint8Array(await file.arrayBuffer()));
}
