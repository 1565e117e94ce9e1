/** The lab shell's ping reads its options as iputils' getopt does: attached values, grouped flags, iputils' complaints. */
import { describe, expect, it } from 'vitest';
import { parsePingArgs } from '../../../engine/sim/apps/ping.ts';
import { loadTopology } from '../../../engine/model/load.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';

describe('ping options', () => {
  it('accepts attached values and grouped flags (-c1, -W1, -nc1) like -c 1', () => {
    expect(parsePingArgs(['-c1', '-W1', '10.0.0.1'])).toEqual({ count: 1, timeoutS: 1, dst: '10.0.0.1' });
    expect(parsePingArgs(['-nc2', '-s1400', '-Mdo', '10.0.0.1'])).toEqual({ count: 2, size: 1400, pmtudisc: 'do', dst: '10.0.0.1' });
    expect(parsePingArgs(['-c', '3', '-t', '7', '-I', 'eth0', '10.0.0.1'])).toEqual({ count: 3, ttl: 7, source: 'eth0', dst: '10.0.0.1' });
  });

  it("refuses bad values with iputils' words instead of running with NaN", () => {
    expect(() => parsePingArgs(['-c', 'abc', '10.0.0.1'])).toThrow("ping: invalid argument: 'abc'");
    expect(() => parsePingArgs(['-c0', '10.0.0.1'])).toThrow("ping: invalid argument: '0': out of range: 1 <= value <= 9007199254740991");
    expect(() => parsePingArgs(['-t', '300', '10.0.0.1'])).toThrow("ping: invalid argument: '300': out of range: 0 <= value <= 255");
    expect(() => parsePingArgs(['-W', '-1', '10.0.0.1'])).toThrow('ping: bad linger time: -1');
    expect(() => parsePingArgs(['-x', '10.0.0.1'])).toThrow("ping: invalid option -- 'x'");
    expect(() => parsePingArgs(['10.0.0.1', '-c'])).toThrow("ping: option requires an argument -- 'c'");
  });

  it('ping -c1 -W1 runs in the lab shell', async () => {
    const t = await loadTopology('topologies/floors.yaml');
    if (!t.topology) throw new Error('floors.yaml does not parse');
    const lab = SimLab.deploy(t.topology);
    const r = lab.exec('printer-1', 'ping -c1 -W1 10.30.3.11');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 packets transmitted, 1 received, 0% packet loss');
  });
});
