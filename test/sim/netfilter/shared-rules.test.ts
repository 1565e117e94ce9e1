/**
 * Rules are shared between namespaces (engine/sim/netfilter/intern.ts): the same restore on
 * two nodes holds one frozen copy of each match and target, while counters, renames and
 * aborted restores stay each namespace's own.
 */
import { describe, expect, it } from 'vitest';
import { Netfilter, ipset, iptables, iptablesRestore, iptablesSave } from '../../../engine/sim/netfilter/index.ts';

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
    // The leading cali: comment too (Felix's static chains carry the same hashes on every node).
    expect(ra[0]!.matches[0]).toBe(rb[0]!.matches[0]);
    // What a packet is tested against: the matches without comments, one shared list; every rule one shape.
    expect(ra[0]!.checks).toEqual([ra[0]!.matches[1]]);
    expect(ra[0]!.checks).toBe(rb[0]!.checks);
    expect(ra[1]!.checks).toEqual([]);
    expect(Object.keys(ra[0]!)).toEqual(Object.keys(ra[1]!));
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

  it('bodies repeated across chains and namespaces (parsed once) give what iptables -A gives, errors included', () => {
    const body = '-m set --match-set cali40s:x src -p tcp -m multiport --destination-ports 80,443 -m comment --comment "policy p" -j MARK --set-xmark 0x10000/0x10000';
    const lines = ['cali-tw-a', 'cali-tw-b'].flatMap((c, i) => [`-A ${c} -m comment --comment "cali:h${i}" ${body}`, `-A ${c} -m comment --comment "cali:k${i}" -j RETURN`, `-I ${c} 2 -m comment --comment "cali:i${i}" -j ACCEPT`]);
    const restore = `*filter\n:cali-tw-a - [0:0]\n:cali-tw-b - [0:0]\n${lines.join('\n')}\nCOMMIT\n`;
    const byRestore = [new Netfilter(), new Netfilter()];
    const byCommands = new Netfilter();
    for (const nf of [...byRestore, byCommands]) ipset(nf, ['create', 'cali40s:x', 'hash:net']);
    for (const nf of byRestore) expect(iptablesRestore(nf, ['--noflush'], restore)).toEqual({ stdout: '', stderr: '', code: 0 });
    for (const c of ['cali-tw-a', 'cali-tw-b']) expect(iptables(byCommands, ['-N', c]).code).toBe(0);
    for (const l of lines) expect(iptables(byCommands, l.split(/ (?=(?:[^"]*"[^"]*")*[^"]*$)/).map((a) => a.replace(/^"|"$/g, ''))).code).toBe(0);
    const saved = iptablesSave(byCommands, [], { date: 'D' }).stdout;
    expect(saved).toContain('-A cali-tw-a -m comment --comment "cali:k0" -j RETURN\n-A cali-tw-b -p tcp -m comment --comment "cali:h1" -m set --match-set cali40s:x src -m multiport --dports 80,443 -m comment --comment "policy p" -j MARK --set-xmark 0x10000/0x10000');
    for (const nf of byRestore) expect(iptablesSave(nf, [], { date: 'D' }).stdout).toBe(saved);
    // The same body where its set is missing, or on a chain its interface option is refused in: iptables' own errors.
    const noSet = new Netfilter();
    const r = iptablesRestore(noSet, ['--noflush'], restore);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Set cali40s:x doesn't exist.");
    expect(r.stderr).toContain('line 4 failed');
    expect(iptablesRestore(byRestore[0]!, ['--noflush'], '*filter\n-I cali-tw-a 9 -m comment --comment "cali:z" -j RETURN\nCOMMIT\n').stderr).toContain('Index of insertion too big');
    const out = iptablesRestore(new Netfilter(), ['--noflush'], '*filter\n-A FORWARD -m comment --comment "cali:z" -o eth0 -j ACCEPT\n-A INPUT -m comment --comment "cali:z" -o eth0 -j ACCEPT\nCOMMIT\n');
    expect(out.stderr).toContain("Can't use -o with INPUT");
    expect(out.stderr).toContain('line 3 failed');
  });
});
