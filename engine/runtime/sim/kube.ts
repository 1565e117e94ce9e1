/**
 * Kubernetes on the simulator: the KubeHost of a SimLab running Calico. Pods are created
 * through Calico's sim CNI and serve their declared ports with the built-in servers (HTTP
 * answering the pod's name on TCP, the name as a datagram on UDP); kube-proxy's tools run
 * against each node's simulated netfilter.
 */
import type { CalicoCluster } from '../../calico/cluster/cluster.ts';
import { KubeCluster } from '../../kube/cluster.ts';
import type { HostPod, KubeHost } from '../../kube/cluster.ts';
import type { ContainerPort, KubeNode } from '../../kube/types.ts';
import { formatIPv4 } from '../../net/ip.ts';
import { makeIpv4, makeUdp } from '../../net/codec/index.ts';
import type { UdpDatagram } from '../../net/packet.ts';
import { startHttpServer } from '../../sim/apps/http.ts';
import { nextId } from '../../sim/icmp.ts';
import { ipLocalOut } from '../../sim/ipv4-output.ts';
import type { Kernel } from '../../sim/kernel.ts';
import { iptables, iptablesRestore, iptablesSave } from '../../sim/netfilter/index.ts';
import type { SimLab } from './sim-lab.ts';

/** A UDP server answering each datagram with the pod's name. */
function startUdpNameServer(k: Kernel, port: number, name: string): () => void {
  if (k.udpSockets.has(port)) throw new Error(`UDP port ${port} is already in use`);
  k.udpSockets.set(port, (pkt) => {
    const u = pkt.payload as UdpDatagram;
    ipLocalOut(k, makeIpv4({ src: pkt.dst, dst: pkt.src, payload: makeUdp(u.dstPort, u.srcPort, new TextEncoder().encode(`${name}\n`)), id: nextId(k) }), {});
  });
  return () => k.udpSockets.delete(port);
}

/** The KubeHost of a SimLab whose Calico cluster is `c`. */
export function simKubeHost(lab: SimLab, c: CalicoCluster): KubeHost {
  const servers = new Map<string, (() => void)[]>();
  const nodes: KubeNode[] = lab.topology.nodes.filter((n) => n.kind === 'k8s-node').map((n) => {
    const a = n.interfaces.find((i) => i.address)?.address;
    return { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels }, internalIP: a ? formatIPv4(a.addr) : '', created: 0 };
  });
  const pod = (p: { namespace: string; name: string; node: string; ip: string; workload: { labels: Record<string, string> } }): HostPod =>
    ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, labels: p.workload.labels });
  return {
    nodes: () => nodes,
    pods: () => [...c.pods.values()].map(pod),
    now: () => lab.world.clock.nowMs(),
    async createPod(node, namespace, name, labels, ports: readonly ContainerPort[]) {
      const p = await c.addPod(node, namespace, name, labels);
      const k = lab.kernel(p.podNode);
      servers.set(`${namespace}/${name}`, ports.map((cp) => (cp.protocol === 'UDP' ? startUdpNameServer(k, cp.containerPort, name) : startHttpServer(k, cp.containerPort, name))));
      return pod(p);
    },
    async deletePod(namespace, name) {
      for (const close of servers.get(`${namespace}/${name}`) ?? []) close();
      servers.delete(`${namespace}/${name}`);
      await c.removePod(namespace, name);
    },
    iptablesSave: async (node, table) => iptablesSave(lab.netfilter(node), ['-t', table]).stdout,
    iptablesRestore: async (node, text) => iptablesRestore(lab.netfilter(node), ['--noflush'], text),
    iptables: async (node, argv) => iptables(lab.netfilter(node), argv),
  };
}

/** The first IPPool's CIDR: kube-proxy's --cluster-cidr on a Calico cluster. */
export function clusterCIDROf(lab: SimLab): string | undefined {
  for (const m of lab.topology.calico) {
    if (m.kind !== 'IPPool') continue;
    const cidr = (m.manifest.spec as { cidr?: unknown } | undefined)?.cidr;
    if (typeof cidr === 'string' && !cidr.includes(':')) return cidr;
  }
  return undefined;
}

/** A KubeCluster over a SimLab's Calico cluster. */
export function startKube(lab: SimLab, c: CalicoCluster, seed = 1): KubeCluster {
  const cidr = clusterCIDROf(lab);
  return new KubeCluster(simKubeHost(lab, c), { seed, ...(cidr ? { clusterCIDR: cidr } : {}) });
}
