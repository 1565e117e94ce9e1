import { describe, expect, it } from 'vitest';
import { buildResourceSet, effectiveFelixConfig, formatResourceProblems, parseAsNumber, parseDuration } from '../../../engine/calico/resources/index.ts';
import type { ResourceProblem } from '../../../engine/calico/resources/index.ts';
import { manifests } from '../confd/manifests.ts';

function build(yaml: string) {
  return buildResourceSet(manifests(yaml, 'topo.yaml'));
}
const errors = (ps: ResourceProblem[]) => ps.filter((p) => p.severity === 'error');
const warnings = (ps: ResourceProblem[]) => ps.filter((p) => p.severity === 'warning');

describe('IPPool', () => {
  it('applies Calico defaults (blockSize 26, Never/Never, natOutgoing false, all())', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: pool-a }
spec: { cidr: 10.244.0.0/16 }
`);
    expect(problems).toEqual([]);
    expect(set.ipPools[0]!.spec).toEqual({
      cidr: '10.244.0.0/16', family: 4, blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false,
      disabled: false, disableBGPExport: false, nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic',
    });
  });

  it('defaults an IPv6 pool to /122 blocks', () => {
    const { set } = build(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: v6 }
spec: { cidr: "fd00:10::/64" }
`);
    expect(set.ipPools[0]!.spec).toMatchObject({ family: 6, blockSize: 122 });
  });

  it('names the field path and the manifest location of an invalid enum value', () => {
    const { problems } = build(`
# first document is elsewhere in the file
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.244.0.0/16
  ipipMode: always
`);
    expect(errors(problems)).toHaveLength(1);
    const p = problems[0]!;
    expect(p.path).toBe('spec.ipipMode');
    expect(p.message).toContain("spec.ipipMode: 'always' is not one of Always, CrossSubnet, Never");
    expect(p.hint).toBe("write 'Always'");
    expect(p.loc).toEqual({ file: 'topo.yaml', line: 3, col: 1 });
    expect(formatResourceProblems(problems)[0]).toMatch(/^topo\.yaml:3:1: error: IPPool 'pool-a': spec\.ipipMode: /);
  });

  it('rejects IPIP and VXLAN together, blockSize out of range, link-local overlap and host bits', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: both }
spec: { cidr: 10.1.0.0/16, ipipMode: Always, vxlanMode: CrossSubnet }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: tiny-blocks }
spec: { cidr: 10.2.0.0/16, blockSize: 19 }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: linklocal }
spec: { cidr: 169.254.128.0/20 }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: hostbits }
spec: { cidr: 10.3.0.7/24 }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: small }
spec: { cidr: 10.4.0.0/28 }
`);
    const msgs = errors(problems).map((p) => `${p.resource} ${p.path} ${p.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^IPPool\/both spec\.ipipMode .*IPIP \(Always\) and VXLAN \(CrossSubnet\) cannot both be enabled/),
      expect.stringMatching(/^IPPool\/tiny-blocks spec\.blockSize .*19 is out of range for an IPv4 pool \(20\.\.32\)/),
      expect.stringMatching(/^IPPool\/linklocal spec\.cidr .*overlaps with IPv4 Link Local range 169\.254\.0\.0\/16/),
      expect.stringMatching(/^IPPool\/hostbits spec\.cidr .*'10\.3\.0\.7\/24': IP pool CIDR is not strictly masked/),
      expect.stringMatching(/^IPPool\/small spec\.cidr .*\/28 is smaller than the block size \/26/),
    ]);
    expect(problems.find((p) => p.resource === 'IPPool/hostbits')!.hint).toBe('write 10.3.0.0/24');
    // Invalid pools still come out normalised (so later checks see the network).
    expect(set.ipPools.find((p) => p.meta.name === 'hostbits')!.spec.cidr).toBe('10.3.0.0/24');
  });

  it('refuses IPIP on an IPv6 pool and checks the pool is a subnet', () => {
    const { problems } = build(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: v6 }
spec: { cidr: "fd00::/64", ipipMode: CrossSubnet }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: junk }
spec: { cidr: 10.0.0.0/33 }
`);
    expect(errors(problems).map((p) => p.message)).toEqual([
      "IPPool 'v6': spec.ipipMode: IPIPMode other than 'Never' is not supported on an IPv6 IP pool",
      "IPPool 'junk': spec.cidr: '10.0.0.0/33': IPPool CIDR must be a valid subnet",
    ]);
  });

  it('warns about unknown fields with a did-you-mean hint, and checks selectors', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: p }
spec: { cidr: 10.9.0.0/16, natOutgoin: true, nodeSelector: "rack == 'a' &&" }
`);
    const w = warnings(problems);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ path: 'spec.natOutgoin', hint: "did you mean 'natOutgoing'?" });
    const e = errors(problems);
    expect(e).toHaveLength(1);
    expect(e[0]!.path).toBe('spec.nodeSelector');
    expect(e[0]!.message).toContain('invalid selector');
    expect(set.ipPools[0]!.spec.natOutgoing).toBe(false);
  });
});

describe('BGPConfiguration, BGPPeer, Node', () => {
  it('fills the default BGPConfiguration (AS 64512, mesh on) but not node-scoped ones', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { serviceClusterIPs: [{ cidr: 10.96.0.0/12 }] }
---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: node.n1 }
spec: { listenPort: 1790, asNumber: 65000 }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: n1 }
spec: { bgp: { ipv4Address: 10.0.0.1/24 } }
`);
    const [g, n] = set.bgpConfigurations;
    expect(g!.scope).toEqual({ global: true });
    expect(g!.spec).toMatchObject({ asNumber: 64512, nodeToNodeMeshEnabled: true, logSeverityScreen: 'Info', serviceClusterIPs: ['10.96.0.0/12'] });
    expect(n!.scope).toEqual({ global: false, node: 'n1' });
    expect(n!.spec.nodeToNodeMeshEnabled).toBeUndefined();
    expect(n!.spec.listenPort).toBe(1790);
    expect(warnings(problems).map((p) => p.path)).toEqual(['spec.asNumber']);
  });

  it('validates BGPPeer field combinations like libcalico-go', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: both-locals }
spec: { node: n1, nodeSelector: all(), peerIP: 10.0.0.254, asNumber: 65001 }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: ip-and-selector }
spec: { peerIP: 10.0.0.254, peerSelector: "rr == 'true'" }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: no-remote }
spec: { nodeSelector: all() }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: tor }
spec: { peerIP: "10.0.0.254:1790", asNumber: 65001, keepOriginalNextHop: true, numAllowedLocalASNumbers: 2 }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: no-as }
spec: { peerIP: 192.0.2.1 }
`);
    expect(errors(problems).map((p) => `${p.resource}:${p.path}`)).toEqual([
      'BGPPeer/both-locals:spec.node',
      'BGPPeer/ip-and-selector:spec.peerIP',
      'BGPPeer/no-remote:spec',
      'BGPPeer/no-as:spec.asNumber',
    ]);
    const tor = set.bgpPeers.find((p) => p.meta.name === 'tor')!;
    expect(tor.spec).toMatchObject({ peerAddress: '10.0.0.254', peerPort: 1790, asNumber: 65001, sourceAddress: 'UseNodeIP', reversePeering: 'Auto', numAllowedLocalASNumbers: 2 });
  });

  it('reads Node BGP fields and rejects a bad RR cluster id and two nodes on one address', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: rr1, labels: { route-reflector: "true" } }
spec: { bgp: { ipv4Address: 10.0.0.1/24, asNumber: "1.10", routeReflectorClusterID: 244.0.0.1, ipv4IPIPTunnelAddr: 10.244.0.1 } }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: n2 }
spec: { bgp: { ipv4Address: 10.0.0.1/24, routeReflectorClusterID: cluster-a } }
`);
    expect(set.nodes[0]!.spec.bgp).toEqual({ ipv4Address: '10.0.0.1/24', asNumber: 65546, routeReflectorClusterID: '244.0.0.1', ipv4IPIPTunnelAddr: '10.244.0.1' });
    expect(set.nodes[0]!.meta.labels).toEqual({ 'route-reflector': 'true' });
    expect(errors(problems).map((p) => p.message)).toEqual([
      "Node 'n2': spec.bgp.routeReflectorClusterID: 'cluster-a' is not a cluster id (an IPv4-formatted value such as 244.0.0.1)",
      "Node 'n2': spec.bgp.ipv4Address: Calico node 'rr1' is already using the IPv4 address 10.0.0.1",
    ]);
  });
});

describe('Felix, IPAM, Kubernetes kinds and the ResourceSet', () => {
  it('fills FelixConfiguration default with Felix defaults and keeps node overrides sparse', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: { name: default }
spec: { defaultEndpointToHostAction: Accept, routeRefreshInterval: 1m30s, bpfLogLevel: Off }
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: { name: node.n1 }
spec: { vxlanMTU: 8950, vxlanPrt: 4790 }
`);
    const [g, n] = set.felixConfigurations;
    expect(g!.spec).toMatchObject({ defaultEndpointToHostAction: 'Accept', routeRefreshInterval: 90, vxlanVNI: 4096, vxlanPort: 4789, interfacePrefix: 'cali' });
    // Unset, Felix derives IPIP/VXLAN from the pools: no default may pre-empt that.
    expect(g!.spec.ipipEnabled).toBeUndefined();
    expect(g!.spec.vxlanEnabled).toBeUndefined();
    expect(n!.spec).toEqual({ vxlanMTU: 8950 });
    // bpfLogLevel is a known Felix field podlab does not model: no warning. vxlanPrt is a typo.
    expect(problems.map((p) => `${p.severity} ${p.path} ${p.hint}`)).toEqual(["warning spec.vxlanPrt did you mean 'vxlanPort'?"]);
    expect(effectiveFelixConfig(set, 'n1')).toMatchObject({ vxlanMTU: 8950, vxlanVNI: 4096, defaultEndpointToHostAction: 'Accept' });
    expect(effectiveFelixConfig(set, 'n2').vxlanMTU).toBe(0);
    expect(effectiveFelixConfig({ ...set, felixConfigurations: [] }, 'n1').defaultEndpointToHostAction).toBe('Drop');
  });

  it('requires strict affinity for maxBlocksPerHost and the name default', () => {
    const { set, problems } = build(`
apiVersion: projectcalico.org/v3
kind: IPAMConfig
metadata: { name: default }
spec: { maxBlocksPerHost: 4 }
`);
    expect(set.ipamConfig!.spec).toEqual({ strictAffinity: false, autoAllocateBlocks: true, maxBlocksPerHost: 4 });
    expect(errors(problems).map((p) => p.path)).toEqual(['spec.maxBlocksPerHost']);
  });

  it('reads Namespaces and Pods, reports duplicates with the first location, overlaps and dangling refs', () => {
    const { set, problems } = build(`
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: web } }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop, labels: { app: web } }
spec: { nodeName: n1, containers: [{ name: c, image: nginx }] }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop }
spec: { nodeName: n1 }
---
apiVersion: v1
kind: Pod
metadata: { name: lost, namespace: nowhere }
spec: { nodeName: n9 }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: n1 }
spec: { bgp: { ipv4Address: 10.0.0.1/24 } }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: a }
spec: { cidr: 10.244.0.0/16 }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: b }
spec: { cidr: 10.244.128.0/17 }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: deny-all }
spec: { selector: all() }
---
apiVersion: projectcalico.org/v3
kind: IPPol
metadata: { name: typo }
`);
    expect(set.namespaces.map((n) => n.meta.labels)).toEqual([{ team: 'web' }]);
    expect(set.pods.map((p) => `${p.meta.namespace}/${p.meta.name}@${p.spec.nodeName}`)).toEqual(['shop/web-1@n1', 'nowhere/lost@n9']);
    expect(set.other.map((o) => o.kind)).toEqual(['GlobalNetworkPolicy', 'IPPol']);
    const lines = formatResourceProblems(problems);
    expect(lines).toEqual([
      "topo.yaml:11:1: error: Pod 'web-1': metadata.name: duplicate Pod 'web-1' in namespace shop — first defined at topo.yaml:6:1; rename one or merge them",
      "topo.yaml:41:1: warning: kind 'IPPol' is not a projectcalico.org/v3 kind podlab knows; ignored — did you mean 'IPPool'?",
      "topo.yaml:31:1: error: IPPool 'b': spec.cidr: 10.244.128.0/17 overlaps IPPool 'a' (10.244.0.0/16) — pools must not overlap; a is at topo.yaml:26:1",
      "topo.yaml:16:1: warning: Pod 'lost': metadata.namespace: namespace 'nowhere' is not declared — add a v1 Namespace manifest",
      "topo.yaml:16:1: error: Pod 'lost': spec.nodeName: no Node named 'n9'",
    ]);
  });
});

describe('value parsers', () => {
  it('parses AS numbers (plain and asdot) and Go durations', () => {
    expect(parseAsNumber(64512)).toBe(64512);
    expect(parseAsNumber('4200000000')).toBe(4200000000);
    expect(parseAsNumber('1.10')).toBe(65546);
    expect(parseAsNumber(0)).toBeUndefined();
    expect(parseAsNumber(2 ** 32)).toBeUndefined();
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('250ms')).toBeCloseTo(0.25);
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});
