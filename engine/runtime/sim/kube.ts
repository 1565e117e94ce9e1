/**
 * Kubernetes on the simulator: the KubeHost of a SimLab running Calico. Pods are created
 * through Calico's sim CNI and serve their declared ports with the built-in servers (HTTP
 * answering the pod's name on TCP, the name as a datagram on UDP); kube-proxy's tools run
 * against each node's simulated netfilter.
 */
import type { CalicoCluster } from '../../calico/cluster/cluster.ts';
import { KubeCluster } from '../../kube/cluster.ts';
import type { HostPod, KubeHost } from '../../kube/cluster.ts';
import type { ContainerPort, KubeNode, Protocol } from '../../kube/types.ts';
import { formatIPv4 } from '../../net/ip.ts';
import { makeIpv4, makeUdp } from '../../net/codec/index.ts';
import type { UdpDatagram } from '../../net/packet.ts';
import { startHttpServer } from '../../sim/apps/http.ts';
import { sctpListen } from '../../sim/sctp.ts';
import { nextId } from '../../sim/icmp.ts';
import { ipLocalOut } from '../../sim/ipv4-output.ts';
import type { Kernel } from '../../sim/kernel.ts';
import { iptables, iptablesRestore, iptablesSave } from '../../sim/netfilter/index.ts';
import type { SimLab } from './sim-lab.ts';
import { isPolicyManifest } from '../../calico/policy/index.ts';
import { appliedPolicies, applyPolicy, deletePolicy, resync } from '../../calico/cluster/policy-store.ts';
import { KubeError } from '../../kube/cluster.ts';
import { localServiceRoutes } from '../../kube/advertise.ts';

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
  const pod = (p: { namespace: string; name: string; node: string; ip: string; workload: { labels: Record<string, string>; ports?: readonly { name: string; port: number; protocol?: string | number }[] } }): HostPod => {
    const named = p.workload.ports ?? [];
    return {
      namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, labels: p.workload.labels,
      ...(named.length ? { containerPorts: named.map((x) => ({ name: x.name, containerPort: x.port, protocol: (x.protocol === 'UDP' || x.protocol === 'SCTP' ? x.protocol : 'TCP') as Protocol })) } : {}),
    };
  };
  return {
    nodes: () => nodes,
    pods: () => [...c.pods.values()].map(pod),
    now: () => lab.world.clock.nowMs(),
    async createPod(node, namespace, name, labels, ports: readonly ContainerPort[]) {
      const p = await c.addPod(node, namespace, name, labels);
      const k = lab.kernel(p.podNode);
      // Every server answers with the pod's name: HTTP on TCP, a datagram on UDP, a DATA message on SCTP.
      const named = new TextEncoder().encode(`${name}\n`);
      servers.set(`${namespace}/${name}`, ports.map((cp) => (cp.protocol === 'UDP' ? startUdpNameServer(k, cp.containerPort, name)
        : cp.protocol === 'SCTP' ? sctpListen(k, cp.containerPort, () => named) : startHttpServer(k, cp.containerPort, name))));
      return pod(p);
    },
    async deletePod(namespace, name) {
      for (const close of servers.get(`${namespace}/${name}`) ?? []) close();
      servers.delete(`${namespace}/${name}`);
      await c.removePod(namespace, name);
    },
    batch: (fn) => c.batch(fn),
    iptablesSave: async (node, table) => iptablesSave(lab.netfilter(node), ['-t', table]).stdout,
    iptablesRestore: async (node, text) => iptablesRestore(lab.netfilter(node), ['--noflush'], text),
    iptables: async (node, argv) => iptables(lab.netfilter(node), argv),
    namespaces: () => c.namespaces,
    networkPolicies: () => appliedPolicies(c).filter((m) => String(m.apiVersion).startsWith('networking.k8s.io/')),
    setPodLabels: async (namespace, name, labels) => { await c.relabelPod(namespace, name, labels); },
    async applyOther(m) {
      const meta = (m.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
      const name = String(meta.name ?? '');
      if (m.apiVersion === 'v1' && m.kind === 'Namespace') {
        const had = c.namespaces.some((n) => n.name === name);
        c.namespaces = [...c.namespaces.filter((n) => n.name !== name), { name, labels: { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': name } }];
        await resync(c);
        return `namespace/${name} ${had ? 'configured' : 'created'}`;
      }
      if (isPolicyManifest(m)) {
        let existed: boolean;
        try {
          ({ existed } = await applyPolicy(c, m));
        } catch (e) {
          throw new KubeError(`The ${String(m.kind)} "${name}" is invalid: ${(e as Error).message}`);
        }
        return `${String(m.apiVersion).startsWith('networking.k8s.io/') ? 'networkpolicy.networking.k8s.io' : `${String(m.kind).toLowerCase()}.projectcalico.org`}/${name} ${existed ? 'configured' : 'created'}`;
      }
      if (String(m.apiVersion).startsWith('projectcalico.org/')) {
        try {
          await c.apply(m);
        } catch (e) {
          throw new KubeError(`The ${String(m.kind)} "${name}" is invalid: ${(e as Error).message}`);
        }
        return `${String(m.kind).toLowerCase()}.projectcalico.org/${name} configured`;
      }
      throw new KubeError(`error: resource mapping not found for name: "${name}" namespace: "${meta.namespace ?? ''}" from "": no matches for kind "${String(m.kind)}" in version "${String(m.apiVersion)}"\nensure CRDs are installed first`);
    },
    async deleteOther(kind, name, namespace) {
      if (kind === 'Namespace') {
        if (!c.namespaces.some((n) => n.name === name)) throw new KubeError(`Error from server (NotFound): namespaces "${name}" not found`);
        c.namespaces = c.namespaces.filter((n) => n.name !== name);
        await resync(c);
        return `namespace "${name}" deleted`;
      }
      if (kind === 'NetworkPolicy') {
        if (!(await deletePolicy(c, 'KubernetesNetworkPolicy', name, namespace))) throw new KubeError(`Error from server (NotFound): networkpolicies.networking.k8s.io "${name}" not found`);
        return `networkpolicy.networking.k8s.io "${name}" deleted`;
      }
      throw new KubeError(`error: podlab's kubectl deletes Calico resources through calicoctl (calicoctl delete ${kind.toLowerCase()} ${name})`);
    },
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

/** A KubeCluster over a SimLab's Calico cluster; Calico's confd asks it which Service /32s each node advertises. */
export function startKube(lab: SimLab, c: CalicoCluster, seed = 1): KubeCluster {
  const cidr = clusterCIDROf(lab);
  const host = simKubeHost(lab, c);
  const k = new KubeCluster({ ...host, serviceRoutesChanged: () => c.resyncServiceRoutes() }, { seed, ...(cidr ? { clusterCIDR: cidr } : {}) });
  c.serviceRoutes = (node, ranges) => localServiceRoutes(node, [...k.services.values()], k.slices, ranges);
  return k;
}
