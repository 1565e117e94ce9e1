/**
 * Felix's VXLAN programming on the simulator (two-nodes.yaml, pool 10.5.0.0/16 VXLAN Always):
 * vxlan.calico, VTEP neighbour/FDB entries, remote-block routes, local blackholes, pods
 * reaching each other through Felix's iptables, VNI 4096 on UDP 4789 on the wire (tshark).
 * In VXLAN mode Felix programs every route itself: no BGP is involved.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockPrefix } from '../../../engine/calico/datastore/index.ts';
import { haveCommands } from '../../support/system.ts';
import { cluster, NODE_IP } from './cluster.ts';
import type { Cluster } from './cluster.ts';

const dir = mkdtempSync(join(tmpdir(), 'podlab-felix-vxlan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The /26 blocks IPAM made affine to a node (read back from the datastore, not assumed). */
async function blocksOf(c: Cluster, node: string): Promise<string[]> {
  const r = await c.ds.list(blockPrefix(4));
  return r.kvs.map((kv) => kv.value as { cidr: string; affinity: string }).filter((b) => b.affinity === `host:${node}`).map((b) => b.cidr);
}

async function vtepOf(c: Cluster, node: string): Promise<string> {
  const s = await c.snapshot(node);
  return s.nodes.find((n) => n.name === node)!.ipv4VXLANTunnelAddr!;
}

describe('Felix VXLAN Always on two nodes', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster({ vxlanMode: 'Always' });
    await c.addPod('master-01', 'default', 'pod-a', { app: 'a' });
    await c.addPod('worker-01', 'default', 'pod-b', { app: 'b' });
  });

  it('ip route on master-01: remote block via the remote VTEP onlink, local block blackholed proto 80, pod /32 scope link', async () => {
    const [local] = await blocksOf(c, 'master-01');
    const [remote] = await blocksOf(c, 'worker-01');
    const vtep = await vtepOf(c, 'worker-01');
    // Calico's IPAM gives the tunnel the first address of the node's first block.
    expect(`${vtep}/26`).toBe(remote);
    const routes = c.lab.exec('master-01', 'ip route').stdout.split('\n').map((l) => l.trim());
    expect(routes).toContain(`${remote} via ${vtep} dev vxlan.calico onlink`);
    expect(routes).toContain(`blackhole ${local} proto 80`);
    const a = c.pods.get('default/pod-a')!;
    expect(routes).toContain(`${a.ip} dev ${a.hostIface} scope link`);
  });

  it('vxlan.calico: VNI 4096, port 4789, local node IP, nolearning, MTU 1450, MAC 66 + SHA-1(nodename)[0:5], tunnel /32', () => {
    const link = c.lab.exec('master-01', 'ip -d link show vxlan.calico').stdout;
    const sha = createHash('sha1').update('master-01').digest();
    const mac = ['66', ...[...sha.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
    expect(link).toContain(`mtu 1450`);
    expect(link).toContain(`link/ether ${mac}`);
    expect(link).toMatch(new RegExp(`vxlan id 4096 local ${NODE_IP['master-01']!.replace(/\./g, '\\.')} dev eth0 .*dstport 4789 nolearning`));
    expect(c.lab.exec('master-01', 'ip -4 addr show vxlan.calico').stdout).toMatch(/inet 10\.5\.\d+\.\d+\/32 /);
    // The pod's veth gets Felix's pod MTU (the smallest enabled encapsulation).
    expect(c.podExec('default/pod-a', 'ip link show eth0').stdout).toContain('mtu 1450');
  });

  it('per remote node: a permanent ARP entry for its VTEP and an FDB entry to its node IP', async () => {
    const vtep = await vtepOf(c, 'worker-01');
    const mac = c.lab.kernel('worker-01').findDevice('vxlan.calico')!.mac;
    expect(c.lab.exec('master-01', 'ip neigh show dev vxlan.calico').stdout).toContain(`${vtep} lladdr ${mac} PERMANENT`);
    expect(c.lab.exec('master-01', 'bridge fdb show dev vxlan.calico').stdout).toContain(`${mac} dst ${NODE_IP['worker-01']} self permanent`);
  });

  it('pod-to-pod ping crosses the fabric in VXLAN (VNI 4096, UDP 4789) as tshark dissects it', () => {
    const a = c.pods.get('default/pod-a')!;
    const b = c.pods.get('default/pod-b')!;
    const cap = c.lab.startCapture('worker-01', 'eth0');
    const from = cap.records.length;
    const r = c.podExec('default/pod-a', `ping -c 2 -i 0.2 ${b.ip}`);
    expect(r.stdout).toContain('2 packets transmitted, 2 received');
    expect(cap.records.length).toBeGreaterThan(from);
    if (haveCommands('tshark')) {
      const file = join(dir, 'vxlan.pcap');
      writeFileSync(file, cap.toPcap());
      const rows = execFileSync('tshark', ['-r', file, '-Y', 'vxlan', '-T', 'fields', '-e', 'udp.dstport', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type'], { encoding: 'utf8' })
        .trim().split('\n');
      expect(rows).toContain(`4789\t4096\t${NODE_IP['master-01']},${a.ip}\t${NODE_IP['worker-01']},${b.ip}\t8`);
      expect(rows).toContain(`4789\t4096\t${NODE_IP['worker-01']},${b.ip}\t${NODE_IP['master-01']},${a.ip}\t0`);
    }
  });

  it('iptables-save shows Felix chains; the VXLAN guard set holds both node IPs', () => {
    const save = c.lab.exec('master-01', 'iptables-save').stdout;
    const a = c.pods.get('default/pod-a')!;
    expect(save).toContain('-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT');
    expect(save).toContain(`-A cali-from-wl-dispatch -i ${a.hostIface} -m comment`);
    expect(save).toContain(`-g cali-fw-${a.hostIface}`);
    expect(save).toContain('-m comment --comment "Drop IPv4 VXLAN packets from non-allowed hosts"');
    expect(save).toContain('-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully');
    const set = c.lab.exec('master-01', 'ipset list cali40all-vxlan-net').stdout;
    expect(set).toContain(`${NODE_IP['master-01']}/32`);
    expect(set).toContain(`${NODE_IP['worker-01']}/32`);
  });

  it('a second Felix pass changes nothing on either node (the driver diffs against what it applied)', async () => {
    const again = await c.felix();
    expect(again.get('master-01')).toEqual([]);
    expect(again.get('worker-01')).toEqual([]);
  });
});

describe('Felix VXLAN CrossSubnet on one subnet', () => {
  it('same-subnet blocks go straight out eth0 with proto 80 onlink; no encapsulation on the wire', async () => {
    const c = await cluster({ vxlanMode: 'CrossSubnet' });
    await c.addPod('master-01', 'default', 'pod-a');
    const b = await c.addPod('worker-01', 'default', 'pod-b');
    const [remote] = await blocksOf(c, 'worker-01');
    const routes = c.lab.exec('master-01', 'ip route').stdout.split('\n').map((l) => l.trim());
    expect(routes).toContain(`${remote} via ${NODE_IP['worker-01']} dev eth0 proto 80 onlink`);
    const cap = c.lab.startCapture('worker-01', 'eth0');
    const from = cap.records.length;
    expect(c.podExec('default/pod-a', `ping -c 1 ${b.ip}`).stdout).toContain('1 received');
    const udp = cap.records.slice(from).filter((r) => {
      const p = r.frame.payload;
      return !(p instanceof Uint8Array) && p.kind === 'ipv4' && p.protocol === 17;
    });
    expect(udp).toEqual([]);
  });
});
