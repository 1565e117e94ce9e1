/**
 * From typed resources to confd's input: the folding client.go does when it turns v3
 * resources into `/calico/bgp/v1/…` keys (log levels collapse to debug|info|none, community
 * names resolve to values, node-scoped BGPConfigurations override listen port and friends).
 */
import { matchSelector, parseSelector } from '../selector/index.ts';
import type { SelectorNode } from '../selector/index.ts';
import type { BGPConfiguration, ResourceSet } from '../resources/index.ts';
import { DEFAULT_AS_NUMBER } from '../resources/index.ts';
import type { AffineBlock, ConfdGlobal, ConfdInput, ConfdNodeOverrides, SelectorMatcher } from './types.ts';

/** The selector module behind the SelectorMatcher seam (parsed selectors cached by text). */
export function calicoSelectorMatcher(): SelectorMatcher {
  const cache = new Map<string, SelectorNode>();
  return (selector, labels) => {
    let ast = cache.get(selector);
    if (!ast) {
      ast = parseSelector(selector);
      cache.set(selector, ast);
    }
    return matchSelector(ast, labels);
  };
}

/** confd keeps `debug` and `info`; every other severity means "none" for BIRD. */
export function birdLogLevel(severity: string | undefined): 'debug' | 'info' | 'none' | undefined {
  if (severity === undefined) return undefined;
  const l = severity.toLowerCase();
  return l === 'debug' || l === 'info' ? l : 'none';
}

function advertisements(c: BGPConfiguration): { cidr: string; communities: string[] }[] {
  const named = new Map(c.spec.communities.map((n) => [n.name, n.value]));
  // confd de-duplicates and sorts the values (getCommunitiesArray).
  return c.spec.prefixAdvertisements.map((p) => ({ cidr: p.cidr, communities: [...new Set(p.communities.map((x) => named.get(x) ?? x))].sort() }));
}

/** Options of `confdInputFromResources`. */
export interface ConfdInputOptions {
  /** Node name → affine blocks (from IPAM). */
  readonly blocks?: Readonly<Record<string, readonly AffineBlock[]>>;
  /** Node name → borrowed addresses. */
  readonly borrowed?: Readonly<Record<string, readonly string[]>>;
  /** Selector evaluation; default: the Calico selector module. */
  readonly match?: SelectorMatcher;
}

/** Builds confd's input from a topology's resources plus IPAM's block affinities. */
export function confdInputFromResources(set: ResourceSet, opts: ConfdInputOptions = {}): ConfdInput {
  const g = set.bgpConfigurations.find((c) => c.scope.global);
  const v4 = (cidrs: readonly string[]) => cidrs.filter((c) => !c.includes(':'));
  const global: ConfdGlobal = {
    asNumber: g?.spec.asNumber ?? DEFAULT_AS_NUMBER,
    nodeToNodeMeshEnabled: g?.spec.nodeToNodeMeshEnabled ?? true,
    ...(g?.spec.listenPort !== undefined ? { listenPort: g.spec.listenPort } : {}),
    ...(g?.spec.bindMode !== undefined ? { bindMode: g.spec.bindMode } : {}),
    ...(g?.spec.logSeverityScreen !== undefined ? { logLevel: birdLogLevel(g.spec.logSeverityScreen)! } : {}),
    ...(g?.spec.nodeMeshMaxRestartTime !== undefined ? { nodeMeshRestartTime: Math.round(g.spec.nodeMeshMaxRestartTime) } : {}),
    ...(g && g.spec.ignoredInterfaces.length > 0 ? { ignoredInterfaces: g.spec.ignoredInterfaces } : {}),
    serviceClusterIPs: v4(g?.spec.serviceClusterIPs ?? []),
    serviceExternalIPs: v4(g?.spec.serviceExternalIPs ?? []),
    serviceLoadBalancerIPs: v4(g?.spec.serviceLoadBalancerIPs ?? []),
    prefixAdvertisements: g ? advertisements(g) : [],
  };
  const perNode: Record<string, ConfdNodeOverrides> = {};
  for (const c of set.bgpConfigurations) {
    if (c.scope.global) continue;
    perNode[c.scope.node] = {
      ...(c.spec.listenPort !== undefined ? { listenPort: c.spec.listenPort } : {}),
      ...(c.spec.bindMode !== undefined ? { bindMode: c.spec.bindMode } : {}),
      ...(c.spec.logSeverityScreen !== undefined ? { logLevel: birdLogLevel(c.spec.logSeverityScreen)! } : {}),
      ...(c.spec.prefixAdvertisements.length > 0 ? { prefixAdvertisements: advertisements(c) } : {}),
    };
  }
  return {
    nodes: set.nodes.map((n) => ({
      name: n.meta.name,
      labels: n.meta.labels,
      ...(n.spec.bgp?.ipv4Address !== undefined ? { ipv4Address: n.spec.bgp.ipv4Address } : {}),
      ...(n.spec.bgp?.asNumber !== undefined ? { asNumber: n.spec.bgp.asNumber } : {}),
      ...(n.spec.bgp?.routeReflectorClusterID !== undefined ? { rrClusterId: n.spec.bgp.routeReflectorClusterID } : {}),
    })),
    pools: set.ipPools.filter((p) => p.spec.family === 4),
    peers: set.bgpPeers,
    global,
    perNode,
    blocks: opts.blocks ?? {},
    ...(opts.borrowed ? { borrowed: opts.borrowed } : {}),
    match: opts.match ?? calicoSelectorMatcher(),
  };
}
