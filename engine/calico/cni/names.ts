/**
 * Names the Calico CNI plugin derives for a Kubernetes pod (cni-plugin k8s.go,
 * libcalico-go names): the host-side veth, the WorkloadEndpoint name, the IPAM handle; and
 * podlab's name for the pod's network namespace in the simulated World.
 */
import { hash } from 'node:crypto';

/** Host-side veth: `cali` + first 11 hex of SHA-1("<namespace>.<pod>") (15 characters). */
export function vethName(namespace: string, pod: string, prefix = 'cali'): string {
  // One-shot hash: a Hash object per pod costs more than the digest itself.
  return prefix + hash('sha1', `${namespace}.${pod}`, 'hex').slice(0, 11);
}

/**
 * The World node holding a pod's namespace: `<pod>.<namespace>.<node>`. Pod, namespace and
 * node names are DNS labels, so this is a DNS subdomain (readable in the UI, usable as a
 * hostname) and cannot collide with a topology node, whose names have no dots.
 */
export function podNodeName(node: string, namespace: string, pod: string): string {
  return `${pod}.${namespace}.${node}`;
}

/** libcalico-go's WorkloadEndpoint name: `<node>-k8s-<pod>-<endpoint>`, each part's `-` doubled. */
export function workloadEndpointName(node: string, pod: string, endpoint = 'eth0'): string {
  const esc = (s: string): string => s.replace(/-/g, '--');
  return `${esc(node)}-k8s-${esc(pod)}-${esc(endpoint)}`;
}
