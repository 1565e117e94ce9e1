/**
 * calico-node's allocateip: tunnel addresses follow the pools that select the node — switching
 * a pool from IPIP to VXLAN assigns the VXLAN address (and MAC) and releases the IPIP one;
 * an address outside every candidate pool is replaced; a pool that stops selecting the node
 * takes its address away. Judged against the datastore and IPAM, not against the code's own
 * bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, resourceKey } from '../../../engine/calico/datastore/index.ts';
import type { JsonValue } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, putPool } from '../../../engine/calico/ipam/index.ts';
import type { IPPool } from '../../../engine/calico/ipam/index.ts';
import { calicoCompileSelector, readResourceSet, reconcileTunnelAddresses } from '../../../engine/calico/node/index.ts';
import { vxlanMac } from '../../../engine/calico/felix/names.ts';
import { parseIPv4, parsePrefix4, prefixContains } from '../../../engine/net/ip.ts';

type NodeSpec = { bgp?: { ipv4Address?: string; ipv4IPIPTunnelAddr?: string }; ipv4VXLANTunnelAddr?: string; vxlanTunnelMACAddr?: string };

async function setup(pool: IPPool): Promise<{ ds: MemoryDatastore; ipam: IpamClient; spec: () => Promise<NodeSpec> }> {
  const ds = new MemoryDatastore();
  await putPool(ds, pool);
  await ds.put(resourceKey('Node', 'node-a'), {
    apiVersion: 'projectcalico.org/v3', kind: 'Node',
    metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', rack: 'r1' } },
    spec: { bgp: { ipv4Address: '10.0.0.1/24' } },
  } as JsonValue);
  const ipam = new IpamClient(ds, { compileSelector: calicoCompileSelector() });
  const spec = async () => ((await ds.get(resourceKey('Node', 'node-a')))!.value as { spec: NodeSpec }).spec;
  return { ds, ipam, spec };
}

const inside = (ip: string, cidr: string) => prefixContains(parsePrefix4(cidr), parseIPv4(ip));

describe('allocateip (reconcileTunnelAddresses)', () => {
  const ipip: IPPool = { name: 'p', spec: { cidr: '10.5.0.0/16', ipipMode: 'Always', vxlanMode: 'Never' } };

  it('IPIP → VXLAN: the VXLAN address and MAC land on the Node, the IPIP address is released', async () => {
    const { ds, ipam, spec } = await setup(ipip);
    await reconcileTunnelAddresses(ds, ipam, 'node-a');
    const tunl = (await spec()).bgp!.ipv4IPIPTunnelAddr!;
    expect(inside(tunl, '10.5.0.0/16')).toBe(true);
    expect((await spec()).ipv4VXLANTunnelAddr).toBeUndefined();
    expect((await ipam.getAssignmentAttributes(tunl))?.attrs).toEqual({ node: 'node-a', type: 'ipipTunnelAddress' });

    await putPool(ds, { name: 'p', spec: { cidr: '10.5.0.0/16', ipipMode: 'Never', vxlanMode: 'Always' } });
    const changes = await reconcileTunnelAddresses(ds, ipam, 'node-a');
    const s = await spec();
    expect(s.bgp).toEqual({ ipv4Address: '10.0.0.1/24' });
    expect(inside(s.ipv4VXLANTunnelAddr!, '10.5.0.0/16')).toBe(true);
    expect(s.vxlanTunnelMACAddr).toBe(vxlanMac('node-a'));
    expect(s.vxlanTunnelMACAddr).toMatch(/^66(:[0-9a-f]{2}){5}$/);
    expect(await ipam.getAssignmentAttributes(tunl)).toBeUndefined();
    expect((await ipam.getAssignmentAttributes(s.ipv4VXLANTunnelAddr!))?.attrs).toEqual({ node: 'node-a', type: 'vxlanTunnelAddress' });
    expect(changes.map((c) => `${c.kind} ${c.action}`)).toEqual(['ipip released', 'vxlan assigned']);
    // What it wrote is a valid Node for every reader (confd, Felix, calicoctl).
    const { set, problems } = await readResourceSet(ds);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(set.nodes.find((n) => n.meta.name === 'node-a')?.spec.vxlanTunnelMACAddr).toBe(vxlanMac('node-a'));

    // Nothing changed: nothing to do, the Node is not rewritten.
    const rev = (await ds.get(resourceKey('Node', 'node-a')))!.modRevision;
    expect(await reconcileTunnelAddresses(ds, ipam, 'node-a')).toEqual([]);
    expect((await ds.get(resourceKey('Node', 'node-a')))!.modRevision).toBe(rev);

    // And back: the VXLAN address and the MAC podlab wrote go, an IPIP address comes.
    await putPool(ds, ipip);
    await reconcileTunnelAddresses(ds, ipam, 'node-a');
    const back = await spec();
    expect(back.ipv4VXLANTunnelAddr).toBeUndefined();
    expect(back.vxlanTunnelMACAddr).toBeUndefined();
    expect(inside(back.bgp!.ipv4IPIPTunnelAddr!, '10.5.0.0/16')).toBe(true);
    expect(await ipam.getAssignmentAttributes(s.ipv4VXLANTunnelAddr!)).toBeUndefined();
  });

  it('an address in a pool that no longer qualifies is replaced from one that does', async () => {
    const { ds, ipam, spec } = await setup(ipip);
    await reconcileTunnelAddresses(ds, ipam, 'node-a');
    const old = (await spec()).bgp!.ipv4IPIPTunnelAddr!;
    // The old pool stops selecting the node; a new IPIP pool does.
    await putPool(ds, { name: 'p', spec: { cidr: '10.5.0.0/16', ipipMode: 'Always', nodeSelector: "rack == 'r2'" } });
    await putPool(ds, { name: 'q', spec: { cidr: '10.7.0.0/16', ipipMode: 'CrossSubnet' } });
    await reconcileTunnelAddresses(ds, ipam, 'node-a');
    const now = (await spec()).bgp!.ipv4IPIPTunnelAddr!;
    expect(inside(now, '10.7.0.0/16')).toBe(true);
    expect(await ipam.getAssignmentAttributes(old)).toBeUndefined();
  });

  it('a pool that allows only Workload use gives no tunnel address', async () => {
    const { ds, ipam, spec } = await setup({ name: 'p', spec: { cidr: '10.5.0.0/16', ipipMode: 'Always', allowedUses: ['Workload'] } });
    await reconcileTunnelAddresses(ds, ipam, 'node-a');
    expect((await spec()).bgp?.ipv4IPIPTunnelAddr).toBeUndefined();
  });
});
