import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4 } from '../../engine/net/ip.ts';
import { World } from '../../engine/sim/world.ts';
import { runPing } from '../../engine/sim/apps/ping.ts';
import type { TraceEvent } from '../../engine/sim/trace.ts';
import { addr, makeSwitch } from './helpers.ts';

function lan(seed = 1): World {
  const w = new World({ seed });
  w.addNode('h1');
  w.addNode('h2');
  const sw = w.addNode('sw');
  w.connect('h1', 'eth0', 'sw', 'swp1');
  w.connect('h2', 'eth0', 'sw', 'swp2');
  makeSwitch(sw, ['swp1', 'swp2']);
  addr(w.node('h1'), 'eth0', '10.0.0.1/24');
  addr(w.node('h2'), 'eth0', '10.0.0.2/24');
  return w;
}

describe('two hosts on a switch', () => {
  it('ping each other after ARP, and the neighbour tables show it', () => {
    const w = lan();
    const r = runPing(w, 'h1', { dst: '10.0.0.2', count: 3, intervalS: 0.2 });
    expect(r.exitCode).toBe(0);
    expect(r.received).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.');
    expect(lines[1]).toMatch(/^64 bytes from 10\.0\.0\.2: icmp_seq=1 ttl=64 time=\d+\.\d{3} ms$/);
    expect(lines[5]).toBe('--- 10.0.0.2 ping statistics ---');
    expect(lines[6]).toBe('3 packets transmitted, 3 received, 0% packet loss, time 400ms');
    expect(lines[7]).toMatch(/^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/);
    const n1 = w.node('h1').state.neighbours.map((n) => [formatIPv4(n.ip), n.mac, n.state]);
    expect(n1).toEqual([['10.0.0.2', w.node('h2').findDevice('eth0')!.mac, 'REACHABLE']]);
    // h2 learnt h1 from its request (STALE, neigh_event_ns), used it for the replies (DELAY),
    // and after delay_first_probe_time a unicast probe confirms it (PROBE → REACHABLE).
    const n2 = () => w.node('h2').state.neighbours.map((n) => [formatIPv4(n.ip), n.state]);
    expect(n2()).toEqual([['10.0.0.1', 'DELAY']]);
    w.run(6000);
    expect(n2()).toEqual([['10.0.0.1', 'REACHABLE']]);
    // The switch learnt both MACs on the right ports.
    const sw = w.node('sw');
    const learned = sw.state.fdb.filter((e) => e.state === 'learned').map((e) => [e.mac, sw.devices.get(e.ifindex)!.name]);
    expect(learned).toContainEqual([w.node('h1').findDevice('eth0')!.mac, 'swp1']);
    expect(learned).toContainEqual([w.node('h2').findDevice('eth0')!.mac, 'swp2']);
    // REACHABLE ages to STALE after at most 1.5 × base_reachable_time.
    w.run(46_000);
    expect(w.node('h1').state.neighbours[0]!.state).toBe('STALE');
  });

  it('an address nobody has gives INCOMPLETE then FAILED and no reply', () => {
    const w = lan();
    const arps: TraceEvent[] = [];
    w.trace.on((e) => { if (e.type === 'arp' && e.node === 'h1') arps.push(e); });
    const r = runPing(w, 'h1', { dst: '10.0.0.9', count: 2, intervalS: 0.2, timeoutS: 1 });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('2 packets transmitted, 0 received, 100% packet loss, time 200ms');
    w.run(5000);
    expect(arps.filter((e) => e.type === 'arp' && e.event === 'request').length).toBe(3);
    expect(w.node('h1').neighbour(2, parseIPv4('10.0.0.9'))?.state).toBe('FAILED');
  });
});
