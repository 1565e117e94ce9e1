/**
 * Captures on every interface of a lab (what `podlab up` starts): each frame lands in the
 * capture of the device that sent or received it, and only there; a stopped capture keeps
 * its frames and takes no more, while the others go on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../engine/model/validate.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';

function lab(): SimLab {
  const r = parseTopology(readFileSync(new URL('../../topologies/two-nodes.yaml', import.meta.url), 'utf8'), 'two-nodes.yaml');
  return SimLab.deploy(r.topology!);
}

describe('captures on every interface', () => {
  it('file each frame under its own node and device only', () => {
    const l = lab();
    const caps = [...l.allCaptures().values()];
    expect(caps.length).toBeGreaterThanOrEqual(5);
    // The first ping's ARP request is flooded to every host on the segment; measure after it.
    expect(l.exec('master-01', 'ping -c 1 10.30.200.2').stdout).toContain('1 received');
    const before = new Map(caps.map((c) => [c, c.records.length]));
    expect(l.exec('master-01', 'ping -c 2 10.30.200.2').stdout).toContain('2 received');
    const grew = caps.filter((c) => c.records.length > before.get(c)!).map((c) => `${c.node}:${c.dev}`).sort();
    // Unicast now: master-01's eth0 and worker-01's eth0, nothing else (the switch is not captured).
    expect(grew).toEqual(['master-01:eth0', 'worker-01:eth0']);
    const m = l.startCapture('master-01', 'eth0');
    const sent = m.records.slice(before.get(m)!).filter((r) => r.dir === 'out').length;
    const got = m.records.slice(before.get(m)!).filter((r) => r.dir === 'in').length;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(got).toBeGreaterThanOrEqual(2);
  });

  it('stops one capture without stopping the others', () => {
    const l = lab();
    const m = l.startCapture('master-01', 'eth0');
    const w = l.startCapture('worker-01', 'eth0');
    m.stop();
    const [mn, wn] = [m.records.length, w.records.length];
    expect(l.exec('master-01', 'ping -c 1 10.30.200.2').stdout).toContain('1 received');
    expect(m.records.length).toBe(mn);
    expect(w.records.length).toBeGreaterThan(wn);
    m.stop();
  });
});
