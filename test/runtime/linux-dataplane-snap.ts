/**
 * Desired dataplanes for the Linux driver's tests, computed by the real Felix (computeDesired)
 * from a two-node snapshot: node n1 (10.0.0.1/24 on eth0, the node under test) and n2.
 */
import { computeDesired } from '../../engine/calico/felix/index.ts';
import type { FelixSnapshot, FelixWorkload } from '../../engine/calico/felix/index.ts';
import { parsePolicyManifests } from '../../engine/calico/policy/index.ts';
import type { DesiredDataplane } from '../../engine/dataplane/types.ts';

/** The pod names the tests use and their workload endpoints on n1. */
export function workload(name: string, ip: string): FelixWorkload {
  return { node: 'n1', namespace: 'default', pod: name, iface: `cali${name.padEnd(11, '0')}`, ips: [ip], labels: { app: name } };
}

/** A NetworkPolicy on every pod of `default` admitting ingress from pods labelled app=FROM. */
export function ingressFrom(from: string): FelixSnapshot['policies'] {
  return parsePolicyManifests([{
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `from-${from}`, namespace: 'default' },
    spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }] }] },
  }]).policies;
}

/** What Felix on n1 asks for with these pods, this encapsulation and these policies. */
export function desiredFor(workloads: FelixWorkload[], encap: 'vxlan' | 'ipip', policies: FelixSnapshot['policies'] = [], opts: { vni?: number } = {}): DesiredDataplane {
  const s: FelixSnapshot = {
    nodeName: 'n1',
    pools: [{ name: 'p', cidr: '10.5.0.0/16', blockSize: 26, ipipMode: encap === 'ipip' ? 'Always' : 'Never', vxlanMode: encap === 'vxlan' ? 'Always' : 'Never', natOutgoing: true, disabled: false, nodeSelector: 'all()' }],
    nodes: [
      { name: 'n1', labels: {}, ipv4Address: '10.0.0.1/24', ipv4VXLANTunnelAddr: '10.5.1.0', ipv4IPIPTunnelAddr: '10.5.1.0' },
      { name: 'n2', labels: {}, ipv4Address: '10.0.0.2/24', ipv4VXLANTunnelAddr: '10.5.2.0', ipv4IPIPTunnelAddr: '10.5.2.0' },
    ],
    blocks: [{ cidr: '10.5.1.0/26', affinity: 'n1' }, { cidr: '10.5.2.0/26', affinity: 'n2' }],
    workloads,
    namespaces: [{ name: 'default', labels: {} }],
    policies,
    hostInterfaces: [{ name: 'eth0', mtu: 1500, up: true, addresses: ['10.0.0.1/24'] }],
    ...(opts.vni !== undefined ? { config: { vxlanVNI: opts.vni } } : {}),
  };
  return computeDesired(s);
}
