/**
 * The inspector's parsers of `ip route` / `ip addr` / `ip neigh` text, judged by real
 * iproute2: the same state in a real network namespace printed as text and as JSON (`-j`),
 * and the simulator's text for that state, must all read back to the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { haveCommands, haveRoot } from '../support/system.ts';
import { parseAddrs, parseNeighbours, parseRoutes, groupByProto } from '../../web/src/domain/iproute-parse.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';

const NS = `pl-uip-${process.pid}`;
const SETUP = [
  'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.9.0.1/24 dev v0',
  'route add 10.20.0.0/16 via 10.9.0.254 dev v0 proto bird metric 20', 'route add blackhole 10.5.0.0/26 proto bird',
  'route add unreachable 10.6.0.0/24', 'route add 10.7.0.0/26 via 10.9.0.9 dev v0 onlink', 'route add default via 10.9.0.254 dev v0',
  'neigh add 10.9.0.7 lladdr aa:bb:cc:dd:ee:ff dev v0 nud permanent',
];

interface JsonRoute { type?: string; dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; prefsrc?: string; metric?: number; flags: string[] }
const fromJson = (r: JsonRoute) => ({
  type: r.type ?? 'unicast', dst: r.dst, via: r.gateway, dev: r.dev, proto: r.protocol ?? 'boot', scope: r.scope === 'global' ? undefined : r.scope,
  src: r.prefsrc, metric: r.metric, flags: r.flags,
});
const fromText = (r: ReturnType<typeof parseRoutes>[number]) => ({
  type: r.type, dst: r.dst, via: r.via, dev: r.dev, proto: r.proto, scope: r.scope, src: r.src, metric: r.metric, flags: r.flags,
});

const ok = haveCommands('ip') && haveRoot();
describe.skipIf(!ok)('iproute2 text parsers vs real iproute2 and the simulator', () => {
  const ip = (...args: string[]): string => execFileSync('ip', ['-n', NS, ...args], { encoding: 'utf8' });
  let sim: SimLab;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    for (const c of SETUP) ip(...c.split(' '));
    const t = parseTopology('name: one\nnodes:\n  h: { kind: host }\n  g: { kind: host }\nlinks:\n  - endpoints: ["h:v0", "g:v1"]\n', 'one.yaml');
    sim = SimLab.deploy(t.topology!);
    for (const c of SETUP.slice(1)) {
      const r = sim.exec('h', `ip ${c.replace(' v1 up', ' v0 up')}`);
      expect(r.stderr).toBe('');
    }
  });
  afterAll(() => {
    try { execFileSync('ip', ['netns', 'del', NS]); } catch { /* gone */ }
  });

  it('reads `ip route` as `ip -j route` says', () => {
    const json = (JSON.parse(ip('-j', 'route')) as JsonRoute[]).map(fromJson);
    expect(parseRoutes(ip('route')).map(fromText)).toEqual(json);
    // The simulator prints the same state in the same words.
    expect(parseRoutes(sim.exec('h', 'ip route').stdout).map(fromText)).toEqual(json);
  });

  it('groups routes by protocol, kernel first', () => {
    const g = groupByProto(parseRoutes(ip('route')));
    expect(g.map((x) => x.proto)).toEqual(['kernel', 'boot', 'bird']);
    expect(g.find((x) => x.proto === 'bird')!.rows.map((r) => `${r.type} ${r.dst}`)).toEqual(['blackhole 10.5.0.0/26', 'unicast 10.20.0.0/16']);
  });

  it('reads `ip addr` and `ip neigh` as their JSON forms say', () => {
    const ja = JSON.parse(ip('-j', 'addr')) as { ifname: string; mtu: number; operstate: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    const rows = parseAddrs(ip('addr'));
    expect(rows.map((r) => [r.name, r.mtu, r.state, r.mac, r.inet])).toEqual(
      ja.map((a) => [a.ifname, a.mtu, a.operstate, a.address, a.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`)]));
    const jn = JSON.parse(ip('-j', 'neigh')) as { dst: string; dev: string; lladdr?: string; state: string[] }[];
    expect(parseNeighbours(ip('neigh')).map((n) => [n.addr, n.dev, n.lladdr, n.state])).toEqual(jn.map((n) => [n.dst, n.dev, n.lladdr, n.state[n.state.length - 1]]));
    const simNeigh = parseNeighbours(sim.exec('h', 'ip neigh').stdout).find((n) => n.addr === '10.9.0.7');
    expect(simNeigh).toMatchObject({ dev: 'v0', lladdr: 'aa:bb:cc:dd:ee:ff', state: 'PERMANENT' });
  });
});

describe('parsers on their own', () => {
  it('keeps nexthop lines with their route and defaults proto to boot', () => {
    const rows = parseRoutes('10.0.0.0/8 proto bird metric 32\n\tnexthop via 10.1.0.1 dev eth0 weight 1\n\tnexthop via 10.2.0.1 dev eth1 weight 1\n1.2.3.0/24 dev eth0\n');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.flags).toEqual(['nexthop via 10.1.0.1 dev eth0 weight 1', 'nexthop via 10.2.0.1 dev eth1 weight 1']);
    expect(rows[1]!.proto).toBe('boot');
  });
  it('reads veth peers and neighbour states without lladdr', () => {
    expect(parseAddrs('5: cali1@if4: <BROADCAST,UP,LOWER_UP> mtu 1480 qdisc noqueue state UP\n    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff\n')[0])
      .toMatchObject({ name: 'cali1', link: 'if4', mtu: 1480, state: 'UP', mac: 'ee:ee:ee:ee:ee:ee' });
    expect(parseNeighbours('10.0.0.9 dev eth0 FAILED\n10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 router REACHABLE\n'))
      .toEqual([{ addr: '10.0.0.9', dev: 'eth0', state: 'FAILED', flags: [] }, { addr: '10.0.0.1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: 'REACHABLE', flags: ['router'] }]);
  });
});
