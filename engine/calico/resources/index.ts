/** Calico (projectcalico.org/v3) and Kubernetes v1 resources: parse, default, validate, view. */
export type {
  BGPConfiguration, BGPConfigurationSpec, BGPPeer, BGPPeerSpec, CalicoNode, ClusterInformation, EncapMode,
  FelixConfiguration, FelixConfigurationSpec, IPAMConfig, IPPool, IPPoolSpec, K8sNamespace, K8sPod, Meta,
  NamedCommunity, NodeBGPSpec, PrefixAdvertisement, Resource, ResourceProblem,
} from './types.ts';
export { DEFAULT_AS_NUMBER, ENCAP_MODES } from './types.ts';
export { parseAsNumber, parseDuration } from './fields.ts';
export { encapEnabled, parseIPPool } from './ippool.ts';
export { parseBGPConfiguration, parseBGPPeer, splitPeerIP } from './bgp.ts';
export { parseCalicoNode } from './node.ts';
export { FELIX_DEFAULTS, parseClusterInformation, parseFelixConfiguration, parseIPAMConfig } from './felix.ts';
export { parseNamespace, parsePod } from './k8s.ts';
export type { ParsedManifest } from './parse.ts';
export { CALICO_API_VERSIONS, parseManifest } from './parse.ts';
export type { ResourceSet } from './resource-set.ts';
export { buildResourceSet, effectiveFelixConfig, formatResourceProblems, globalBgpSettings, nodeAsNumber } from './resource-set.ts';
export type { GetIPPoolsOptions, GetNodesOptions } from './views.ts';
export { calicoctlGetIPPools, calicoctlGetNodes, tabwriterTable } from './views.ts';
