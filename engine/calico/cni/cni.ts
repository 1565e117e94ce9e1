/**
 * The Calico CNI plugin's ADD and DEL for a Kubernetes pod on a simulated node
 * (cni-plugin/pkg/k8s + dataplane/linux, v3.29):
 *
 * ADD: IPAM assigns one IPv4 address with handle `k8s-pod-network.<containerID>`; a veth
 * pair joins the pod's namespace (`eth0`, the /32, `169.254.1.1 dev eth0 scope link`,
 * `default via 169.254.1.1 dev eth0`) to the host (`cali…`, MAC ee:ee:ee:ee:ee:ee, up,
 * proxy_arp/forwarding/route_localnet, the `/32 dev cali… scope link` route); the
 * WorkloadEndpoint is written to the datastore. Felix then programs policy and takes over
 * the route (same shape).
 * DEL: removes the veth (and with it the route and the pod's eth0), releases the handle and
 * deletes the WorkloadEndpoint. Idempotent, as CNI DEL must be.
 *
 * Failures surface as CniError naming the pod, with Calico's own text inside
 * (`plugin type="calico" failed (add): failed to request IPv4 addresses: …`).
 */
import { parseIPv4, parsePrefix4 } from '../../net/ip.ts';
import type { KernelOps, KernelState } from '../../sim/types.ts';
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { resourceKey } from '../datastore/index.ts';
import type { FelixWorkload } from '../felix/types.ts';
import { felixWorkloadOf } from '../felix/sync.ts';
import type { NamedPort } from '../policy/index.ts';
import { assignPodAddress, podAttributes, podHandle } from '../ipam/index.ts';
import type { IpamClient } from '../ipam/index.ts';
import { podNodeName, vethName, workloadEndpointName } from './names.ts';

/** A kernel the plugin programs (a sim Kernel satisfies it). */
export type CniKernel = KernelOps & { readonly state: KernelState };

/** Where pods' namespaces live (the simulator's World satisfies it). */
export interface CniWorld {
  kernel(name: string): CniKernel | undefined;
  /** A new namespace; `named` gives it a /var/run/netns name, as containerd names pod namespaces. */
  addNode(name: string, opts?: { named?: boolean }): CniKernel;
}

/** A CNI failure for one pod: what kubelet would report, with the pod named. */
export class CniError extends Error {
  override name = 'CniError';
  constructor(readonly pod: string, readonly op: 'add' | 'del', readonly detail: string) {
    super(`pod ${pod}: plugin type="calico" failed (${op}): ${detail}`);
  }
}

/** The gateway every Calico pod routes through (answered by proxy ARP on the host veth). */
export const POD_GATEWAY = '169.254.1.1';
/** The host-side veth MAC Calico sets. */
export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';

/** Arguments of DEL (and the identity part of ADD's). */
export interface CniDelArgs {
  readonly world: CniWorld;
  readonly ds: Datastore;
  readonly ipam: IpamClient;
  readonly node: string;
  readonly namespace: string;
  readonly pod: string;
  readonly containerId: string;
}

/** Arguments of ADD: DEL's, plus what the new veth and its address need. */
export interface CniAddArgs extends CniDelArgs {
  /** The veth MTU (Felix's pod MTU, what /var/lib/calico/mtu holds). */
  readonly mtu: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** The pod's named container ports (the endpoint's spec.ports, for named-port rules). */
  readonly ports?: readonly NamedPort[];
  readonly nodeLabels?: Record<string, string>;
  /** IPAM timestamp attribute; the simulator passes virtual time. */
  readonly now?: Date;
  /**
   * A fixed address, as the `cni.projectcalico.org/ipAddrs` pod annotation asks: IPAM assigns
   * exactly it (AssignIP) under the pod's handle instead of auto-assigning.
   */
  readonly ip?: string;
}

/** What ADD did. */
export interface CniResult {
  readonly podNode: string;
  readonly hostIface: string;
  readonly ip: string;
  readonly podMac: string;
  readonly mtu: number;
  readonly handle: string;
  readonly wepKey: string;
  /** The endpoint as Felix reads it. */
  readonly workload: FelixWorkload;
}

function rt(k: CniKernel, dst: string, dev: string, via?: string): void {
  const route: Parameters<CniKernel['addRoute']>[0] = {
    table: 254, type: 'unicast', dst: parsePrefix4(dst), protocol: 3, scope: via ? 'global' : 'link', metric: 0, onlink: false, dev,
  };
  if (via) route.gateway = parseIPv4(via);
  k.addRoute(route, 'replace');
}

/**
 * Kernel implementations (by constructor) that refused a neigh.* sysctl: what a kernel models
 * is its implementation's, so every node of that kind would only throw again (an exception
 * each, on each node's first pod).
 */
const NO_NEIGH_SYSCTLS = new WeakSet<object>();

function trySysctl(k: CniKernel, key: string, value: string): void {
  const neigh = key.includes('.neigh.');
  const ctor = (k as { constructor?: object }).constructor;
  const impl = ctor && ctor !== Object ? ctor : k; // a plain object stands for itself
  if (neigh && NO_NEIGH_SYSCTLS.has(impl)) return;
  try {
    k.setSysctl(key, value);
  } catch (e) {
    // The simulator does not model neigh.*.proxy_delay; everything else must work.
    if (!neigh) throw e;
    NO_NEIGH_SYSCTLS.add(impl);
  }
}

/** The WorkloadEndpoint resource the plugin writes (projectcalico.org/v3). */
export function workloadEndpointResource(a: CniAddArgs, iface: string, ip: string, mac: string): JsonValue {
  const sa = a.serviceAccount ?? 'default';
  // Assignments in the order the spreads gave (the pod's labels, then Calico's; ports last):
  // spread literals cost a runtime call each, on every pod.
  const labels: Record<string, string> = {};
  if (a.labels) for (const k in a.labels) labels[k] = a.labels[k]!;
  labels['projectcalico.org/namespace'] = a.namespace;
  labels['projectcalico.org/orchestrator'] = 'k8s';
  labels['projectcalico.org/serviceaccount'] = sa;
  const spec: Record<string, JsonValue> = {
    orchestrator: 'k8s', node: a.node, containerID: a.containerId, pod: a.pod, endpoint: 'eth0', serviceAccountName: sa,
    ipNetworks: [`${ip}/32`], profiles: [`kns.${a.namespace}`, `ksa.${a.namespace}.${sa}`], interfaceName: iface, mac,
  };
  if (a.ports?.length) spec.ports = a.ports.map((p) => ({ name: p.name, protocol: String(p.protocol ?? 'TCP'), port: p.port }));
  return {
    apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint',
    metadata: { name: workloadEndpointName(a.node, a.pod), namespace: a.namespace, labels },
    spec,
  };
}

/** CNI ADD: address, veth, routes, WorkloadEndpoint. Throws CniError naming the pod. */
export async function cniAdd(a: CniAddArgs): Promise<CniResult> {
  const who = `${a.namespace}/${a.pod}`;
  const host = a.world.kernel(a.node);
  if (!host) throw new CniError(who, 'add', `node "${a.node}" does not exist`);
  const iface = vethName(a.namespace, a.pod);
  let ip: string;
  try {
    if (a.ip !== undefined) {
      await a.ipam.assignIP({
        ip: a.ip, hostname: a.node, handleId: podHandle(a.containerId),
        attrs: podAttributes({ namespace: a.namespace, pod: a.pod, node: a.node, now: a.now ?? new Date(0) }),
      });
      ip = a.ip;
    } else {
      ip = await assignPodAddress(a.ipam, {
        containerId: a.containerId, namespace: a.namespace, pod: a.pod, node: a.node, now: a.now ?? new Date(0), nodeLabels: a.nodeLabels,
      });
    }
  } catch (e) {
    throw new CniError(who, 'add', (e as Error).message.trim());
  }
  const podNode = podNodeName(a.node, a.namespace, a.pod);
  const handle = podHandle(a.containerId);
  try {
    // The runtime makes the pod's namespace with a name under /var/run/netns (containerd's
    // cni-…), so the node's `ip link` prints `link-netns NAME` for the pod's veth.
    const pk = a.world.kernel(podNode) ?? a.world.addNode(podNode, { named: true });
    // The container runtime brings the new namespace's lo up before it calls the plugin
    // (containerd's loopback setup); the pod's own 127.0.0.1 depends on it.
    pk.setLink('lo', { up: true });
    host.addLink({ kind: 'veth', name: iface, peerName: 'eth0', peerNode: podNode, mtu: a.mtu });
    host.setLink(iface, { mac: HOST_VETH_MAC });
    trySysctl(host, `net.ipv4.conf.${iface}.route_localnet`, '1');
    trySysctl(host, `net.ipv4.neigh.${iface}.proxy_delay`, '0');
    trySysctl(host, `net.ipv4.conf.${iface}.proxy_arp`, '1');
    trySysctl(host, `net.ipv4.conf.${iface}.forwarding`, '1');
    host.setLink(iface, { up: true });
    pk.setLink('eth0', { up: true });
    pk.addAddress('eth0', parsePrefix4(`${ip}/32`));
    rt(pk, `${POD_GATEWAY}/32`, 'eth0');
    rt(pk, '0.0.0.0/0', 'eth0', POD_GATEWAY);
    rt(host, `${ip}/32`, iface);
    let podMac = '';
    for (const d of pk.state.devices.values()) if (d.name === 'eth0') { podMac = d.mac; break; }
    if (!podMac) throw new Error(`no eth0 in the pod's namespace ${podNode}`);
    const wep = workloadEndpointResource(a, iface, ip, podMac);
    const wepKey = resourceKey('WorkloadEndpoint', workloadEndpointName(a.node, a.pod), a.namespace);
    // The stored value, projected as the syncer cache projected it on the put's watch event.
    const stored = await a.ds.put(wepKey, wep);
    return { podNode, hostIface: iface, ip, podMac, mtu: a.mtu, handle, wepKey, workload: felixWorkloadOf(stored.value) };
  } catch (e) {
    // Leave nothing half-built: CNI's contract on a failed ADD.
    await a.ipam.releaseByHandle(handle).catch(() => undefined);
    if (host.state.devices && [...host.state.devices.values()].some((d) => d.name === iface)) host.delLink(iface);
    throw e instanceof CniError ? e : new CniError(who, 'add', (e as Error).message);
  }
}

/** CNI DEL: veth (with its routes) gone, address released, WorkloadEndpoint deleted. Idempotent. */
export async function cniDel(a: CniDelArgs): Promise<{ released: string[] }> {
  const who = `${a.namespace}/${a.pod}`;
  const host = a.world.kernel(a.node);
  const iface = vethName(a.namespace, a.pod);
  try {
    if (host && [...host.state.devices.values()].some((d) => d.name === iface)) host.delLink(iface);
    const released = await a.ipam.releaseByHandle(podHandle(a.containerId)).catch(() => [] as string[]);
    const key = resourceKey('WorkloadEndpoint', workloadEndpointName(a.node, a.pod), a.namespace);
    if (await a.ds.get(key)) await a.ds.delete(key);
    return { released };
  } catch (e) {
    throw new CniError(who, 'del', (e as Error).message);
  }
}
