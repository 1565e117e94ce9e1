/**
 * Rules are shared between namespaces (engine/sim/netfilter/intern.ts): the same restore on
 * two nodes holds one frozen copy of each match and target, while counters, renames and
 * aborted restores stay each namespace's own.
 */
import { describe, expect, it } from 'vitest';
import { Netfilter, iptables, iptablesRestore, iptablesSave } from '../../../engine/sim/netfilter/index.ts';

const RESTORE = '*filter\n:cali-fw-x - [0:0]\n-A cali-fw-x -m comment --comment "cali:abc" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A cali-fw-x -s 10.0.0.0/8 -i cali+ -j DROP\n-I FORWARD 1 -j cali-fw-x\nCOMMIT\n';

describe('rules shared between namespaces', () => {
  it('two namespaces restoring the same text share matches and targets, not rules or counters', () => {
    const a = new Netfilter();
    const b = new Netfilter();
    expect(iptablesRestore(a, ['--noflush'], RESTORE).code).toBe(0);
    expect(iptablesRestore(b, ['--noflush'], RESTORE).code).toBe(0);
    const ra = a.rules.chain('filter', 'cali-fw-x').rules;
    const rb = b.rules.chain('filter', 'cali-fw-x').rules;
    expect(ra[0]).not.toBe(rb[0]);
    expect(ra[0]!.matches[1]).toBe(rb[0]!.matches[1]);
    expect(ra[0]!.matches[0]!.m === 'comment' && rb[0]!.matches[0]!.m === 'comment' && ra[0]!.matches[0]!.comment).toBe('cali:abc');
    expect(ra[0]!.target).toBe(rb[0]!.target);
    expect(ra[1]!.src).toBe(rb[1]!.src);
    expect(Object.isFrozen(ra[0]!.matches[1])).toBe(true);
    expect(Object.isFrozen(ra[0]!.matches[0])).toBe(true);
    ra[0]!.packets += 3;
    ra[0]!.bytes += 252;
    expect(iptablesSave(a, ['-c'], { date: 'D' }).stdout).toContain('[3:252] -A cali-fw-x');
    expect(iptablesSave(b, ['-c'], { date: 'D' }).stdout).toContain('[0:0] -A cali-fw-x');
    expect(iptablesSave(a, [], { date: 'D' }).stdout).toBe(iptablesSave(b, [], { date: 'D' }).stdout);
  });

  it('a rename changes only its own namespace, and an aborted restore undoes it', () => {
    const a = new Netfilter();
    const b = new Netfilter();
    iptablesRestore(a, ['--noflush'], RESTORE);
    iptablesRestore(b, ['--noflush'], RESTORE);
    const before = iptablesSave(a, [], { date: 'D' }).stdout;
    expect(iptablesRestore(a, ['--noflush'], '*filter\n-E cali-fw-x cali-fw-y\n-A NOPE -j DROP\nCOMMIT\n').code).toBe(1);
    expect(iptablesSave(a, [], { date: 'D' }).stdout).toBe(before);
    expect(iptables(a, ['-E', 'cali-fw-x', 'cali-fw-y']).code).toBe(0);
    expect(iptables(a, ['-S', 'FORWARD']).stdout).toContain('-A FORWARD -j cali-fw-y');
    expect(iptables(b, ['-S', 'FORWARD']).stdout).toContain('-A FORWARD -j cali-fw-x');
  });
});
