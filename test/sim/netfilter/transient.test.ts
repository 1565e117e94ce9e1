/**
 * The kernel's NF_HOOK reads a result the Netfilter refills on every call (hookTransient): each
 * call answers exactly what hook() answers for the same packet, nothing of the previous call's
 * result (a reject code, LOG lines, the deciding rule) stays in it.
 */
import { describe, expect, it } from 'vitest';
import { Netfilter, iptables } from '../../../engine/sim/netfilter/index.ts';
import type { NfHook, NfResult } from '../../../engine/sim/types.ts';
import { ctx, echo, tcp, udp } from './helpers.ts';

function filter(): Netfilter {
  const nf = new Netfilter({ clock: () => 0 });
  for (const r of [
    ['-A', 'INPUT', '-p', 'udp', '--dport', '53', '-j', 'LOG', '--log-prefix', 'dns '],
    ['-A', 'INPUT', '-p', 'udp', '--dport', '53', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP'],
    ['-A', 'INPUT', '-p', 'tcp', '--dport', '179', '-j', 'MARK', '--set-xmark', '0x10000/0x10000'],
    ['-A', 'INPUT', '-p', 'icmp', '-j', 'REJECT', '--reject-with', 'icmp-host-prohibited'],
    ['-A', 'OUTPUT', '-p', 'tcp', '--dport', '80', '-j', 'DROP'],
    ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.0.0.9:80'],
  ]) expect(iptables(nf, r).code).toBe(0);
  return nf;
}

/** What a caller can read of a result, read at once. */
function seen(r: NfResult): unknown {
  return { verdict: r.verdict, packet: r.packet, mark: r.mark, rejectCode: r.rejectCode, ctState: r.ctState, logs: r.logs, decidedBy: r.decidedBy, nat: r.natRules?.() };
}

describe('Netfilter.hookTransient', () => {
  it('answers each call as hook() does, with nothing left over from the call before', () => {
    const fresh = filter();
    const reused = filter();
    const calls: [NfHook, ReturnType<typeof tcp>, ReturnType<typeof ctx>][] = [];
    for (let i = 0; i < 12; i++) {
      calls.push(['INPUT', udp('10.0.0.1', 4000 + i, '10.0.0.2', 53), ctx({ in: 'eth0' })]);
      calls.push(['INPUT', tcp('10.0.0.1', 5000 + i, '10.0.0.2', 179), ctx({ in: 'eth0' })]);
      calls.push(['INPUT', tcp('10.0.0.1', 6000 + i, '10.0.0.2', 22), ctx({ in: 'eth0' })]);
      calls.push(['INPUT', echo('10.0.0.1', '10.0.0.2', 7, i), ctx({ in: 'eth0' })]);
      calls.push(['OUTPUT', tcp('10.0.0.2', 7000 + i, '10.0.0.3', i % 2 ? 80 : 8080), ctx({ out: 'eth0' })]);
      calls.push(['INPUT', tcp('10.0.0.1', 8000 + i, '10.0.0.2', 443), ctx({ in: 'eth0', mark: i })]);
    }
    const verdicts = new Set<string>();
    let previous: NfResult | undefined;
    for (const [hook, pkt, c] of calls) {
      const want = seen(fresh.hook(hook, pkt, c));
      const r = reused.hookTransient(hook, pkt, c);
      expect(seen(r)).toEqual(want);
      if (previous) expect(r).toBe(previous); // one object, refilled
      previous = r;
      verdicts.add(r.verdict);
    }
    expect([...verdicts].sort()).toEqual(['accept', 'drop', 'reject']);
  });
});
