/**
 * Calico's service advertisement, the part that depends on Kubernetes (confd's route
 * generator): besides the CIDRs BGPConfiguration lists (serviceClusterIPs,
 * serviceExternalIPs, serviceLoadBalancerIPs), a node advertises the /32 of each Service with
 * `externalTrafficPolicy: Local` only when one of its endpoints runs on that node — so a ToR
 * sends the traffic straight to a node that can answer it without SNAT. Pure.
 */
import { parseIPv4, parsePrefix4, prefixContains } from '../net/ip.ts';
import type { AllocatedService } from './proxier.ts';
import type { EndpointSlice } from './types.ts';

/** The ranges BGPConfiguration says to advertise. */
export interface AdvertisedRanges {
  readonly clusterIPs: readonly string[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
}

const within = (ip: string, cidrs: readonly string[]): boolean => {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const a = parseIPv4(ip);
  return cidrs.some((c) => c.includes('.') && prefixContains(parsePrefix4(c), a));
};

/** The /32s `node` advertises for externalTrafficPolicy Local Services with a local endpoint, sorted. */
export function localServiceRoutes(node: string, services: readonly AllocatedService[], slices: ReadonlyMap<string, readonly EndpointSlice[]>, ranges: AdvertisedRanges): string[] {
  const out = new Set<string>();
  for (const s of services) {
    if (s.externalTrafficPolicy !== 'Local' || s.type === 'ClusterIP') continue;
    const local = (slices.get(`${s.namespace}/${s.name}`) ?? []).some((sl) => sl.endpoints.some((e) => e.ready && e.nodeName === node));
    if (!local) continue;
    if (within(s.clusterIP, ranges.clusterIPs)) out.add(`${s.clusterIP}/32`);
    for (const ip of s.externalIPs ?? []) if (within(ip, ranges.externalIPs)) out.add(`${ip}/32`);
    if (s.type === 'LoadBalancer' && s.loadBalancerIP && within(s.loadBalancerIP, ranges.loadBalancerIPs)) out.add(`${s.loadBalancerIP}/32`);
  }
  return [...out].sort();
}

/** What the advertisement depends on (ETP Local Services and the nodes of their endpoints): changes when a resync is due. */
export function advertisementSignature(services: readonly AllocatedService[], slices: ReadonlyMap<string, readonly EndpointSlice[]>): string {
  const parts: string[] = [];
  for (const s of services) {
    if (s.externalTrafficPolicy !== 'Local' || s.type === 'ClusterIP') continue;
    const nodes = new Set((slices.get(`${s.namespace}/${s.name}`) ?? []).flatMap((sl) => sl.endpoints.filter((e) => e.ready).map((e) => e.nodeName)));
    parts.push(`${s.namespace}/${s.name}|${s.clusterIP}|${(s.externalIPs ?? []).join(',')}|${s.loadBalancerIP ?? ''}|${[...nodes].sort().join(',')}`);
  }
  return parts.sort().join(';');
}
