/**
 * A generated route-reflector fabric of any size, as topology YAML: racks of up to 50
 * Kubernetes nodes, each rack one L2 switch and one /24 on a core router's interface; the
 * first two nodes of rack 1 are Calico's in-cluster route reflectors (label
 * route-reflector=true, routeReflectorClusterID 244.0.0.1), the mesh is off, one BGPPeer
 * peers everyone with them, and one IPIP Always pool (172.16.0.0/12, /26 blocks) serves
 * up to 16,384 blocks. Deterministic: same arguments, same text.
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

/** Where pod `j` of `p` runs on an `n`-node fabric: round robin over the nodes. */
export function podPlacement(n: number, p: number): [node: string, pod: string][] {
  return Array.from({ length: p }, (_, j) => [nodeName(j % n), `pod-${j + 1}`]);
}
