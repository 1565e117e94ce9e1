/**
 * The API objects behind `kubectl get -o yaml|json`: pods, Services, workloads, nodes,
 * Endpoints, EndpointSlices and namespaces shaped as the API server returns them (fields in
 * Go struct order for JSON; `-o yaml` sorts keys, as kubectl's YAML printer does). podlab
 * keeps the fields a learner reads; server-managed noise (managedFields) is left out.
 */
import { stringify } from 'yaml';
import type { AllocatedService } from './proxier.ts';
import type { Workload } from './cluster.ts';
import { KubeCluster } from './cluster.ts';
import type { EndpointSlice, KubeNode, KubePod } from './types.ts';
import { NODE_FACTS } from './node-facts.ts';

type Obj = Record<string, unknown>;

/** Virtual ms → the RFC 3339 time the API server stamps (the simulator's epoch is 2026-01-01). */
export function timestamp(ms: number): string {
  return new Date(Date.UTC(2026, 0, 1) + Math.floor(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable uid for an object (the API server's are random v4 UUIDs; these are derived from the key). */
export function uid(key: string): string {
  let h = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

const labelsOf = (l: Readonly<Record<string, string>>): Obj => (Object.keys(l).length ? { labels: { ...l } } : {});

/** The first container's name kubectl run/create derive from an image (`nginx:1.14.2` → `nginx`). */
export function containerNameOf(image: string, fallback: string): string {
  const base = image.split('/').pop()!.split(/[:@]/)[0]!;
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(base) ? base : fallback;
}

/** v1 Pod. */
export function podObject(p: KubePod, nodes: readonly KubeNode[]): Obj {
  const owner = p.owner?.split('/');
  const node = nodes.find((n) => n.name === p.node);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      creationTimestamp: timestamp(p.created), ...labelsOf(p.labels), name: p.name, namespace: p.namespace,
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: owner[0], name: owner[1], uid: uid(`${owner[0]}/${p.namespace}/${owner[1]}`) }] } : {}),
      uid: uid(`Pod/${p.namespace}/${p.name}`),
    },
    spec: {
      containers: [{
        image: p.image ?? '', imagePullPolicy: p.image?.includes(':') && !p.image.endsWith(':latest') ? 'IfNotPresent' : 'Always',
        name: containerNameOf(p.image ?? '', p.name),
        ...(p.containerPorts.length ? { ports: p.containerPorts.map((c) => ({ containerPort: c.containerPort, ...(c.name ? { name: c.name } : {}), protocol: c.protocol })) } : {}),
        resources: {},
      }],
      dnsPolicy: 'ClusterFirst', nodeName: p.node, restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccount: 'default', serviceAccountName: 'default',
    },
    status: {
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastTransitionTime: timestamp(p.created), status: 'True', type })),
      hostIP: node?.internalIP ?? '', phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }], qosClass: 'BestEffort', startTime: timestamp(p.created),
    },
  };
}

/** v1 Service. */
export function serviceObject(s: AllocatedService & { created: number }): Obj {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { creationTimestamp: timestamp(s.created), ...labelsOf(s.labels), name: s.name, namespace: s.namespace, uid: uid(`Service/${s.namespace}/${s.name}`) },
    spec: {
      clusterIP: s.clusterIP, clusterIPs: [s.clusterIP],
      ...(s.type !== 'ClusterIP' ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      ...(s.externalIPs?.length ? { externalIPs: [...s.externalIPs] } : {}),
      internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ...(s.loadBalancerIP ? { loadBalancerIP: s.loadBalancerIP } : {}),
      ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}), port: p.port, protocol: p.protocol, targetPort: p.targetPort })),
      ...(s.selector ? { selector: { ...s.selector } } : {}),
      sessionAffinity: s.sessionAffinity ?? 'None',
      ...(s.sessionAffinity === 'ClientIP' ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: s.affinityTimeout ?? 10800 } } } : {}),
      type: s.type,
    },
    status: { loadBalancer: s.type === 'LoadBalancer' && s.loadBalancerIP ? { ingress: [{ ip: s.loadBalancerIP, ipMode: 'VIP' }] } : {} },
  };
}

/** apps/v1 Deployment, ReplicaSet or DaemonSet with its status counts. */
export function workloadObject(w: Workload, ready: number, desired = w.replicas): Obj {
  const status = w.kind === 'DaemonSet'
    ? { currentNumberScheduled: ready, desiredNumberScheduled: desired, numberAvailable: ready, numberMisscheduled: 0, numberReady: ready, updatedNumberScheduled: ready }
    : { availableReplicas: ready, readyReplicas: ready, replicas: ready, ...(w.kind === 'Deployment' ? { updatedReplicas: ready } : {}) };
  return {
    apiVersion: 'apps/v1', kind: w.kind,
    metadata: { creationTimestamp: timestamp(w.created), ...labelsOf(w.labels), name: w.name, namespace: w.namespace, uid: uid(`${w.kind}/${w.namespace}/${w.name}`) },
    spec: { ...(w.kind !== 'DaemonSet' ? { replicas: w.replicas } : {}), selector: { matchLabels: { ...w.selector } }, template: w.rawTemplate },
    status,
  };
}

/** The ReplicaSet a Deployment owns. */
export function deploymentReplicaSet(d: Workload): Workload {
  return { ...d, kind: 'ReplicaSet', name: KubeCluster.replicaSetOf(d) };
}

/** v1 Node. */
export function nodeObject(n: KubeNode): Obj {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { creationTimestamp: timestamp(n.created), labels: { ...n.labels }, name: n.name, uid: uid(`Node/${n.name}`) },
    spec: { ...('node-role.kubernetes.io/control-plane' in n.labels ? { taints: [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }] } : {}) },
    status: {
      addresses: [{ address: n.internalIP, type: 'InternalIP' }, { address: n.name, type: 'Hostname' }],
      nodeInfo: { containerRuntimeVersion: NODE_FACTS.runtime, kernelVersion: NODE_FACTS.kernel, kubeProxyVersion: NODE_FACTS.version, kubeletVersion: NODE_FACTS.version, operatingSystem: 'linux', osImage: NODE_FACTS.osImage },
    },
  };
}

/** discovery.k8s.io/v1 EndpointSlice. */
export function sliceObject(sl: EndpointSlice, created: number): Obj {
  return {
    addressType: 'IPv4', apiVersion: 'discovery.k8s.io/v1',
    endpoints: sl.endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready, serving: e.ready, terminating: false }, nodeName: e.nodeName, ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: sl.namespace } } : {}) })),
    kind: 'EndpointSlice',
    metadata: { creationTimestamp: timestamp(created), generateName: `${sl.service}-`, labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': sl.service }, name: sl.name, namespace: sl.namespace },
    ports: sl.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
  };
}

/** v1 Endpoints (the legacy object kubectl get endpoints reads). */
export function endpointsObject(s: { namespace: string; name: string; created: number }, slices: readonly EndpointSlice[]): Obj {
  const subsets = slices.filter((sl) => sl.endpoints.length).map((sl) => ({
    addresses: sl.endpoints.map((e) => ({ ip: e.ip, nodeName: e.nodeName, ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: sl.namespace } } : {}) })),
    ports: sl.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })),
  }));
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { creationTimestamp: timestamp(s.created), name: s.name, namespace: s.namespace }, ...(subsets.length ? { subsets } : {}) };
}

/** v1 Namespace. */
export function namespaceObject(name: string, labels: Readonly<Record<string, string>>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { creationTimestamp: timestamp(0), labels: { ...labels, 'kubernetes.io/metadata.name': name }, name, uid: uid(`Namespace/${name}`) }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

/** `-o json`: one object, or a `List` of several (kubectl's 4-space indent). */
export function toJson(items: readonly Obj[], single: boolean): string {
  const doc = single && items.length === 1 ? items[0] : { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** `-o yaml`: keys sorted at every level, sequences not indented under their key (sigs.k8s.io/yaml). */
export function toYaml(items: readonly Obj[], single: boolean): string {
  const doc = single && items.length === 1 ? items[0] : { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  return stringify(doc, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}
