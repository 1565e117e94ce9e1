/**
 * podlab's Felix: the pure computation of a node's desired dataplane (routes, tunnel devices,
 * VTEPs, sysctls, iptables chains and IP sets) from the datastore snapshot, Calico-exact in
 * names, route shapes, MTUs, marks and chain structure (Felix v3.29).
 */
export type { FelixBlock, FelixConfig, FelixNode, FelixPool, FelixSnapshot, FelixWorkload, HostInterface } from './types.ts';
export { computeDesired, encapsEnabled, podMtu, workloadProfiles } from './compute.ts';
export { DEFAULT_MTU_IFACE_PATTERN, FALLBACK_HOST_MTU, OVERHEAD, hostMtu, tunnelMtus } from './mtu.ts';
export {
  IPSET_PREFIX, PFX, endpointChainName, felixPolicyName, ipsetName, policyChainName, policyGroupChainName, profileChainName,
  selectorIpsetName, uniqueId, vxlanMac,
} from './names.ts';
export { RTPROT_BOOT, RTPROT_FELIX, VXLAN_DEFAULTS, interfaceWith, nodeIp, poolOf, poolSelectsNode, sameSubnet } from './routes.ts';
export { SET_IDS, felixOwnIpsets } from './static.ts';
export { SetRegistry, ruleToIptables, rulesToChain } from './policy-rules.ts';
export type { EndpointPolicy, PolicyGroup, TierPolicies } from './endpoints.ts';
export { dispatchChains, endpointChains, groupChain, groupPolicies } from './endpoints.ts';
export type { SnapshotExtras } from './sync.ts';
export { felixNodeFromResource, felixPoolFromResource, felixWorkloadFromResource, readSnapshot } from './sync.ts';
export { FelixAgent } from './agent.ts';
export { FELIX_PREFIXES, FelixSyncerCache } from './syncer-cache.ts';
