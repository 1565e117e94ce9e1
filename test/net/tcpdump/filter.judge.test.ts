/**
 * Filter semantics judged by the real tcpdump: for each expression, the set of corpus packets
 * real `tcpdump -r corpus.pcap EXPR` prints must equal the set our predicate accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands } from '../../support/system.ts';
import { compileFilter } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';
import { realTcpdump, writeCorpusPcap } from './judge.ts';

const EXPRESSIONS = [
  'icmp', 'tcp', 'udp', 'arp', 'ip', 'ip6', 'not ip', 'rarp',
  'host 10.5.1.2', 'host 10.30.200.1', 'src host 10.5.1.2', 'dst host 10.5.1.2', 'host 10.30.200.2',
  'host 10.5.1.2 or 10.30.0.1', 'src 10.5.2.3 and dst 10.5.1.2', 'src or dst host 10.30.200.2',
  'src and dst net 10.5.0.0/16', 'net 10.30.0.0/16', 'net 10.5', 'net 10.30.200.0 mask 255.255.255.0', 'src net 10.30.0.0 mask 255.255.0',
  'dst net 224.0.0.0/4', 'ip host 10.30.200.1', 'arp host 10.30.200.2', 'arp and src host 10.5.1.2',
  'port 80', 'tcp port 80 or 443', 'src port 80', 'dst port 179', 'port 179 or 4789', 'udp port 4789',
  'portrange 33000-34000', 'tcp portrange 8000-9000', 'port http', 'port bgp', 'port domain', 'udp and not port 4789',
  'proto 4', 'ip proto 4', 'proto \\ipencap', 'ip proto \\icmp', 'proto \\tcp', 'ip proto 89', 'ip6 proto 17',
  'ether host 0a:58:0a:05:01:02', 'ether src 52:54:00:00:01:01', 'ether dst ee:ee:ee:ee:ee:ee',
  'ether broadcast', 'broadcast', 'multicast', 'ip multicast', 'ether proto \\arp', 'ether proto 0x86dd',
  'vlan', 'vlan 10', 'vlan 20', 'vlan and icmp', 'vlan and arp', 'vlan 10 and host 10.5.1.2', 'not vlan and icmp',
  'vlan or icmp', 'icmp or vlan',
  'less 60', 'greater 100', 'len > 1000', 'len <= 60 and tcp',
  'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn', 'tcp[13] & 4 != 0',
  'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0', 'tcp[tcpflags] == tcp-ack',
  'icmp[icmptype] == icmp-echo', 'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply',
  'icmp[0] = 3 and icmp[1] = 4', 'ip[8] = 1', 'ip[6:2] & 0x1fff != 0', 'ether[0] & 1 != 0', 'udp[2:2] = 4789',
  'ip[9] = 4 and ip[20+9] = 1', 'tcp[20:4] = 0xffffffff', 'tcp[1000] = 0 or icmp',
  '(tcp or udp) and host 10.5.2.3', 'not (arp or icmp)', '! tcp && ! udp', 'host 10.5.1.2 and (80 or 33434)',
  'tcp and (port 80 or port 179) and not src host 10.5.1.2', 'host 10.30.200.1 and not port 179',
  'icmp or arp and host 10.30.200.2', 'tcp port 80 and not 40002',
  '',
];

const packets = corpus();
const stamp = (tsMs: number): string => {
  let sec = Math.floor(tsMs / 1000);
  let usec = Math.round((tsMs - sec * 1000) * 1000);
  if (usec >= 1_000_000) { sec++; usec -= 1_000_000; }
  return `${sec}.${String(usec).padStart(6, '0')}`;
};

describe.skipIf(!haveCommands('tcpdump'))('filter vs real tcpdump', () => {
  let pcap: ReturnType<typeof writeCorpusPcap>;
  beforeAll(() => { pcap = writeCorpusPcap(packets); });
  afterAll(() => pcap?.dispose());

  it.each(EXPRESSIONS)('%s', (expr) => {
    const real = realTcpdump(pcap.path, ['-n', '-tt', ...(expr ? [expr] : [])]);
    expect(real.code, real.stderr).toBe(0);
    const byStamp = new Map(packets.map((p, i) => [stamp(p.tsMs), i]));
    const realSet = real.lines.filter((l) => /^\d+\.\d{6} /.test(l)).map((l) => byStamp.get(l.split(' ')[0]!));
    const pred = compileFilter(expr);
    const ours = packets.flatMap((p, i) => (pred(p.frame) ? [i] : []));
    expect(ours).toEqual(realSet);
  });

  it('matched something for most expressions (the corpus is not trivially empty)', () => {
    const nonEmpty = EXPRESSIONS.filter((e) => packets.some((p) => compileFilter(e)(p.frame)));
    expect(nonEmpty.length).toBeGreaterThan(EXPRESSIONS.length * 0.8);
  });
});
