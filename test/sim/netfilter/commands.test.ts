/** The tools' behaviour beyond what the real-iptables judge covers: restore atomicity, ipset, conntrack. */
import { describe, expect, it } from 'vitest';
import { Netfilter, conntrack, ipset, iptables, iptablesRestore, iptablesSave, splitLine } from '../../../engine/sim/netfilter/index.ts';
import { dispatchBody, iptablesRestoreItems, restoreLine } from '../../../engine/sim/netfilter/commands.ts';
import { dispatchChains } from '../../../engine/calico/felix/endpoints.ts';
import { ruleBody } from '../../../engine/dataplane/iptables.ts';
import type { RestoreRule } from '../../../engine/sim/netfilter/commands.ts';
import { ctx, tcp, udp } from './helpers.ts';

describe('iptables-restore', () => {
  it('applies a table atomically: a bad line leaves the table as it was', () => {
    const nf = new Netfilter();
    iptables(nf, ['-A', 'INPUT', '-j', 'ACCEPT']);
    const before = iptablesSave(nf, [], { date: 'D' }).stdout;
    const r = iptablesRestore(nf, [], '*filter\n:INPUT DROP [0:0]\n-A INPUT -j DROP\n-A INPUT -j NOPE\nCOMMIT\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('iptables-restore v1.8.9 (nf_tables): line 4 failed');
    expect(iptablesSave(nf, [], { date: 'D' }).stdout).toBe(before);
  });

  it('without --noflush replaces the table; with --noflush a chain line flushes only that chain', () => {
    const nf = new Netfilter();
    iptables(nf, ['-N', 'keep']);
    iptables(nf, ['-A', 'keep', '-j', 'RETURN']);
    iptables(nf, ['-N', 'redo']);
    iptables(nf, ['-A', 'redo', '-j', 'DROP']);
    expect(iptablesRestore(nf, ['--noflush'], '*filter\n:redo - [0:0]\n-A redo -j ACCEPT\nCOMMIT\n').code).toBe(0);
    expect(iptables(nf, ['-S']).stdout).toBe('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N keep\n-N redo\n-A keep -j RETURN\n-A redo -j ACCEPT\n');
    expect(iptablesRestore(nf, [], '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n').code).toBe(0);
    expect(iptables(nf, ['-S']).stdout).toBe('-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n');
  });

  it('rules handed over in parts give the tables, counters and errors of their text', () => {
    const start = (): Netfilter => {
      const nf = new Netfilter();
      ipset(nf, ['create', 'hosts', 'hash:net']);
      iptables(nf, ['-N', 'old']);
      iptables(nf, ['-A', 'old', '-j', 'RETURN']);
      nf.rules.chain('filter', 'old').rules[0]!.packets = 3;
      return nf;
    };
    const rule = (chain: string, body: string, comment?: string, insert?: number): RestoreRule =>
      ({ chain, body, ...(comment !== undefined ? { comment } : {}), ...(insert !== undefined ? { insert: true, at: insert } : {}) });
    const cases: (string | RestoreRule)[][] = [
      // Felix's shape: declared chains, hashed rules, a jump inserted into a built-in chain.
      ['*filter', ':cali-x - [0:0]', rule('cali-x', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', 'cali:abc'),
        rule('cali-x', '-m comment --comment "Drop if no profiles matched" -j DROP', 'cali:def'), rule('cali-x', '-p 4 -m set --match-set hosts src -j ACCEPT'),
        rule('INPUT', '-j cali-x', 'cali:ghi', 1), rule('INPUT', '-j ACCEPT', 'cali:jkl', 1), '-F old', '-X old', 'COMMIT'],
      // What the shortcut does not take goes through the full parser: the same rules.
      ['*filter', ':y - [0:0]', rule('y', '-j ACCEPT', 'has space'), rule('y', '-j DROP', 'q"uote'), rule('INPUT', '-i eth0 -j y', 'cali:x'), 'COMMIT'],
      // Errors: the same message and line number as the text.
      ['*filter', ':z - [0:0]', rule('z', '-j ACCEPT', 'cali:a'), rule('z', '-j nowhere', 'cali:b'), 'COMMIT'],
      ['*filter', rule('z', '-m set --match-set absent src -j ACCEPT', 'cali:a'), 'COMMIT'],
      [rule('INPUT', '-j ACCEPT')],
      ['*filter', ':w - [0:0]', rule('w', '-j ACCEPT', 'cali:a')],
    ];
    const codes: number[] = [];
    for (const items of cases) {
      const a = start();
      const b = start();
      const parts = iptablesRestoreItems(a, ['--noflush'], items);
      const text = iptablesRestore(b, ['--noflush'], items.map((x) => (typeof x === 'string' ? x : restoreLine(x))).join('\n'));
      expect(parts).toEqual(text);
      codes.push(parts.code);
      expect(iptablesSave(a, ['-c'], { date: 'D' }).stdout).toBe(iptablesSave(b, ['-c'], { date: 'D' }).stdout);
    }
    expect(codes).toEqual([0, 0, 1, 1, 1, 1]);
    // The first case really programmed something (not two equal no-ops).
    const nf = start();
    expect(iptablesRestoreItems(nf, ['--noflush'], cases[0]!).code).toBe(0);
    expect(iptables(nf, ['-S', 'INPUT']).stdout).toBe('-P INPUT ACCEPT\n-A INPUT -m comment --comment "cali:jkl" -j ACCEPT\n-A INPUT -m comment --comment "cali:ghi" -j cali-x\n');
  });

  it('a dispatch rule handed over in parts (-i/-o IFACE -g CHAIN, built without the parser) is the rule its text makes, and its errors', () => {
    const cases: [string, string][] = [
      ['d', '-i cali1234567890a -g t'], ['d', '-o cali12+ -g t'], ['d', '-i abcdefghijklmno -g t'],
      // As Felix renders it (long options).
      ['d', '--in-interface cali1234567890a --goto t'], ['d', '--out-interface cali1234567890a --goto t'], ['d', '--out-interface cali1 -g t'],
      // Not the shortcut's shape: the parser's answers (too long a name, a negation, a missing chain, a built-in chain).
      ['d', '-i abcdefghijklmnop -g t'], ['d', '! -i cali1 -g t'], ['d', '-o cali1 -g nowhere'], ['INPUT', '-i cali1 -g t'],
    ];
    const codes: number[] = [];
    for (const [chain, body] of cases) {
      const items: (string | RestoreRule)[] = ['*filter', ':d - [0:0]', ':t - [0:0]', { chain, comment: 'cali:h', body }, 'COMMIT'];
      const a = new Netfilter();
      const b = new Netfilter();
      const parts = iptablesRestoreItems(a, ['--noflush'], items);
      expect(parts).toEqual(iptablesRestore(b, ['--noflush'], items.map((x) => (typeof x === 'string' ? x : restoreLine(x))).join('\n')));
      codes.push(parts.code);
      expect(iptablesSave(a, ['-c'], { date: 'D' }).stdout).toBe(iptablesSave(b, ['-c'], { date: 'D' }).stdout);
      // The same rule objects field by field (the packet path reads these, not the text).
      if (parts.code === 0) expect(JSON.stringify(a.rules.chain('filter', chain).rules)).toBe(JSON.stringify(b.rules.chain('filter', chain).rules));
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
    // Felix's own dispatch rules, as the driver renders them, take the shortcut (every rule but the chains' last, 'Unknown interface').
    const felix = dispatchChains(['cali1234567890a', 'cali1234567890b', 'calif00000000aa']).flatMap((c) => c.rules.slice(0, -1).map(ruleBody));
    expect(felix.length).toBe(8);
    for (const body of felix) expect(dispatchBody(body), body).not.toBeNull();
    const nf = new Netfilter();
    iptablesRestoreItems(nf, ['--noflush'], ['*filter', ':d - [0:0]', ':t - [0:0]', { chain: 'd', body: '-o cali12+ -g t' }, 'COMMIT']);
    expect(nf.rules.chain('filter', 'd').rules[0]).toMatchObject({ outIface: 'cali12+', outNeg: false, target: { t: 'goto', chain: 't' }, matches: [] });
  });

  it('a deferred comment is computed only when a tool reads it, and then reads like the text', () => {
    let reads = 0;
    const texts = { at: (i: number): string => { reads++; return `cali:hash-${i}`; } };
    const items: (string | RestoreRule)[] = ['*filter', ':c - [0:0]', { chain: 'c', comment: { texts, index: 0 }, body: '-j ACCEPT' },
      { chain: 'c', comment: { texts, index: 1 }, body: '-p tcp -j DROP' }, 'COMMIT'];
    const a = new Netfilter();
    expect(iptablesRestoreItems(a, ['--noflush'], items).code).toBe(0);
    expect(reads).toBe(0);
    const b = new Netfilter();
    iptablesRestore(b, ['--noflush'], items.map((x) => (typeof x === 'string' ? x : restoreLine(x))).join('\n'));
    reads = 0;
    expect(iptablesSave(a, [], { date: 'D' }).stdout).toBe(iptablesSave(b, [], { date: 'D' }).stdout);
    expect(reads).toBe(2);
    const m = a.rules.chain('filter', 'c').rules[1]!.matches[0]!;
    expect(Object.keys(m)).toEqual(['m', 'comment']);
    expect(JSON.stringify(m)).toBe('{"m":"comment","comment":"cali:hash-1"}');
    expect(({ ...m } as { comment?: string }).comment).toBe('cali:hash-1');
    // -D by spec compares the printed rule, comment included.
    expect(iptables(a, ['-D', 'c', '-p', 'tcp', '-m', 'comment', '--comment', 'cali:hash-1', '-j', 'DROP']).code).toBe(0);
    expect(iptables(a, ['-S', 'c']).stdout).toBe('-N c\n-A c -m comment --comment "cali:hash-0" -j ACCEPT\n');
  });

  it('splits quoted arguments like the real parser', () => {
    expect(splitLine('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT')).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a "b" c', '-j', 'ACCEPT']);
  });
});

describe('ipset', () => {
  it('creates, adds, tests, deletes, swaps with ipset 7.17 messages', () => {
    const nf = new Netfilter();
    expect(ipset(nf, ['add', 'nope', '10.0.0.1']).stderr).toBe('ipset v7.17: The set with the given name does not exist\n');
    expect(ipset(nf, ['create', 'a', 'hash:ip']).code).toBe(0);
    expect(ipset(nf, ['create', 'a', 'hash:ip']).stderr).toBe('ipset v7.17: Set cannot be created: set with the same name already exists\n');
    expect(ipset(nf, ['create', 'a', 'hash:ip', '-exist']).code).toBe(0);
    ipset(nf, ['add', 'a', '10.0.0.1']);
    expect(ipset(nf, ['add', 'a', '10.0.0.1']).stderr).toBe("ipset v7.17: Element cannot be added to the set: it's already added\n");
    expect(ipset(nf, ['test', 'a', '10.0.0.1'])).toEqual({ stdout: '', stderr: '10.0.0.1 is in set a.\n', code: 0 });
    expect(ipset(nf, ['test', 'a', '10.0.0.2']).code).toBe(1);
    ipset(nf, ['create', 'b', 'hash:ip']);
    ipset(nf, ['add', 'b', '10.0.0.9']);
    ipset(nf, ['swap', 'a', 'b']);
    expect(ipset(nf, ['list', 'a']).stdout).toContain('Members:\n10.0.0.9\n');
    expect(ipset(nf, ['del', 'b', '10.0.0.1']).code).toBe(0);
    expect(ipset(nf, ['del', 'b', '10.0.0.1']).stderr).toBe("ipset v7.17: Element cannot be deleted from the set: it's not added\n");
    expect(ipset(nf, ['list', '-n']).stdout).toBe('a\nb\n');
  });

  it('hash:net matches addresses inside member prefixes in rules', () => {
    const nf = new Netfilter();
    ipset(nf, ['restore'], 'create pools hash:net\nadd pools 10.244.0.0/16\nadd pools 192.168.7.0/24\n');
    iptables(nf, ['-A', 'INPUT', '-m', 'set', '!', '--match-set', 'pools', 'src', '-j', 'DROP']);
    expect(nf.hook('INPUT', udp('10.244.9.9', 1, '10.0.0.2', 2), ctx({ in: 'eth0' })).verdict).toBe('accept');
    expect(nf.hook('INPUT', udp('10.245.9.9', 1, '10.0.0.2', 2), ctx({ in: 'eth0' })).verdict).toBe('drop');
    expect(iptables(nf, ['-S', 'INPUT', '1']).stdout).toBe('-A INPUT -m set ! --match-set pools src -j DROP\n');
  });

  it('hash:ip,port holds (address, protocol:port) entries, tcp when the protocol is omitted', () => {
    const nf = new Netfilter();
    expect(ipset(nf, ['create', 'np', 'hash:ip,port', 'family', 'inet']).code).toBe(0);
    expect(ipset(nf, ['add', 'np', '10.0.0.1,tcp:80']).code).toBe(0);
    expect(ipset(nf, ['add', 'np', '10.0.0.1,80']).stderr).toBe("ipset v7.17: Element cannot be added to the set: it's already added\n");
    expect(ipset(nf, ['add', 'np', '10.0.0.2,udp:53']).code).toBe(0);
    expect(ipset(nf, ['add', 'np', '10.0.0.3']).code).toBe(1);
    expect(ipset(nf, ['add', 'np', '10.0.0.3,gre:1']).code).toBe(1);
    expect(ipset(nf, ['add', 'np', '10.0.0.3,tcp:70000']).code).toBe(1);
    expect(ipset(nf, ['test', 'np', '10.0.0.2,udp:53']).code).toBe(0);
    expect(ipset(nf, ['test', 'np', '10.0.0.2,tcp:53']).code).toBe(1);
    const list = ipset(nf, ['list', 'np']).stdout;
    expect(list).toContain('Type: hash:ip,port\n');
    expect(list).toContain('Number of entries: 2\nMembers:\n10.0.0.1,tcp:80\n10.0.0.2,udp:53\n');
    expect(ipset(nf, ['del', 'np', '10.0.0.1,tcp:80']).code).toBe(0);
    expect(ipset(nf, ['test', 'np', '10.0.0.1,tcp:80']).code).toBe(1);
  });

  it('--match-set NAME dst,dst on hash:ip,port matches destination address and port and protocol', () => {
    const nf = new Netfilter();
    ipset(nf, ['restore'], 'create np hash:ip,port family inet\nadd np 10.0.0.2,tcp:80\nadd np 10.0.0.2,udp:81\n');
    expect(iptables(nf, ['-A', 'INPUT', '-m', 'set', '--match-set', 'np', 'dst,dst', '-j', 'ACCEPT']).code).toBe(0);
    iptables(nf, ['-P', 'INPUT', 'DROP']);
    const hook = (p: Parameters<Netfilter['hook']>[1]): string => nf.hook('INPUT', p, ctx({ in: 'eth0' })).verdict;
    expect(hook(tcp('10.0.0.1', 4000, '10.0.0.2', 80))).toBe('accept');
    expect(hook(tcp('10.0.0.1', 4000, '10.0.0.2', 81))).toBe('drop');
    expect(hook(udp('10.0.0.1', 4000, '10.0.0.2', 81))).toBe('accept');
    expect(hook(udp('10.0.0.1', 4000, '10.0.0.2', 80))).toBe('drop');
    expect(hook(tcp('10.0.0.1', 4000, '10.0.0.3', 80))).toBe('drop');
    // src,dst: the address from the source, the port from the destination.
    expect(iptables(nf, ['-I', 'INPUT', '-m', 'set', '--match-set', 'np', 'src,dst', '-j', 'ACCEPT']).code).toBe(0);
    expect(hook(tcp('10.0.0.2', 4000, '10.0.0.9', 80))).toBe('accept');
    expect(hook(tcp('10.0.0.2', 80, '10.0.0.9', 4000))).toBe('drop');
    expect(iptables(nf, ['-S', 'INPUT']).stdout).toContain('-A INPUT -m set --match-set np dst,dst -j ACCEPT\n');
  });

  it('a hash:ip,port set named with one flag never matches (fewer flags than dimensions)', () => {
    const nf = new Netfilter();
    ipset(nf, ['restore'], 'create np hash:ip,port\nadd np 10.0.0.2,tcp:80\n');
    iptables(nf, ['-A', 'INPUT', '-m', 'set', '--match-set', 'np', 'dst', '-j', 'DROP']);
    expect(nf.hook('INPUT', tcp('10.0.0.1', 4000, '10.0.0.2', 80), ctx({ in: 'eth0' })).verdict).toBe('accept');
  });
});

describe('conntrack tool', () => {
  it('counts and flushes the table', () => {
    const nf = new Netfilter();
    nf.hook('OUTPUT', udp('10.0.0.1', 1, '10.0.0.2', 2), ctx({ out: 'eth0' }));
    nf.hook('POSTROUTING', udp('10.0.0.1', 1, '10.0.0.2', 2), ctx({ out: 'eth0' }));
    expect(conntrack(nf, ['-C']).stdout).toBe('1\n');
    expect(conntrack(nf, ['-L']).stdout).toBe('udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1\n');
    expect(conntrack(nf, ['-F']).stderr).toBe('conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n');
    expect(conntrack(nf, ['-C']).stdout).toBe('0\n');
  });
});
