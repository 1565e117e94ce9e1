/**
 * Stateful filtering end to end: a ToR that forwards only what its own floor started lets
 * the replies in and keeps new inbound connections out — netfilter's conntrack in the
 * simulated kernel's packet path, driven with the same iptables commands as on Linux.
 */
import { describe, it, expect } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { connect, listen } from '../../engine/sim/tcp/index.ts';
import { formatIPv4, parseIPv4 } from '../../engine/net/ip.ts';

async function floorsWithStatefulTor2(): Promise<SimLab> {
  const r = await loadTopology('topologies/floors.yaml');
  const lab = SimLab.deploy(r.topology!);
  for (const rule of [
    'iptables -P FORWARD DROP',
    'iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    'iptables -A FORWARD -i eth1 -o eth2 -j ACCEPT', // floor 2 (eth1) may start anything towards the core
  ]) {
    const res = lab.exec('floor2-tor', rule);
    expect(res.stderr).toBe('');
  }
  return lab;
}

function tcpOutcome(lab: SimLab, from: string, to: string, port: number): string {
  const server = lab.kernel(to);
  listen(server, { port }, () => {});
  let outcome = 'pending';
  connect(lab.kernel(from), { dst: parseIPv4(addrOf(lab, to)), port }, {
    onConnect: () => { outcome = 'connected'; },
    onClose: (err) => { if (outcome === 'pending') outcome = err ? err.code : 'closed'; },
  });
  lab.world.run(200_000);
  return outcome;
}

function addrOf(lab: SimLab, node: string): string {
  return formatIPv4(lab.topology.nodes.find((n) => n.name === node)!.interfaces[0]!.address!.addr);
}

describe('conntrack on a ToR (FORWARD policy DROP, ESTABLISHED,RELATED accepted)', () => {
  it('replies to a ping started on floor 2 come back; a ping started outside does not get in', async () => {
    const lab = await floorsWithStatefulTor2();
    expect(lab.exec('desk-2', 'ping -c 2 10.30.1.11').code).toBe(0);
    const inbound = lab.exec('master-01', 'ping -c 2 -W 1 10.30.2.100');
    expect(inbound.code).toBe(1);
    expect(inbound.stdout).toContain('2 packets transmitted, 0 received, 100% packet loss');
  });

  it('a TCP connection from floor 2 is established; one towards floor 2 times out on the SYN', async () => {
    const lab = await floorsWithStatefulTor2();
    expect(tcpOutcome(lab, 'desk-2', 'master-01', 8080)).toBe('connected');
    expect(tcpOutcome(lab, 'master-01', 'desk-2', 8081)).toBe('ETIMEDOUT');
  });

  it('conntrack -L on the ToR lists the outbound flow, and iptables counters show the drops', async () => {
    const lab = await floorsWithStatefulTor2();
    lab.exec('desk-2', 'ping -c 1 10.30.1.11');
    lab.exec('master-01', 'ping -c 1 -W 1 10.30.2.100');
    expect(lab.exec('floor2-tor', 'conntrack -L').stdout).toMatch(/icmp\s+1 \d+ src=10\.30\.2\.100 dst=10\.30\.1\.11 type=8 code=0/);
    expect(lab.exec('floor2-tor', 'iptables -L FORWARD -n -v').stdout).toMatch(/Chain FORWARD \(policy DROP 1 packets/);
  });
});

describe('a netfilter drop names its rule', () => {
  it('the drop trace event carries the rule that decided, as iptables-save prints it', async () => {
    const lab = await floorsWithStatefulTor2();
    lab.exec('floor2-tor', 'iptables -I FORWARD 1 -p icmp -d 10.30.2.100 -j DROP');
    const rules: (string | undefined)[] = [];
    lab.world.trace.on((e) => { if (e.type === 'drop' && e.reason === 'netfilter') rules.push(e.rule); });
    lab.exec('master-01', 'ping -c 1 -W 1 10.30.2.100');
    expect(rules).toEqual(['-A FORWARD -d 10.30.2.100/32 -p icmp -j DROP']);
  });
});
