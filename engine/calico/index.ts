/**
 * @module engine/calico — the public face of podlab's Calico: a cluster (datastore, one
 * calico-node per k8s node, the fabric's BGP routers, pods) and its node commands. On the
 * simulator, start one with `startCalico(lab)` from engine/runtime/sim/calico.ts; the
 * building blocks (datastore, ipam, felix, confd, cni, policy, resources) have their own
 * index modules.
 */
export { CalicoCluster, ClusterConfigError, FabricRouter, birdc, calicoctl, nodeResource, routerSpeakerConfig } from './cluster/index.ts';
export type { ClusterHost, ClusterOptions, ClusterPod, CommandResult, RouterHost } from './cluster/index.ts';
export { CalicoNodeAgent, bird16ShowProtocols, bird16ShowRoute, desiredKernelRoutes, resolveNextHop } from './node/index.ts';
export type { BirdKernelRoute, NodeAgentEvent, NodeAgentHost } from './node/index.ts';
