/** `-m statistic --mode random` (kube-proxy's load balancing) and DNAT to IP:PORT, as kube-proxy writes them. */
import { describe, expect, it } from 'vitest';
import { Netfilter, iptables, iptablesRestore, iptablesSave } from '../../../engine/sim/netfilter/index.ts';
import { Rng } from '../../../engine/sim/clock.ts';
import { ctx, ip, tcp } from './helpers.ts';

describe('-m statistic --mode random', () => {
  it('stores the probability as libxt_statistic does and prints it with 11 decimals', () => {
    const nf = new Netfilter();
    iptables(nf, ['-t', 'nat', '-N', 'SVC']);
    expect(iptables(nf, ['-t', 'nat', '-A', 'SVC', '-m', 'statistic', '--mode', 'random', '--probability', '0.3333333333', '-j', 'RETURN']).code).toBe(0);
    expect(iptables(nf, ['-t', 'nat', '-A', 'SVC', '-m', 'statistic', '--mode', 'random', '--probability', '0.5000000000', '-j', 'RETURN']).code).toBe(0);
    // What real iptables-save prints for kube-proxy's 1/3 and 1/2 (lround(2^31·p) / 2^31 as %.11f).
    expect(iptables(nf, ['-t', 'nat', '-S', 'SVC']).stdout).toBe(
      '-N SVC\n-A SVC -m statistic --mode random --probability 0.33333333349 -j RETURN\n'
      + '-A SVC -m statistic --mode random --probability 0.50000000000 -j RETURN\n');
    expect(iptables(nf, ['-t', 'nat', '-L', 'SVC', '-n']).stdout).toContain('statistic mode random probability 0.50000000000');
  });

  it('refuses what it does not model and a missing probability', () => {
    const nf = new Netfilter();
    expect(iptables(nf, ['-A', 'INPUT', '-m', 'statistic', '--mode', 'random', '-j', 'ACCEPT']).code).toBe(2);
    expect(iptables(nf, ['-A', 'INPUT', '-m', 'statistic', '--mode', 'nth', '--every', '2', '-j', 'ACCEPT']).stderr).toContain('--mode random only');
    expect(iptables(nf, ['-A', 'INPUT', '-m', 'statistic', '--mode', 'random', '--probability', '2', '-j', 'ACCEPT']).code).toBe(2);
  });

  it('spreads new flows over a 1/(n−i) ladder with a seeded RNG, and DNATs to IP:PORT', () => {
    const nf = new Netfilter();
    const text = [
      '*nat', ':SVC - [0:0]', ':SEP1 - [0:0]', ':SEP2 - [0:0]', ':SEP3 - [0:0]',
      '-A OUTPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j SVC',
      '-A SVC -m statistic --mode random --probability 0.33333333349 -j SEP1',
      '-A SVC -m statistic --mode random --probability 0.50000000000 -j SEP2',
      '-A SVC -j SEP3',
      '-A SEP1 -p tcp -m tcp -j DNAT --to-destination 10.5.0.1:8080',
      '-A SEP2 -p tcp -m tcp -j DNAT --to-destination 10.5.0.2:8080',
      '-A SEP3 -p tcp -m tcp -j DNAT --to-destination 10.5.0.3:8080',
      'COMMIT', '',
    ].join('\n');
    expect(iptablesRestore(nf, ['--noflush'], text).code).toBe(0);
    expect(iptablesSave(nf, ['-t', 'nat'], { date: 'D' }).stdout).toContain('-A SEP2 -p tcp -m tcp -j DNAT --to-destination 10.5.0.2:8080\n');
    const rng = new Rng(7);
    const hits = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const r = nf.hook('OUTPUT', tcp('10.5.9.9', 20000 + i, '10.96.0.10', 80), { ...ctx({ out: 'eth0' }), random: () => rng.nextU32() });
      const p = r.packet.payload as { dstPort: number };
      expect(p.dstPort).toBe(8080);
      const k = String(r.packet.dst);
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    for (const b of ['10.5.0.1', '10.5.0.2', '10.5.0.3']) {
      const n = hits.get(String(ip(b))) ?? 0;
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
  });

  it('never matches without an RNG (a namespace outside the simulator kernel)', () => {
    const nf = new Netfilter();
    iptables(nf, ['-A', 'INPUT', '-m', 'statistic', '--mode', 'random', '--probability', '1', '-j', 'DROP']);
    expect(nf.hook('INPUT', tcp('10.0.0.1', 1, '10.0.0.2', 2), ctx({ in: 'eth0' })).verdict).toBe('accept');
  });
});
