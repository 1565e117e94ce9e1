/**
 * Issue "The Calico control plane", must-show on the larger fabrics: IPIP CrossSubnet on
 * floors.yaml (encapsulated only between floors, through ToRs that know nothing of pods),
 * in-cluster route reflectors (route-reflectors.yaml: nodes see only the reflectors; one
 * reflector stopped, pods still reach each other) and AS-per-rack ToR peering on
 * leaf-spine.yaml (pods in different racks through leaves and spines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusPeers, parseShowProtocols } from '../../../engine/calico/confd/index.ts';
import { haveCommands } from '../../support/system.ts';
import { blocksOf, ipProtocols, podPing, routes, topology, tshark, up } from './helpers.ts';
import type { Up } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'podlab-calico-fabrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsharkOk = haveCommands('tshark');

/** The peers `calicoctl node status` lists, as [address, type, info] (parsed back from its table). */
function statusRows(u: Up, node: string): string[][] {
  const out = u.lab.exec(node, 'calicoctl node status').stdout;
  const v4 = out.slice(out.indexOf('IPv4 BGP status'), out.indexOf('IPv6 BGP status'));
  return v4.split('\n').filter((l) => /^\| \d/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim())).map((c) => [c[0]!, c[1]!, c[4]!]);
}

describe('floors: IPIP CrossSubnet', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology('topologies/floors.yaml'), [['master-01', 'pod-a'], ['worker-01', 'pod-b'], ['worker-02', 'pod-c'], ['worker-03', 'pod-d']]);
  });

  it('the mesh spans the floors: every node has every other node Established', () => {
    expect(u.converged.converged).toBe(true);
    const rows = statusRows(u, 'master-01');
    expect(rows.map((r) => r[0]).sort()).toEqual(['10.30.1.12', '10.30.2.11', '10.30.3.11']);
    for (const r of rows) expect(r.slice(1)).toEqual(['node-to-node mesh', 'Established']);
  });

  it('same floor: via eth0 (no tunnel); other floors: via the node IP on tunl0 onlink', async () => {
    const r = routes(u, 'master-01');
    expect(r).toContain(`${(await blocksOf(u.c, 'worker-01'))[0]} via 10.30.1.12 dev eth0 proto bird`);
    expect(r).toContain(`${(await blocksOf(u.c, 'worker-02'))[0]} via 10.30.2.11 dev tunl0 proto bird onlink`);
    expect(r).toContain(`${(await blocksOf(u.c, 'worker-03'))[0]} via 10.30.3.11 dev tunl0 proto bird onlink`);
  });

  it('the ToRs know nothing about pods', () => {
    for (const tor of ['floor1-tor', 'floor2-tor', 'floor3-tor']) expect(u.lab.exec(tor, 'ip route').stdout).not.toContain('10.5.');
  });

  it('same-floor pod traffic is plain IP; inter-floor pod traffic crosses the transit VLAN in IP-in-IP between node IPs', () => {
    const m = u.lab.startCapture('master-01', 'eth0');
    let from = m.records.length;
    expect(podPing(u, 'pod-a', 'pod-b')).toContain('2 received');
    expect(ipProtocols(m, from)).toEqual([1, 1, 1, 1]);

    const transit = u.lab.startCapture('floor1-tor', 'eth2');
    from = transit.records.length;
    const mFrom = m.records.length;
    expect(podPing(u, 'pod-a', 'pod-c')).toContain('2 received');
    expect(ipProtocols(transit, from)).toEqual([4, 4, 4, 4]);
    expect(ipProtocols(m, mFrom)).toEqual([4, 4, 4, 4]);
    if (!tsharkOk) return;
    const a = u.c.pod('default/pod-a');
    const c = u.c.pod('default/pod-c');
    const rows = tshark(transit, join(dir, 'transit.pcap'), ['-Y', 'ip.proto == 4 && icmp', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst']);
    expect(rows).toContain(`10.30.1.11,${a.ip}\t10.30.2.11,${c.ip}`);
    expect(podPing(u, 'pod-b', 'pod-d', 1)).toContain('1 received');
  });
});

describe('route reflectors (route-reflectors.yaml)', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology('topologies/route-reflectors.yaml'), [['node-01', 'pod-a'], ['node-04', 'pod-b'], ['rr-02', 'pod-r']]);
  });

  it('each client node shows only the two reflectors, Established; a reflector shows everyone', () => {
    expect(u.converged.converged).toBe(true);
    for (const n of ['node-01', 'node-02', 'node-03', 'node-04']) {
      expect(statusRows(u, n)).toEqual([['10.30.10.101', 'node specific', 'Established'], ['10.30.10.102', 'node specific', 'Established']]);
    }
    expect(statusRows(u, 'rr-01').map((r) => r[0])).toEqual(['10.30.10.102', '10.30.10.11', '10.30.10.12', '10.30.10.13', '10.30.10.14']);
  });

  it('reflected routes keep the originating node as next hop (tunl0 onlink), with originator id and cluster list', async () => {
    const [b] = await blocksOf(u.c, 'node-04');
    expect(routes(u, 'node-01')).toContain(`${b} via 10.30.10.14 dev tunl0 proto bird onlink`);
    const all = u.lab.exec('node-01', 'birdcl show route all').stdout;
    expect(all).toContain('\tBGP.originator_id: 10.30.10.14');
    expect(all).toContain('\tBGP.cluster_list: 244.0.0.1');
  });

  it('stopping one reflector keeps pod-to-pod connectivity (before and after its sessions time out)', () => {
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
    u.lab.world.stopNode('rr-01');
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
    // BIRD's hold timer (90 s here) expires; routes learned through rr-01 are flushed.
    u.lab.world.run(200_000);
    const rows = statusRows(u, 'node-01');
    expect(rows[0]![0]).toBe('10.30.10.101');
    expect(rows[0]![2]).not.toBe('Established');
    expect(rows[1]).toEqual(['10.30.10.102', 'node specific', 'Established']);
    expect(podPing(u, 'pod-a', 'pod-b', 2)).toContain('2 received');
    expect(podPing(u, 'pod-a', 'pod-r', 1)).toContain('1 received');
  });
});

describe('leaf-spine: AS per rack, nodes peer with their ToR', () => {
  let u: Up;
  const pods = [['node-1a', 'pod-1a'], ['node-1b', 'pod-1b'], ['node-2a', 'pod-2a'], ['node-3b', 'pod-3b']] as const;
  beforeAll(async () => {
    u = await up(await topology('topologies/leaf-spine.yaml'), pods);
  });

  it('each node has exactly one session, to its leaf, Established; the leaves see both spines', () => {
    expect(u.converged.converged).toBe(true);
    expect(statusRows(u, 'node-2a')).toEqual([['10.1.2.1', 'node specific', 'Established']]);
    const leaf = parseShowProtocols(u.lab.exec('leaf1', 'birdc show protocols').stdout.split('\n').slice(1).join('\n'));
    expect(leaf.map((r) => [r.name, r.state])).toEqual([['spine1', 'up'], ['spine2', 'up'], ['node_1a', 'up'], ['node_1b', 'up']]);
    expect(statusPeers(leaf).length).toBe(0); // not Calico names: calicoctl would list none
  });

  it('routes: same rack via the reflecting leaf (next hop kept), other racks via the leaf (next hop resolved recursively)', async () => {
    const r = routes(u, 'node-1a');
    expect(r).toContain(`${(await blocksOf(u.c, 'node-1b'))[0]} via 10.1.1.12 dev eth0 proto bird`);
    expect(r).toContain(`${(await blocksOf(u.c, 'node-2a'))[0]} via 10.1.1.1 dev eth0 proto bird`);
    expect(r).toContain(`${(await blocksOf(u.c, 'node-3b'))[0]} via 10.1.1.1 dev eth0 proto bird`);
    // The spines carry the pod blocks learned over eBGP from the leaves.
    const spine = u.lab.exec('spine1', 'ip route').stdout;
    expect(spine).toContain(`${(await blocksOf(u.c, 'node-2a'))[0]} via 10.0.1.3 dev eth2 proto bird`);
    expect(u.lab.exec('node-1a', 'birdcl show route').stdout).toMatch(/\[Node_10_1_1_1 \d\d:\d\d:\d\d from 10\.1\.1\.1\] \* \(100\/0\) \[AS65002i\]|via 10\.1\.1\.1 on eth0 \[Node_10_1_1_1 \d\d:\d\d:\d\d\] \* \(100\/0\) \[AS65002i\]/);
  });

  it('pods in different racks reach each other through leaves and spines, unencapsulated', () => {
    const cap = u.lab.startCapture('spine1', 'eth1');
    const cap2 = u.lab.startCapture('spine2', 'eth1');
    const from = cap.records.length;
    const from2 = cap2.records.length;
    expect(podPing(u, 'pod-1a', 'pod-3b')).toContain('2 received');
    expect(podPing(u, 'pod-2a', 'pod-1b', 1)).toContain('1 received');
    expect(podPing(u, 'pod-1a', 'pod-1b', 1)).toContain('1 received');
    // Traffic to and from rack 1 crosses a spine (whichever the decision process chose), as plain ICMP.
    expect([...ipProtocols(cap, from), ...ipProtocols(cap2, from2)].filter((p) => p === 1).length).toBeGreaterThanOrEqual(4);
    expect([...ipProtocols(cap, from), ...ipProtocols(cap2, from2)]).not.toContain(4);
    const tr = u.lab.exec(u.c.pod('default/pod-1a').podNode, `traceroute -n ${u.c.pod('default/pod-3b').ip}`).stdout;
    expect(tr).toMatch(/10\.1\.1\.1 /); // leaf1
    expect(tr).toMatch(/10\.0\.[12]\.0 /); // a spine
  });
});
