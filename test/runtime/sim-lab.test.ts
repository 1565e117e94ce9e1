import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadTopology } from '../../engine/model/load.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import { SimLab, DeployError } from '../../engine/runtime/sim/sim-lab.ts';
import type { Topology } from '../../engine/model/types.ts';

const run = promisify(execFile);

async function topo(path: string): Promise<Topology> {
  const r = await loadTopology(path);
  if (!r.topology) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.topology;
}

describe('floors topology on the simulator', () => {
  it('a host on floor 1 (behind a trunked second switch) pings a node on floor 3 through the ToRs', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    const r = lab.exec('printer-1', 'ping -c 3 10.30.3.11');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
    // two routers on the way: TTL 64 - 2
    expect(r.stdout).toMatch(/64 bytes from 10\.30\.3\.11: icmp_seq=1 ttl=62/);
  });

  it('traceroute lists each hop: the floor ToR, the far ToR, the destination', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    const r = lab.exec('master-01', ['traceroute', '-n', '10.30.2.100']);
    expect(r.code).toBe(0);
    const hops = r.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]);
    expect(hops).toEqual(['10.30.1.1', '10.30.0.2', '10.30.2.100']);
  });

  it('the access switch keeps floor VLANs apart: the trunk carries VLAN 10 tagged', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    lab.exec('printer-1', 'ping -c 1 10.30.1.11');
    const c = lab.allCaptures();
    expect(c.size).toBeGreaterThan(0);
    const vlans = lab.exec('floor1-sw', 'bridge vlan show dev eth9');
    expect(vlans.stdout).toMatch(/eth9\s+10\b/);
    expect(vlans.stdout).not.toMatch(/PVID/);
  });

  it('cutting the transit link of floor 3 makes floor 3 unreachable and restoring it heals', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    lab.world.setLink('floor3-tor', 'eth2', 'down');
    expect(lab.exec('master-01', 'ping -c 1 -W 1 10.30.3.11').code).not.toBe(0);
    lab.world.setLink('floor3-tor', 'eth2', 'up');
    lab.world.run(5000);
    expect(lab.exec('master-01', 'ping -c 1 10.30.3.11').code).toBe(0);
  });

  it('every shipped topology deploys', async () => {
    for (const f of ['two-nodes', 'floors', 'leaf-spine']) {
      const lab = SimLab.deploy(await topo(`topologies/${f}.yaml`));
      expect(lab.world.nodeNames().length).toBe(lab.topology.nodes.length);
    }
  });

  it('a failing setup command aborts the deploy naming node and command', () => {
    const text = `name: t
nodes:
  a: { kind: host, interfaces: { eth0: { address: 10.0.0.1/24 } }, routes: [{ to: 10.9.0.0/24, via: 10.0.0.2 }] }
  b: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24 } } }
links:
  - endpoints: ["a:eth0", "b:eth0"]
`;
    const r = parseTopology(text, 't.yaml');
    expect(r.topology).toBeDefined();
    // Break the plan after validation: a route via an off-link gateway is refused by the kernel.
    const t = r.topology!;
    const broken = { ...t, nodes: t.nodes.map((n) => n.name === 'a' ? { ...n, routes: [{ ...n.routes[0]!, via: 0x0a630001 }] } : n) } as Topology;
    expect(() => SimLab.deploy(broken)).toThrow(DeployError);
    expect(() => SimLab.deploy(broken)).toThrow(/^a: setup command 'ip route add 10\.9\.0\.0\/24 via 10\.99\.0\.1' failed: .*Nexthop has invalid gateway/);
  });
});

describe('podlab up (node shell)', () => {
  it('runs piped node commands against the deployed lab', async () => {
    const child = execFile('node', ['bin/podlab.js', 'up', '--no-ui', 'topologies/two-nodes.yaml']);
    child.stdin!.end('master-01 ip route\nuse worker-01\nping -c 1 10.30.200.1\n');
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(code).toBe(0);
    expect(out).toContain('10.30.200.0/24 dev eth0 proto kernel scope link src 10.30.200.1');
    expect(out).toContain('1 packets transmitted, 1 received');
  });

  it('refuses an invalid topology and deploys nothing', async () => {
    await expect(run('node', ['bin/podlab.js', 'up', 'test/fixtures/bad-topologies/dup-node.yaml'])).rejects.toMatchObject({ code: 1 });
  });
});

describe('switch forwarding database', () => {
  it('lists each local entry once and moves a port\'s own address with its VLANs', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    const fdb = lab.exec('floor1-sw', 'bridge fdb show dev eth2').stdout.trim().split('\n');
    expect(new Set(fdb).size).toBe(fdb.length);
    expect(fdb.some((l) => / vlan 10 master br0 permanent$/.test(l))).toBe(true);
    expect(fdb.some((l) => / vlan 1 master br0 permanent$/.test(l))).toBe(false);
    const br = lab.exec('floor1-sw', 'bridge fdb show dev br0').stdout.trim().split('\n');
    expect(new Set(br).size).toBe(br.length);
  });
});

describe('trace events name what happened', () => {
  it('a frame switched towards a cut cable is a link-down drop at the switch', async () => {
    const lab = SimLab.deploy(await topo('topologies/floors.yaml'));
    lab.exec('master-01', 'ping -c 1 10.30.3.11'); // the core switch learns floor3-tor's MAC
    const drops: string[] = [];
    lab.world.trace.on((e) => { if (e.type === 'drop') drops.push(`${e.node}:${e.dev}:${e.reason}`); });
    lab.world.setLink('floor3-tor', 'eth2', 'down');
    lab.exec('master-01', 'ping -c 1 -W 1 10.30.3.11');
    expect(drops).toContain('core:eth3:link-down');
  });

  it('an IPIP encap event carries the outer source that goes on the wire', () => {
    const text = `name: t
nodes:
  a: { kind: host, interfaces: { eth0: { address: 10.0.0.1/24 } } }
  b: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24 } } }
links:
  - endpoints: ["a:eth0", "b:eth0"]
`;
    const lab = SimLab.deploy(parseTopology(text, 't.yaml').topology!);
    for (const [n, mine, peer] of [['a', '10.9.1.1', '10.0.0.2'], ['b', '10.9.2.1', '10.0.0.1']] as const) {
      for (const c of ['ip tunnel add tunl0 mode ipip', 'ip link set tunl0 up', `ip addr add ${mine}/32 dev tunl0`,
        `ip route add ${n === 'a' ? '10.9.2.0/24' : '10.9.1.0/24'} via ${peer} dev tunl0 onlink`]) {
        expect(lab.exec(n, c).stderr).toBe('');
      }
    }
    const outerSrcs: number[] = [];
    lab.world.trace.on((e) => { if (e.type === 'encap') outerSrcs.push(e.outer.src); });
    expect(lab.exec('a', 'ping -c 1 10.9.2.1').code).toBe(0);
    expect(outerSrcs.length).toBeGreaterThan(0);
    expect(outerSrcs).not.toContain(0);
  });
});

describe('netfilter sees the kernel', () => {
  it('-m addrtype --dst-type LOCAL matches packets to the node\'s own addresses', async () => {
    const lab = SimLab.deploy(await topo('topologies/two-nodes.yaml'));
    expect(lab.exec('master-01', 'iptables -A INPUT -p icmp -m addrtype --dst-type LOCAL -j DROP').code).toBe(0);
    expect(lab.exec('worker-01', 'ping -c 1 -W 1 10.30.200.1').code).toBe(1);
    expect(lab.exec('master-01', 'iptables -S INPUT -v').stdout + lab.exec('master-01', 'iptables -L INPUT -n -v').stdout).toMatch(/\n\s+1\s+84 DROP/);
  });
});

describe('podlab up with the web UI', () => {
  it('runs the default scenario, serves the UI on the port asked for, and the shell still works', async () => {
    const child = execFile('node', ['bin/podlab.js', 'up', '--port', '0'], { timeout: 120_000 });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const url = await new Promise<string>((res, rej) => {
      child.stderr!.on('data', () => { const m = /web UI on (http:\/\/127\.0\.0\.1:\d+)/.exec(err); if (m) res(m[1]!); });
      child.on('close', () => rej(new Error(`exited early:\n${err}`)));
    });
    expect(err).toMatch(/running scenario 'ipip-vs-bgp'/);
    expect(err).toMatch(/every expectation met/);
    const topo = await (await fetch(`${url}/api/topology`)).json() as { name?: string; topology?: { name: string } };
    expect(JSON.stringify(topo)).toContain('two-nodes');
    child.stdin!.end('master-01 calicoctl node status\n');
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    expect(out).toContain('Established');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(130); // ended by Ctrl-C, reported as a shell does (128 + SIGINT)
  });
});
