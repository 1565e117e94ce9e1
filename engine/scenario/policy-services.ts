/**
 * What Calico's policy reads of Kubernetes objects Felix does not own: a Service's
 * EndpointSlices as the endpoints `services:` rules match, and a Pod's labels after a merge
 * patch (`kubectl label`, a scenario `patch` of a Pod), and the ports a pod's test servers
 * listen on. Pure: the cluster controls call them.
 */
import type { ServiceEndpoints } from '../calico/policy/index.ts';
import type { EndpointSlice } from '../kube/types.ts';
import type { ServerPort } from './sim-nc.ts';

/** Each Service's ready endpoints × its slice ports (what Felix's service index keeps), sorted by key. */
export function policyServices(slices: ReadonlyMap<string, readonly EndpointSlice[]>): ServiceEndpoints[] {
  const out: ServiceEndpoints[] = [];
  for (const key of [...slices.keys()].sort()) {
    const list = slices.get(key)!;
    const [namespace, name] = key.split('/', 2) as [string, string];
    const endpoints = list.flatMap((s) => s.endpoints.filter((e) => e.ready && e.ip !== '').flatMap((e) => s.ports.map((p) => ({ ip: e.ip, protocol: p.protocol, port: p.port }))));
    out.push({ namespace, name, endpoints });
  }
  return out;
}

/**
 * A Pod's labels after an RFC 7386 merge patch of `{metadata: {labels: …}}` (null removes a
 * label); the rest of the patch is ignored, since only labels reach Calico from a running pod.
 */
export function podLabelsAfterPatch(labels: Readonly<Record<string, string>>, patch: Record<string, unknown>): Record<string, string> {
  const meta = patch.metadata;
  const next: Record<string, string> = { ...labels };
  if (typeof meta !== 'object' || meta === null) return next;
  const changes = (meta as { labels?: unknown }).labels;
  if (typeof changes !== 'object' || changes === null) return next;
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = String(v);
  }
  return next;
}

/** Every TCP/UDP `containerPort` of a pod spec's containers (SCTP too with `sctp`: the simulator serves it), as test-server ports (duplicates once). */
export function containerServerPorts(podSpec: unknown, opts: { sctp?: boolean } = {}): ServerPort[] {
  const out = new Map<string, ServerPort>();
  const cs = (podSpec as { containers?: unknown } | undefined)?.containers;
  for (const c of Array.isArray(cs) ? cs : []) {
    const ports = (c as { ports?: unknown } | undefined)?.ports;
    for (const p of Array.isArray(ports) ? ports : []) {
      const { containerPort, protocol } = (p ?? {}) as { containerPort?: unknown; protocol?: unknown };
      if (typeof containerPort !== 'number') continue;
      const proto = protocol === 'UDP' ? 'udp' : protocol === undefined || protocol === 'TCP' ? 'tcp' : protocol === 'SCTP' && opts.sctp ? 'sctp' : undefined;
      if (proto) out.set(`${proto}/${containerPort}`, { protocol: proto, port: containerPort });
    }
  }
  return [...out.values()];
}
