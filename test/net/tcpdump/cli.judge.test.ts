/**
 * The command front end judged by the real tcpdump reading the same frames from a pcap:
 * stdout and the stderr banner must match for flag combinations, -c, and filters; filter
 * errors must give real tcpdump's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands } from '../../support/system.ts';
import { tcpdump } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';
import { realTcpdump, writeCorpusPcap } from './judge.ts';

const frames = corpus().filter(({ frame: f }) => !(f.payload instanceof Uint8Array) && !(f.payload.kind === 'ipv4' && f.payload.protocol === 89));

const RUNS: string[][] = [
  ['-n', 'icmp'],
  ['-nn', '-e', '-c', '3', 'tcp'],
  ['-n', '-c2', 'arp or vlan'],
  ['-ne', 'vlan', 'and', 'arp'],
  ['-n', '-tt', 'host', '10.30.200.1', 'and', 'not', 'port', '179'],
  ['-vn', 'udp port 4789'],
  ['-n', 'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0'],
  ['-n', '-S', 'port 80'],
];

const BAD: string[] = [
  'host', 'host nosuchhost', 'tcp or 80', 'ip proto icmp', 'port 99999', 'net 10.5.1.2/16', 'host 10.0.0.1 and (',
  'foo', 'tcp host 1.2.3.4', 'proto \\foo', 'ether proto \\foo', 'udp port bgp', 'port nosuch', 'host 10.0.0.0/8',
  'ether host 1.2.3.4', 'host aa:bb:cc:dd:ee:ff', 'ip[1:3]>1', 'host 10.256', 'vlan 5000', 'udp and 53', ')', 'tcp[13',
  'src port 10.0.0.1', 'port 10.0.0.0/8', 'src 10.0.0.0/8', 'port 10.0.0.0 mask 255.0.0.0', 'icmp-echo', 'tcp port 80 and and',
];

describe.skipIf(!haveCommands('tcpdump'))('tcpdump command vs real tcpdump', () => {
  let pcap: ReturnType<typeof writeCorpusPcap>;
  beforeAll(() => { pcap = writeCorpusPcap(frames); });
  afterAll(() => pcap?.dispose());

  it.each(RUNS)('tcpdump -r F %s …', (...args) => {
    const real = realTcpdump(pcap.path, args);
    expect(real.code, real.stderr).toBe(0);
    const ours = tcpdump(['-r', pcap.path, ...args], { interfaces: { eth0: frames } });
    expect(ours.code).toBe(0);
    expect(ours.stdout.split('\n').filter(Boolean)).toEqual(real.lines);
    expect(real.lines.length).toBeGreaterThan(0);
  });

  it('prints the same "reading from file" banner', () => {
    const real = realTcpdump(pcap.path, ['-n', 'icmp']);
    const ours = tcpdump(['-n', '-r', pcap.path, 'icmp'], { interfaces: { eth0: frames } });
    // realTcpdump only keeps stderr on failure; ask again through the exit path.
    expect(real.code).toBe(0);
    expect(ours.stderr).toBe(`reading from file ${pcap.path}, link-type EN10MB (Ethernet), snapshot length 262144\n`);
  });

  it.each(BAD)('error for %j', (expr) => {
    const real = realTcpdump(pcap.path, [expr]);
    expect(real.code).toBe(1);
    const realMsg = real.stderr.split('\n').find((l) => l.startsWith('tcpdump: '));
    const ours = tcpdump(['-r', pcap.path, expr], { interfaces: { eth0: frames } });
    expect(ours.code).toBe(1);
    expect(ours.stderr.split('\n')[0]).toBe(realMsg);
  });
});
