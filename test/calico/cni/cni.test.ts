/** CNI ADD/DEL on the simulator against a real IPAM over the in-memory datastore. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CniError, cniAdd, cniDel, podNodeName, vethName, workloadEndpointName } from '../../../engine/calico/cni/index.ts';
import { MemoryDatastore, resourceKey } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, putPool } from '../../../engine/calico/ipam/index.ts';
import { dnsLabelProblem } from '../../../engine/model/names.ts';
import { World } from '../../../engine/sim/index.ts';
import { runTool } from '../../../engine/sim/tools/index.ts';

async function setup(cidr = '10.5.0.0/16', blockSize = 26): Promise<{ w: World; ds: MemoryDatastore; ipam: IpamClient }> {
  const w = new World();
  w.addNode('master-01');
  const ds = new MemoryDatastore();
  await putPool(ds, { name: 'default-ipv4-ippool', spec: { cidr, blockSize } });
  return { w, ds, ipam: new IpamClient(ds) };
}

describe('names', () => {
  it('host veth is cali + the first 11 hex digits of SHA-1("<namespace>.<pod>")', () => {
    const hex = createHash('sha1').update('kube-system.coredns-5d78c9869d-abcde').digest('hex');
    expect(vethName('kube-system', 'coredns-5d78c9869d-abcde')).toBe(`cali${hex.slice(0, 11)}`);
    expect(vethName('default', 'x')).toHaveLength(15);
  });
  it('the pod namespace node is a DNS subdomain of DNS labels; WorkloadEndpoint names double the dashes', () => {
    const n = podNodeName('master-01', 'default', 'web-0');
    expect(n).toBe('web-0.default.master-01');
    expect(n.split('.').map((l) => dnsLabelProblem(l))).toEqual([undefined, undefined, undefined]);
    expect(workloadEndpointName('master-01', 'web-0')).toBe('master--01-k8s-web--0-eth0');
  });
});

describe('CNI ADD / DEL', () => {
  it('ADD: /32 on the pod eth0, the 169.254.1.1 routes, the cali veth with ee:ee:ee:ee:ee:ee, the host route, the WorkloadEndpoint', async () => {
    const { w, ds, ipam } = await setup();
    const r = await cniAdd({ world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: 'web', containerId: 'abc123', mtu: 1450, labels: { app: 'web' } });
    const pod = w.node(r.podNode);
    const host = w.node('master-01');
    expect(runTool(pod, ['ip', '-4', 'addr', 'show', 'eth0']).stdout).toContain(`inet ${r.ip}/32 scope global eth0`);
    expect(runTool(pod, ['ip', 'route']).stdout).toBe('default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n');
    const link = runTool(host, ['ip', 'link', 'show', r.hostIface]).stdout;
    // The pod's namespace is named (containerd's cni-…): the node prints its name; inside the
    // pod, the node's namespace has no name there, so the pod prints its nsid.
    expect(link).toContain(`link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns ${r.podNode}\n`);
    expect(runTool(pod, ['ip', 'link', 'show', 'eth0']).stdout).toMatch(/^\d+: eth0@if\d+: .*\n    link\/ether \S+ brd ff:ff:ff:ff:ff:ff link-netnsid 0\n$/);
    expect(runTool(pod, ['ip', '-br', 'link', 'show', 'lo']).stdout).toContain('UNKNOWN');
    expect(link).toContain('mtu 1450');
    expect(link).toMatch(/state UP/);
    expect(runTool(host, ['ip', 'route']).stdout).toContain(`${r.ip} dev ${r.hostIface} scope link`);
    expect(runTool(host, ['sysctl', `net.ipv4.conf.${r.hostIface}.proxy_arp`]).stdout.trim()).toBe(`net.ipv4.conf.${r.hostIface}.proxy_arp = 1`);
    expect(await ipam.ipsByHandle('k8s-pod-network.abc123')).toEqual([r.ip]);
    const wep = (await ds.get(resourceKey('WorkloadEndpoint', 'master--01-k8s-web-eth0', 'default')))!.value as { spec: Record<string, unknown>; metadata: { labels: Record<string, string> } };
    expect(wep.spec).toMatchObject({ node: 'master-01', pod: 'web', containerID: 'abc123', interfaceName: r.hostIface, ipNetworks: [`${r.ip}/32`], profiles: ['kns.default', 'ksa.default.default'], mac: r.podMac });
    expect(wep.metadata.labels).toMatchObject({ app: 'web', 'projectcalico.org/namespace': 'default', 'projectcalico.org/orchestrator': 'k8s' });
    expect(r.workload).toMatchObject({ node: 'master-01', iface: r.hostIface, ips: [r.ip], labels: { app: 'web' } });
  });

  it('DEL: veth, route and WorkloadEndpoint gone, address released; a second DEL is harmless', async () => {
    const { w, ds, ipam } = await setup();
    const args = { world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: 'web', containerId: 'abc123' };
    const r = await cniAdd({ ...args, mtu: 1480 });
    const del = await cniDel(args);
    expect(del.released).toEqual([r.ip]);
    const host = w.node('master-01');
    expect(host.findDevice(r.hostIface)).toBeUndefined();
    expect(w.node(r.podNode).findDevice('eth0')).toBeUndefined();
    expect(runTool(host, ['ip', 'route']).stdout).not.toContain(r.ip);
    expect(await ipam.ipsByHandle('k8s-pod-network.abc123').catch(() => [])).toEqual([]);
    expect(await ds.get(r.wepKey)).toBeUndefined();
    expect((await cniDel(args)).released).toEqual([]);
    // The namespace node stays (the World cannot drop nodes); ADD again reuses it.
    const again = await cniAdd({ ...args, containerId: 'def456', mtu: 1480 });
    expect(again.podNode).toBe(r.podNode);
  });

  it('IPAM exhaustion surfaces as a CNI error naming the pod with Calico\'s text, and leaves nothing behind', async () => {
    const { w, ds, ipam } = await setup('10.9.0.0/30', 30);
    for (let i = 0; i < 4; i++) await cniAdd({ world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: `p${i}`, containerId: `c${i}`, mtu: 1500 });
    const err = await cniAdd({ world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: 'p4', containerId: 'c4', mtu: 1500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as Error).message).toMatch(/^pod default\/p4: plugin type="calico" failed \(add\): failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses/);
    expect(w.node('master-01').findDevice(vethName('default', 'p4'))).toBeUndefined();
    expect(w.kernel(podNodeName('master-01', 'default', 'p4'))).toBeUndefined();
  });

  it('a fixed address (cni.projectcalico.org/ipAddrs) is assigned exactly; a taken one fails with IPAM\'s words', async () => {
    const { w, ds, ipam } = await setup();
    const r = await cniAdd({ world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: 'a', containerId: 'c1', mtu: 1500, ip: '10.5.7.9' });
    expect(r.ip).toBe('10.5.7.9');
    const err = await cniAdd({ world: w, ds, ipam, node: 'master-01', namespace: 'default', pod: 'b', containerId: 'c2', mtu: 1500, ip: '10.5.7.9' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('pod default/b: plugin type="calico" failed (add):');
  });
});
