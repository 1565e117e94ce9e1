/** The live-capture side of the command: banners, counts, -c, -Q, -i, bad options. */
import { describe, expect, it } from 'vitest';
import { tcpdump, captureSummary } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';

const eth0 = corpus().slice(0, 10).map((p, i) => ({ ...p, dir: (i % 2 ? 'Out' : 'In') as 'In' | 'Out' }));
const eth1 = corpus().slice(10, 14).map((p) => ({ ...p, tsMs: p.tsMs - 9500 }));
const input = { interfaces: { eth0, eth1 } };

describe('tcpdump command (live capture view)', () => {
  it('prints the listening banner and the closing counts on stderr', () => {
    const r = tcpdump(['-n', 'icmp'], input);
    expect(r.code).toBe(0);
    // Outer headers only: the IPIP and VXLAN packets that carry ICMP are not `icmp`.
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stderr).toBe(
      'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n' +
      'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
      '\n2 packets captured\n10 packets received by filter\n0 packets dropped by kernel\n',
    );
  });

  it('-v drops the "verbose output suppressed" hint; singular counts read "1 packet"', () => {
    const r = tcpdump(['-v', '-n', '-c', '1'], input);
    expect(r.stderr.startsWith('listening on eth0')).toBe(true);
    expect(r.stderr).toContain('\n1 packet captured\n1 packet received by filter\n');
    expect(captureSummary(2, 5, 1)).toBe('\n2 packets captured\n5 packets received by filter\n1 packet dropped by kernel\n');
  });

  it('-i picks the interface, -i any merges them in time order with names', () => {
    expect(tcpdump(['-n', '-i', 'eth1'], input).stdout.split('\n').filter(Boolean)).toHaveLength(4);
    const any = tcpdump(['-n', '-i', 'any', '-t'], input).stdout.split('\n').filter((l) => /^eth\d/.test(l));
    expect(any.map((l) => l.slice(0, 4))).toEqual(['eth0', 'eth1', 'eth0', 'eth1', 'eth0', 'eth1', 'eth0', 'eth1', 'eth0', 'eth0', 'eth0', 'eth0', 'eth0', 'eth0']);
    expect(any[1]).toMatch(/^eth1  In  IP 10\.5\.2\.3\.80 > 10\.5\.1\.2\.40001: Flags \[S\.\]/);
    expect(tcpdump(['-i', 'any'], input).stderr).toContain('listening on any, link-type LINUX_SLL2 (Linux cooked v2)');
  });

  it('-Q keeps one direction', () => {
    const inOnly = tcpdump(['-n', '-Q', 'in', 'icmp'], input);
    expect(inOnly.stdout).toContain('echo request');
    expect(inOnly.stdout).not.toContain('echo reply');
  });

  it('without -n names well-known ports, as tcpdump does', () => {
    expect(tcpdump(['-i', 'eth1', '-c', '1'], input).stdout).toContain('IP 10.5.2.3.http > 10.5.1.2.40001: Flags [S.]');
  });

  it('fails like tcpdump for a bad interface, option, count or filter', () => {
    expect(tcpdump(['-i', 'eth9'], input)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^tcpdump: eth9: No such device exists\n/) });
    expect(tcpdump(['-Z'], input)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^tcpdump: invalid option -- 'Z'\n/) });
    expect(tcpdump(['-c', 'x'], input)).toMatchObject({ code: 1, stderr: 'tcpdump: invalid packet count x\n' });
    expect(tcpdump(['port', '70000'], input)).toEqual({ stdout: '', stderr: 'tcpdump: illegal port number 70000 > 65535\n', code: 1 });
  });
});
