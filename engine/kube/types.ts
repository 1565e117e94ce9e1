/**
 * The Kubernetes objects podlab reconciles, as plain data: Deployments, Services, the pods
 * they own and the EndpointSlices that tie them together. Manifests are read into these by
 * manifests.ts; everything else in kube/ is a function of them.
 */

/** A Service/container port protocol. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** `spec.containers[].ports[]` of a pod. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** `spec.tolerations[]` (only what the scheduler looks at). */
export interface Toleration {
  readonly key?: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: string;
}

/** A Deployment's pod template, reduced to what podlab runs. */
export interface PodTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly containerPorts: readonly ContainerPort[];
  readonly image: string;
  readonly nodeName?: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

/** The workload controllers podlab runs. */
export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'DaemonSet';

/** apps/v1 Deployment, ReplicaSet or DaemonSet (`kind` says which; DaemonSets ignore `replicas`). */
export interface Deployment {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly template: PodTemplate;
  /** The template as written: what the pod-template-hash is computed from. */
  readonly rawTemplate: unknown;
}

/** `spec.ports[]` of a Service. */
export interface ServicePort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

/** v1 Service (ClusterIP, NodePort or LoadBalancer; clusterIP None = headless). */
export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** `spec.sessionAffinity`: ClientIP pins a client to its first backend (kube-proxy's `recent` match). */
  readonly sessionAffinity?: 'None' | 'ClientIP';
  /** `spec.sessionAffinityConfig.clientIP.timeoutSeconds` (default 10800). */
  readonly affinityTimeout?: number;
  /** `spec.externalIPs`. */
  readonly externalIPs?: readonly string[];
  /** `spec.loadBalancerIP` (or `status.loadBalancer.ingress[0].ip` as written): what a LoadBalancer answers on. */
  readonly loadBalancerIP?: string;
  /** Asked for in the manifest; allocation fills it in. */
  readonly clusterIP?: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly labels: Readonly<Record<string, string>>;
}

/** A pod as Kubernetes shows it (whoever created it). */
export interface KubePod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containerPorts: readonly ContainerPort[];
  /** The first container's image ('' when created without one). */
  readonly image?: string;
  /** `Kind/name` of the controller that owns it. */
  readonly owner?: string;
  /** Virtual ms when it was created. */
  readonly created: number;
}

/** A k8s node as the scheduler and kubectl see it. */
export interface KubeNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** status.addresses InternalIP. */
  readonly internalIP: string;
  readonly created: number;
}

/** One endpoint of an EndpointSlice. */
export interface SliceEndpoint {
  readonly ip: string;
  readonly nodeName: string;
  readonly pod: string;
  readonly ready: boolean;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  readonly service: string;
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: Protocol }[];
  readonly endpoints: readonly SliceEndpoint[];
}
