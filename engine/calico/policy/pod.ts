/**
 * What a Kubernetes Pod manifest gives Calico's policy: the named container ports (Calico's
 * pod → WorkloadEndpoint conversion copies every `containers[].ports[]` entry that has a
 * name into the endpoint's `spec.ports`, which named-port rules resolve against) and the
 * service account it runs as.
 */
import type { NamedPort } from './world.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The named ports of a pod spec's containers (and init containers), in order; unnamed ports are skipped. */
export function namedContainerPorts(podSpec: unknown): NamedPort[] {
  if (!isObject(podSpec)) return [];
  const out: NamedPort[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    const cs = podSpec[key];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isObject(c) || !Array.isArray(c.ports)) continue;
      for (const p of c.ports) {
        if (!isObject(p) || typeof p.name !== 'string' || p.name === '' || typeof p.containerPort !== 'number') continue;
        out.push({ name: p.name, port: p.containerPort, protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' });
      }
    }
  }
  return out;
}

/** `spec.serviceAccountName`, `default` when absent (the API server's admission fills it in). */
export function podServiceAccount(podSpec: unknown): string {
  if (!isObject(podSpec)) return 'default';
  const sa = podSpec.serviceAccountName ?? podSpec.serviceAccount;
  return typeof sa === 'string' && sa !== '' ? sa : 'default';
}
