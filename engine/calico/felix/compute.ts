/**
 * Felix, as a pure function: snapshot in, the node's DesiredDataplane out.
 *
 * Which policies apply to which endpoint, in which tier and order, comes from the policy
 * model (compileWorld: tiers and policies sorted the way Calico sorts them, effective labels
 * with `pcns.*`) and the selector matcher — not re-implemented here. This module decides
 * what Felix would program for that: endpoint chains, policy/profile chains, IP sets.
 */
import type { IptChain, DesiredDataplane, DesiredIpset } from '../../dataplane/types.ts';
import { compileWorld, policyEndpointSelector } from '../policy/index.ts';
import type { CompiledEndpoint, CompiledWorld, Policy, Rule, WorkloadEndpoint } from '../policy/index.ts';
import { matchSelector, selectorToString } from '../selector/index.ts';
import { dispatchChains, endpointChains, groupChain } from './endpoints.ts';
import type { EndpointPolicy, PolicyGroup, TierPolicies } from './endpoints.ts';
import { hostMtu, tunnelMtus, DEFAULT_MTU_IFACE_PATTERN } from './mtu.ts';
import { felixPolicyName, ipsetName, PFX, policyChainName, profileChainName } from './names.ts';
import { rulesToChain, SetRegistry } from './policy-rules.ts';
import { kernelDesired, nodeIp, nodeNamed, RTPROT_BOOT, VXLAN_DEFAULTS } from './routes.ts';
import { SET_IDS, staticFilter, staticNat } from './static.ts';
import type { FelixNode, FelixPool, FelixSnapshot, FelixWorkload } from './types.ts';

/** The profiles of a workload: `kns.<ns>` and `ksa.<ns>.<serviceaccount>` unless given. */
export function workloadProfiles(w: FelixWorkload): string[] {
  return w.profiles ? [...w.profiles] : [`kns.${w.namespace}`, `ksa.${w.namespace}.${w.serviceAccount ?? 'default'}`];
}

/** Encapsulations Felix turns on: explicit FelixConfiguration, else "some enabled pool uses it". */
export function encapsEnabled(s: Pick<FelixSnapshot, 'pools' | 'config'>): { ipip: boolean; vxlan: boolean } {
  const pools = s.pools.filter((p) => !p.disabled);
  return {
    ipip: s.config?.ipipEnabled ?? pools.some((p) => p.ipipMode !== 'Never'),
    vxlan: s.config?.vxlanEnabled ?? pools.some((p) => p.vxlanMode !== 'Never'),
  };
}

/** The pod MTU this node's Felix would write to /var/lib/calico/mtu (what the CNI plugin uses). */
export function podMtu(s: Pick<FelixSnapshot, 'pools' | 'config' | 'hostInterfaces'>): number {
  const c = s.config ?? {};
  return tunnelMtus(hostMtu(s.hostInterfaces, c.mtuIfacePattern ?? DEFAULT_MTU_IFACE_PATTERN), encapsEnabled(s), c).pod;
}

/** A WorkloadEndpoint port's protocol as named-port sets key it (TCP by default, numbers 6/17/132 too). */
function namedPortProto(p: string | number | undefined): string {
  if (p === undefined) return 'tcp';
  if (typeof p === 'number') return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 132 ? 'sctp' : String(p);
  return p.toLowerCase();
}

/** Profile rules: `kns.*` allow everything both ways; others (service accounts) carry no rules. */
function profileRules(profile: string): Rule[] {
  if (!profile.startsWith('kns.')) return [];
  return [{ action: 'Allow', source: {}, destination: {}, origin: `profile ${profile}` }];
}

function toEndpoint(w: FelixWorkload): WorkloadEndpoint {
  return {
    kind: 'workload', namespace: w.namespace, name: w.pod, labels: w.labels, ips: w.ips,
    ...(w.ports ? { ports: w.ports } : {}), ...(w.serviceAccount ? { serviceAccount: w.serviceAccount } : {}),
  };
}

/** all-hosts-net members per Nodes list (the snapshot's list is the same array while no Node changed). */
const HOST_NETS = new WeakMap<readonly FelixNode[], string[]>();

function hostNets(nodes: readonly FelixNode[], net: (xs: Iterable<string>) => string[]): string[] {
  let m = HOST_NETS.get(nodes);
  if (!m) HOST_NETS.set(nodes, (m = net(nodes.map(nodeIp).filter((x): x is string => !!x))));
  return m;
}

/** The whole cluster compiled for IP set members, with the members found so far (by set name: a hash of its selector). */
interface ClusterWorld {
  readonly deps: readonly unknown[];
  readonly world: CompiledWorld;
  readonly members: Map<string, readonly string[]>;
}

const CLUSTER_WORLDS = new WeakMap<readonly FelixWorkload[], ClusterWorld>();

function clusterWorld(s: FelixSnapshot, compile: (ws: readonly FelixWorkload[]) => CompiledWorld): ClusterWorld {
  const deps = [s.namespaces, s.policies, s.tiers, s.serviceAccounts];
  const c = CLUSTER_WORLDS.get(s.workloads);
  if (c && c.deps.every((d, i) => d === deps[i])) return c;
  const out: ClusterWorld = { deps, world: compile(s.workloads), members: new Map() };
  CLUSTER_WORLDS.set(s.workloads, out);
  return out;
}

/**
 * all-ipam-pools and masq-ipam-pools members per pools list: one list object per cluster state
 * for every node's pass, which the driver then recognises as applied (not parsed and re-added).
 */
const POOL_NETS = new WeakMap<readonly FelixPool[], { readonly all: string[]; readonly masq: string[] }>();

function poolNets(pools: readonly FelixPool[], net: (xs: Iterable<string>) => string[]): { readonly all: string[]; readonly masq: string[] } {
  let m = POOL_NETS.get(pools);
  if (!m) {
    const v4 = pools.filter((p) => !p.cidr.includes(':'));
    POOL_NETS.set(pools, (m = { all: net(v4.map((p) => p.cidr)), masq: net(v4.filter((p) => p.natOutgoing && !p.disabled).map((p) => p.cidr)) }));
  }
  return m;
}

/** all-vxlan-net members (nodes with a VTEP) per Nodes list. */
const VXLAN_NETS = new WeakMap<readonly FelixNode[], string[]>();

function vxlanHostNets(nodes: readonly FelixNode[], net: (xs: Iterable<string>) => string[]): string[] {
  let m = VXLAN_NETS.get(nodes);
  if (!m) VXLAN_NETS.set(nodes, (m = net(nodes.filter((n) => n.ipv4VXLANTunnelAddr).map(nodeIp).filter((x): x is string => !!x))));
  return m;
}

/** Computes the node's desired dataplane from what Felix reads. */
export function computeDesired(s: FelixSnapshot): DesiredDataplane {
  const c = s.config ?? {};
  const enc = encapsEnabled(s);
  const mtus = tunnelMtus(hostMtu(s.hostInterfaces, c.mtuIfacePattern ?? DEFAULT_MTU_IFACE_PATTERN), enc, c);
  const vxlanPort = c.vxlanPort ?? VXLAN_DEFAULTS.port;
  // The node's own endpoints: indexed by the reader when it can (a pass about local endpoints
  // then never walks the cluster's), else filtered from every endpoint.
  const own = s.localWorkloads ? [...s.localWorkloads] : s.workloads.filter((w) => w.node === s.nodeName);
  const local = own.sort((a, b) => (a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0));
  const self = nodeNamed(s.nodes, s.nodeName);
  const notes: string[] = [];

  const kernel = kernelDesired(s, {
    ipip: enc.ipip, vxlan: enc.vxlan, ipipMtu: mtus.ipip, vxlanMtu: mtus.vxlan, vni: c.vxlanVNI ?? VXLAN_DEFAULTS.vni,
    port: vxlanPort, deviceProtocol: c.deviceRouteProtocol ?? RTPROT_BOOT, local,
  });

  // Policy: which policies of which tiers select each local endpoint, per direction. Only the
  // local endpoints are compiled for that (a remote pod's labels cannot change which policies
  // apply here); the whole cluster is compiled only when selector IP sets need its members.
  const compile = (ws: readonly FelixWorkload[]) => compileWorld({
    namespaces: s.namespaces, endpoints: ws.map(toEndpoint), policies: s.policies, ...(s.tiers ? { tiers: s.tiers } : {}),
    ...(s.serviceAccounts ? { serviceAccounts: s.serviceAccounts } : {}),
  });
  const world = compile(local);
  const sets = new SetRegistry();
  const chains = new Map<string, IptChain>();
  const add = (ch: IptChain): void => { if (!chains.has(ch.name)) chains.set(ch.name, ch); };
  const active = new Map<string, { tier: string; policy: Policy }>();
  const groups: PolicyGroup[] = [];
  const profiles = new Set<string>();
  for (const w of local) {
    const ep = world.byId.get(`${w.namespace}/${w.pod}`);
    if (!ep) continue;
    const per = (dir: 'ingress' | 'egress'): TierPolicies[] => world.tiers.map(({ tier, policies }) => ({
      tier: tier.name,
      defaultAction: tier.defaultAction,
      policies: policies.filter((p) => p.types.includes(dir) && matchSelector(policyEndpointSelector(p), (ep as CompiledEndpoint).labels)).map((p) => {
        active.set(`${tier.name}\u0000${felixPolicyName(p)}`, { tier: tier.name, policy: p });
        return { name: felixPolicyName(p), selector: selectorToString(policyEndpointSelector(p)) };
      }),
    })).filter((t) => t.policies.length > 0);
    const epProfiles = workloadProfiles(w);
    for (const p of epProfiles) profiles.add(p);
    const e: EndpointPolicy = { iface: w.iface, ingress: per('ingress'), egress: per('egress'), profiles: epProfiles, vxlanPort };
    const r = endpointChains(e);
    r.chains.forEach(add);
    groups.push(...r.groups);
  }
  for (const g of groups) add(groupChain(g));
  for (const { tier, policy } of active.values()) {
    const name = felixPolicyName(policy);
    add({ name: policyChainName(PFX.policyIn, tier, name), rules: rulesToChain(policy.ingress, policy, `Policy ${name} ingress`, sets, notes) });
    add({ name: policyChainName(PFX.policyOut, tier, name), rules: rulesToChain(policy.egress, policy, `Policy ${name} egress`, sets, notes) });
  }
  for (const p of profiles) {
    add({ name: profileChainName(PFX.profileIn, p), rules: rulesToChain(profileRules(p), undefined, `Profile ${p} ingress`, sets, notes) });
    add({ name: profileChainName(PFX.profileOut, p), rules: rulesToChain(profileRules(p), undefined, `Profile ${p} egress`, sets, notes) });
  }
  dispatchChains(local.map((w) => w.iface)).forEach(add);

  const natOutgoing = s.pools.some((p) => !p.disabled && p.natOutgoing);
  const st = {
    ipip: enc.ipip, vxlan: enc.vxlan, vxlanPort, natOutgoing,
    ipipAddress: !!self?.ipv4IPIPTunnelAddr, vxlanAddress: !!self?.ipv4VXLANTunnelAddr,
    endpointToHost: c.defaultEndpointToHostAction ?? 'Accept',
    ifacePrefixes: (c.interfacePrefix ?? 'cali').split(',').map((x) => x.trim()).filter(Boolean),
  } as const;
  const sf = staticFilter(st);
  sf.chains.forEach(add);
  const byName = (a: IptChain, b: IptChain): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  // IP sets: selectors (members = matching endpoints' addresses cluster-wide) + Felix's own.
  const ipsets: DesiredIpset[] = [];
  const net = (xs: Iterable<string>): string[] => [...new Set([...xs].map((x) => (x.includes('/') ? x : `${x}/32`)))].sort();
  // The cluster's endpoints compiled, and each set's members, once per endpoint list and policy
  // inputs: every node's pass over the same lists (a batch) shares them, as Felix's member index
  // is shared by its IP sets.
  const cluster = sets.sets.size > 0 || sets.namedPorts.size > 0 ? clusterWorld(s, compile) : undefined;
  const all = cluster?.world ?? world;
  const memo = cluster?.members ?? new Map<string, readonly string[]>();
  for (const [name, { selector }] of sets.sets) {
    let members = memo.get(name);
    if (!members) {
      members = net(all.endpoints.filter((e) => matchSelector(selector, e.labels)).flatMap((e) => e.endpoint.ips.filter((ip) => !ip.includes(':'))));
      memo.set(name, members);
    }
    ipsets.push({ name, type: 'hash:net', members });
  }
  // Named ports: (IP, protocol:port) of every endpoint matching the selector that declares the port.
  for (const [name, np] of sets.namedPorts) {
    let sorted = memo.get(name);
    if (!sorted) {
      const members = new Set<string>();
      for (const e of all.endpoints) {
        if (!matchSelector(np.selector, e.labels)) continue;
        for (const port of e.endpoint.kind === 'workload' ? e.endpoint.ports ?? [] : []) {
          if (port.name !== np.port || namedPortProto(port.protocol) !== np.protocol) continue;
          for (const ip of e.endpoint.ips) if (!ip.includes(':')) members.add(`${ip},${np.protocol}:${port.port}`);
        }
      }
      memo.set(name, (sorted = [...members].sort()));
    }
    ipsets.push({ name, type: 'hash:ip,port', members: sorted });
  }
  // Services named by rules: their endpoints from the EndpointSlices (felix/calc's service index).
  for (const [name, { service, withPorts }] of sets.services) {
    const svc = (s.services ?? []).find((x) => x.namespace === service.namespace && x.name === service.name);
    const eps = (svc?.endpoints ?? []).filter((e) => !e.ip.includes(':'));
    if (withPorts) ipsets.push({ name, type: 'hash:ip,port', members: [...new Set(eps.map((e) => `${e.ip},${namedPortProto(e.protocol)}:${e.port}`))].sort() });
    else ipsets.push({ name, type: 'hash:net', members: net(eps.map((e) => e.ip)) });
  }
  const poolSets = poolNets(s.pools, net);
  ipsets.push({ name: ipsetName(SET_IDS.allPools), type: 'hash:net', members: poolSets.all });
  ipsets.push({ name: ipsetName(SET_IDS.masqPools), type: 'hash:net', members: poolSets.masq });
  if (enc.ipip) ipsets.push({ name: ipsetName(SET_IDS.allHosts), type: 'hash:net', members: hostNets(s.nodes, net) });
  if (enc.vxlan) ipsets.push({ name: ipsetName(SET_IDS.allVxlan), type: 'hash:net', members: vxlanHostNets(s.nodes, net) });
  ipsets.sort((a, b) => (a.name < b.name ? -1 : 1));

  return {
    node: s.nodeName,
    ...kernel,
    ipsets,
    iptables: {
      filter: { chains: [...chains.values()].sort(byName), inserts: sf.inserts, appends: sf.appends },
      nat: staticNat(st),
    },
    notes: [...new Set(notes)],
  };
}
