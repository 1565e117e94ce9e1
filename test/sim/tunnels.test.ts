import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { capture } from '../../engine/sim/capture.ts';
import { runPing } from '../../engine/sim/apps/ping.ts';
import { World } from '../../engine/sim/world.ts';
import type { Kernel } from '../../engine/sim/kernel.ts';
import { haveCommands } from '../support/system.ts';
import { addr, route } from './helpers.ts';

/**
 * Two Calico-style nodes on one underlay /24, each with a pod in its own namespace behind a
 * veth (`caliX` on the host, proxy_arp on, a /32 route to the pod; the pod's default route
 * via 169.254.1.1 answered by proxy ARP).
 */
function nodesWithPods(): World {
  const w = new World({ seed: 3 });
  for (const n of ['n1', 'n2', 'pod1', 'pod2']) w.addNode(n);
  w.connect('n1', 'eth0', 'n2', 'eth0');
  const pods: [string, string, string][] = [['n1', 'pod1', '10.244.1.5'], ['n2', 'pod2', '10.244.2.5']];
  for (const [i, [host, pod, ip]] of pods.entries()) {
    const h = w.node(host);
    addr(h, 'eth0', `192.168.1.${i + 1}/24`);
    h.setSysctl('net.ipv4.ip_forward', '1');
    route(h, 'default', '192.168.1.254');
    h.addLink({ kind: 'veth', name: `cali${i + 1}`, peerName: 'eth0', peerNode: pod });
    h.setSysctl(`net.ipv4.conf.cali${i + 1}.proxy_arp`, '1');
    h.setLink(`cali${i + 1}`, { up: true });
    route(h, `${ip}/32`, undefined, `cali${i + 1}`);
    const p = w.node(pod);
    addr(p, 'eth0', `${ip}/32`);
    route(p, '169.254.1.1/32', undefined, 'eth0');
    route(p, 'default', '169.254.1.1', 'eth0');
  }
  return w;
}

const dir = mkdtempSync(join(tmpdir(), 'podlab-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(file: string, fields: string[]): string[] {
  const args = ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  return execFileSync('tshark', args, { encoding: 'utf8' }).trim().split('\n');
}

function ipip(w: World): void {
  for (const [i, host] of ['n1', 'n2'].entries()) {
    const h = w.node(host);
    h.addLink({ kind: 'ipip', name: 'tunl0' });
    addr(h, 'tunl0', `10.244.${i + 1}.1/32`);
    const other = i === 0 ? 2 : 1;
    route(h, `10.244.${other}.0/24`, `192.168.1.${other}`, 'tunl0', { onlink: true });
  }
}

function vxlan(w: World, opts: { learningOnN2?: boolean } = {}): void {
  const mac = (k: Kernel): string => k.findDevice('vxlan.calico')!.mac;
  for (const [i, host] of ['n1', 'n2'].entries()) {
    const h = w.node(host);
    const learning = i === 1 && opts.learningOnN2 === true;
    h.addLink({ kind: 'vxlan', name: 'vxlan.calico', vni: 4096, dstPort: 4789, local: parseIPv4(`192.168.1.${i + 1}`), dev: 'eth0', learning });
    addr(h, 'vxlan.calico', `10.244.${i + 1}.0/32`);
  }
  for (const [i, host] of ['n1', 'n2'].entries()) {
    const h = w.node(host);
    const other = i === 0 ? 2 : 1;
    const peerMac = mac(w.node(`n${other}`));
    h.addNeighbour({ dev: 'vxlan.calico', ip: parseIPv4(`10.244.${other}.0`), mac: peerMac, state: 'PERMANENT' }, 'add');
    if (!(i === 1 && opts.learningOnN2)) h.addFdb({ dev: 'vxlan.calico', mac: peerMac, dst: parseIPv4(`192.168.1.${other}`), where: 'self', permanent: true }, 'add');
    route(h, `10.244.${other}.0/26`, `10.244.${other}.0`, 'vxlan.calico', { onlink: true });
  }
}

describe('Calico-style pods over tunnels', () => {
  it('a pod reaches its host through proxy ARP for 169.254.1.1', () => {
    const w = nodesWithPods();
    const r = runPing(w, 'pod1', { dst: '192.168.1.1', count: 1 });
    expect(r.received).toBe(1);
    const n = w.node('pod1').state.neighbours.find((x) => x.ip === parseIPv4('169.254.1.1'));
    expect(n?.mac).toBe(w.node('n1').findDevice('cali1')!.mac);
  });

  it('IPIP: tunl0 + onlink routes carry pod-to-pod pings with outer protocol 4', () => {
    const w = nodesWithPods();
    ipip(w);
    const cap = capture(w, 'n1', 'eth0');
    const r = runPing(w, 'pod1', { dst: '10.244.2.5', count: 2, intervalS: 0.2 });
    expect(r.received).toBe(2);
    expect(r.stdout).toContain('icmp_seq=1 ttl=62');
    const ipFrames = cap.records.filter((c) => c.frame.etherType === 0x0800);
    expect(ipFrames.length).toBe(4);
    for (const c of ipFrames) {
      const p = c.frame.payload;
      expect(p instanceof Uint8Array ? -1 : p.kind === 'ipv4' ? p.protocol : -1).toBe(4);
    }
    // A pod packet too big for tunl0 (1480) with DF gets frag-needed from its host.
    const big = runPing(w, 'pod1', { dst: '10.244.2.5', count: 1, size: 1460, pmtudisc: 'do' });
    expect(big.stdout).toContain('From 192.168.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1480)');
    if (haveCommands('tshark')) {
      const file = join(dir, 'ipip.pcap');
      writeFileSync(file, cap.toPcap());
      const rows = tshark(file, ['ip.proto', 'ip.src', 'ip.dst', 'icmp.type']).filter((l) => l.startsWith('4,'));
      expect(rows[0]).toBe('4,1\t192.168.1.1,10.244.1.5\t192.168.1.2,10.244.2.5\t8');
      expect(rows[1]).toBe('4,1\t192.168.1.2,10.244.2.5\t192.168.1.1,10.244.1.5\t0');
    }
  });

  it('VXLAN: vxlan.calico + fdb + permanent neighbour + onlink routes carry pings on UDP 4789 with VNI 4096', () => {
    const w = nodesWithPods();
    vxlan(w);
    const cap = capture(w, 'n2', 'eth0');
    const r = runPing(w, 'pod1', { dst: '10.244.2.5', count: 2, intervalS: 0.2 });
    expect(r.received).toBe(2);
    expect(r.stdout).toContain('icmp_seq=2 ttl=62');
    if (haveCommands('tshark')) {
      const file = join(dir, 'vxlan.pcap');
      writeFileSync(file, cap.toPcap());
      const rows = tshark(file, ['udp.dstport', 'vxlan.vni', 'ip.src', 'icmp.type']).filter((l) => l.includes('\t4096\t'));
      expect(rows.length).toBe(4);
      expect(rows[0]).toMatch(/^4789\t4096\t192\.168\.1\.1,10\.244\.1\.5\t8$/);
      const sport = Number(tshark(file, ['udp.srcport']).find((l) => l !== '')!);
      expect(sport).toBeGreaterThanOrEqual(32768);
      expect(sport).toBeLessThanOrEqual(60999);
    }
  });

  it('VXLAN learning: without an FDB entry the reply has no VTEP, with learning the source VTEP is learnt', () => {
    const w = nodesWithPods();
    vxlan(w, { learningOnN2: false });
    w.node('n2').delFdb({ dev: 'vxlan.calico', mac: w.node('n1').findDevice('vxlan.calico')!.mac });
    expect(runPing(w, 'pod1', { dst: '10.244.2.5', count: 1, timeoutS: 1 }).received).toBe(0);
    const w2 = nodesWithPods();
    vxlan(w2, { learningOnN2: true });
    expect(runPing(w2, 'pod1', { dst: '10.244.2.5', count: 1 }).received).toBe(1);
    const learnt = w2.node('n2').state.fdb.find((e) => e.state === 'learned');
    expect(learnt).toMatchObject({ mac: w2.node('n1').findDevice('vxlan.calico')!.mac, dst: parseIPv4('192.168.1.1'), where: 'self' });
  });
});
