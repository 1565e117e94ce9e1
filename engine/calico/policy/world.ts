/**
 * What the evaluator sees of the cluster: namespaces, endpoints, policies, tiers — compiled
 * once (effective labels, IP index, tiers and policies sorted) so evaluating a packet is cheap.
 */
import type { IpAddress } from '../../net/ip.ts';
import { parseIp } from '../../net/ip.ts';
import type { Labels } from '../selector/index.ts';
import type { Policy, Tier } from './model.ts';
import { BUILTIN_TIERS, PROTOCOL_NUMBERS } from './model.ts';

/** A container port with a name (what named ports in rules resolve to). */
export interface NamedPort {
  readonly name: string;
  /** 'TCP' | 'UDP' | 'SCTP' (default TCP) or an IANA number. */
  readonly protocol?: string | number;
  readonly port: number;
}

/** A pod's endpoint. */
export interface WorkloadEndpoint {
  readonly kind: 'workload';
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ips: readonly string[];
  readonly ports?: readonly NamedPort[];
  readonly serviceAccount?: string;
}

/** A host endpoint (labels usable by selectors; its own policy is not evaluated here). */
export interface HostEndpoint {
  readonly kind: 'host';
  readonly name: string;
  readonly labels: Labels;
  readonly ips: readonly string[];
}

/** Any endpoint Calico knows about. */
export type Endpoint = WorkloadEndpoint | HostEndpoint;

/** A namespace and its labels. */
export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
}

/** A Kubernetes ServiceAccount: its labels become the `pcsa.*` labels of the pods that run as it. */
export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
}

/** One (address, protocol, port) a Service's EndpointSlices list. */
export interface ServiceEndpointPort {
  readonly ip: string;
  /** 'TCP' | 'UDP' | 'SCTP' (default TCP) or an IANA number. */
  readonly protocol?: string | number;
  readonly port: number;
}

/** A Kubernetes Service as `services:` rules see it: its ready endpoints and their ports. */
export interface ServiceEndpoints {
  readonly namespace: string;
  readonly name: string;
  readonly endpoints: readonly ServiceEndpointPort[];
}

/** The evaluator's input. Tiers not given fall back to Calico's built-in ones. */
export interface PolicyWorld {
  readonly namespaces: readonly Namespace[];
  readonly endpoints: readonly Endpoint[];
  readonly policies: readonly Policy[];
  readonly tiers?: readonly Tier[];
  /** ServiceAccounts with labels; a pod's account without an entry has no labels but its name. */
  readonly serviceAccounts?: readonly ServiceAccount[];
  /** Services that `services:` rule matches resolve against. */
  readonly services?: readonly ServiceEndpoints[];
}

/** A Service compiled for matching: `ip,protocol,port` keys and the bare addresses. */
export interface CompiledService {
  readonly ipPorts: ReadonlySet<string>;
  readonly ips: ReadonlySet<string>;
}

/** An endpoint with everything precomputed for matching. */
export interface CompiledEndpoint {
  readonly id: string;
  readonly endpoint: Endpoint;
  /** Labels selectors see: own labels + `projectcalico.org/*` + namespace labels as `pcns.*`. */
  readonly labels: Labels;
  readonly ips: readonly IpAddress[];
  readonly namedPorts: readonly { name: string; protocol: number; port: number }[];
}

/** A tier with its policies in evaluation order. */
export interface CompiledTier {
  readonly tier: Tier;
  readonly policies: readonly Policy[];
}

/** The compiled world. */
export interface CompiledWorld {
  readonly endpoints: readonly CompiledEndpoint[];
  readonly byId: ReadonlyMap<string, CompiledEndpoint>;
  readonly byIp: ReadonlyMap<string, CompiledEndpoint>;
  readonly tiers: readonly CompiledTier[];
  /** Policies whose tier does not exist (Calico refuses them; they never apply). */
  readonly orphans: readonly Policy[];
  /** Services by `namespace/name`. */
  readonly services: ReadonlyMap<string, CompiledService>;
}

/** `ns/name` for workloads, `hep:<name>` for host endpoints. */
export function endpointId(e: Endpoint): string {
  return e.kind === 'workload' ? `${e.namespace}/${e.name}` : `hep:${e.name}`;
}

/** The service account a pod runs as: `spec.serviceAccountName`, `default` when unset (as the API server sets it). */
export function serviceAccountOf(e: WorkloadEndpoint): string {
  return e.serviceAccount ?? 'default';
}

/**
 * Calico's label view of an endpoint (see the representation note in model.ts): the labels it
 * inherits from its profiles — `kns.<ns>` gives the namespace's labels as `pcns.*`,
 * `ksa.<ns>.<sa>` the service account's as `pcsa.*` (plus `pcsa.projectcalico.org/name`) —
 * then its own labels and the `projectcalico.org/*` ones.
 */
export function effectiveLabels(e: Endpoint, ns: Namespace | undefined, sa?: ServiceAccount): Labels {
  if (e.kind === 'host') return { ...e.labels };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ns?.labels ?? {})) out[`pcns.${k}`] = v;
  out['pcns.projectcalico.org/name'] = e.namespace;
  const account = serviceAccountOf(e);
  for (const [k, v] of Object.entries(sa?.labels ?? {})) out[`pcsa.${k}`] = v;
  out['pcsa.projectcalico.org/name'] = account;
  Object.assign(out, e.labels);
  out['projectcalico.org/namespace'] = e.namespace;
  out['projectcalico.org/orchestrator'] = 'k8s';
  out['projectcalico.org/serviceaccount'] = account;
  return out;
}

/** `ip,protocol,port` as a compiled Service's set holds it (protocol as its IANA number). */
export function servicePortKey(ip: string, protocol: number, port: number): string {
  return `${ip},${protocol},${port}`;
}

function compileServices(list: readonly ServiceEndpoints[] | undefined): Map<string, CompiledService> {
  const out = new Map<string, CompiledService>();
  for (const s of list ?? []) {
    out.set(`${s.namespace}/${s.name}`, {
      ipPorts: new Set(s.endpoints.map((e) => servicePortKey(e.ip, protoNumber(e.protocol), e.port))),
      ips: new Set(s.endpoints.map((e) => e.ip)),
    });
  }
  return out;
}

/** A protocol as written in a pod or Service port ('TCP', 'udp', 132, absent = TCP) as its IANA number. */
export function protoNumber(p: string | number | undefined): number {
  if (p === undefined) return PROTOCOL_NUMBERS.TCP!;
  if (typeof p === 'number') return p;
  return PROTOCOL_NUMBERS[p.toUpperCase() === 'ICMPV6' ? 'ICMPv6' : p.toUpperCase()] ?? Number(p);
}

/** Compares two optional orders: lower first, missing last, ties by name (Calico's sorter). */
export function byOrderThenName(a: { order?: number; name: string }, b: { order?: number; name: string }): number {
  const ao = a.order ?? Infinity;
  const bo = b.order ?? Infinity;
  if (ao !== bo) return ao < bo ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Compiles the world once; throws on an endpoint IP that does not parse. */
export function compileWorld(w: PolicyWorld): CompiledWorld {
  const nsByName = new Map(w.namespaces.map((n) => [n.name, n]));
  const saByKey = new Map((w.serviceAccounts ?? []).map((a) => [`${a.namespace}/${a.name}`, a]));
  const endpoints: CompiledEndpoint[] = w.endpoints.map((e) => ({
    id: endpointId(e),
    endpoint: e,
    labels: e.kind === 'workload' ? effectiveLabels(e, nsByName.get(e.namespace), saByKey.get(`${e.namespace}/${serviceAccountOf(e)}`)) : effectiveLabels(e, undefined),
    ips: e.ips.map(parseIp),
    namedPorts: e.kind === 'workload' ? (e.ports ?? []).map((p) => ({ name: p.name, protocol: protoNumber(p.protocol), port: p.port })) : [],
  }));
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const byIp = new Map<string, CompiledEndpoint>();
  for (const e of endpoints) for (const ip of e.endpoint.ips) byIp.set(ip, e);

  const tierMap = new Map<string, Tier>(BUILTIN_TIERS.map((t) => [t.name, t]));
  for (const t of w.tiers ?? []) tierMap.set(t.name, t);
  const tiers = [...tierMap.values()].sort(byOrderThenName);
  const orphans: Policy[] = [];
  const grouped = new Map<string, Policy[]>(tiers.map((t) => [t.name, []]));
  for (const p of w.policies) {
    const g = grouped.get(p.tier);
    if (g) g.push(p);
    else orphans.push(p);
  }
  // Namespaced and global policies share one ordering; the namespace breaks name ties so
  // two namespaces' same-named policies keep a stable order.
  const key = (p: Policy): { order?: number; name: string } => ({ ...(p.order !== undefined ? { order: p.order } : {}), name: `${p.name}\u0000${p.namespace ?? ''}` });
  return {
    endpoints,
    byId,
    byIp,
    tiers: tiers.map((t) => ({ tier: t, policies: grouped.get(t.name)!.sort((a, b) => byOrderThenName(key(a), key(b))) })),
    orphans,
    services: compileServices(w.services),
  };
}
