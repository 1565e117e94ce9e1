/**
 * Removing the last pod of a node removes its endpoint chains and the namespace profile chain
 * that only they used — all dead chains are flushed before any is deleted, as Felix does, so
 * iptables never refuses a still-referenced chain.
 */
import { describe, it, expect } from 'vitest';
import { topology, up } from './helpers.ts';

describe('the last pod on a node goes away', () => {
  it('Felix removes its chains without an error and keeps the node programmed', async () => {
    const u = await up(await topology('topologies/two-nodes.yaml'), [['master-01', 'pod-a'], ['worker-01', 'pod-b']]);
    const errors: string[] = [];
    u.c.on((e) => { if (e.type === 'error') errors.push(e.message); });
    expect(u.lab.exec('worker-01', 'iptables-save').stdout).toMatch(/cali-pri-kns\.default/);
    await u.c.removePod('default', 'pod-b');
    u.lab.world.run(1000);
    expect(errors).toEqual([]);
    const save = u.lab.exec('worker-01', 'iptables-save').stdout;
    expect(save).not.toMatch(/cali-tw-cali/);
    expect(save).not.toMatch(/cali-pri-kns\.default/);
    expect(save).toMatch(/:cali-FORWARD/);
  });
});
