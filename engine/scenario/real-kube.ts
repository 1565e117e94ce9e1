/**
 * Kubernetes on real nodes: the KubeHost the Kubernetes layer (engine/kube: controllers,
 * EndpointSlices, kube-proxy's rules) drives on a RealCluster. kube-proxy's chains are written
 * the way kube-proxy writes them — `iptables-restore --noflush` of its own KUBE-* chains
 * (re-sent only when they change) and `iptables -I` of its jumps — with the node's real
 * iptables, beside Felix's cali-* chains, which the Linux driver also writes with --noflush
 * and never touches otherwise. They live in the node's network namespace and go with it.
 *
 * A pod serves each declared containerPort with `socat` in the pod's namespace, answering
 * every TCP connection with an HTTP/1.1 200 whose body is the pod's name (UDP: the name as a
 * datagram), as the simulator's built-in servers do, so `curl` shows which backend answered.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../model/types.ts';
import { formatIPv4 } from '../net/ip.ts';
import type { HostPod, HostResult, KubeHost } from '../kube/cluster.ts';
import type { ContainerPort, KubeNode } from '../kube/types.ts';
import type { Exec } from '../runtime/linux/exec.ts';
import { localExec } from '../runtime/linux/exec.ts';
import type { PodInfo } from './cluster-control.ts';

/** What the KubeHost needs of the real cluster. */
export interface RealKubeCluster {
  readonly topology: Topology;
  /** The lab's directory (the servers' response files go under it). */
  readonly dir: string;
  exec(node: string): Exec;
  /**
   * Starts a long-running process in the engine's own namespaces, marked as the lab's (pod
   * namespaces are the engine's `ip netns` entries, which a node's mount namespace may not see).
   */
  spawnLocal(argv: readonly string[], logFile: string): ChildProcess;
  pods(): ReadonlyMap<string, PodInfo & { readonly netns: string }>;
  addPod(node: string, namespace: string, name: string, opts: { labels: Record<string, string>; spec?: unknown }): Promise<PodInfo>;
  removePod(namespace: string, name: string): Promise<void>;
}

/** The HTTP answer of a pod's server: its name as a text/plain body. */
export function nameResponse(name: string): string {
  const body = `${name}\n`;
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * socat's argv for one port: a forking listener that sends the file to each client (`-U`:
 * file → socket only; the request is not read back into the file).
 */
export function serverArgv(netns: string, port: ContainerPort, file: string): string[] {
  const listen = port.protocol === 'UDP' ? `UDP-RECVFROM:${port.containerPort},fork` : `TCP-LISTEN:${port.containerPort},fork,reuseaddr`;
  return ['ip', 'netns', 'exec', netns, 'socat', '-U', listen, `OPEN:${file},rdonly`];
}

function result(r: { stdout: string; stderr: string; code: number }): HostResult {
  return { stdout: r.stdout, stderr: r.stderr, code: r.code };
}

/** The pod servers of a real cluster: started per pod, stopped with it or all at once. */
export interface PodServers {
  /** Starts a server on each TCP/UDP port in the pod's namespace and waits until TCP ones listen (SCTP: none yet — this machine's kernel has no sctp module to try socat's SCTP-LISTEN on). */
  serve(namespace: string, name: string, netns: string, ports: readonly ContainerPort[]): Promise<void>;
  /** Stops one pod's servers. */
  stop(namespace: string, name: string): void;
  /** Stops every server (the lab's teardown). */
  stopAll(): void;
}

/** socat servers answering with the pod's name, one per declared port, marked as the lab's. */
export function podServers(c: Pick<RealKubeCluster, 'dir' | 'spawnLocal'>): PodServers {
  const servers = new Map<string, ChildProcess[]>();
  const dir = join(c.dir, 'pod-servers');
  const stop = (key: string): void => {
    for (const p of servers.get(key) ?? []) p.kill('SIGTERM');
    servers.delete(key);
  };
  return {
    async serve(namespace, name, netns, ports) {
      const key = `${namespace}/${name}`;
      stop(key);
      mkdirSync(dir, { recursive: true });
      const procs: ChildProcess[] = [];
      for (const p of ports) {
        if (p.protocol === 'SCTP') continue;
        const file = join(dir, `${namespace}_${name}_${p.protocol}_${p.containerPort}`);
        writeFileSync(file, p.protocol === 'UDP' ? `${name}\n` : nameResponse(name));
        procs.push(c.spawnLocal(serverArgv(netns, p, file), `${file}.log`));
      }
      servers.set(key, procs);
      await waitListening(localExec, netns, ports.filter((p) => p.protocol === 'TCP').map((p) => p.containerPort));
    },
    stop: (namespace, name) => stop(`${namespace}/${name}`),
    stopAll() {
      for (const key of [...servers.keys()]) stop(key);
    },
  };
}

/** The KubeHost of a real cluster: pods through the cluster's CNI, each serving its declared ports with `servers`. */
export function realKubeHost(c: RealKubeCluster, servers: PodServers): KubeHost {
  const nodes: KubeNode[] = c.topology.nodes.filter((n) => n.kind === 'k8s-node').map((n) => {
    const a = n.interfaces.find((i) => i.address)?.address;
    return { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels }, internalIP: a ? formatIPv4(a.addr) : '', created: 0 };
  });
  const hostPod = (p: PodInfo): HostPod => ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, labels: p.labels });
  return {
    nodes: () => nodes,
    pods: () => [...c.pods().values()].map(hostPod),
    now: () => Date.now(),
    async createPod(node, namespace, name, labels, ports) {
      const spec = { containers: [{ name: 'app', ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol })) }] };
      const pod = await c.addPod(node, namespace, name, { labels, spec });
      await servers.serve(namespace, name, c.pods().get(`${namespace}/${name}`)!.netns, ports);
      return hostPod(pod);
    },
    async deletePod(namespace, name) {
      servers.stop(namespace, name);
      await c.removePod(namespace, name);
    },
    iptablesSave: async (node, table) => (await c.exec(node)(['iptables-save', '-t', table])).stdout,
    iptablesRestore: async (node, text) => result(await c.exec(node)(['iptables-restore', '-w', '5', '--noflush'], { stdin: text })),
    iptables: async (node, argv) => result(await c.exec(node)(['iptables', '-w', ...argv])),
  };
}

/** Waits (at most 5 s) until the pod's TCP servers listen, as a readiness probe would. */
async function waitListening(exec: Exec, netns: string, ports: readonly number[]): Promise<void> {
  if (ports.length === 0) return;
  for (let i = 0; i < 50; i++) {
    const r = await exec(['ip', 'netns', 'exec', netns, 'ss', '-Htln']);
    const open = new Set([...r.stdout.matchAll(/:(\d+)\s/g)].map((m) => Number(m[1])));
    if (ports.every((p) => open.has(p))) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}
