/**
 * Calico's etcdv3 key layout (libcalico-go `backend/model`), so a look at podlab's store
 * with `etcdctl get --prefix /calico` reads like a real Calico cluster.
 *
 * - v3 resources: `/calico/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>`
 * - IPAM (v1 model objects): blocks, affinities, handles, config under `/calico/ipam/v2/`
 * - confd's BGP view: `/calico/bgp/v1/...` (Calico synthesises these from resources; podlab
 *   stores them so confd and the UI can read one place)
 *
 * A block CIDR appears in keys with its `/` turned into `-` (`10.5.1.0-26`).
 */

/** Root of everything Calico stores. */
export const CALICO_ROOT = '/calico/';

const RESOURCES = '/calico/resources/v3/projectcalico.org/';

/** Namespaced kinds, keyed by their lower-case plural (the rest are cluster-scoped). */
const NAMESPACED = new Set(['networkpolicies', 'networksets', 'workloadendpoints', 'stagednetworkpolicies', 'stagedkubernetesnetworkpolicies']);

/** Plural resource names by kind, as libcalico-go registers them. */
export const RESOURCE_PLURALS: Readonly<Record<string, string>> = {
  BGPConfiguration: 'bgpconfigurations',
  BGPPeer: 'bgppeers',
  BGPFilter: 'bgpfilters',
  ClusterInformation: 'clusterinformations',
  FelixConfiguration: 'felixconfigurations',
  GlobalNetworkPolicy: 'globalnetworkpolicies',
  GlobalNetworkSet: 'globalnetworksets',
  HostEndpoint: 'hostendpoints',
  IPPool: 'ippools',
  IPReservation: 'ipreservations',
  KubeControllersConfiguration: 'kubecontrollersconfigurations',
  NetworkPolicy: 'networkpolicies',
  NetworkSet: 'networksets',
  Node: 'nodes',
  Profile: 'profiles',
  Tier: 'tiers',
  WorkloadEndpoint: 'workloadendpoints',
};

/** The key prefix listing every resource of a kind (or of one namespace of a namespaced kind). */
export function resourcePrefix(kind: string, namespace?: string): string {
  const plural = pluralOf(kind);
  return namespace !== undefined && NAMESPACED.has(plural) ? `${RESOURCES}${plural}/${namespace}/` : `${RESOURCES}${plural}/`;
}

/** The key of one v3 resource; namespaced kinds require a namespace. */
export function resourceKey(kind: string, name: string, namespace?: string): string {
  const plural = pluralOf(kind);
  if (NAMESPACED.has(plural)) {
    if (!namespace) throw new Error(`${kind} '${name}' is namespaced: give its namespace`);
    return `${RESOURCES}${plural}/${namespace}/${name}`;
  }
  return `${RESOURCES}${plural}/${name}`;
}

/** Parses a resource key back into plural, namespace and name; undefined for other keys. */
export function parseResourceKey(key: string): { plural: string; namespace?: string; name: string } | undefined {
  if (!key.startsWith(RESOURCES)) return undefined;
  const parts = key.slice(RESOURCES.length).split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { plural: parts[0], name: parts[1] };
  if (parts.length === 3 && parts[0] && parts[1] && parts[2] && NAMESPACED.has(parts[0])) {
    return { plural: parts[0], namespace: parts[1], name: parts[2] };
  }
  return undefined;
}

function pluralOf(kind: string): string {
  const p = RESOURCE_PLURALS[kind] ?? (Object.values(RESOURCE_PLURALS).includes(kind) ? kind : undefined);
  if (!p) throw new Error(`unknown Calico resource kind '${kind}'`);
  return p;
}

/** `10.5.1.0/26` → `10.5.1.0-26`, the form block CIDRs take inside keys. */
export function cidrToKeyPart(cidr: string): string {
  return cidr.replace('/', '-');
}

/** `10.5.1.0-26` → `10.5.1.0/26`. */
export function keyPartToCidr(part: string): string {
  return part.replace('-', '/');
}

function ipVersionOf(cidr: string): 4 | 6 {
  return cidr.includes(':') ? 6 : 4;
}

/** Prefix of all IPAM blocks of one IP version. */
export function blockPrefix(version: 4 | 6 = 4): string {
  return `/calico/ipam/v2/assignment/ipv${version}/block/`;
}

/** Key of an allocation block: `/calico/ipam/v2/assignment/ipv4/block/10.5.1.0-26`. */
export function blockKey(cidr: string): string {
  return blockPrefix(ipVersionOf(cidr)) + cidrToKeyPart(cidr);
}

/** Prefix of one host's block affinities. */
export function affinityPrefix(host: string, version: 4 | 6 = 4): string {
  return `/calico/ipam/v2/host/${host}/ipv${version}/block/`;
}

/** Key of a block affinity: `/calico/ipam/v2/host/<node>/ipv4/block/10.5.1.0-26`. */
export function affinityKey(host: string, cidr: string): string {
  return affinityPrefix(host, ipVersionOf(cidr)) + cidrToKeyPart(cidr);
}

/** Parses an affinity key into host and CIDR; undefined for other keys. */
export function parseAffinityKey(key: string): { host: string; cidr: string } | undefined {
  const m = /^\/calico\/ipam\/v2\/host\/([^/]+)\/ipv[46]\/block\/([^/]+)$/.exec(key);
  return m ? { host: m[1]!, cidr: keyPartToCidr(m[2]!) } : undefined;
}

/** Prefix of all IPAM handles. */
export const HANDLE_PREFIX = '/calico/ipam/v2/handle/';

/** Key of an IPAM handle: `/calico/ipam/v2/handle/<id>`. */
export function handleKey(handleId: string): string {
  return HANDLE_PREFIX + handleId;
}

/** Key of the global IPAM configuration (strict affinity, auto-allocate, max blocks). */
export const IPAM_CONFIG_KEY = '/calico/ipam/v2/config';

/** confd's global BGP keys. */
export const BGP_GLOBAL = {
  asNum: '/calico/bgp/v1/global/as_num',
  nodeMesh: '/calico/bgp/v1/global/node_mesh',
  logLevel: '/calico/bgp/v1/global/loglevel',
  /** Prefix of global peers: `…/peer_v4/<ip>`. */
  peerV4Prefix: '/calico/bgp/v1/global/peer_v4/',
} as const;

/** Per-host BGP fields confd reads under `/calico/bgp/v1/host/<node>/`. */
export type BgpHostField = 'ip_addr_v4' | 'ip_addr_v6' | 'network_v4' | 'network_v6' | 'as_num' | 'rr_cluster_id' | 'listen_port';

/** Key of one per-host BGP field: `/calico/bgp/v1/host/<node>/ip_addr_v4`. */
export function bgpHostKey(node: string, field: BgpHostField): string {
  return `/calico/bgp/v1/host/${node}/${field}`;
}

/** Key of a node-scoped BGP peer: `/calico/bgp/v1/host/<node>/peer_v4/<ip>`. */
export function bgpHostPeerKey(node: string, ip: string): string {
  return `/calico/bgp/v1/host/${node}/peer_${ipVersionOf(ip) === 6 ? 'v6' : 'v4'}/${ip}`;
}

/** Key of a global BGP peer: `/calico/bgp/v1/global/peer_v4/<ip>`. */
export function bgpGlobalPeerKey(ip: string): string {
  return `/calico/bgp/v1/global/peer_${ipVersionOf(ip) === 6 ? 'v6' : 'v4'}/${ip}`;
}
