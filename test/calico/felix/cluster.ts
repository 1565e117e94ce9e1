/**
 * A small Calico cluster on the simulator for Felix/CNI tests: topologies/two-nodes.yaml
 * deployed through SimLab, an in-memory datastore with IPAM, tunnel addresses allocated as
 * calico-node's allocateip does, Node resources written as calico-node's startup does, pods
 * added through CNI ADD, and Felix (computeDesired + the sim driver) run on every node.
 *
 * BGP is NOT part of this: routes that BIRD would program (IPIP / no-encap block routes and
 * their `proto bird` blackholes) are added by hand by the tests that need them (`addBirdRoute`).
 */
import { loadTopology } from '../../../engine/model/load.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';
import { MemoryDatastore, resourceKey } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, ensureTunnelAddress, putPool } from '../../../engine/calico/ipam/index.ts';
import { FelixAgent, podMtu, readSnapshot } from '../../../engine/calico/felix/index.ts';
import type { FelixConfig, FelixSnapshot, SnapshotExtras } from '../../../engine/calico/felix/index.ts';
import { cniAdd } from '../../../engine/calico/cni/index.ts';
import type { CniResult } from '../../../engine/calico/cni/index.ts';
import { SimDataplane, hostInterfaces } from '../../../engine/runtime/sim/dataplane-driver.ts';
import type { DataplaneChange, DesiredDataplane } from '../../../engine/dataplane/index.ts';
import type { Namespace, Policy, Tier } from '../../../engine/calico/policy/index.ts';

export const NODES = ['master-01', 'worker-01'] as const;
export const NODE_IP: Record<string, string> = { 'master-01': '10.30.200.1', 'worker-01': '10.30.200.2' };

export interface ClusterOptions {
  ipipMode?: 'Always' | 'CrossSubnet' | 'Never';
  vxlanMode?: 'Always' | 'CrossSubnet' | 'Never';
  natOutgoing?: boolean;
  config?: FelixConfig;
  /** Pool CIDR and block size (default 10.5.0.0/16, /26 as two-nodes.yaml). */
  cidr?: string;
  blockSize?: number;
}

export class Cluster {
  readonly drivers = new Map<string, SimDataplane>();
  readonly pods = new Map<string, CniResult>();
  readonly desired = new Map<string, DesiredDataplane>();
  readonly changes = new Map<string, DataplaneChange[]>();
  policies: Policy[] = [];
  tiers: Tier[] = [];
  namespaces: Namespace[] = [];
  private seq = 0;

  constructor(readonly lab: SimLab, readonly ds: MemoryDatastore, readonly ipam: IpamClient, readonly opts: ClusterOptions) {
    for (const n of NODES) this.drivers.set(n, new SimDataplane(lab.kernel(n), lab.netfilter(n)));
  }

  private extras(node: string): SnapshotExtras {
    return {
      nodeName: node, hostInterfaces: hostInterfaces(this.lab.kernel(node)), policies: this.policies, namespaces: this.namespaces, tiers: this.tiers,
      ...(this.opts.config ? { config: this.opts.config } : {}),
    };
  }

  /** Felix's snapshot for a node, read from the datastore. */
  snapshot(node: string): Promise<FelixSnapshot> {
    return readSnapshot(this.ds, this.extras(node));
  }

  /** Runs Felix once on every node (the agent: snapshot → compute → apply); returns the changes per node. */
  async felix(): Promise<Map<string, DataplaneChange[]>> {
    for (const n of NODES) {
      const agent = new FelixAgent(this.ds, this.drivers.get(n)!, () => this.extras(n));
      this.changes.set(n, await agent.sync());
      this.desired.set(n, agent.desired!);
    }
    return this.changes;
  }

  /** CNI ADD of a pod (MTU from Felix's rule), then Felix everywhere. */
  async addPod(node: string, namespace: string, pod: string, labels: Record<string, string> = {}, ip?: string, felix = true, ports: readonly WepPort[] = []): Promise<CniResult> {
    const mtu = podMtu(await this.snapshot(node));
    const r = await cniAdd({
      world: this.lab.world, ds: this.ds, ipam: this.ipam, node, namespace, pod, containerId: `ctr${(++this.seq).toString(16).padStart(6, '0')}`,
      mtu, labels, now: new Date(Date.UTC(2026, 0, 1)), ...(ip ? { ip } : {}),
    });
    if (ports.length) {
      // In KDD mode the WorkloadEndpoint's spec.ports come from the pod's named container ports.
      const kv = await this.ds.get(r.wepKey);
      const wep = kv!.value as { spec: Record<string, unknown> };
      await this.ds.put(r.wepKey, { ...wep, spec: { ...wep.spec, ports: ports.map((p) => ({ ...p })) } } as never);
    }
    this.pods.set(`${namespace}/${pod}`, r);
    if (felix) await this.felix();
    return r;
  }

  /** What BIRD would install: `ip route add DST via GW dev DEV proto bird [onlink]`. */
  addBirdRoute(node: string, line: string): void {
    const r = this.lab.exec(node, `ip route add ${line} proto bird`);
    if (r.code !== 0) throw new Error(`${node}: ip route add ${line}: ${r.stderr}`);
  }

  /** Runs a command in a pod's namespace. */
  podExec(key: string, cmd: string | string[]): ReturnType<SimLab['exec']> {
    const p = this.pods.get(key);
    if (!p) throw new Error(`no pod ${key}`);
    return this.lab.exec(p.podNode, cmd);
  }
}

/** A WorkloadEndpoint `spec.ports` entry (a named container port). */
export interface WepPort {
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
}

/** Deploys two-nodes.yaml, sets up Calico's datastore state for the pool mode, runs Felix once. */
export async function cluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const loaded = await loadTopology('topologies/two-nodes.yaml');
  if (!loaded.topology) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const lab = SimLab.deploy(loaded.topology);
  // two-nodes.yaml gives every node a default route via gw (10.30.200.254): Linux answers
  // proxy ARP for 169.254.1.1 only when it can route that address out of another interface.
  const ds = new MemoryDatastore();
  const ipam = new IpamClient(ds);
  const ipipMode = opts.ipipMode ?? 'Never';
  const vxlanMode = opts.vxlanMode ?? 'Never';
  await putPool(ds, { name: 'default-ipv4-ippool', spec: { cidr: opts.cidr ?? '10.5.0.0/16', blockSize: opts.blockSize ?? 26, ipipMode, vxlanMode, natOutgoing: opts.natOutgoing ?? true } });
  for (const n of NODES) {
    const spec: Record<string, unknown> = { bgp: { ipv4Address: `${NODE_IP[n]}/24` } };
    if (ipipMode !== 'Never') (spec.bgp as Record<string, unknown>).ipv4IPIPTunnelAddr = await ensureTunnelAddress(ipam, n, 'ipip');
    if (vxlanMode !== 'Never') spec.ipv4VXLANTunnelAddr = await ensureTunnelAddress(ipam, n, 'vxlan');
    await ds.put(resourceKey('Node', n), { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } }, spec: spec as never });
  }
  const c = new Cluster(lab, ds, ipam, opts);
  await c.felix();
  return c;
}
