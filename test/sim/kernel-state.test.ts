import { describe, expect, it } from 'vitest';
import { formatPrefix4, parseIPv4, parsePrefix4 } from '../../engine/net/ip.ts';
import { Kernel } from '../../engine/sim/kernel.ts';
import type { Route } from '../../engine/sim/types.ts';

// Compact rendering of the routes, close to `ip route show table all`, to compare with what
// a 6.x kernel kept in the same situation (recorded with ip netns on the reference machine).
function show(k: Kernel): string[] {
  const name = (r: Route): string => (r.ifindex !== undefined ? k.devices.get(r.ifindex)!.name : '');
  return k.state.routes.map((r) => {
    const type = r.type === 'unicast' ? '' : `${r.type} `;
    const dst = r.dst.len === 32 && r.type !== 'unicast' ? formatPrefix4(r.dst).replace('/32', '') : formatPrefix4(r.dst);
    const via = r.gateway !== undefined ? ` via ${formatPrefix4({ addr: r.gateway, len: 32 }).replace('/32', '')}` : '';
    const dev = r.ifindex !== undefined ? ` dev ${name(r)}` : '';
    const table = r.table === 255 ? ' table local' : '';
    return `${type}${dst}${via}${dev}${table}${r.metric ? ` metric ${r.metric}` : ''}${r.linkdown ? ' linkdown' : ''}`;
  });
}

const LO = ['local 127.0.0.0/8 dev lo table local', 'local 127.0.0.1 dev lo table local', 'broadcast 127.255.255.255 dev lo table local'];
const p = parsePrefix4;
const a = parseIPv4;

describe('Kernel state like a fresh Linux netns', () => {
  it('starts with lo down and bare; up gives it 127.0.0.1/8 and its local routes, down keeps them but the broadcast', () => {
    const k = new Kernel({ node: 'n1' });
    expect([...k.state.devices.values()].map((d) => [d.ifindex, d.name, d.adminUp])).toEqual([[1, 'lo', false]]);
    expect(k.state.addresses).toEqual([]);
    expect(show(k)).toEqual([]);
    expect(k.state.sysctls.ipForward).toBe(false);
    k.setLink('lo', { up: true });
    expect(k.state.addresses.map((x) => `${formatPrefix4(x.prefix)} ${x.scope}`)).toEqual(['127.0.0.1/8 host']);
    expect(show(k)).toEqual(LO);
    k.setLink('lo', { up: false });
    expect(show(k)).toEqual(LO.slice(0, 2));
    k.setLink('lo', { up: true });
    expect(k.state.addresses.length).toBe(1);
    expect(show(k)).toEqual(LO);
  });

  it('derives routes from addresses and link state as 6.x does', () => {
    const k = new Kernel({ node: 'n1' });
    k.setLink('lo', { up: true });
    const d = k.addLink({ kind: 'veth', name: 'eth0', peerName: 'eth1' });
    expect([k.findDevice('eth1')!.ifindex, d.ifindex]).toEqual([2, 3]);
    k.addAddress('eth0', p('10.0.0.2/24'));
    expect(show(k)).toEqual(['local 10.0.0.2 dev eth0 table local', ...LO]);
    k.setLink('eth0', { up: true });
    expect(show(k)).toEqual(['10.0.0.0/24 dev eth0 linkdown', 'local 10.0.0.2 dev eth0 table local', 'broadcast 10.0.0.255 dev eth0 table local linkdown', ...LO]);
    k.setLink('eth1', { up: true });
    expect(() => k.addRoute({ table: 254, type: 'unicast', dst: p('10.9.0.0/16'), gateway: a('10.1.1.1'), protocol: 3, scope: 'global', metric: 0, onlink: false }, 'add'))
      .toThrow('Error: Nexthop has invalid gateway.');
    k.addRoute({ table: 254, type: 'unicast', dst: p('10.9.0.0/16'), gateway: a('10.0.0.1'), protocol: 3, scope: 'global', metric: 0, onlink: false }, 'add');
    expect(() => k.addRoute({ table: 254, type: 'unicast', dst: p('10.9.0.0/16'), gateway: a('10.0.0.1'), protocol: 3, scope: 'global', metric: 0, onlink: false }, 'add'))
      .toThrow('RTNETLINK answers: File exists');
    k.addRoute({ table: 254, type: 'unicast', dst: p('10.8.0.0/16'), gateway: a('10.1.1.1'), dev: 'eth0', protocol: 3, scope: 'global', metric: 0, onlink: true }, 'add');
    k.setLink('eth1', { up: false });
    expect(show(k)).toEqual(['10.0.0.0/24 dev eth0 linkdown', '10.8.0.0/16 via 10.1.1.1 dev eth0 linkdown', '10.9.0.0/16 via 10.0.0.1 dev eth0 linkdown',
      'local 10.0.0.2 dev eth0 table local', 'broadcast 10.0.0.255 dev eth0 table local linkdown', ...LO]);
    k.setLink('eth0', { up: false });
    expect(show(k)).toEqual(['local 10.0.0.2 dev eth0 table local', ...LO]);
    k.setLink('eth0', { up: true });
    k.setLink('eth1', { up: true });
    expect(show(k)).toEqual(['10.0.0.0/24 dev eth0', 'local 10.0.0.2 dev eth0 table local', 'broadcast 10.0.0.255 dev eth0 table local', ...LO]);
    k.delAddress('eth0', p('10.0.0.2/24'));
    expect(show(k)).toEqual(LO);
  });

  it('orders routes and rejects what iproute2 reports as errors', () => {
    const k = new Kernel({ node: 'n1' });
    k.setLink('lo', { up: true });
    k.addLink({ kind: 'veth', name: 'eth0', peerName: 'eth1' });
    expect(() => k.addLink({ kind: 'veth', name: 'eth0', peerName: 'eth2' })).toThrow('RTNETLINK answers: File exists');
    expect(() => k.setLink('eth9', { up: true })).toThrow('Cannot find device "eth9"');
    k.addAddress('eth0', p('10.0.0.2/24'));
    expect(() => k.addAddress('eth0', p('10.0.0.2/24'))).toThrow('Error: ipv4: Address already assigned.');
    k.addAddress('eth0', p('10.0.0.3/24'));
    const r = (dst: string, extra: Partial<Route> & { dev?: string } = {}): void =>
      k.addRoute({ table: 254, type: 'unicast', dst: p(dst), protocol: 3, scope: extra.gateway ? 'global' : 'link', metric: 0, onlink: false, ...extra }, 'add');
    expect(() => r('10.5.0.0/16', { gateway: a('10.0.0.1'), scope: 'global' })).toThrow('Error: Nexthop has invalid gateway.');
    expect(() => r('10.5.0.0/16', { dev: 'eth0' })).toThrow('Error: Device for nexthop is not up.');
    k.setLink('eth0', { up: true });
    k.setLink('eth1', { up: true });
    r('10.5.0.0/16', { gateway: a('10.0.0.1') });
    r('10.0.0.0/16', { gateway: a('10.0.0.1') });
    r('10.0.0.0/8', { dev: 'eth0', metric: 5 });
    r('10.0.0.0/8', { dev: 'eth0' });
    r('10.0.0.0/24', { gateway: a('10.0.0.9'), metric: 100 });
    r('10.99.0.0/16', { type: 'blackhole', scope: 'global' });
    r('10.98.0.0/16', { type: 'unreachable', scope: 'global' });
    r('10.97.0.0/16', { type: 'prohibit', scope: 'global' });
    r('10.96.0.0/16', { gateway: a('10.0.0.2') });
    r('10.95.0.0/16', { gateway: a('10.5.1.1') });
    expect(() => k.delRoute({ dst: p('10.77.0.0/16') })).toThrow('RTNETLINK answers: No such process');
    expect(show(k).filter((l) => !l.includes('table local'))).toEqual([
      '10.0.0.0/24 dev eth0', '10.0.0.0/24 via 10.0.0.9 dev eth0 metric 100', '10.0.0.0/16 via 10.0.0.1 dev eth0', '10.0.0.0/8 dev eth0',
      '10.0.0.0/8 dev eth0 metric 5', '10.5.0.0/16 via 10.0.0.1 dev eth0', '10.95.0.0/16 via 10.5.1.1 dev eth0', '10.96.0.0/16 via 10.0.0.2 dev eth0',
      'prohibit 10.97.0.0/16', 'unreachable 10.98.0.0/16', 'blackhole 10.99.0.0/16']);
    expect(show(k).filter((l) => l.includes('table local')).slice(0, 3)).toEqual([
      'local 10.0.0.2 dev eth0 table local', 'local 10.0.0.3 dev eth0 table local', 'broadcast 10.0.0.255 dev eth0 table local']);
    k.addNeighbour({ dev: 'eth0', ip: a('10.0.0.7'), mac: '02:00:00:00:00:07', state: 'PERMANENT' }, 'add');
    expect(() => k.addNeighbour({ dev: 'eth0', ip: a('10.0.0.7'), mac: '02:00:00:00:00:07', state: 'PERMANENT' }, 'add')).toThrow('RTNETLINK answers: File exists');
    expect(() => k.delNeighbour({ dev: 'eth0', ip: a('10.0.0.8') })).toThrow('RTNETLINK answers: No such file or directory');
    expect(() => k.delAddress('eth0', p('10.0.0.9/24'))).toThrow('Error: ipv4: Address not found.');
    k.delAddress('eth0', p('10.0.0.2/24'));
    expect(k.state.addresses.map((x) => formatPrefix4(x.prefix))).toEqual(['127.0.0.1/8']);
    expect(show(k).filter((l) => !l.includes('table local'))).toEqual(['prohibit 10.97.0.0/16', 'unreachable 10.98.0.0/16', 'blackhole 10.99.0.0/16']);
    expect(() => k.setLink('eth0', { mtu: 100000 })).toThrow('Error: mtu greater than device maximum.');
  });

  it('sysctl ip_forward flips every forwarding knob; unknown keys fail like sysctl(8)', () => {
    const k = new Kernel({ node: 'n1' });
    k.setSysctl('net.ipv4.ip_forward', '1');
    expect(k.state.sysctls.all.forwarding && k.state.sysctls.default.forwarding && k.state.sysctls.conf.get(1)!.forwarding).toBe(true);
    expect(() => k.setSysctl('net.ipv4.conf.eth7.rp_filter', '1')).toThrow('sysctl: cannot stat /proc/sys/net/ipv4/conf/eth7/rp_filter: No such file or directory');
  });

  it('bridge carrier follows its ports (on when it has none), VXLAN MTU follows the lower device', () => {
    const k = new Kernel({ node: 'n1' });
    const br = k.addLink({ kind: 'bridge', name: 'br0' });
    k.setLink('br0', { up: true });
    expect(br.carrier).toBe(true);
    k.addLink({ kind: 'veth', name: 'p1', peerName: 'p2' });
    k.setLink('p1', { master: 'br0' });
    expect(br.carrier).toBe(false);
    k.setLink('p1', { up: true });
    expect(br.carrier).toBe(false);
    k.setLink('p2', { up: true });
    expect(br.carrier).toBe(true);
    k.setLink('p2', { up: false });
    expect(br.carrier).toBe(false);
    expect(k.addLink({ kind: 'vxlan', name: 'vx0', vni: 42, dstPort: 4789 }).mtu).toBe(1500);
    expect(k.addLink({ kind: 'vxlan', name: 'vx1', vni: 43, dstPort: 4789, dev: 'p1' }).mtu).toBe(1450);
  });
});
