/**
 * Felix's IPIP programming on the simulator (two-nodes.yaml as shipped: IPIP Always).
 *
 * Felix only owns tunl0 (device, MTU, tunnel /32), the pod routes and the rules. The block
 * routes of IPIP pools are BIRD's (`proto bird`, see calico.md §3 "Programmed by"); BGP is
 * wired elsewhere, so these tests emulate BIRD by adding its exact routes by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockPrefix } from '../../../engine/calico/datastore/index.ts';
import { haveCommands } from '../../support/system.ts';
import { cluster, NODE_IP } from './cluster.ts';
import type { Cluster } from './cluster.ts';

const dir = mkdtempSync(join(tmpdir(), 'podlab-felix-ipip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function blockOf(c: Cluster, node: string): Promise<string> {
  const r = await c.ds.list(blockPrefix(4));
  return r.kvs.map((kv) => kv.value as { cidr: string; affinity: string }).find((b) => b.affinity === `host:${node}`)!.cidr;
}

/** What BIRD installs on each node for IPIP Always: the peer's block via its node IP on tunl0, and the local blackhole. */
async function emulateBird(c: Cluster): Promise<void> {
  const m = await blockOf(c, 'master-01');
  const w = await blockOf(c, 'worker-01');
  c.addBirdRoute('master-01', `${w} via ${NODE_IP['worker-01']} dev tunl0 onlink`);
  c.addBirdRoute('master-01', `blackhole ${m}`);
  c.addBirdRoute('worker-01', `${m} via ${NODE_IP['master-01']} dev tunl0 onlink`);
  c.addBirdRoute('worker-01', `blackhole ${w}`);
}

describe('Felix IPIP Always on two nodes', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster({ ipipMode: 'Always' });
    await c.addPod('master-01', 'default', 'pod-a');
    await c.addPod('worker-01', 'default', 'pod-b');
  });

  it('tunl0 carries the node tunnel /32 with MTU 1480; the pod veth gets 1480 too', async () => {
    const s = await c.snapshot('master-01');
    const tunnel = s.nodes.find((n) => n.name === 'master-01')!.ipv4IPIPTunnelAddr!;
    expect(c.lab.exec('master-01', 'ip -4 addr show tunl0').stdout).toContain(`inet ${tunnel}/32 scope global tunl0`);
    expect(c.lab.exec('master-01', 'ip link show tunl0').stdout).toMatch(/tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 /);
    expect(c.podExec('default/pod-a', 'ip link show eth0').stdout).toContain('mtu 1480');
  });

  it('Felix programs no block routes for IPIP pools (that is BIRD), only the pod /32', async () => {
    const routes = c.lab.exec('master-01', 'ip route').stdout;
    expect(routes).not.toContain(await blockOf(c, 'worker-01'));
    expect(routes).not.toContain('blackhole');
    const a = c.pods.get('default/pod-a')!;
    expect(routes).toContain(`${a.ip} dev ${a.hostIface} scope link`);
  });

  it('with BIRD-shaped routes, pod-to-pod ping works in IP-in-IP (protocol 4) on the wire, and Felix leaves BIRD routes alone', async () => {
    await emulateBird(c);
    const a = c.pods.get('default/pod-a')!;
    const b = c.pods.get('default/pod-b')!;
    const cap = c.lab.startCapture('master-01', 'eth0');
    const from = cap.records.length;
    const r = c.podExec('default/pod-a', `ping -c 2 -i 0.2 ${b.ip}`);
    expect(r.stdout).toContain('2 packets transmitted, 2 received');
    const protos = cap.records.slice(from).map((x) => x.frame.payload).filter((p) => !(p instanceof Uint8Array) && p.kind === 'ipv4')
      .map((p) => (p as { protocol: number }).protocol);
    expect(protos).toEqual([4, 4, 4, 4]);
    if (haveCommands('tshark')) {
      const file = join(dir, 'ipip.pcap');
      writeFileSync(file, cap.toPcap());
      const rows = execFileSync('tshark', ['-r', file, '-Y', 'ip.proto == 4', '-T', 'fields', '-e', 'ip.proto', '-e', 'ip.src', '-e', 'ip.dst'], { encoding: 'utf8' }).trim().split('\n');
      expect(rows).toContain(`4,1\t${NODE_IP['master-01']},${a.ip}\t${NODE_IP['worker-01']},${b.ip}`);
    }
    // Felix runs again (e.g. a resync): the proto bird routes survive, nothing changes.
    const again = await c.felix();
    expect(again.get('master-01')).toEqual([]);
    expect(c.lab.exec('master-01', 'ip route').stdout).toContain(`via ${NODE_IP['worker-01']} dev tunl0 proto bird onlink`);
  });

  it('cali-INPUT accepts IPIP only from Calico hosts ("Drop IPIP packets from non-Calico hosts")', () => {
    const input = c.lab.exec('master-01', 'iptables -S cali-INPUT').stdout;
    expect(input).toContain('-A cali-INPUT -p ipencap -m comment --comment "cali:PajejrV4aFdkZojI" -m comment --comment "Allow IPIP packets from Calico hosts" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT');
    expect(input).toContain('-A cali-INPUT -p ipencap -m comment --comment "cali:_wjq-Yrma8Ly1Svo" -m comment --comment "Drop IPIP packets from non-Calico hosts" -j DROP');
  });

  it('proxy ARP answers 169.254.1.1 with ee:ee:ee:ee:ee:ee', () => {
    c.podExec('default/pod-a', `ping -c 1 ${NODE_IP['master-01']}`);
    expect(c.podExec('default/pod-a', 'ip neigh').stdout).toMatch(/^169\.254\.1\.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee (REACHABLE|STALE|DELAY)/m);
  });
});

describe('natOutgoing', () => {
  /** Pings the worker's node IP (outside the pool) from a pod on master-01; returns the sources seen on the worker. */
  async function sourcesSeen(natOutgoing: boolean): Promise<{ sources: string[]; podIp: string }> {
    const c = await cluster({ ipipMode: 'Always', natOutgoing });
    const a = await c.addPod('master-01', 'default', 'pod-a');
    // Without NAT the worker must route the reply back to the pod: BIRD's routes do that.
    await c.addPod('worker-01', 'default', 'pod-b');
    await emulateBird(c);
    const cap = c.lab.startCapture('worker-01', 'eth0');
    const from = cap.records.length;
    expect(c.podExec('default/pod-a', `ping -c 1 ${NODE_IP['worker-01']}`).stdout).toContain('1 received');
    const sources = cap.records.slice(from).map((r) => r.frame.payload)
      .filter((p) => !(p instanceof Uint8Array) && p.kind === 'ipv4' && p.protocol === 1)
      .map((p) => [24, 16, 8, 0].map((s) => ((p as { src: number }).src >>> s) & 255).join('.'));
    return { sources, podIp: a.ip };
  }

  it('a pod pinging a host outside the pool is MASQUERADEd to the node IP', async () => {
    const { sources } = await sourcesSeen(true);
    expect(sources).toEqual([NODE_IP['master-01'], NODE_IP['worker-01']]);
  });

  it('without natOutgoing the pod address goes out unchanged', async () => {
    const { sources, podIp } = await sourcesSeen(false);
    expect(sources[0]).toBe(podIp);
  });
});

describe('DefaultEndpointToHostAction', () => {
  it('Drop (Felix\'s own default) stops a pod reaching its own host, not traffic forwarded through it', async () => {
    const c = await cluster({ ipipMode: 'Always', config: { defaultEndpointToHostAction: 'Drop' } });
    await c.addPod('master-01', 'default', 'pod-a');
    expect(c.podExec('default/pod-a', `ping -c 1 -W 1 ${NODE_IP['master-01']}`).stdout).toContain('0 received');
    expect(c.podExec('default/pod-a', `ping -c 1 ${NODE_IP['worker-01']}`).stdout).toContain('1 received');
    expect(c.lab.exec('master-01', 'iptables -S cali-wl-to-host').stdout).toContain('-m comment --comment "Configured DefaultEndpointToHostAction" -j DROP');
  });
});
