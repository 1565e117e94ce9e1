/**
 * A recording is inflated with an output cap: a small file that inflates past
 * RECORDING_MAX_JSON_BYTES is refused with a "too large" error naming the limit, by the
 * engine's decoder (podlab replay) and the browser's (the recording picker) alike, without
 * inflating the rest.
 */
import { describe, expect, it } from 'vitest';
import { createGzip } from 'node:zlib';
import { decodeRecording } from '../../engine/scenario/recording-file.ts';
import { RECORDING_MAX_JSON_BYTES } from '../../engine/scenario/recording.ts';
import { decodeRecordingBytes } from '../../web/src/data/recording-file.ts';

/** `PODLAB-RECORDING 1` then a gzip of `size` spaces, built a chunk at a time. */
async function bomb(size: number): Promise<Uint8Array> {
  const gz = createGzip({ level: 1 });
  const out: Buffer[] = [Buffer.from('PODLAB-RECORDING 1\n')];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((ok) => gz.on('end', ok));
  const chunk = Buffer.alloc(1 << 20, 0x20);
  for (let left = size; left > 0; left -= chunk.length) {
    if (!gz.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((ok) => gz.once('drain', ok));
  }
  gz.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}

describe('recording size cap', () => {
  const limit = `${RECORDING_MAX_JSON_BYTES / (1024 * 1024)} MiB`;

  it('refuses a recording that inflates past the cap, naming the limit (engine)', async () => {
    const bytes = await bomb(RECORDING_MAX_JSON_BYTES * 2);
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024); // a small file…
    expect(() => decodeRecording(bytes)).toThrow(`the recording is too large: it inflates to more than ${limit}`);
  });

  it('refuses it in the browser decoder too', async () => {
    const bytes = await bomb(RECORDING_MAX_JSON_BYTES + 1);
    await expect(decodeRecordingBytes(bytes)).rejects.toThrow(`the recording is too large: it inflates to more than ${limit}`);
  });

  it('still calls a file under the cap damaged when it is not JSON', async () => {
    const bytes = await bomb(1000);
    expect(() => decodeRecording(bytes)).toThrow('the recording is damaged');
    await expect(decodeRecordingBytes(bytes)).rejects.toThrow('the recording is damaged');
  });
});
