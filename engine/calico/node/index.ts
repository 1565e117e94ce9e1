/** calico-node: Felix + confd + BIRD (built-in speaker) + BIRD's kernel protocol, and birdcl's views. */
export { CalicoNodeAgent } from './agent.ts';
export type { FelixExtras, NodeAgentEvent, NodeAgentHost, NodeAgentOptions } from './agent.ts';
export { birdRouteText, desiredKernelRoutes, learnedExports, ownedKernelRoutes, resolveNextHop, syncKernelRoutes } from './kernel-routes.ts';
export { calicoCompileSelector, reconcileTunnelAddresses, tunnelPoolCidrs } from './allocateip.ts';
export type { TunnelAddressChange } from './allocateip.ts';
export type { BirdKernelRoute, KernelRouteChange, RouteKernel } from './kernel-routes.ts';
export { BIRDCL_BANNER, bird16BgpInfo, bird16ProtocolRows, bird16ShowProtocols, bird16ShowRoute, birdTime } from './bird-views.ts';
export { VIEW_KINDS, readAffinities, readResourceSet, resourceSetFromKvs } from './datastore-view.ts';
