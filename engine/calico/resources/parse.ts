/** Dispatch from a verbatim manifest to the parser of its kind. */
import type { CalicoManifest } from '../../model/types.ts';
import { didYouMean } from '../../model/problems.ts';
import { parseBGPConfiguration, parseBGPPeer } from './bgp.ts';
import { parseClusterInformation, parseFelixConfiguration, parseIPAMConfig } from './felix.ts';
import { parseIPPool } from './ippool.ts';
import { parseNamespace, parsePod } from './k8s.ts';
import { parseCalicoNode } from './node.ts';
import type { Resource, ResourceProblem } from './types.ts';
import type { Location } from '../../model/types.ts';
import type { Obj } from './fields.ts';

type Parser = (m: Obj, loc: Location) => { resource?: Resource; problems: ResourceProblem[] };

/** The API groups Calico resources are written in: the v3 API and the CRDs behind it. */
export const CALICO_API_VERSIONS = ['projectcalico.org/v3', 'crd.projectcalico.org/v1'];

const CALICO: Record<string, Parser> = {
  IPPool: parseIPPool,
  BGPConfiguration: parseBGPConfiguration,
  BGPPeer: parseBGPPeer,
  Node: parseCalicoNode,
  IPAMConfig: parseIPAMConfig,
  FelixConfiguration: parseFelixConfiguration,
  ClusterInformation: parseClusterInformation,
};
const CORE: Record<string, Parser> = { Namespace: parseNamespace, Pod: parsePod };

/** Calico kinds other modules own (policy, endpoints…): passed through untouched. */
const CALICO_ELSEWHERE = [
  'NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy', 'NetworkSet', 'GlobalNetworkSet', 'HostEndpoint', 'Tier', 'Profile',
  'BGPFilter', 'KubeControllersConfiguration', 'WorkloadEndpoint', 'IPReservation', 'CalicoNodeStatus',
  'BlockAffinity', 'IPAMBlock', 'IPAMHandle',
];

/** Outcome of parsing one manifest: a typed resource, or `other` for kinds typed elsewhere. */
export interface ParsedManifest {
  readonly resource?: Resource;
  /** True when the manifest is a kind this module does not type (policy, Services…). */
  readonly other: boolean;
  readonly problems: ResourceProblem[];
}

/** Parses one manifest of a topology's `calico:` list. */
export function parseManifest(cm: CalicoManifest): ParsedManifest {
  const { apiVersion, kind, manifest, loc } = cm;
  if (CALICO_API_VERSIONS.includes(apiVersion)) {
    const p = CALICO[kind];
    if (p) return { ...p(manifest, loc), other: false };
    if (CALICO_ELSEWHERE.includes(kind)) return { other: true, problems: [] };
    const guess = didYouMean(kind, [...Object.keys(CALICO), ...CALICO_ELSEWHERE]);
    return {
      other: true,
      problems: [{
        severity: 'warning', loc, resource: `${kind}/${cm.name ?? ''}`, path: 'kind',
        message: `kind '${kind}' is not a ${apiVersion} kind podlab knows; ignored`,
        ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
      }],
    };
  }
  if (apiVersion === 'v1' && CORE[kind]) return { ...CORE[kind](manifest, loc), other: false };
  // Kubernetes Nodes, Services, NetworkPolicies (networking.k8s.io/v1)… belong to other modules.
  return { other: true, problems: [] };
}
