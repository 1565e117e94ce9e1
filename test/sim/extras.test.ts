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
