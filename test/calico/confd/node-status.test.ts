import { describe, expect, it } from 'vitest';
import { calicoctlNodeStatus, formatShowProtocols, parseShowProtocols, renderTable, statusPeers, wrapWords } from '../../../engine/calico/confd/index.ts';
import type { ShowProtocolsRow } from '../../../engine/calico/confd/index.ts';

const bgp = (name: string, state: string, since: string, info: string): ShowProtocolsRow => ({ name, proto: 'BGP', table: 'master', state, since, info });
const base: ShowProtocolsRow[] = [
  { name: 'static1', proto: 'Static', table: 'master', state: 'up', since: '17:19:30', info: '' },
  { name: 'kernel1', proto: 'Kernel', table: 'master', state: 'up', since: '17:19:30', info: '' },
  { name: 'device1', proto: 'Device', table: 'master', state: 'up', since: '17:19:30', info: '' },
  { name: 'direct1', proto: 'Direct', table: 'master', state: 'up', since: '17:19:30', info: '' },
];

describe('calicoctl node status', () => {
  it('matches projectcalico/calicoctl#1883 (wrapped INFO, IPv6 without peers)', () => {
    // Output quoted in projectcalico/calicoctl#1883 (2018-07-16), one mesh peer refusing.
    const real = [
      'Calico process is running.',
      '',
      'IPv4 BGP status',
      '+----------------+-------------------+-------+----------+--------------------------------+',
      '|  PEER ADDRESS  |     PEER TYPE     | STATE |  SINCE   |              INFO              |',
      '+----------------+-------------------+-------+----------+--------------------------------+',
      '| 192.168.63.204 | node-to-node mesh | start | 17:19:38 | Active Socket: Connection      |',
      '|                |                   |       |          | refused                        |',
      '+----------------+-------------------+-------+----------+--------------------------------+',
      '',
      'IPv6 BGP status',
      'No IPv6 peers found.',
      '',
      '',
    ].join('\n');
    // BIRD 1.6 pads the BGP state before the error; calicoctl re-joins on single spaces.
    const text = formatShowProtocols([...base, bgp('Mesh_192_168_63_204', 'start', '17:19:38', 'Active        Socket: Connection refused')]);
    // Row layout as real BIRD 1.6.8 prints it (e.g. the birdcl output quoted in
    // kubernetes/kops and Calico blog posts: `kernel1  Kernel   master   up     02:36:03    `).
    expect(text.split('\n').slice(0, 2)).toEqual(['name     proto    table    state  since       info', 'static1  Static   master   up     17:19:30    ']);
    expect(text.split('\n')[5]).toBe('Mesh_192_168_63_204 BGP      master   start  17:19:38    Active        Socket: Connection refused');
    const out = calicoctlNodeStatus({ ipv4: { rows: parseShowProtocols(text) } });
    expect(out).toEqual({ stdout: real, exitCode: 0 });
  });

  it('matches the table of kubernetes/kops#5958 (dates in SINCE, "Connect Socket: Host is" wrapping)', () => {
    // First five rows of the master's table quoted in kubernetes/kops#5958 (2018-10-16).
    const real = [
      '+---------------+-------------------+-------+------------+--------------------------------+',
      '| PEER ADDRESS  |     PEER TYPE     | STATE |   SINCE    |              INFO              |',
      '+---------------+-------------------+-------+------------+--------------------------------+',
      '| 172.20.36.20  | node-to-node mesh | start | 2018-10-16 | Connect Socket: Host is        |',
      '|               |                   |       |            | unreachable                    |',
      '| 172.20.37.184 | node-to-node mesh | start | 2018-10-16 | Connect Socket: Host is        |',
      '|               |                   |       |            | unreachable                    |',
      '| 172.20.39.224 | node-to-node mesh | start | 2018-10-16 | Connect Socket: Host is        |',
      '|               |                   |       |            | unreachable                    |',
      '| 172.20.43.76  | node-to-node mesh | start | 2018-10-16 | Active Socket: Host is         |',
      '|               |                   |       |            | unreachable                    |',
      '| 172.20.46.20  | node-to-node mesh | start | 2018-10-16 | Connect Socket: Host is        |',
      '|               |                   |       |            | unreachable                    |',
      '+---------------+-------------------+-------+------------+--------------------------------+',
      '',
    ].join('\n');
    const rows = [['172_20_36_20', 'Connect'], ['172_20_37_184', 'Connect'], ['172_20_39_224', 'Connect'], ['172_20_43_76', 'Active'], ['172_20_46_20', 'Connect']]
      .map(([ip, st]) => bgp(`Mesh_${ip}`, 'start', '2018-10-16', `${st}       Socket: Host is unreachable`));
    const out = calicoctlNodeStatus({ ipv4: { rows } }).stdout;
    expect(out.slice(out.indexOf('+'), out.indexOf('\n\nIPv6') + 1)).toBe(real);
  });

  it('keeps only Global_/Node_/Mesh_ BGP rows, types them, and turns the name back into an address', () => {
    const rows = [
      ...base,
      bgp('Mesh_10_0_0_10', 'up', '09:00:01', 'Established'),
      bgp('Global_10_3_0_100_port_1179', 'start', '09:00:01', 'Passive'),
      bgp('Node_10_3_1_1', 'up', '09:00:02', 'Established'),
      bgp('Local_Workload_10_244_1_5', 'up', '09:00:03', 'Established'),
      bgp('bgp_10_9_9_9', 'up', '09:00:03', 'Established'),
      { name: 'Mesh_10_0_0_11', proto: 'BGP', table: 'master', state: 'down', since: '09:00:04', info: '' },
    ];
    expect(statusPeers(rows)).toEqual([
      { peerAddress: '10.0.0.10', peerType: 'node-to-node mesh', state: 'up', since: '09:00:01', info: 'Established' },
      { peerAddress: '10.3.0.100.port.1179', peerType: 'global', state: 'start', since: '09:00:01', info: 'Passive' },
      { peerAddress: '10.3.1.1', peerType: 'node specific', state: 'up', since: '09:00:02', info: 'Established' },
    ]);
    expect(statusPeers([bgp('Mesh_fd80_24e2_f998_72d7__2', 'up', '09:00:01', 'Established')], 6)[0]!.peerAddress).toBe('fd80:24e2:f998:72d7::2');
  });

  it('prints the no-BIRD, no-Calico and socket-error variants of status.go', () => {
    expect(calicoctlNodeStatus({ ipv4: { notRunning: true }, ipv6: { notRunning: true } }).stdout)
      .toBe('Calico process is running.\n\nThe BGP backend process (BIRD) is not running.\n\n');
    expect(calicoctlNodeStatus({ calicoRunning: false, ipv4: { rows: [] } })).toEqual({ stdout: 'Calico process is not running.\n', exitCode: 1 });
    expect(calicoctlNodeStatus({ ipv4: { rows: [] }, ipv6: { notRunning: true } }).stdout)
      .toBe("Calico process is running.\n\nIPv4 BGP status\nNo IPv4 peers found.\n\nINFO: BIRDv6 process: 'bird6' is not running.\n\n");
    expect(calicoctlNodeStatus({ ipv4: { socketError: 'dial unix /var/run/calico/bird.ctl: connect: connection refused' } }).stdout)
      .toBe('Calico process is running.\n\nIPv4 BGP status\nError querying BIRD: unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: connection refused\nIPv6 BGP status\nNo IPv6 peers found.\n\n');
  });

  it('parses socket-protocol output with reply codes, as status.go reads it', () => {
    const socket = [
      '0001 BIRD 1.6.8 ready.',
      '2002-name     proto    table    state  since       info',
      '1002-kernel1  Kernel   master   up     2016-11-21',
      ' device1  Device   master   up     2016-11-21',
      ' Mesh_172_17_8_102 BGP      master   up     2016-11-21  Established',
      '0000',
    ].join('\n');
    expect(statusPeers(parseShowProtocols(socket))).toEqual([
      { peerAddress: '172.17.8.102', peerType: 'node-to-node mesh', state: 'up', since: '2016-11-21', info: 'Established' },
    ]);
  });
});

describe('tablewriter layout', () => {
  it('wraps with minimal raggedness, not greedily', () => {
    // Greedy filling would give "aaa b" / "cc" / …; squared slack prefers "aaa" / "b cc".
    expect(wrapWords(['aaa', 'b', 'cc', 'dddd', 'ee'], 6)).toEqual([['aaa'], ['b', 'cc'], ['dddd'], ['ee']]);
    // Like WrapString, a word longer than the limit raises the limit.
    expect(wrapWords(['a', 'bb', 'ccc', 'dd', 'eeeee'], 4)).toEqual([['a', 'bb'], ['ccc'], ['dd'], ['eeeee']]);
    expect(wrapWords(['Active', 'Socket:', 'Connection', 'refused'], 30)).toEqual([['Active', 'Socket:', 'Connection'], ['refused']]);
  });

  it('right-aligns numeric cells and keeps a word longer than 30 on one line', () => {
    const t = renderTable(['a_b', 'n'], [['x'.repeat(33), '42']]);
    expect(t.split('\n')).toEqual([
      `+-${'-'.repeat(33)}-+----+`,
      `| ${' '.repeat(15)}A B${' '.repeat(15)} | N  |`,
      `+-${'-'.repeat(33)}-+----+`,
      `| ${'x'.repeat(33)} | 42 |`,
      `+-${'-'.repeat(33)}-+----+`,
      '',
    ]);
  });
});
