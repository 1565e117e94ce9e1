/**
 * Felix's static filter table compared with a real node, rule hash by rule hash.
 *
 * The reference is `iptables -t filter -S | grep cali` captured on a real Calico node
 * (kubeadm, IPIP Always pool, no local workloads, FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT),
 * published in a Korean Kubernetes study blog and found through the code search index; it is
 * the external judge of podlab's rule rendering and `cali:` hash computation.
 */
import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../../engine/calico/felix/index.ts';
import type { FelixSnapshot } from '../../../engine/calico/felix/index.ts';
import { SimDataplane, hostInterfaces } from '../../../engine/runtime/sim/dataplane-driver.ts';
import { Netfilter, iptables } from '../../../engine/sim/netfilter/index.ts';
import { World } from '../../../engine/sim/index.ts';

const REAL_NODE = `-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT
-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD
-A FORWARD -m comment --comment "cali:S93hcgKJrXEqnTfs" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT
-A FORWARD -m comment --comment "cali:mp77cMpurHhyjLrM" -j MARK --set-xmark 0x10000/0x10000
-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT
-A cali-FORWARD -m comment --comment "cali:vjrMJCRpqwy5oRoX" -j MARK --set-xmark 0x0/0xe0000
-A cali-FORWARD -m comment --comment "cali:A_sPAO0mcxbT9mOV" -m mark --mark 0x0/0x10000 -j cali-from-hep-forward
-A cali-FORWARD -i cali+ -m comment --comment "cali:8ZoYfO5HKXWbB3pk" -j cali-from-wl-dispatch
-A cali-FORWARD -o cali+ -m comment --comment "cali:jdEuaPBe14V2hutn" -j cali-to-wl-dispatch
-A cali-FORWARD -m comment --comment "cali:12bc6HljsMKsmfr-" -j cali-to-hep-forward
-A cali-FORWARD -m comment --comment "cali:NOSxoaGx8OIstr1z" -j cali-cidr-block
-A cali-INPUT -p ipencap -m comment --comment "cali:PajejrV4aFdkZojI" -m comment --comment "Allow IPIP packets from Calico hosts" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT
-A cali-INPUT -p ipencap -m comment --comment "cali:_wjq-Yrma8Ly1Svo" -m comment --comment "Drop IPIP packets from non-Calico hosts" -j DROP
-A cali-INPUT -i cali+ -m comment --comment "cali:8TZGxLWh_Eiz66wc" -g cali-wl-to-host
-A cali-INPUT -m comment --comment "cali:6McIeIDvPdL6PE1T" -m mark --mark 0x10000/0x10000 -j ACCEPT
-A cali-INPUT -m comment --comment "cali:YGPbrUms7NId8xVa" -j MARK --set-xmark 0x0/0xf0000
-A cali-INPUT -m comment --comment "cali:2gmY7Bg2i0i84Wk_" -j cali-from-host-endpoint
-A cali-INPUT -m comment --comment "cali:q-Vz2ZT9iGE331LL" -m comment --comment "Host endpoint policy accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT
-A cali-OUTPUT -m comment --comment "cali:Mq1_rAdXXH3YkrzW" -m mark --mark 0x10000/0x10000 -j ACCEPT
-A cali-OUTPUT -o cali+ -m comment --comment "cali:69FkRTJDvD5Vu6Vl" -j RETURN
-A cali-OUTPUT -p ipencap -m comment --comment "cali:AnEsmO6bDZbQntWW" -m comment --comment "Allow IPIP packets to other Calico hosts" -m set --match-set cali40all-hosts-net dst -m addrtype --src-type LOCAL -j ACCEPT
-A cali-OUTPUT -m comment --comment "cali:9e9Uf3GU5tX--Lxy" -j MARK --set-xmark 0x0/0xf0000
-A cali-OUTPUT -m comment --comment "cali:0f3LDz_VKuHFaA2K" -m conntrack ! --ctstate DNAT -j cali-to-host-endpoint
-A cali-OUTPUT -m comment --comment "cali:OgU2f8BVEAZ_fwkq" -m comment --comment "Host endpoint policy accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT
-A cali-from-wl-dispatch -m comment --comment "cali:zTj6P0TIgYvgz-md" -m comment --comment "Unknown interface" -j DROP
-A cali-to-wl-dispatch -m comment --comment "cali:7KNphB1nNHw80nIO" -m comment --comment "Unknown interface" -j DROP
-A cali-wl-to-host -m comment --comment "cali:Ee9Sbo10IpVujdIY" -j cali-from-wl-dispatch
-A cali-wl-to-host -m comment --comment "cali:nSZbcOoG1xPONxb8" -m comment --comment "Configured DefaultEndpointToHostAction" -j ACCEPT`;

function ipipNode(): FelixSnapshot {
  return {
    nodeName: 'k8s-w0',
    pools: [{ name: 'default-ipv4-ippool', cidr: '172.16.0.0/16', blockSize: 26, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, disabled: false, nodeSelector: 'all()' }],
    nodes: [
      { name: 'k8s-m', labels: {}, ipv4Address: '192.168.10.10/24', ipv4IPIPTunnelAddr: '172.16.116.0' },
      { name: 'k8s-w0', labels: {}, ipv4Address: '192.168.10.100/24', ipv4IPIPTunnelAddr: '172.16.34.0' },
    ],
    blocks: [{ cidr: '172.16.116.0/26', affinity: 'k8s-m' }, { cidr: '172.16.34.0/26', affinity: 'k8s-w0' }],
    workloads: [], namespaces: [], policies: [],
    hostInterfaces: [{ name: 'eth0', mtu: 1500, up: true, addresses: ['192.168.10.100/24'] }],
  };
}

describe('Felix filter table vs a real IPIP node', () => {
  it('every cali rule, comment and hash matches the real node', () => {
    const w = new World();
    const k = w.addNode('k8s-w0');
    w.addNode('peer');
    w.connect('k8s-w0', 'eth0', 'peer', 'eth0');
    k.setLink('eth0', { up: true });
    const nf = new Netfilter();
    k.setPacketFilter(nf);
    const s = ipipNode();
    new SimDataplane(k, nf).apply(computeDesired({ ...s, hostInterfaces: hostInterfaces(k) }));
    const ours = iptables(nf, ['-t', 'filter', '-S']).stdout.split('\n').filter((l) => l.startsWith('-A') && l.includes('cali'));
    expect(ours.join('\n')).toBe(REAL_NODE);
  });
});
