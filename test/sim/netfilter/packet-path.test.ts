/**
 * Netfilter through the PacketFilter seam with real packet objects: stateful filtering,
 * NAT with conntrack bindings, REJECT codes, jump/goto/RETURN, a Felix-shaped chain set,
 * marks, sets, LOG, NOTRACK and timeouts.
 */
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '../../../engine/net/ip.ts';
import type { Ipv4Packet } from '../../../engine/net/packet.ts';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../../engine/net/packet.ts';
import type { NfHook, NfResult } from '../../../engine/sim/types.ts';
import { Netfilter, conntrack, ipset, iptables, iptablesRestore, iptablesSave, quotedTuple } from '../../../engine/sim/netfilter/index.ts';
import { ctx, echo, ip, tcp, udp, unreach } from './helpers.ts';

function apply(nf: Netfilter, rules: string[][]): void {
  for (const r of rules) {
    const res = iptables(nf, r);
    if (res.code !== 0) throw new Error(`${r.join(' ')}: ${res.stderr}`);
  }
}

/** A forwarded packet: PREROUTING → FORWARD → POSTROUTING, stopping at the first non-accept. */
function forward(nf: Netfilter, p: Ipv4Packet, inDev: string, outDev: string, now = 0, addrs: Record<string, string> = {}): NfResult {
  let pkt = p;
  let mark = 0;
  let last!: NfResult;
  let decidedBy: string | undefined;
  const hooks: [NfHook, string | undefined, string | undefined][] = [['PREROUTING', inDev, undefined], ['FORWARD', inDev, outDev], ['POSTROUTING', undefined, outDev]];
  for (const [h, i, o] of hooks) {
    last = nf.hook(h, pkt, ctx({ in: i, out: o, mark, now, addrs }));
    // The kernel keeps the decision of the hook that made it (FORWARD's filter, usually).
    decidedBy = last.decidedBy ?? decidedBy;
    if (last.verdict !== 'accept') return last;
    pkt = last.packet;
    mark = last.mark;
  }
  return { ...last, decidedBy };
}

const l4 = (p: Ipv4Packet): { srcPort: number; dstPort: number } => p.payload as unknown as { srcPort: number; dstPort: number };

describe('stateful forwarding (the must-show case)', () => {
  const rules = [
    ['-P', 'FORWARD', 'DROP'],
    ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
    ['-A', 'FORWARD', '-i', 'eth1', '-o', 'eth0', '-j', 'ACCEPT'],
  ];

  it('lets replies of an outbound flow in and keeps new inbound connections out', () => {
    const nf = new Netfilter();
    apply(nf, rules);
    // Inside host 10.1.0.5 (eth1 side) opens TCP to 198.51.100.7 (eth0 side).
    const syn = forward(nf, tcp('10.1.0.5', 40000, '198.51.100.7', 80), 'eth1', 'eth0');
    expect(syn.verdict).toBe('accept');
    expect(syn.ctState).toBe('NEW');
    expect(syn.decidedBy).toBe('-A FORWARD -i eth1 -o eth0 -j ACCEPT');
    const synack = forward(nf, tcp('198.51.100.7', 80, '10.1.0.5', 40000, TCP_SYN | TCP_ACK), 'eth0', 'eth1', 1);
    expect(synack.verdict).toBe('accept');
    expect(synack.ctState).toBe('ESTABLISHED');
    expect(synack.decidedBy).toBe('-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(conntrack(nf, ['-L']).stdout).toMatch(/^tcp      6 60 SYN_RECV src=10\.1\.0\.5 /);
    expect(forward(nf, tcp('10.1.0.5', 40000, '198.51.100.7', 80, TCP_ACK), 'eth1', 'eth0', 1).ctState).toBe('ESTABLISHED');
    // UDP and ping replies too.
    forward(nf, udp('10.1.0.5', 5353, '198.51.100.7', 53), 'eth1', 'eth0', 2);
    expect(forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 5353), 'eth0', 'eth1', 3).verdict).toBe('accept');
    forward(nf, echo('10.1.0.5', '198.51.100.7', 7, 1), 'eth1', 'eth0', 4);
    expect(forward(nf, echo('198.51.100.7', '10.1.0.5', 7, 1, 0), 'eth0', 'eth1', 5).verdict).toBe('accept');

    // New inbound connections from outside: dropped by the policy.
    const inbound = forward(nf, tcp('198.51.100.7', 51000, '10.1.0.5', 22), 'eth0', 'eth1', 6);
    expect(inbound.verdict).toBe('drop');
    expect(inbound.ctState).toBe('NEW');
    expect(inbound.decidedBy).toBe('policy DROP');
    expect(forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 9999), 'eth0', 'eth1', 7).verdict).toBe('drop');
    // An unsolicited echo reply is INVALID, also dropped.
    const stray = forward(nf, echo('198.51.100.7', '10.1.0.5', 99, 1, 0), 'eth0', 'eth1', 8);
    expect([stray.verdict, stray.ctState]).toEqual(['drop', 'INVALID']);
    // The dropped inbound SYN left no conntrack entry; the three outbound flows are listed.
    const listing = conntrack(nf, ['-L']);
    expect(listing.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(listing.stdout).toContain('tcp      6 431999 ESTABLISHED src=10.1.0.5 dst=198.51.100.7 sport=40000 dport=80 src=198.51.100.7 dst=10.1.0.5 sport=80 dport=40000 [ASSURED] mark=0 use=1');
    expect(listing.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.\n');
    // Counters: the policy counted the drops, the rules their hits.
    expect(iptablesSave(nf, ['-c'], { date: 'X' }).stdout).toContain(':FORWARD DROP [3:156]');
  });

  it('an expired flow no longer lets replies in', () => {
    const nf = new Netfilter();
    apply(nf, rules);
    forward(nf, udp('10.1.0.5', 5000, '198.51.100.7', 53), 'eth1', 'eth0', 0);
    expect(forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 5000), 'eth0', 'eth1', 1_000).verdict).toBe('accept');
    // Replied within 2 s, so not a stream: 30 s after the last packet it is gone.
    expect(forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 5000), 'eth0', 'eth1', 31_001).verdict).toBe('drop');
    // A flow still active after 2 s becomes a stream (ASSURED, 120 s), like udp_timeout_stream.
    forward(nf, udp('10.1.0.5', 5001, '198.51.100.7', 53), 'eth1', 'eth0', 40_000);
    forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 5001), 'eth0', 'eth1', 43_000);
    expect(conntrack(nf, ['-L']).stdout).toContain('udp      17 120 src=10.1.0.5 dst=198.51.100.7 sport=5001 dport=53 src=198.51.100.7 dst=10.1.0.5 sport=53 dport=5001 [ASSURED] mark=0 use=1');
    expect(forward(nf, udp('198.51.100.7', 53, '10.1.0.5', 5001), 'eth0', 'eth1', 150_000).verdict).toBe('accept');
  });

  it('marks RELATED the ICMP errors quoting a tracked flow, INVALID the others', () => {
    const nf = new Netfilter();
    apply(nf, rules);
    const out = udp('10.1.0.5', 5000, '198.51.100.7', 33434);
    forward(nf, out, 'eth1', 'eth0');
    const err = forward(nf, unreach('198.51.100.7', '10.1.0.5', 3, out), 'eth0', 'eth1', 1);
    expect([err.verdict, err.ctState]).toEqual(['accept', 'RELATED']);
    const other = forward(nf, unreach('198.51.100.7', '10.1.0.5', 3, udp('10.1.0.5', 6000, '198.51.100.7', 1)), 'eth0', 'eth1', 2);
    expect([other.verdict, other.ctState]).toEqual(['drop', 'INVALID']);
  });

  it('TCP without an entry: a lone ACK is picked up (tcp_loose=1), RST/FIN are INVALID', () => {
    const nf = new Netfilter();
    expect(nf.hook('PREROUTING', tcp('10.0.0.1', 1, '10.0.0.2', 2, TCP_ACK), ctx()).ctState).toBe('NEW');
    expect(nf.hook('PREROUTING', tcp('10.0.0.1', 3, '10.0.0.2', 4, TCP_RST), ctx()).ctState).toBe('INVALID');
    nf.conntrack.tcpLoose = false;
    expect(nf.hook('PREROUTING', tcp('10.0.0.1', 5, '10.0.0.2', 6, TCP_ACK), ctx()).ctState).toBe('INVALID');
  });
});

describe('NAT', () => {
  it('MASQUERADE rewrites the source to the out device address; replies are de-NATed without the nat table', () => {
    const nf = new Netfilter();
    apply(nf, [['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-o', 'eth0', '-j', 'MASQUERADE']]);
    const addrs = { eth0: '192.0.2.10' };
    const out = forward(nf, udp('10.244.1.5', 5353, '8.8.8.8', 53), 'cali123', 'eth0', 0, addrs);
    expect(formatIPv4(out.packet.src)).toBe('192.0.2.10');
    expect(l4(out.packet).srcPort).toBe(5353);
    expect(out.decidedBy).toBe('-t nat -A POSTROUTING -s 10.244.0.0/16 -o eth0 -j MASQUERADE');
    const reply = forward(nf, udp('8.8.8.8', 53, '192.0.2.10', 5353), 'eth0', 'cali123', 1, addrs);
    expect(formatIPv4(reply.packet.dst)).toBe('10.244.1.5');
    expect(reply.ctState).toBe('ESTABLISHED');
    // Second packet of the flow: translated from the binding, the nat rule is not hit again.
    const again = forward(nf, udp('10.244.1.5', 5353, '8.8.8.8', 53), 'cali123', 'eth0', 2, addrs);
    expect(formatIPv4(again.packet.src)).toBe('192.0.2.10');
    expect(nf.rules.chain('nat', 'POSTROUTING').rules[0]!.packets).toBe(1);
    expect(conntrack(nf, ['-L']).stdout).toBe(
      'udp      17 30 src=10.244.1.5 dst=8.8.8.8 sport=5353 dport=53 src=8.8.8.8 dst=192.0.2.10 sport=53 dport=5353 mark=0 use=1\n');
    // An ICMP error about the NATed flow reaches the pod with the quoted packet de-NATed too.
    const wire = udp('192.0.2.10', 5353, '8.8.8.8', 53);
    const err = forward(nf, unreach('8.8.8.8', '192.0.2.10', 3, wire), 'eth0', 'cali123', 3, addrs);
    expect(err.ctState).toBe('RELATED');
    expect(formatIPv4(err.packet.dst)).toBe('10.244.1.5');
    const quoted = quotedTuple((err.packet.payload as { data: Uint8Array }).data)!;
    expect([formatIPv4(quoted.src), quoted.sport]).toEqual(['10.244.1.5', 5353]);
  });

  it('MASQUERADE picks another port when two pods use the same source port to the same server', () => {
    const nf = new Netfilter();
    apply(nf, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth0', '-j', 'MASQUERADE']]);
    const addrs = { eth0: '192.0.2.10' };
    const a = forward(nf, tcp('10.244.1.5', 40000, '203.0.113.1', 443), 'cali1', 'eth0', 0, addrs);
    const b = forward(nf, tcp('10.244.1.6', 40000, '203.0.113.1', 443), 'cali2', 'eth0', 0, addrs);
    expect(l4(a.packet).srcPort).toBe(40000);
    expect(l4(b.packet).srcPort).not.toBe(40000);
    const back = forward(nf, tcp('203.0.113.1', 443, '192.0.2.10', l4(b.packet).srcPort, TCP_SYN | TCP_ACK), 'eth0', 'cali2', 1, addrs);
    expect([formatIPv4(back.packet.dst), l4(back.packet).dstPort]).toEqual(['10.244.1.6', 40000]);
  });

  it('DNAT sends a service port to a pod and the reply comes back from the service address', () => {
    const nf = new Netfilter();
    apply(nf, [['-t', 'nat', '-A', 'PREROUTING', '-d', '192.0.2.10', '-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.244.1.5:80']]);
    const inb = forward(nf, tcp('198.51.100.9', 33000, '192.0.2.10', 8080), 'eth0', 'cali1');
    expect([formatIPv4(inb.packet.dst), l4(inb.packet).dstPort]).toEqual(['10.244.1.5', 80]);
    const rep = forward(nf, tcp('10.244.1.5', 80, '198.51.100.9', 33000, TCP_SYN | TCP_ACK), 'cali1', 'eth0', 1);
    expect([formatIPv4(rep.packet.src), l4(rep.packet).srcPort]).toEqual(['192.0.2.10', 8080]);
    expect(iptables(nf, ['-t', 'nat', '-L', 'PREROUTING', '-n', '-v']).stdout).toContain('    1    40 DNAT       6    --  *      *       0.0.0.0/0            192.0.2.10           tcp dpt:8080 to:10.244.1.5:80');
  });
});

describe('targets and traversal', () => {
  it('REJECT returns the ICMP code of --reject-with', () => {
    const cases: [string, number][] = [['icmp-port-unreachable', 3], ['icmp-host-prohibited', 10], ['icmp-admin-prohibited', 13], ['icmp-net-unreachable', 0], ['tcp-reset', -1],
      ['host-unreach', 1], ['net-prohib', 9], ['host-prohib', 10], ['tcp-rst', -1]];
    for (const [w, code] of cases) {
      const nf = new Netfilter();
      apply(nf, [['-A', 'INPUT', '-p', 'tcp', '-j', 'REJECT', '--reject-with', w]]);
      const r = nf.hook('INPUT', tcp('10.0.0.1', 1, '10.0.0.2', 2), ctx({ in: 'eth0' }));
      expect([r.verdict, r.rejectCode]).toEqual(['reject', code]);
    }
  });

  it('goto does not come back to the chain that went, jump does', () => {
    const setup = (how: '-j' | '-g'): Netfilter => {
      const nf = new Netfilter();
      apply(nf, [['-N', 'outer'], ['-N', 'inner'],
        ['-A', 'INPUT', '-j', 'outer'], ['-A', 'INPUT', '-j', 'DROP'],
        ['-A', 'outer', how, 'inner'], ['-A', 'outer', '-j', 'ACCEPT'],
        ['-A', 'inner', '-j', 'RETURN']]);
      return nf;
    };
    const p = udp('10.0.0.1', 1, '10.0.0.2', 2);
    const j = setup('-j').hook('INPUT', p, ctx({ in: 'eth0' }));
    expect([j.verdict, j.decidedBy]).toEqual(['accept', '-A outer -j ACCEPT']);
    const g = setup('-g').hook('INPUT', p, ctx({ in: 'eth0' }));
    expect([g.verdict, g.decidedBy]).toEqual(['drop', '-A INPUT -j DROP']);
  });

  it('a Felix-shaped chain set accepts through the accept mark and drops unknown interfaces', () => {
    const nf = new Netfilter();
    expect(ipset(nf, ['create', 'cali40s:allowed', 'hash:net']).code).toBe(0);
    expect(ipset(nf, ['add', 'cali40s:allowed', '10.244.2.0/24']).code).toBe(0);
    const restore = [
      '*filter',
      ':cali-FORWARD - [0:0]', ':cali-from-wl-dispatch - [0:0]', ':cali-fw-cali1a2b3c4d5e6 - [0:0]', ':cali-po-default.web - [0:0]',
      '-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD',
      '-A cali-FORWARD -m comment --comment "cali:vjrMJCRpqwy5oRoX" -j MARK --set-xmark 0x0/0xe0000',
      '-A cali-FORWARD -i cali+ -m comment --comment "cali:X3vB2lGcBrfkYquC" -j cali-from-wl-dispatch',
      '-A cali-FORWARD -m mark --mark 0x10000/0x10000 -m comment --comment "Policy explicitly accepted packet" -j ACCEPT',
      '-A cali-from-wl-dispatch -i cali1a2b3c4d5e6 -g cali-fw-cali1a2b3c4d5e6',
      '-A cali-from-wl-dispatch -m comment --comment "Unknown interface" -j DROP',
      '-A cali-fw-cali1a2b3c4d5e6 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A cali-fw-cali1a2b3c4d5e6 -m conntrack --ctstate INVALID -j DROP',
      '-A cali-fw-cali1a2b3c4d5e6 -j MARK --set-xmark 0x0/0x30000',
      '-A cali-fw-cali1a2b3c4d5e6 -m mark --mark 0x0/0x20000 -j cali-po-default.web',
      '-A cali-fw-cali1a2b3c4d5e6 -m mark --mark 0x10000/0x10000 -j RETURN',
      '-A cali-fw-cali1a2b3c4d5e6 -m comment --comment "Drop if no policies passed packet" -j DROP',
      '-A cali-po-default.web -p tcp -m set --match-set cali40s:allowed dst -m multiport --dports 80,443 -j MARK --set-xmark 0x10000/0x10000',
      '-A cali-po-default.web -m mark --mark 0x10000/0x10000 -j RETURN',
      'COMMIT', '',
    ].join('\n');
    expect(iptablesRestore(nf, ['--noflush'], restore)).toEqual({ stdout: '', stderr: '', code: 0 });
    const allowed = forward(nf, tcp('10.244.1.5', 40000, '10.244.2.9', 443), 'cali1a2b3c4d5e6', 'eth0');
    expect(allowed.verdict).toBe('accept');
    expect(allowed.mark & 0x10000).toBe(0x10000);
    expect(allowed.decidedBy).toBe('-A cali-FORWARD -m mark --mark 0x10000/0x10000 -m comment --comment "Policy explicitly accepted packet" -j ACCEPT');
    const denied = forward(nf, tcp('10.244.1.5', 40001, '10.244.3.9', 443), 'cali1a2b3c4d5e6', 'eth0');
    expect([denied.verdict, denied.decidedBy]).toEqual(['drop', '-A cali-fw-cali1a2b3c4d5e6 -m comment --comment "Drop if no policies passed packet" -j DROP']);
    const wrongPort = forward(nf, tcp('10.244.1.5', 40002, '10.244.2.9', 22), 'cali1a2b3c4d5e6', 'eth0');
    expect(wrongPort.verdict).toBe('drop');
    const unknown = forward(nf, tcp('10.244.1.7', 40000, '10.244.2.9', 443), 'cali9999999999', 'eth0');
    expect([unknown.verdict, unknown.decidedBy]).toEqual(['drop', '-A cali-from-wl-dispatch -m comment --comment "Unknown interface" -j DROP']);
    // The set is in use: ipset refuses to destroy it and lists the reference.
    expect(ipset(nf, ['destroy', 'cali40s:allowed']).stderr).toBe('ipset v7.17: Set cannot be destroyed: it is in use by a kernel component\n');
    expect(ipset(nf, ['list', 'cali40s:allowed']).stdout).toMatch(/^Name: cali40s:allowed\nType: hash:net\nRevision: 7\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x[0-9a-f]{8}\nSize in memory: \d+\nReferences: 1\nNumber of entries: 1\nMembers:\n10\.244\.2\.0\/24\n$/);
  });

  it('counts packets and bytes per rule as iptables-save -c and -L -v show them', () => {
    const nf = new Netfilter();
    apply(nf, [['-A', 'INPUT', '-p', 'icmp', '-j', 'ACCEPT'], ['-A', 'INPUT', '-p', 'udp', '-j', 'DROP']]);
    for (let i = 0; i < 3; i++) nf.hook('INPUT', echo('10.0.0.1', '10.0.0.2', 1, i), ctx({ in: 'eth0', now: i }));
    nf.hook('INPUT', udp('10.0.0.1', 1, '10.0.0.2', 2, 100), ctx({ in: 'eth0' }));
    nf.hook('INPUT', tcp('10.0.0.1', 1, '10.0.0.2', 2), ctx({ in: 'eth0' }));
    expect(iptablesSave(nf, ['-c'], { date: 'Thu Jan  1 00:00:00 1970' }).stdout).toBe([
      '# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 1970',
      '*filter', ':INPUT ACCEPT [1:40]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]',
      '[3:252] -A INPUT -p icmp -j ACCEPT', '[1:128] -A INPUT -p udp -j DROP', 'COMMIT',
      '# Completed on Thu Jan  1 00:00:00 1970', ''].join('\n'));
    iptables(nf, ['-Z', 'INPUT']);
    expect(iptables(nf, ['-L', 'INPUT', '-v', '-n']).stdout).toContain('    0     0 ACCEPT     1    --  *      *       0.0.0.0/0            0.0.0.0/0');
  });

  it('MARK, mark match, LOG lines and raw NOTRACK', () => {
    const nf = new Netfilter();
    apply(nf, [
      ['-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '4789', '-j', 'NOTRACK'],
      ['-t', 'mangle', '-A', 'PREROUTING', '-i', 'eth0', '-j', 'MARK', '--set-mark', '0x40000/0x40000'],
      ['-A', 'INPUT', '-m', 'mark', '--mark', '0x40000/0x40000', '-j', 'LOG', '--log-prefix', 'seen: '],
      ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'UNTRACKED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-j', 'DROP'],
    ]);
    const vx = udp('192.0.2.1', 45000, '192.0.2.2', 4789, 50);
    const pre = nf.hook('PREROUTING', vx, ctx({ in: 'eth0' }));
    expect([pre.ctState, pre.mark]).toEqual(['UNTRACKED', 0x40000]);
    const inp = nf.hook('INPUT', pre.packet, ctx({ in: 'eth0', mark: pre.mark }));
    expect(inp.verdict).toBe('accept');
    expect(inp.logs).toEqual(['seen: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=78 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=UDP SPT=45000 DPT=4789 LEN=58 MARK=0x40000 ']);
    expect(conntrack(nf, ['-L']).stdout).toBe('');
  });

  it('addrtype --dst-type LOCAL uses the kernel-provided local address test', () => {
    const nf = new Netfilter();
    apply(nf, [['-A', 'INPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'ACCEPT'], ['-P', 'INPUT', 'DROP']]);
    const c = ctx({ in: 'eth0', local: ['10.0.0.2'] });
    expect(nf.hook('INPUT', udp('10.0.0.1', 1, '10.0.0.2', 2), c).verdict).toBe('accept');
    expect(nf.hook('INPUT', udp('10.0.0.1', 1, '10.0.0.3', 2), c).verdict).toBe('drop');
  });
});
