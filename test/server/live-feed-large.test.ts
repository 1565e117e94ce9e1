/**
 * The UI's live feed starting on a lab whose captures already hold more frames than a spread
 * can pass (a converged 500-node fabric's BGP traffic): it keeps the newest of them, counts
 * the rest as dropped, and numbers the kept ones after them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../engine/model/validate.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { LiveFeed } from '../../engine/server/index.ts';

describe('LiveFeed over large captures', () => {
  it('keeps the newest frames of 300,000 captured before it started', () => {
    const r = parseTopology(readFileSync(new URL('../../topologies/two-nodes.yaml', import.meta.url), 'utf8'), 'two-nodes.yaml');
    const lab = SimLab.deploy(r.topology!);
    expect(lab.exec('master-01', 'ping -c 1 10.30.200.2').stdout).toContain('1 received');
    const cap = lab.startCapture('master-01', 'eth0');
    const sample = cap.records[cap.records.length - 1]!;
    const base = [...lab.allCaptures().values()].reduce((n, c) => n + c.records.length, 0);
    for (let i = 0; i < 300_000; i++) cap.records.push({ ...sample, tsMs: sample.tsMs + 1 + i });
    const total = base + 300_000;
    const feed = new LiveFeed(lab, 1000, 2000);
    expect(feed.packetCount()).toBe(total);
    expect(feed.droppedPackets()).toBe(total - 2000);
    const kept = feed.packetsSince(0, 5000);
    expect(kept).toHaveLength(2000);
    expect(kept[0]!.no).toBe(total - 1999);
    expect(kept[1999]!.t).toBe(sample.tsMs + 300_000);
    feed.close();
  });
});
