/**
 * End-to-end Calico on the simulator: a shipped topology deployed by SimLab, Calico brought
 * up by `startCalico` (datastore, calico-node per node, fabric routers), pods through CNI.
 * Pool modes are varied by editing the topology's IPPool manifest before deploying, as a
 * user would edit the YAML. Expected values are read back from the datastore (blocks, VTEPs),
 * never assumed.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadTopology } from '../../../engine/model/load.ts';
import type { CalicoManifest, Topology } from '../../../engine/model/types.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../../engine/runtime/sim/calico.ts';
import type { CalicoCluster } from '../../../engine/calico/index.ts';
import { affinityPrefix, parseAffinityKey, resourceKey } from '../../../engine/calico/datastore/index.ts';
import type { Capture } from '../../../engine/sim/capture.ts';

export interface Up {
  readonly lab: SimLab;
  readonly c: CalicoCluster;
  readonly converged: { converged: boolean; virtualMs: number };
  readonly wallMs: number;
}

/** Loads a shipped topology; `pool` overrides fields of its IPPool manifest(s). */
export async function topology(file: string, pool?: Record<string, unknown>): Promise<Topology> {
  const loaded = await loadTopology(file);
  if (!loaded.topology) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  if (!pool) return loaded.topology;
  const calico: CalicoManifest[] = loaded.topology.calico.map((m) => (m.kind !== 'IPPool' ? m : {
    ...m, manifest: { ...m.manifest, spec: { ...(m.manifest.spec as Record<string, unknown>), ...pool } },
  }));
  return { ...loaded.topology, calico };
}

/** Deploys, starts Calico, adds `pods` ([node, name] pairs in namespace default) and converges. */
export async function up(t: Topology, pods: readonly (readonly [string, string])[] = []): Promise<Up> {
  const t0 = performance.now();
  const lab = SimLab.deploy(t);
  const c = await startCalico(lab);
  for (const [node, name] of pods) await c.addPod(node, 'default', name, { app: name });
  const converged = c.converge(120_000);
  return { lab, c, converged, wallMs: performance.now() - t0 };
}

/** The blocks IPAM made affine to a node, read from the datastore. */
export async function blocksOf(c: CalicoCluster, node: string): Promise<string[]> {
  const r = await c.ds.list(affinityPrefix(node, 4));
  return r.kvs.map((kv) => parseAffinityKey(kv.key)!.cidr);
}

/** A node's VXLAN tunnel address, read from its Node resource. */
export async function vtepOf(c: CalicoCluster, node: string): Promise<string> {
  const kv = await c.ds.get(resourceKey('Node', node));
  return (kv!.value as { spec: { ipv4VXLANTunnelAddr: string } }).spec.ipv4VXLANTunnelAddr;
}

/** `ip route` of a node, one trimmed line per route. */
export function routes(up: Up, node: string): string[] {
  return up.lab.exec(node, 'ip route').stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Pings pod `to` from pod `from`; returns ping's stdout. */
export function podPing(up: Up, from: string, to: string, count = 2): string {
  const a = up.c.pod(`default/${from}`);
  const b = up.c.pod(`default/${to}`);
  return up.lab.exec(a.podNode, `ping -c ${count} -i 0.2 ${b.ip}`).stdout;
}

/** IPv4 protocol numbers of the frames a capture recorded since index `from`, BGP's TCP left out (keepalives come and go). */
export function ipProtocols(cap: Capture, from: number): number[] {
  return cap.records.slice(from).map((r) => r.frame.payload)
    .filter((p) => !(p instanceof Uint8Array) && p.kind === 'ipv4')
    .map((p) => (p as { protocol: number }).protocol)
    .filter((proto) => proto !== 6);
}

/** Writes the capture as pcap and runs tshark over it with `args`; returns its stdout lines. */
export function tshark(cap: Capture, file: string, args: readonly string[]): string[] {
  writeFileSync(file, cap.toPcap());
  return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
}
