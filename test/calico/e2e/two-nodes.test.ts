/**
 * Issue "The Calico control plane", must-show on two-nodes.yaml (pool 10.5.0.0/16, a pod on
 * each node): the routes BIRD and Felix program for IPIP Always, no encapsulation and VXLAN
 * Always, pod-to-pod pings through them, and what tshark reads on the underlay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands } from '../../support/system.ts';
import { blocksOf, ipProtocols, podPing, routes, topology, tshark, up, vtepOf } from './helpers.ts';
import type { Up } from './helpers.ts';

const FILE = 'topologies/two-nodes.yaml';
const MASTER_IP = '10.30.200.1';
const WORKER_IP = '10.30.200.2';
const PODS = [['master-01', 'pod-a'], ['worker-01', 'pod-b']] as const;
const dir = mkdtempSync(join(tmpdir(), 'podlab-calico-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsharkOk = haveCommands('tshark');

describe('two-nodes, ipipMode Always (as shipped)', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology(FILE), PODS);
  });

  it('converges: the mesh session is Established on both nodes', () => {
    expect(u.converged.converged).toBe(true);
    for (const [node, peer] of [['master-01', WORKER_IP], ['worker-01', MASTER_IP]] as const) {
      const out = u.lab.exec(node, 'calicoctl node status').stdout;
      expect(out).toContain('Calico process is running.');
      expect(out).toMatch(new RegExp(`\\| ${peer.replace(/\./g, '\\.')} +\\| node-to-node mesh \\| up +\\| \\d\\d:\\d\\d:\\d\\d \\| Established \\|`));
    }
  });

  it("master-01's ip route: its block blackholed proto bird, the worker's block via 10.30.200.2 dev tunl0 proto bird onlink", async () => {
    const [local] = await blocksOf(u.c, 'master-01');
    const [remote] = await blocksOf(u.c, 'worker-01');
    expect(local).toMatch(/^10\.5\.\d+\.\d+\/26$/);
    const r = routes(u, 'master-01');
    expect(r).toContain(`blackhole ${local} proto bird`);
    expect(r).toContain(`${remote} via ${WORKER_IP} dev tunl0 proto bird onlink`);
    expect(routes(u, 'worker-01')).toContain(`${local} via ${MASTER_IP} dev tunl0 proto bird onlink`);
  });

  it('pod-to-pod ping works, and the underlay carries IP-in-IP with the pod addresses inside (tshark)', () => {
    const cap = u.lab.startCapture('master-01', 'eth0');
    const from = cap.records.length;
    expect(podPing(u, 'pod-a', 'pod-b')).toContain('2 packets transmitted, 2 received');
    expect(ipProtocols(cap, from)).toEqual([4, 4, 4, 4]);
    if (!tsharkOk) return;
    const a = u.c.pod('default/pod-a');
    const b = u.c.pod('default/pod-b');
    const rows = tshark(cap, join(dir, 'ipip.pcap'), ['-Y', 'ip.proto == 4 && icmp', '-T', 'fields', '-e', 'ip.proto', '-e', 'ip.src', '-e', 'ip.dst']);
    expect(rows).toContain(`4,1\t${MASTER_IP},${a.ip}\t${WORKER_IP},${b.ip}`);
    expect(rows).toContain(`4,1\t${WORKER_IP},${b.ip}\t${MASTER_IP},${a.ip}`);
  });

  it('the BGP session itself is judged by tshark: OPEN with AS 64512 and an UPDATE carrying the block', async () => {
    if (!tsharkOk) return;
    const [block] = await blocksOf(u.c, 'worker-01');
    const cap = u.lab.startCapture('master-01', 'eth0');
    const rows = tshark(cap, join(dir, 'bgp.pcap'), ['-Y', 'bgp', '-T', 'fields', '-e', 'bgp.type', '-e', 'bgp.open.myas', '-e', 'bgp.nlri_prefix', '-e', 'bgp.mp_reach_nlri_ipv4_prefix']);
    expect(rows.some((l) => l.startsWith('1\t64512'))).toBe(true);
    expect(rows.some((l) => l.startsWith('2') && l.includes(block!.split('/')[0]!))).toBe(true);
  });

  it('birdcl and calicoctl views on the node', async () => {
    const [remote] = await blocksOf(u.c, 'worker-01');
    const protos = u.lab.exec('master-01', 'birdcl show protocols').stdout.split('\n');
    expect(protos[0]).toBe('BIRD v0.3.3+birdv1.6.8 ready.');
    expect(protos[1]).toBe('name     proto    table    state  since       info');
    expect(protos).toContain('static1  Static   master   up     00:00:00    ');
    expect(protos.some((l) => /^Mesh_10_30_200_2 BGP {6}master {3}up {5}\d\d:\d\d:\d\d {4}Established {3}$/.test(l))).toBe(true);
    const rt = u.lab.exec('master-01', 'birdc -s /var/run/calico/bird.ctl sh ro').stdout;
    expect(rt).toContain(`${remote!.padEnd(18)} via ${WORKER_IP} on eth0 [Mesh_10_30_200_2 `);
    expect(rt).toMatch(/\] \* \(100\/0\) \[i\]\n/);
    const nodes = u.lab.exec('worker-01', 'calicoctl get nodes -o wide').stdout.split('\n');
    expect(nodes[0]).toMatch(/^NAME +ASN +IPV4 +IPV6/);
    expect(nodes[1]).toMatch(/^master-01 +\(64512\) +10\.30\.200\.1\/24/);
    expect(u.lab.exec('worker-01', 'calicoctl get ippools -o wide').stdout).toMatch(/default-ipv4-ippool +10\.5\.0\.0\/16 +true +Always +Never +false +false +all\(\)/);
    // Two tunnel addresses and two pods: 4 of 65536 in use.
    expect(u.lab.exec('worker-01', 'calicoctl ipam show').stdout).toMatch(/\| IP Pool +\| 10\.5\.0\.0\/16 +\| +65536 \| 4 \(0%\) +\|/);
  });

  it('pods come and go: the block stays affine and announced, a new pod is reachable at once', async () => {
    const [remote] = await blocksOf(u.c, 'worker-01');
    await u.c.addPod('worker-01', 'default', 'pod-c');
    await u.c.removePod('default', 'pod-b');
    u.lab.world.run(1000);
    expect(routes(u, 'master-01')).toContain(`${remote} via ${WORKER_IP} dev tunl0 proto bird onlink`);
    expect(await blocksOf(u.c, 'worker-01')).toEqual([remote]);
    expect(podPing(u, 'pod-a', 'pod-c', 1)).toContain('1 received');
  });
});

describe('two-nodes, ipipMode Never (plain BGP)', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology(FILE, { ipipMode: 'Never' }), PODS);
  });

  it('the remote block goes via eth0 proto bird; no tunl0 route at all', async () => {
    const [local] = await blocksOf(u.c, 'master-01');
    const [remote] = await blocksOf(u.c, 'worker-01');
    const r = routes(u, 'master-01');
    expect(r).toContain(`${remote} via ${WORKER_IP} dev eth0 proto bird`);
    expect(r).toContain(`blackhole ${local} proto bird`);
    expect(r.filter((l) => l.includes('tunl0'))).toEqual([]);
  });

  it('pods reach each other with no encapsulation on the wire', () => {
    const cap = u.lab.startCapture('master-01', 'eth0');
    const from = cap.records.length;
    expect(podPing(u, 'pod-a', 'pod-b')).toContain('2 packets transmitted, 2 received');
    expect(ipProtocols(cap, from)).toEqual([1, 1, 1, 1]);
    if (!tsharkOk) return;
    const a = u.c.pod('default/pod-a');
    const b = u.c.pod('default/pod-b');
    const rows = tshark(cap, join(dir, 'noencap.pcap'), ['-Y', 'icmp', '-T', 'fields', '-e', 'ip.proto', '-e', 'ip.src', '-e', 'ip.dst']);
    expect(rows).toContain(`1\t${a.ip}\t${b.ip}`);
    expect(tshark(cap, join(dir, 'noencap.pcap'), ['-Y', 'ip.proto == 4 || vxlan'])).toEqual([]);
  });
});

describe('two-nodes, vxlanMode Always', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology(FILE, { ipipMode: 'Never', vxlanMode: 'Always' }), PODS);
  });

  it('Felix programs vxlan.calico routes; BIRD installs nothing for the VXLAN pool', async () => {
    const [local] = await blocksOf(u.c, 'master-01');
    const [remote] = await blocksOf(u.c, 'worker-01');
    const vtep = await vtepOf(u.c, 'worker-01');
    const r = routes(u, 'master-01');
    expect(r).toContain(`${remote} via ${vtep} dev vxlan.calico onlink`);
    expect(r).toContain(`blackhole ${local} proto 80`);
    expect(r.filter((l) => l.includes('proto bird'))).toEqual([]);
    // BIRD still runs (calico_backend bird) and still exchanges the blocks.
    expect(u.lab.exec('master-01', 'birdcl show route').stdout).toContain(`${remote!.padEnd(18)} via ${WORKER_IP} on eth0`);
  });

  it('pods reach each other in VXLAN: VNI 4096 on UDP 4789 with the pod addresses inside (tshark)', () => {
    const cap = u.lab.startCapture('master-01', 'eth0');
    const from = cap.records.length;
    expect(podPing(u, 'pod-a', 'pod-b')).toContain('2 packets transmitted, 2 received');
    expect(ipProtocols(cap, from)).toEqual([17, 17, 17, 17]);
    if (!tsharkOk) return;
    const a = u.c.pod('default/pod-a');
    const b = u.c.pod('default/pod-b');
    const rows = tshark(cap, join(dir, 'vxlan.pcap'), ['-Y', 'vxlan && icmp', '-T', 'fields', '-e', 'udp.dstport', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst']);
    expect(rows).toContain(`4789\t4096\t${MASTER_IP},${a.ip}\t${WORKER_IP},${b.ip}`);
  });
});

describe('determinism', () => {
  it('two runs of the same topology give the same event stream and the same routes', async () => {
    const strip = (u: Up) => u.c.events.map((e) => JSON.stringify(e));
    const a = await up(await topology(FILE), PODS);
    const b = await up(await topology(FILE), PODS);
    expect(strip(b)).toEqual(strip(a));
    expect(routes(b, 'master-01')).toEqual(routes(a, 'master-01'));
  });
});
