/**
 * `podlab run --packets none`: the run keeps no packet hops in its events (nor captures for
 * a recording), yet every `packet:` expectation sees the same frames and gives the same
 * verdict as a run that keeps them — and the recording still opens.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../engine/scenario/format.ts';
import { runScenario } from '../../engine/scenario/run.ts';
import { recordingOf } from '../../engine/scenario/recording.ts';
import { decodeRecording, encodeRecording } from '../../engine/scenario/recording-file.ts';

describe('a run without packet hops', () => {
  it('judges packet expectations as a run with them does, and records no hops', async () => {
    const l = await loadScenario('test/fixtures/scenarios/mtu.yaml');
    if (!l.scenario) throw new Error('fixture does not load');
    const all = await runScenario(l.scenario, l.topology);
    const none = await runScenario(l.scenario, l.topology, { packets: false, keep: { captures: false } });
    const verdicts = (r: typeof all) => r.steps.flatMap((s) => s.expectations.map((x) => [x.text, x.pass, JSON.stringify(x.observed)]));
    // The fixture's packet expectations are there, and both ways round (seen, not seen).
    expect(verdicts(all).filter(([t]) => String(t).includes(' seen on ')).length).toBeGreaterThanOrEqual(3);
    expect(verdicts(none)).toEqual(verdicts(all));
    expect(all.events.some((e) => e.type === 'packet')).toBe(true);
    expect(none.events.some((e) => e.type === 'packet')).toBe(false);
    expect(none.events.filter((e) => e.type !== 'packet').map((e) => e.type)).toEqual(all.events.filter((e) => e.type !== 'packet').map((e) => e.type));
    const rec = recordingOf(none);
    expect(rec.captures).toEqual([]);
    const back = decodeRecording(encodeRecording(rec));
    expect(back.events.length).toBe(none.events.length);
    expect(encodeRecording(rec).length).toBeLessThan(encodeRecording(recordingOf(all)).length / 2);
  });
});
