/**
 * The EndpointSlice controller as a function: for a Service with a selector, the pods of its
 * namespace whose labels match, each with the Service's ports resolved against the pod
 * (`targetPort` a number, or a container port's name). Pods that resolve the ports the same
 * way share a slice, as the controller groups them; headless and selector-less Services get
 * none (a user manages those).
 */
import { NameSuffixes, fnv32a } from './names.ts';
import type { EndpointSlice, KubePod, Protocol, Service } from './types.ts';

/** True when every selector label is on the pod (an empty selector selects nothing for Services). */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The port a pod serves a Service port on, or undefined when a named targetPort is not declared. */
export function resolveTargetPort(target: number | string, protocol: Protocol, pod: KubePod): number | undefined {
  if (typeof target === 'number') return target;
  return pod.containerPorts.find((p) => p.name === target && p.protocol === protocol)?.containerPort;
}

/** The EndpointSlices of one Service (sorted by pod name inside each slice). */
export function endpointSlices(svc: Service, pods: readonly KubePod[]): EndpointSlice[] {
  if (!svc.selector) return [];
  const groups = new Map<string, { ports: EndpointSlice['ports']; pods: KubePod[] }>();
  const members = pods.filter((p) => p.namespace === svc.namespace && selects(svc.selector, p.labels))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const pod of members) {
    // A port the pod cannot resolve (a named targetPort it does not declare) is left out of its
    // endpoint, as the controller's getEndpointPorts skips it; the pod still backs the others.
    const ports = svc.ports.map((sp) => ({ name: sp.name, port: resolveTargetPort(sp.targetPort, sp.protocol, pod), protocol: sp.protocol }))
      .filter((p) => p.port !== undefined);
    if (ports.length === 0) continue;
    const key = ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ports as EndpointSlice['ports'], pods: [] }));
    g.pods.push(pod);
  }
  // Stable generated names: the same Service always gets the same slice names.
  const names = new NameSuffixes(fnv32a(`${svc.namespace}/${svc.name}`));
  const out: EndpointSlice[] = [];
  if (groups.size === 0) {
    // The controller keeps one empty slice with the Service's ports so watchers see "no endpoints".
    out.push({ namespace: svc.namespace, name: `${svc.name}-${names.next()}`, service: svc.name, ports: [], endpoints: [] });
    return out;
  }
  for (const g of groups.values()) {
    out.push({
      namespace: svc.namespace, name: `${svc.name}-${names.next()}`, service: svc.name, ports: g.ports,
      endpoints: g.pods.map((p) => ({ ip: p.ip, nodeName: p.node, pod: p.name, ready: true })),
    });
  }
  return out;
}
