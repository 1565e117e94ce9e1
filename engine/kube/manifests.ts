/**
 * Reading Deployment and Service manifests as kubectl would accept them, into kube/types.
 * Errors name the field (`spec.ports[0].port`) and say what to write, like the API server's
 * validation messages.
 */
import type { ContainerPort, Deployment, PodTemplate, Protocol, Service, ServicePort, Toleration } from './types.ts';

/** A manifest kube/ cannot accept, with the field at fault. */
export class KubeManifestError extends Error {
  override name = 'KubeManifestError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const strMap = (v: unknown, where: string): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new KubeManifestError(`${where}: must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = String(x ?? '');
  return out;
};

/** The apps/v1 workload kinds kube/ reconciles into pods. */
export const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'ReplicaSet', 'DaemonSet'];

/** True for the kinds kube/ reconciles (apps/v1 Deployment, ReplicaSet, DaemonSet; v1 Service). */
export function isKubeManifest(m: Obj): boolean {
  return (m.apiVersion === 'apps/v1' && WORKLOAD_KINDS.includes(String(m.kind))) || (m.apiVersion === 'v1' && m.kind === 'Service');
}

function protocol(v: unknown, where: string): Protocol {
  const p = v ?? 'TCP';
  if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') throw new KubeManifestError(`${where}: Unsupported value: "${String(p)}": supported values: "SCTP", "TCP", "UDP"`);
  return p;
}

function ipv4(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v) || v.split('.').some((o) => Number(o) > 255)) throw new KubeManifestError(`${where}: Invalid value: ${JSON.stringify(v)}: must be a valid IPv4 address`);
  return v;
}

function port(v: unknown, where: string, lo = 1, hi = 65535): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new KubeManifestError(`${where}: Invalid value: ${JSON.stringify(v)}: must be between ${lo} and ${hi}, inclusive`);
  return v;
}

function meta(m: Obj): { name: string; namespace: string; labels: Record<string, string> } {
  const md = obj(m.metadata);
  if (typeof md.name !== 'string' || !md.name) throw new KubeManifestError('metadata.name: Required value: name is required');
  return { name: md.name, namespace: typeof md.namespace === 'string' ? md.namespace : 'default', labels: strMap(md.labels, 'metadata.labels') };
}

function template(t: Obj, at = 'spec.template.'): PodTemplate {
  const spec = obj(t.spec);
  const containers = Array.isArray(spec.containers) ? spec.containers.map(obj) : [];
  if (containers.length === 0) throw new KubeManifestError(`${at}spec.containers: Required value`);
  const ports: ContainerPort[] = [];
  containers.forEach((c, i) => {
    const list = Array.isArray(c.ports) ? c.ports.map(obj) : [];
    list.forEach((p, j) => {
      const where = `${at}spec.containers[${i}].ports[${j}]`;
      ports.push({
        ...(typeof p.name === 'string' ? { name: p.name } : {}),
        containerPort: port(p.containerPort, `${where}.containerPort`),
        protocol: protocol(p.protocol, `${where}.protocol`),
      });
    });
  });
  const tolerations: Toleration[] = (Array.isArray(spec.tolerations) ? spec.tolerations.map(obj) : []).map((x) => ({
    ...(typeof x.key === 'string' ? { key: x.key } : {}),
    operator: x.operator === 'Exists' ? 'Exists' : 'Equal',
    ...(typeof x.value === 'string' ? { value: x.value } : {}),
    ...(typeof x.effect === 'string' ? { effect: x.effect } : {}),
  }));
  return {
    labels: strMap(obj(t.metadata).labels, `${at}metadata.labels`),
    containerPorts: ports,
    image: String(containers[0]!.image ?? ''),
    ...(typeof spec.nodeName === 'string' ? { nodeName: spec.nodeName } : {}),
    nodeSelector: strMap(spec.nodeSelector, `${at}spec.nodeSelector`),
    tolerations,
  };
}

/** A v1 Pod manifest → its name, namespace and spec as a template (the scheduler places it). */
export function parsePod(m: Obj): { namespace: string; name: string; template: PodTemplate } {
  const md = meta(m);
  return { namespace: md.namespace, name: md.name, template: template(m, '') };
}

/** An apps/v1 Deployment, ReplicaSet or DaemonSet manifest → Deployment (KubeManifestError naming the field). */
export function parseDeployment(m: Obj): Deployment {
  const md = meta(m);
  const spec = obj(m.spec);
  const kind = WORKLOAD_KINDS.includes(String(m.kind)) ? m.kind as Deployment['kind'] : 'Deployment';
  const replicas = spec.replicas === undefined || kind === 'DaemonSet' ? 1 : spec.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) throw new KubeManifestError(`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  const selector = strMap(obj(spec.selector).matchLabels, 'spec.selector.matchLabels');
  if (Object.keys(selector).length === 0) throw new KubeManifestError('spec.selector: Required value (podlab reads spec.selector.matchLabels)');
  const tpl = template(obj(spec.template));
  for (const [k, v] of Object.entries(selector)) {
    if (tpl.labels[k] !== v) throw new KubeManifestError('spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`');
  }
  return { kind, namespace: md.namespace, name: md.name, labels: md.labels, replicas, selector, template: tpl, rawTemplate: spec.template };
}

/** A v1 Service manifest → Service (types ClusterIP, NodePort and LoadBalancer). */
export function parseService(m: Obj): Service {
  const md = meta(m);
  const spec = obj(m.spec);
  const type = spec.type ?? 'ClusterIP';
  if (type !== 'ClusterIP' && type !== 'NodePort' && type !== 'LoadBalancer') throw new KubeManifestError(`spec.type: Unsupported value: "${String(type)}": podlab models "ClusterIP", "NodePort", "LoadBalancer"`);
  const list = Array.isArray(spec.ports) ? spec.ports.map(obj) : [];
  if (list.length === 0) throw new KubeManifestError('spec.ports: Required value');
  const ports: ServicePort[] = list.map((p, i) => {
    const where = `spec.ports[${i}]`;
    if (list.length > 1 && typeof p.name !== 'string') throw new KubeManifestError(`${where}.name: Required value`);
    const target = p.targetPort ?? p.port;
    const nodePort = p.nodePort === undefined ? undefined : port(p.nodePort, `${where}.nodePort`, 30000, 32767);
    if (nodePort !== undefined && type === 'ClusterIP') throw new KubeManifestError(`${where}.nodePort: Forbidden: may not be used when \`type\` is 'ClusterIP'`);
    return {
      name: typeof p.name === 'string' ? p.name : '',
      protocol: protocol(p.protocol, `${where}.protocol`),
      port: port(p.port, `${where}.port`),
      targetPort: typeof target === 'string' ? target : port(target, `${where}.targetPort`),
      ...(nodePort !== undefined ? { nodePort } : {}),
    };
  });
  const etp = spec.externalTrafficPolicy ?? 'Cluster';
  if (etp !== 'Cluster' && etp !== 'Local') throw new KubeManifestError(`spec.externalTrafficPolicy: Unsupported value: "${String(etp)}": supported values: "Cluster", "Local"`);
  if (etp === 'Local' && type === 'ClusterIP') throw new KubeManifestError('spec.externalTrafficPolicy: Invalid value: "Local": may only be set when `type` is \'NodePort\' or \'LoadBalancer\'');
  const affinity = spec.sessionAffinity ?? 'None';
  if (affinity !== 'None' && affinity !== 'ClientIP') throw new KubeManifestError(`spec.sessionAffinity: Unsupported value: "${String(affinity)}": supported values: "ClientIP", "None"`);
  const timeout = obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds ?? 10800;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 86400) throw new KubeManifestError(`spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: ${JSON.stringify(timeout)}: must be greater than 0 and less than 86400`);
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs.map((x, i) => ipv4(x, `spec.externalIPs[${i}]`)) : [];
  const ingress = obj((Array.isArray(obj(obj(m.status).loadBalancer).ingress) ? (obj(obj(m.status).loadBalancer).ingress as unknown[]) : [])[0]).ip;
  const lb = spec.loadBalancerIP ?? ingress;
  return {
    namespace: md.namespace, name: md.name, type,
    ...(typeof spec.clusterIP === 'string' ? { clusterIP: spec.clusterIP } : {}),
    ...(spec.selector !== undefined ? { selector: strMap(spec.selector, 'spec.selector') } : {}),
    ports, externalTrafficPolicy: etp, labels: md.labels,
    sessionAffinity: affinity, affinityTimeout: timeout, externalIPs,
    ...(lb !== undefined && type === 'LoadBalancer' ? { loadBalancerIP: ipv4(lb, 'spec.loadBalancerIP') } : {}),
  };
}
