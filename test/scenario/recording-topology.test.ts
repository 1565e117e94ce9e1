/**
 * A recording whose topology is malformed is refused where it is read, with the path of
 * the first problem — by `podlab replay` (one line, exit 2) and by the browser's recording
 * picker, which shares checkRecording — instead of reaching the API's views as HTTP 500.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../engine/scenario/format.ts';
import { runScenario } from '../../engine/scenario/run.ts';
import { recordingOf, checkRecording, type Recording } from '../../engine/scenario/recording.ts';
import { decodeRecording, encodeRecording } from '../../engine/scenario/recording-file.ts';
import { decodeRecordingBytes } from '../../web/src/data/recording-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'podlab-rec-topo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let good: Recording;
beforeAll(async () => {
  const l = await loadScenario('test/fixtures/scenarios/mtu.yaml');
  if (!l.scenario) throw new Error('fixture does not load');
  good = recordingOf(await runScenario(l.scenario, l.topology));
});

/** The good recording with its topology changed by `edit`. */
function malformed(edit: (t: Record<string, unknown> & { nodes: Record<string, unknown>[] }) => void): Recording {
  const doc = structuredClone(good) as unknown as { topology: Record<string, unknown> & { nodes: Record<string, unknown>[] } };
  edit(doc.topology);
  return doc as unknown as Recording;
}

describe('a recording with a malformed topology', () => {
  it('a real recording passes', () => {
    expect(() => decodeRecording(encodeRecording(good))).not.toThrow();
  });

  it('one that would inflate past what podlab reads is not encoded, and the error says what takes the room', () => {
    const size = Buffer.byteLength(JSON.stringify(good));
    expect(() => encodeRecording(good, size)).not.toThrow();
    const packets = good.events.filter((e) => e.type === 'packet').length;
    expect(packets).toBeGreaterThan(0);
    expect(() => encodeRecording(good, size - 1)).toThrow(
      new RegExp(`^the recording would inflate to \\d+ bytes, more than the ${size - 1} bytes podlab replay and the UI read \\(${good.events.length} events, ${packets} of them packet hops, \\d+ captured frames, on ${good.topology.nodes.length} nodes\\): record without packet hops \\(podlab run --packets none\\), a smaller fabric`));
  });

  it('is refused with the path of the first problem', () => {
    expect(() => checkRecording(malformed((t) => { t.nodes[0] = {}; }))).toThrow('the recorded topology is malformed: topology.nodes[0].name must be a string');
    expect(() => checkRecording(malformed((t) => { t.nodes[1]!.interfaces = 'eth0'; }))).toThrow('topology.nodes[1].interfaces must be a list');
    expect(() => checkRecording(malformed((t) => { t.links = [{ endpoints: [{ node: 'ghost', iface: 'eth0' }, { node: 'ghost', iface: 'eth1' }], mtu: 1500, latencyMs: 0, lossPercent: 0 }]; }))).toThrow("topology.links[0] names node 'ghost'");
  });

  it('podlab replay says so in one line and exits 2; the browser decoder refuses it too', async () => {
    const bytes = encodeRecording(malformed((t) => { (t.nodes[0] as { interfaces: unknown[] }).interfaces = [{ name: 7 }]; }));
    const file = join(dir, 'bad.podlab');
    writeFileSync(file, bytes);
    const r = await new Promise<{ code: number; stderr: string }>((res) => {
      execFile(process.execPath, ['bin/podlab.js', 'replay', '--print', file], (err, _o, stderr) => res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
    });
    expect(r.stderr).toBe(`podlab replay: ${file}: the recorded topology is malformed: topology.nodes[0].interfaces[0].node must be a string\n`);
    expect(r.code).toBe(2);
    await expect(decodeRecordingBytes(bytes)).rejects.toThrow('the recorded topology is malformed: topology.nodes[0].interfaces[0].node must be a string');
  });
});
