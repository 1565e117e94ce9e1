/**
 * Switching the pool's encapsulation while the cluster runs, with nothing but `calicoctl
 * apply` of the IPPool (no resync, no help from the scenario layer): calico-node's allocateip
 * gives every node its VXLAN tunnel address and MAC and releases the IPIP one; BIRD's kernel
 * protocol withdraws its proto bird block routes but leaves Felix's proto 80 ones alone, also
 * long after convergence; pods reach each other over VXLAN. Then back to IPIP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceKey } from '../../../engine/calico/datastore/index.ts';
import { blocksOf, podPing, routes, topology, up, vtepOf } from './helpers.ts';
import type { Up } from './helpers.ts';

const pool = (ipipMode: string, vxlanMode: string) => ({
  apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' },
  spec: { cidr: '10.5.0.0/16', blockSize: 26, ipipMode, vxlanMode, natOutgoing: true, nodeSelector: 'all()' },
});

type NodeSpec = { bgp: { ipv4IPIPTunnelAddr?: string }; ipv4VXLANTunnelAddr?: string; vxlanTunnelMACAddr?: string };
const nodeSpec = async (u: Up, n: string): Promise<NodeSpec> => ((await u.c.ds.get(resourceKey('Node', n)))!.value as { spec: NodeSpec }).spec;

describe('IPIP → VXLAN → IPIP at run time (two-nodes)', () => {
  let u: Up;
  let ipipAddr: Record<string, string>;
  beforeAll(async () => {
    u = await up(await topology('topologies/two-nodes.yaml'), [['master-01', 'pod-a'], ['worker-01', 'pod-b']]);
    ipipAddr = {};
    for (const n of ['master-01', 'worker-01']) ipipAddr[n] = (await nodeSpec(u, n)).bgp.ipv4IPIPTunnelAddr!;
  });

  it('VXLAN: tunnel address and MAC on every Node, IPIP address released, Felix\'s routes stay', async () => {
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
    await u.c.apply(pool('Never', 'Always'));
    expect(u.c.converge().converged).toBe(true);
    for (const n of ['master-01', 'worker-01']) {
      const s = await nodeSpec(u, n);
      expect(s.bgp.ipv4IPIPTunnelAddr).toBeUndefined();
      expect(s.ipv4VXLANTunnelAddr).toMatch(/^10\.5\./);
      expect(await u.c.ipam.getAssignmentAttributes(ipipAddr[n]!)).toBeUndefined();
      // The MAC on the Node is the device's.
      expect(u.lab.exec(n, 'ip link show vxlan.calico').stdout).toContain(`link/ether ${s.vxlanTunnelMACAddr} `);
    }
    const [own] = await blocksOf(u.c, 'master-01');
    const [remote] = await blocksOf(u.c, 'worker-01');
    const vtep = await vtepOf(u.c, 'worker-01');
    const check = (): void => {
      const r = routes(u, 'master-01');
      expect(r).toContain(`blackhole ${own} proto 80`);
      expect(r).toContain(`${remote} via ${vtep} dev vxlan.calico onlink`);
      expect(r.filter((l) => l.includes('proto bird'))).toEqual([]);
    };
    check();
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
    // Minutes later (keepalives, kernel syncs): still Felix's routes.
    u.lab.world.run(180_000);
    check();
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
  });

  it('back to IPIP: VXLAN address and MAC go, an IPIP address comes, BIRD\'s routes return', async () => {
    const vx = (await nodeSpec(u, 'worker-01')).ipv4VXLANTunnelAddr!;
    await u.c.apply(pool('Always', 'Never'));
    expect(u.c.converge().converged).toBe(true);
    const s = await nodeSpec(u, 'worker-01');
    expect(s.ipv4VXLANTunnelAddr).toBeUndefined();
    expect(s.vxlanTunnelMACAddr).toBeUndefined();
    expect(s.bgp.ipv4IPIPTunnelAddr).toMatch(/^10\.5\./);
    expect(await u.c.ipam.getAssignmentAttributes(vx)).toBeUndefined();
    const [own] = await blocksOf(u.c, 'master-01');
    const [remote] = await blocksOf(u.c, 'worker-01');
    const r = routes(u, 'master-01');
    expect(r).toContain(`blackhole ${own} proto bird`);
    expect(r).toContain(`${remote} via 10.30.200.2 dev tunl0 proto bird onlink`);
    expect(r.filter((l) => l.includes('proto 80'))).toEqual([]);
    expect(u.lab.exec('worker-01', 'ip addr show tunl0').stdout).toContain(`inet ${s.bgp.ipv4IPIPTunnelAddr}/32`);
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
  });
});
