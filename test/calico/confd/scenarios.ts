/**
 * The four fabrics the confd tests (and BIRD 1.6 as judge) run on, as the manifests a user
 * would write plus the blocks IPAM would have made affine.
 */
import { buildResourceSet } from '../../../engine/calico/resources/index.ts';
import type { ResourceSet } from '../../../engine/calico/resources/index.ts';
import { computeAllIntents, confdInputFromResources } from '../../../engine/calico/confd/index.ts';
import type { AffineBlock, BgpIntent, ConfdInput } from '../../../engine/calico/confd/index.ts';
import { manifests } from './manifests.ts';

export interface Scenario {
  readonly name: string;
  readonly set: ResourceSet;
  readonly input: ConfdInput;
  readonly intents: Map<string, BgpIntent>;
}

function scenario(name: string, yaml: string, blocks: Record<string, AffineBlock[]>, borrowed: Record<string, string[]> = {}): Scenario {
  const { set, problems } = buildResourceSet(manifests(yaml, `${name}.yaml`));
  const errs = problems.filter((p) => p.severity === 'error');
  if (errs.length > 0) throw new Error(`${name}: ${errs.map((p) => p.message).join('; ')}`);
  const input = confdInputFromResources(set, { blocks, borrowed });
  return { name, set, input, intents: computeAllIntents(input) };
}

const node = (name: string, addr: string, extra = '', labels = '{}') => `
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: ${name}, labels: ${labels} }
spec: { bgp: { ipv4Address: ${addr}${extra} } }
---`;

const pool = (name: string, cidr: string, spec: string) => `
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: ${name} }
spec: { cidr: ${cidr}, ${spec} }
---`;

/** (i) Full mesh of 3 nodes, IPIP Always. Node addresses chosen so string order ≠ numeric order. */
export function meshIpipAlways(): Scenario {
  return scenario('mesh', `
${node('node-a', '10.0.0.9/24')}
${node('node-b', '10.0.0.10/24')}
${node('node-c', '10.0.0.11/24')}
${pool('default-ipv4-ippool', '10.244.0.0/16', 'ipipMode: Always, natOutgoing: true')}
`, {
    'node-a': [{ cidr: '10.244.10.0/26', state: 'confirmed' }, { cidr: '10.244.10.64/26' }],
    'node-b': [{ cidr: '10.244.20.0/26', state: 'confirmed' }],
    'node-c': [{ cidr: '10.244.30.0/26', state: 'pending' }],
  }, { 'node-a': ['10.244.20.7'] });
}

/** (ii) IPIP CrossSubnet across two subnets, plus a VXLAN pool and a pool with export disabled. */
export function crossSubnet(): Scenario {
  return scenario('cross', `
${node('r1-n1', '10.1.1.11/24')}
${node('r1-n2', '10.1.1.12/24')}
${node('r2-n1', '10.1.2.11/24')}
${pool('pods', '10.244.0.0/16', 'ipipMode: CrossSubnet')}
${pool('edge', '10.250.0.0/22', 'vxlanMode: Always')}
${pool('private', '10.251.0.0/24', 'disableBGPExport: true')}
`, { 'r1-n1': [{ cidr: '10.244.1.0/26' }, { cidr: '10.251.0.0/26' }], 'r2-n1': [{ cidr: '10.244.2.0/26' }] });
}

/** (iii) Two route reflectors (same cluster id), clients peer with them, mesh off. */
export function routeReflectors(): Scenario {
  return scenario('rr', `
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: false, asNumber: 64512, logSeverityScreen: Info }
---
${node('rr-1', '10.2.0.1/24', ', routeReflectorClusterID: 244.0.0.1', "{ route-reflector: 'true' }")}
${node('rr-2', '10.2.0.2/24', ', routeReflectorClusterID: 244.0.0.1', "{ route-reflector: 'true' }")}
${node('worker-1', '10.2.0.11/24')}
${node('worker-2', '10.2.0.12/24')}
${node('worker-3', '10.2.0.13/24')}
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: peer-with-route-reflectors }
spec: { nodeSelector: all(), peerSelector: "route-reflector == 'true'" }
---
${pool('pods', '10.244.0.0/16', 'ipipMode: Always')}
`, { 'worker-1': [{ cidr: '10.244.1.0/26' }], 'worker-2': [{ cidr: '10.244.2.0/26' }], 'rr-1': [] });
}

/**
 * (iv) AS per rack: each rack's nodes speak the rack AS and peer eBGP with their ToR
 * (node-scoped BGPPeers by selector), plus a global route server on a custom port, one
 * node-specific peer with TTL security, service CIDR advertisement and communities.
 */
export function asPerRack(): Scenario {
  return scenario('rack', `
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec:
  nodeToNodeMeshEnabled: false
  asNumber: 64512
  serviceClusterIPs: [{ cidr: 10.96.0.0/12 }]
  serviceLoadBalancerIPs: [{ cidr: 192.0.2.0/24 }]
  communities: [{ name: rack-routes, value: "65000:100" }]
  prefixAdvertisements: [{ cidr: 10.244.0.0/16, communities: [rack-routes, "65000:200:300"] }]
---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: node.r1-n1 }
spec: { listenPort: 1790, logSeverityScreen: Debug }
---
${node('r1-n1', '10.3.1.11/24', ', asNumber: 65001', '{ rack: r1 }')}
${node('r1-n2', '10.3.1.12/24', ', asNumber: 65001', '{ rack: r1 }')}
${node('r2-n1', '10.3.2.11/24', ', asNumber: 65002', '{ rack: r2 }')}
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: rack1-tor }
spec: { nodeSelector: "rack == 'r1'", peerIP: 10.3.1.1, asNumber: 65101, keepOriginalNextHop: true, numAllowedLocalASNumbers: 1 }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: rack2-tor }
spec: { nodeSelector: "rack == 'r2'", peerIP: 10.3.2.1, asNumber: 65102, reachableBy: 10.3.2.254 }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: route-server }
spec: { peerIP: "10.3.0.100:1179", asNumber: 65000, sourceAddress: None, maxRestartTime: 2m }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: r2-secure }
spec: { node: r2-n1, peerIP: 10.3.2.2, asNumber: 65102, ttlSecurity: 1 }
---
${pool('pods', '10.244.0.0/16', 'natOutgoing: true')}
`, { 'r1-n1': [{ cidr: '10.244.1.0/26' }, { cidr: '10.244.1.64/32' }], 'r2-n1': [{ cidr: '10.244.2.0/26' }] });
}

/** All four, for suites that loop. */
export function allScenarios(): Scenario[] {
  return [meshIpipAlways(), crossSubnet(), routeReflectors(), asPerRack()];
}
