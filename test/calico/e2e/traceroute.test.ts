/**
 * traceroute from a pod to a pod on another node across IPIP prints what Linux prints.
 *
 * Same segment (two-nodes, IPIP Always):
 *  1. the local node's eth0 address. The probe expires on the source node while being
 *     forwarded; icmp_send() (icmp_errors_use_inbound_ifaddr=0) leaves the source to the route
 *     back to the pod, `<pod> dev caliX scope link`. caliX has no address, so inet_select_addr()
 *     takes the first device, in ifindex order, with a primary address of scope ≤ link: lo's
 *     127.0.0.1 is host scope, eth0 (ifindex 2) comes before tunl0 (created later, when the ipip
 *     module loads / Felix sets it up). Hence the node IP, not its tunnel address.
 *  2. the remote node's tunl0 address. tunl0 is `ttl inherit`, so the outer header leaves with
 *     the inner TTL (1), is delivered locally on the remote node (TTL only matters when
 *     forwarding), decapsulated, and the inner TTL expires forwarding to the pod. The error goes
 *     back via `<block> via <node> dev tunl0 onlink`, whose device address is the tunnel address.
 *  3. the pod (port unreachable).
 *
 * Routed underlay (floors, IPIP Always across two routers): with `ttl inherit` the outer TTL
 * expires on the routers, which send Time Exceeded to the source NODE about the IPIP packet;
 * ipip_err() never relays that to the inner sender, so those hops are `* * *`. The inner TTL is
 * not spent on the way, so the remote node is never a hop: the pod answers at hop 2 + routers.
 */
import { describe, expect, it } from 'vitest';
import { topology, up } from './helpers.ts';

const hops = (out: string): string[] => out.split('\n').slice(1).filter(Boolean).map((l) => l.replace(/ {2}[0-9.]+ ms/g, '').trim());

describe('traceroute across IPIP', () => {
  it('same segment: node eth0, remote tunl0 address, pod', async () => {
    const u = await up(await topology('topologies/two-nodes.yaml'), [['master-01', 'pod-a'], ['worker-01', 'pod-b']]);
    const a = u.c.pod('default/pod-a');
    const b = u.c.pod('default/pod-b');
    const tunl = (n: string) => /inet ([0-9.]+)\/32/.exec(u.lab.exec(n, 'ip addr show tunl0').stdout)![1]!;
    const r = u.lab.exec(a.podNode, `traceroute -n ${b.ip}`);
    expect(r.code).toBe(0);
    expect(hops(r.stdout)).toEqual([`1  10.30.200.1`, `2  ${tunl('worker-01')}`, `3  ${b.ip}`]);
    // And back: the same shape from the other side.
    expect(hops(u.lab.exec(b.podNode, `traceroute -n ${a.ip}`).stdout)).toEqual([`1  10.30.200.2`, `2  ${tunl('master-01')}`, `3  ${a.ip}`]);
    // From the node itself the probe leaves from tunl0: the remote node is hop 1.
    expect(hops(u.lab.exec('master-01', `traceroute -n ${b.ip}`).stdout)).toEqual([`1  ${tunl('worker-01')}`, `2  ${b.ip}`]);
  });

  it('routed underlay: the routers hidden by the tunnel are * * *, the remote node never shows', async () => {
    const u = await up(await topology('topologies/floors.yaml', { ipipMode: 'Always' }), [['master-01', 'pod-a'], ['worker-02', 'pod-b']]);
    expect(u.lab.exec('master-01', 'ip -d link show tunl0').stdout).toContain('ttl inherit');
    // The underlay between the nodes: floor1-tor, floor2-tor — two routers.
    expect(hops(u.lab.exec('master-01', 'traceroute -n -q 1 10.30.2.11').stdout)).toEqual(['1  10.30.1.1', '2  10.30.0.2', '3  10.30.2.11']);
    const b = u.c.pod('default/pod-b');
    const r = u.lab.exec(u.c.pod('default/pod-a').podNode, `traceroute -n ${b.ip}`);
    expect(hops(r.stdout)).toEqual(['1  10.30.1.11', '2  * * *', '3  * * *', `4  ${b.ip}`]);
  });
});
