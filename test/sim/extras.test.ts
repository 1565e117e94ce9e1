import { describe, expect, it } from 'vitest';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { runPing } from '../../engine/sim/apps/ping.ts';
import { World } from '../../engine/sim/world.ts';
import { floors } from './fabrics.ts';
import { addr, makeSwitch, route } from './helpers.ts';

describe('bridge device with an address, proxy neighbours, node stop, source selection', () => {
  it('a host pings the switch itself on br0', () => {
    const w = new World();
    w.addNode('h1');
    const sw = w.addNode('sw');
    w.connect('h1', 'eth0', 'sw', 'swp1');
    makeSwitch(sw, ['swp1']);
    addr(w.node('h1'), 'eth0', '10.0.0.1/24');
    sw.addAddress('br0', { addr: parseIPv4('10.0.0.254'), len: 24 });
    const r = runPing(w, 'h1', { dst: '10.0.0.254', count: 1 });
    expect(r.received).toBe(1);
    expect(sw.state.neighbours.map((n) => n.ifindex)).toEqual([sw.findDevice('br0')!.ifindex]);
  });

  it('`ip neigh add proxy` answers ARP for one address on a forwarding device', () => {
    const w = floors();
    const r1 = w.node('r1');
    // h1 thinks 10.2.0.0/24 is on its link; r1 answers for 10.2.0.11 only.
    route(w.node('h1'), '10.2.0.0/24', undefined, 'eth0');
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1, timeoutS: 4 }).received).toBe(0);
    r1.addNeighbour({ dev: 'eth0', ip: parseIPv4('10.2.0.11'), state: 'PERMANENT', proxy: true }, 'add');
    w.run(5000);
    const ok = runPing(w, 'h1', { dst: '10.2.0.11', count: 1 });
    expect(ok.received).toBe(1);
    expect(w.node('h1').neighbour(2, parseIPv4('10.2.0.11'))?.mac).toBe(r1.findDevice('eth0')!.mac);
  });

  it('a stopped router blackholes traffic and its neighbours lose carrier', () => {
    const w = floors();
    w.stopNode('r2');
    expect(w.node('r1').findDevice('eth1')!.carrier).toBe(false);
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1, timeoutS: 1 }).received).toBe(0);
    w.startNode('r2');
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1 }).received).toBe(1);
  });

  it('ping -I picks the source address and prints it in the header', () => {
    const w = floors();
    w.node('h1').addAddress('eth0', { addr: parseIPv4('10.1.0.12'), len: 24 });
    const r = runPing(w, 'h1', { dst: '10.2.0.11', count: 1, source: '10.1.0.12' });
    expect(r.stdout.split('\n')[0]).toBe('PING 10.2.0.11 (10.2.0.11) from 10.1.0.12 : 56(84) bytes of data.');
    expect(r.received).toBe(1);
    expect(w.node('h2').state.neighbours.length).toBe(1);
  });
});

describe('ICMP redirects', () => {
  it('a router sends Redirect Host when forwarding back out the same link; the host takes the shortcut', () => {
    // h — r1 — r2 all on one switch; h's default is r1, r1 reaches 10.9.0.0/24 via r2.
    const w = new World({ seed: 9 });
    for (const n of ['h', 'r1', 'r2', 'sw']) w.addNode(n);
    w.connect('h', 'eth0', 'sw', 'p1');
    w.connect('r1', 'eth0', 'sw', 'p2');
    w.connect('r2', 'eth0', 'sw', 'p3');
    makeSwitch(w.node('sw'), ['p1', 'p2', 'p3']);
    addr(w.node('h'), 'eth0', '10.1.0.11/24');
    addr(w.node('r1'), 'eth0', '10.1.0.1/24');
    addr(w.node('r2'), 'eth0', '10.1.0.2/24');
    w.node('r2').addLink({ kind: 'dummy', name: 'd0' });
    addr(w.node('r2'), 'd0', '10.9.0.1/24');
    for (const r of ['r1', 'r2']) w.node(r).setSysctl('net.ipv4.ip_forward', '1');
    route(w.node('h'), 'default', '10.1.0.1');
    route(w.node('r1'), '10.9.0.0/24', '10.1.0.2');
    const r = runPing(w, 'h', { dst: '10.9.0.1', count: 3, intervalS: 0.3 });
    // Same lines as iputils on a 6.x kernel: two redirects (the first only resolves 10.1.0.2), replies with ttl 64.
    expect(r.stdout.split('\n').slice(1, 6).map((l) => l.replace(/time=[\d.]+ ms/, 'time=T ms'))).toEqual([
      'From 10.1.0.1: icmp_seq=1 Redirect Host(New nexthop: 10.1.0.2)',
      '64 bytes from 10.9.0.1: icmp_seq=1 ttl=64 time=T ms',
      'From 10.1.0.1: icmp_seq=2 Redirect Host(New nexthop: 10.1.0.2)',
      '64 bytes from 10.9.0.1: icmp_seq=2 ttl=64 time=T ms',
      '64 bytes from 10.9.0.1: icmp_seq=3 ttl=64 time=T ms',
    ]);
    expect(r.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
    w.node('r1').setSysctl('net.ipv4.conf.all.send_redirects', '0');
    w.node('r1').setSysctl('net.ipv4.conf.eth0.send_redirects', '0');
    const w2 = runPing(w, 'h', { dst: '10.9.0.1', count: 1 });
    expect(w2.stdout).not.toContain('Redirect');
  });
});
