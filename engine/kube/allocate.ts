/**
 * Service addresses and node ports, allocated deterministically: the API server picks them
 * at random; podlab derives them from the Service's name (fnv32a) and probes upwards on a
 * collision, so the same scenario always gets the same ClusterIP and NodePort whatever order
 * things were applied in. The `kubernetes` Service takes the range's first address, as on a
 * kubeadm cluster (10.96.0.1).
 */
import { formatIPv4, parseIPv4, parsePrefix4, prefixContains } from '../net/ip.ts';
import { fnv32a } from './names.ts';

/** kube-apiserver's --service-cluster-ip-range default on kubeadm clusters. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** --service-node-port-range default. */
export const NODE_PORT_RANGE = { lo: 30000, hi: 32767 } as const;

/** A ClusterIP for `ns/name` not in `used` (KubeAllocError-style message when the range is full or the ask is outside it). */
export function allocateClusterIP(key: string, cidr: string, used: ReadonlySet<string>, asked?: string): string {
  const p = parsePrefix4(cidr);
  if (asked !== undefined) {
    if (!prefixContains(p, parseIPv4(asked))) throw new Error(`spec.clusterIP: Invalid value: "${asked}": provided IP is not in the valid range. The range of valid IPs is ${cidr}`);
    if (used.has(asked)) throw new Error(`spec.clusterIP: Invalid value: "${asked}": provided IP is already allocated`);
    return asked;
  }
  const size = 2 ** (32 - p.len);
  // Skip the network address and .1 (the kubernetes Service's); avoid the broadcast-looking last one.
  const span = size - 3;
  const start = fnv32a(key) % span;
  for (let i = 0; i < span; i++) {
    const ip = formatIPv4((p.addr + 2 + ((start + i) % span)) >>> 0);
    if (!used.has(ip)) return ip;
  }
  throw new Error(`failed to allocate a serviceIP: range is full (${cidr})`);
}

/** The first address of the range (the `kubernetes` Service's ClusterIP). */
export function firstServiceIP(cidr: string): string {
  return formatIPv4((parsePrefix4(cidr).addr + 1) >>> 0);
}

/** A node port for `ns/name:port` not in `used`, or the asked one when it is free. */
export function allocateNodePort(key: string, used: ReadonlySet<number>, asked?: number): number {
  if (asked !== undefined) {
    if (used.has(asked)) throw new Error(`spec.ports[].nodePort: Invalid value: ${asked}: provided port is already allocated`);
    return asked;
  }
  const span = NODE_PORT_RANGE.hi - NODE_PORT_RANGE.lo + 1;
  const start = fnv32a(key) % span;
  for (let i = 0; i < span; i++) {
    const port = NODE_PORT_RANGE.lo + ((start + i) % span);
    if (!used.has(port)) return port;
  }
  throw new Error('failed to allocate a nodePort: range is full');
}
