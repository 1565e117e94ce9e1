/**
 * Borrowed addresses (Calico IPAM §2.4, confd's bird_aggr): a workload pool of two /29
 * blocks and three nodes, so the third node's pod gets an address from another node's block
 * (strictAffinity off, the default). Its node exports a /32 for it — BIRD's kernel protocol
 * learns Felix's `/32 dev caliX` route and calico_aggr lets it out because it lies outside
 * the node's own blocks — and every other node installs `/32 via <borrower>` next to the
 * owner's /29: the longer prefix wins and the pod is reachable from every node and pod.
 * Tunnel addresses come from a separate pool (allowedUses: Tunnel) so that no node has to
 * borrow one. Run with IPIP (BIRD installs `/32 via <node> dev tunl0 onlink`), VXLAN (BIRD
 * still exports the /32; Felix installs `/32 via <VTEP> dev vxlan.calico onlink`) and plain
 * BGP on one segment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTopology } from '../../../engine/model/validate.ts';
import { getBorrowedIPs } from '../../../engine/calico/ipam/index.ts';
import { parseIPv4, parsePrefix4, prefixContains } from '../../../engine/net/ip.ts';
import { blocksOf, routes, up, vtepOf } from './helpers.ts';
import type { Up } from './helpers.ts';

const NODES = { 'node-1': '10.30.0.1', 'node-2': '10.30.0.2', 'node-3': '10.30.0.3' } as const;
type NodeName = keyof typeof NODES;

type Mode = 'IPIP' | 'VXLAN' | 'BGP';
const encap = (m: Mode): string => `ipipMode: ${m === 'IPIP' ? 'Always' : 'Never'}, vxlanMode: ${m === 'VXLAN' ? 'Always' : 'Never'}`;

const topologyText = (m: Mode): string => `
name: borrow
nodes:
  sw1: { kind: switch }
${Object.entries(NODES).map(([n, ip]) => `  ${n}:\n    kind: k8s-node\n    interfaces:\n      eth0: { address: ${ip}/24 }\n    gateway: 10.30.0.254`).join('\n')}
  gw:
    kind: router
    interfaces:
      eth1: { address: 10.30.0.254/24 }
links:
  - endpoints: ["node-1:eth0", "sw1:eth1"]
  - endpoints: ["node-2:eth0", "sw1:eth2"]
  - endpoints: ["node-3:eth0", "sw1:eth3"]
  - endpoints: ["gw:eth1", "sw1:eth4"]
calico:
  - apiVersion: projectcalico.org/v3
    kind: IPPool
    metadata: { name: tunnels }
    spec: { cidr: 10.6.0.0/16, blockSize: 26, ${encap(m)}, allowedUses: [Tunnel] }
  - apiVersion: projectcalico.org/v3
    kind: IPPool
    metadata: { name: pods }
    spec: { cidr: 10.5.0.0/28, blockSize: 29, ${encap(m)}, allowedUses: [Workload] }
`;

describe.each(['IPIP', 'VXLAN', 'BGP'] as const)('a borrowed pod address (pool of two /29 blocks, three nodes, %s)', (mode) => {
  let u: Up;
  let ip3: string;
  beforeAll(async () => {
    const r = parseTopology(topologyText(mode), 'borrow.yaml');
    if (!r.topology) throw new Error(r.problems.map((p) => p.message).join('\n'));
    u = await up(r.topology, [['node-1', 'pod-1'], ['node-2', 'pod-2'], ['node-3', 'pod-3']]);
    ip3 = u.c.pod('default/pod-3').ip;
  });

  it('pod-3 borrowed from another node\'s block', async () => {
    expect(u.converged.converged).toBe(true);
    const own3 = (await blocksOf(u.c, 'node-3')).filter((b) => b.startsWith('10.5.'));
    expect(own3).toEqual([]);
    const { borrowed } = await getBorrowedIPs(u.c.ipam);
    expect(borrowed.map((b) => [b.ip, b.borrowingNode])).toEqual([[ip3, 'node-3']]);
  });

  it('node-3 exports the /32 (kernel1 learned it); the owner keeps aggregating its own pods', async () => {
    expect(u.c.agents.get('node-3')!.learned.get(`${ip3}/32`)).toBe(u.c.pod('default/pod-3').hostIface);
    expect(u.lab.exec('node-3', 'birdcl show route').stdout).toMatch(new RegExp(`^${ip3.replace(/\./g, '\\.')}/32 +dev cali[0-9a-f]{11} \\[kernel1 [0-9:]+\\] \\* \\(10\\)$`, 'm'));
    for (const n of ['node-1', 'node-2'] as const) {
      // Nobody exports its own pods' /32s: they are inside its blocks.
      const own = u.c.pod(`default/pod-${n.slice(-1)}`).ip;
      for (const m of Object.keys(NODES) as NodeName[]) {
        if (m === n) continue;
        expect(u.c.agents.get(m)!.speaker!.rib.get(`${own}/32`)).toBeUndefined();
      }
    }
  });

  it('every other node routes the /32 to the borrower, next to the owner\'s /29', async () => {
    const owners: [NodeName, string][] = [];
    for (const n of ['node-1', 'node-2'] as const) {
      for (const b of await blocksOf(u.c, n)) if (prefixContains(parsePrefix4(b), parseIPv4(ip3))) owners.push([n, b]);
    }
    expect(owners).toHaveLength(1);
    const [owner, block] = owners[0]!;
    // Who programs what (reference §3): BIRD for IPIP and plain BGP, Felix for VXLAN.
    const toward = async (n: NodeName): Promise<string> => (mode === 'IPIP' ? `via ${NODES[n]} dev tunl0 proto bird onlink`
      : mode === 'BGP' ? `via ${NODES[n]} dev eth0 proto bird` : `via ${await vtepOf(u.c, n)} dev vxlan.calico onlink`);
    const ownBlackhole = `blackhole ${block} proto ${mode === 'VXLAN' ? '80' : 'bird'}`;
    for (const n of ['node-1', 'node-2'] as const) {
      const r = routes(u, n);
      expect(r).toContain(`${ip3} ${await toward('node-3')}`);
      // The block the address came from still goes to its owner (blackholed there).
      expect(r).toContain(n === owner ? ownBlackhole : `${block} ${await toward(owner)}`);
    }
    expect(routes(u, 'node-3')).toContain(`${block} ${await toward(owner)}`);
    expect(routes(u, 'node-3')).toContain(`${ip3} dev ${u.c.pod('default/pod-3').hostIface} scope link`);
  });

  it('the borrowed pod answers every node and every pod', () => {
    for (const n of Object.keys(NODES) as NodeName[]) {
      expect(u.lab.exec(n, `ping -c 1 ${ip3}`).stdout, `from ${n}`).toContain('1 received');
    }
    for (const p of ['pod-1', 'pod-2']) {
      expect(u.lab.exec(u.c.pod(`default/${p}`).podNode, `ping -c 1 ${ip3}`).stdout, `from ${p}`).toContain('1 received');
      expect(u.lab.exec(u.c.pod('default/pod-3').podNode, `ping -c 1 ${u.c.pod(`default/${p}`).ip}`).stdout, `pod-3 → ${p}`).toContain('1 received');
    }
  });

  it('deleting the pod withdraws the /32 everywhere', async () => {
    await u.c.removePod('default', 'pod-3');
    u.lab.world.run(2000);
    for (const n of ['node-1', 'node-2'] as const) expect(routes(u, n).filter((l) => l.startsWith(`${ip3} `))).toEqual([]);
    expect(u.c.agents.get('node-3')!.learned.size).toBe(0);
  });
});
