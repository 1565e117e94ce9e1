/** A Calico cluster on a deployed fabric: datastore, calico-nodes, fabric routers, pods, commands. */
export { CalicoCluster, ClusterConfigError } from './cluster.ts';
export type { ClusterHost, ClusterOptions, ClusterPod } from './cluster.ts';
export { FabricRouter, routerSpeakerConfig } from './router.ts';
export type { RouterHost } from './router.ts';
export { applyManifests, autodetectAddress, nodeLabels, nodeResource, startupNode } from './startup.ts';
export { birdc, calicoctl } from './commands.ts';
export type { CommandResult } from './commands.ts';
export { renderRouterBird } from './router-bird.ts';
export type { BirdDialect } from './router-bird.ts';
