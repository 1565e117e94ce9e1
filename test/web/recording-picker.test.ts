/**
 * A recording opened in the browser must show what `podlab replay FILE` serves: the file is
 * made by the real `podlab run --record`, decoded by the browser's decoder (DecompressionStream,
 * which Node has too), and every API body the page reads is compared with the real server's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeRecording } from '../../engine/scenario/recording-file.ts';
import { decodeRecordingBytes } from '../../web/src/data/recording-file.ts';
import { recordingSource } from '../../web/src/data/recording-source.ts';
import { startPodlab, type PodlabProcess } from './podlab-process.ts';

const exec = promisify(execFile);

describe('a recording opened in the browser', () => {
  let dir: string;
  let file: string;
  let replay: PodlabProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podlab-picker-'));
    file = join(dir, 'ipip-vs-bgp.podlab');
    await exec(process.execPath, ['bin/podlab.js', 'run', 'scenarios/ipip-vs-bgp.yaml', '--record', file]);
    replay = await startPodlab(['replay', '--port', '0', file]);
  });
  afterAll(async () => {
    await replay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes to what the engine decodes', async () => {
    const bytes = new Uint8Array(readFileSync(file));
    expect(await decodeRecordingBytes(bytes)).toEqual(decodeRecording(bytes));
  });

  it('refuses what is not a recording, and a damaged one, saying why', async () => {
    await expect(decodeRecordingBytes(new TextEncoder().encode('name: not-a-recording\n'))).rejects.toThrow('not a podlab recording');
    await expect(decodeRecordingBytes(new TextEncoder().encode('PODLAB-RECORDING 9\n'))).rejects.toThrow('recording format 9 is not supported');
    const bytes = new Uint8Array(readFileSync(file));
    await expect(decodeRecordingBytes(bytes.subarray(0, bytes.length - 200))).rejects.toThrow('the recording is damaged');
  });

  it('gives the page the same API bodies as podlab replay serves', async () => {
    const src = recordingSource(await decodeRecordingBytes(new Uint8Array(readFileSync(file))), 'x.podlab');
    const get = async (path: string) => (await fetch(new URL(path, replay.url))).json();
    expect(await src.topology()).toEqual(await get('/api/topology'));
    expect(await src.events(0)).toEqual(await get('/api/events?since=0'));
    expect(await src.events(100)).toEqual(await get('/api/events?since=100'));
    expect(await src.links()).toEqual(await get('/api/links'));
    const packets = await src.packets(0);
    expect(packets.total).toBeGreaterThan(0);
    expect(packets).toEqual(await get('/api/packets?since=0'));
    const hops = await src.hops(0);
    expect(hops.hops.some((h) => h.hop === 'encap' && h.tunnel === 'ipip')).toBe(true);
    expect(hops).toEqual(await get('/api/hops?since=0'));
    expect(await src.hops(hops.next)).toEqual(await get(`/api/hops?since=${hops.next}`));
  });
});
