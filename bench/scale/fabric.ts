/**
 * Generated Calico fabrics of any size, as topology YAML, for the scale bench and tests.
 * Deterministic: same arguments, same text.
 *
 * - Route-reflector (`rrFabricYaml`): racks of up to 50 Kubernetes nodes, each rack one L2
 *   switch and one /24 on a core router's interface; the first two nodes of rack 1 are
 *   Calico's in-cluster route reflectors (label route-reflector=true,
 *   routeReflectorClusterID 244.0.0.1), the mesh is off, one BGPPeer peers everyone with
 *   them, and one IPIP Always pool (172.16.0.0/12, /26 blocks) serves up to 16,384 blocks.
 * - Leaf-spine (`leafSpineYaml`): Calico's AS-per-rack IP fabric — racks of up to 50 nodes
 *   under a leaf (ToR) that shares the rack's AS and reflects between them, every leaf eBGP
 *   to two spines over /31s, one BGPPeer per rack (nodeSelector rack == 'rackN'), no
 *   encapsulation (the fabric routes the /26 blocks).
 */
import { parseTopology } from '../../engine/model/validate.ts';
import type { Topology } from '../../engine/model/types.ts';

/** Nodes per rack, as Calico's route-reflector guidance assumes racks of that order. */
export const RACK_SIZE = 50;

/** The name of the i-th (0-based) k8s node: rr-01, rr-02, then node-<rack>-<index>. */
export function nodeName(i: number): string {
  if (i < 2) return `rr-0${i + 1}`;
  return `node-${Math.floor(i / RACK_SIZE) + 1}-${(i % RACK_SIZE) + 1}`;
}

/** The YAML text of an `n`-node route-reflector fabric. */
export function rrFabricYaml(n: number): string {
  const racks = Math.max(1, Math.ceil(n / RACK_SIZE));
  const out: string[] = [`name: rr-gen-${n}`, 'description: generated route-reflector fabric (bench/calico/scale.ts)', 'nodes:'];
  const links: string[] = [];
  out.push('  core:', '    kind: router', '    interfaces:');
  for (let r = 1; r <= racks; r++) out.push(`      eth${r}: { address: 10.${30 + (r >> 8)}.${r & 255}.254/24 }`);
  for (let r = 1; r <= racks; r++) {
    out.push(`  rack${r}-sw: { kind: switch, rack: rack${r} }`);
    links.push(`  - endpoints: ["core:eth${r}", "rack${r}-sw:eth0"]`);
  }
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / RACK_SIZE) + 1;
    const net = `10.${30 + (r >> 8)}.${r & 255}`;
    const name = nodeName(i);
    out.push(`  ${name}:`, '    kind: k8s-node', `    rack: rack${r}`);
    if (i < 2) out.push('    labels: { route-reflector: "true" }');
    out.push(`    gateway: ${net}.254`, '    interfaces:', `      eth0: { address: ${net}.${(i % RACK_SIZE) + 11}/24 }`);
    links.push(`  - endpoints: ["${name}:eth0", "rack${r}-sw:eth${(i % RACK_SIZE) + 1}"]`);
  }
  const calico = [
    'calico:',
    ...[1, 2].map((k) => `  - { apiVersion: projectcalico.org/v3, kind: Node, metadata: { name: rr-0${k}, labels: { route-reflector: "true" } }, spec: { bgp: { routeReflectorClusterID: 244.0.0.1 } } }`),
    '  - { apiVersion: projectcalico.org/v3, kind: BGPPeer, metadata: { name: peer-with-route-reflectors }, spec: { nodeSelector: all(), peerSelector: "route-reflector == \'true\'" } }',
    '  - { apiVersion: projectcalico.org/v3, kind: BGPConfiguration, metadata: { name: default }, spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } }',
    '  - { apiVersion: projectcalico.org/v3, kind: IPPool, metadata: { name: default-ipv4-ippool }, spec: { cidr: 172.16.0.0/12, blockSize: 26, ipipMode: Always, vxlanMode: Never, natOutgoing: true, nodeSelector: all() } }',
  ];
  return [...out, 'links:', ...links, ...calico, ''].join('\n');
}

/** The generated fabric as a validated Topology; throws with the problems if it is not valid. */
export function generateRrFabric(n: number): Topology {
  const r = parseTopology(rrFabricYaml(n), `rr-gen-${n}.yaml`);
  if (!r.topology) throw new Error(`generated topology is invalid:\n${r.problems.slice(0, 5).map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`).join('\n')}`);
  return r.topology;
}

/** The fabric shapes the bench generates. */
export type FabricKind = 'rr' | 'leaf-spine';

/** Most racks a leaf-spine fabric can have: the /31s toward a spine live in one /24. */
export const MAX_LEAF_SPINE_RACKS = 127;

/** The name of the i-th (0-based) k8s node of a leaf-spine fabric: node-<rack>-<index>. */
export function leafSpineNodeName(i: number): string {
  return `node-${Math.floor(i / RACK_SIZE) + 1}-${(i % RACK_SIZE) + 1}`;
}

/** The YAML text of an `n`-node leaf-spine fabric (AS per rack, two spines). */
export function leafSpineYaml(n: number): string {
  const racks = Math.max(1, Math.ceil(n / RACK_SIZE));
  if (racks > MAX_LEAF_SPINE_RACKS) throw new RangeError(`a leaf-spine fabric holds at most ${MAX_LEAF_SPINE_RACKS * RACK_SIZE} nodes (${MAX_LEAF_SPINE_RACKS} racks of ${RACK_SIZE}); asked for ${n}`);
  const spineAs = (p: number): number => 64511 + p; // 64512, 64513
  const rackAs = (r: number): number => 64600 + r;
  const out: string[] = [`name: leaf-spine-gen-${n}`, 'description: generated leaf-spine fabric, AS per rack (bench/scale)', 'nodes:'];
  const links: string[] = [];
  for (let p = 1; p <= 2; p++) {
    out.push(`  spine${p}:`, '    kind: router', `    asn: ${spineAs(p)}`, `    routerId: 10.255.0.${p}`, '    interfaces:');
    for (let r = 1; r <= racks; r++) out.push(`      eth${r}: { address: 10.0.${p}.${2 * (r - 1)}/31 }`);
    out.push('    peers:');
    for (let r = 1; r <= racks; r++) out.push(`      - { address: 10.0.${p}.${2 * (r - 1) + 1}, asn: ${rackAs(r)} }`);
  }
  for (let r = 1; r <= racks; r++) {
    const inRack = Math.min(RACK_SIZE, n - (r - 1) * RACK_SIZE);
    out.push(`  leaf${r}:`, '    kind: router', `    rack: rack${r}`, `    asn: ${rackAs(r)}`, `    routerId: 10.255.1.${r}`, '    interfaces:');
    for (let p = 1; p <= 2; p++) out.push(`      eth${p}: { address: 10.0.${p}.${2 * (r - 1) + 1}/31 }`);
    out.push(`      eth3: { address: 10.1.${r}.1/24 }`, '    peers:');
    for (let p = 1; p <= 2; p++) {
      out.push(`      - { address: 10.0.${p}.${2 * (r - 1)}, asn: ${spineAs(p)} }`);
      links.push(`  - endpoints: ["spine${p}:eth${r}", "leaf${r}:eth${p}"]`);
    }
    for (let i = 0; i < inRack; i++) out.push(`      - { address: 10.1.${r}.${i + 11}, asn: ${rackAs(r)}, rrClient: true }`);
    out.push(`  rack${r}-sw: { kind: switch, rack: rack${r} }`);
    links.push(`  - endpoints: ["leaf${r}:eth3", "rack${r}-sw:eth0"]`);
    for (let i = 0; i < inRack; i++) {
      const name = leafSpineNodeName((r - 1) * RACK_SIZE + i);
      out.push(`  ${name}:`, '    kind: k8s-node', `    rack: rack${r}`, `    asn: ${rackAs(r)}`, `    labels: { rack: rack${r} }`, `    gateway: 10.1.${r}.1`, '    interfaces:', `      eth0: { address: 10.1.${r}.${i + 11}/24 }`);
      links.push(`  - endpoints: ["${name}:eth0", "rack${r}-sw:eth${i + 1}"]`);
    }
  }
  const calico = [
    'calico:',
    '  - { apiVersion: projectcalico.org/v3, kind: BGPConfiguration, metadata: { name: default }, spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } }',
    ...Array.from({ length: racks }, (_, k) => `  - { apiVersion: projectcalico.org/v3, kind: BGPPeer, metadata: { name: rack${k + 1}-tor }, spec: { nodeSelector: "rack == 'rack${k + 1}'", peerIP: 10.1.${k + 1}.1, asNumber: ${rackAs(k + 1)} } }`),
    '  - { apiVersion: projectcalico.org/v3, kind: IPPool, metadata: { name: default-ipv4-ippool }, spec: { cidr: 172.16.0.0/12, blockSize: 26, ipipMode: Never, vxlanMode: Never, natOutgoing: true, nodeSelector: all() } }',
  ];
  return [...out, 'links:', ...links, ...calico, ''].join('\n');
}

/** A generated fabric of `kind` as a validated Topology; throws with the problems if it is not valid. */
export function generateFabric(kind: FabricKind, n: number): Topology {
  if (kind === 'rr') return generateRrFabric(n);
  const r = parseTopology(leafSpineYaml(n), `leaf-spine-gen-${n}.yaml`);
  if (!r.topology) throw new Error(`generated topology is invalid:\n${r.problems.slice(0, 5).map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`).join('\n')}`);
  return r.topology;
}

/** The name of the i-th k8s node of a fabric of `kind`. */
export function fabricNodeName(kind: FabricKind, i: number): string {
  return kind === 'rr' ? nodeName(i) : leafSpineNodeName(i);
}

/** Where pod `j` of `p` runs on an `n`-node fabric: round robin over the nodes. */
export function podPlacement(n: number, p: number, kind: FabricKind = 'rr'): [node: string, pod: string][] {
  return Array.from({ length: p }, (_, j) => [fabricNodeName(kind, j % n), `pod-${j + 1}`]);
}
