/**
 * Does a rule match a packet? Calico's per-rule semantics: protocol/notProtocol, ICMP,
 * then for each side nets/notNets, the endpoint selector (scoped to the policy's namespace
 * or to the namespaceSelector, as libcalico-go's rule converter scopes it), notSelector,
 * and ports/notPorts (named ports resolved against that side's endpoint).
 */
import type { IpAddress } from '../../net/ip.ts';
import { formatIp, ipPrefixContains } from '../../net/ip.ts';
import type { SelectorNode } from '../selector/index.ts';
import { andOf, matchSelector, prefixKeys } from '../selector/index.ts';
import type { EntityRule, IcmpMatch, Policy, PortMatch, Rule } from './model.ts';
import type { CompiledEndpoint, CompiledService } from './world.ts';
import { servicePortKey } from './world.ts';

/** One side of a packet: its address, port and (if known) endpoint. */
export interface PacketSide {
  readonly ip: IpAddress;
  readonly port?: number;
  readonly endpoint?: CompiledEndpoint;
}

/** The packet fields rules look at. */
export interface RulePacket {
  readonly protocol: number;
  readonly src: PacketSide;
  readonly dst: PacketSide;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

const HAS_NAMESPACE: SelectorNode = { kind: 'has', key: 'projectcalico.org/namespace' };

/** Rewrites a namespaceSelector the way Calico does before matching endpoints' `pcns.` labels. */
export function namespaceSelectorForEndpoints(ns: SelectorNode): SelectorNode {
  const walk = (n: SelectorNode): SelectorNode => {
    switch (n.kind) {
      case 'all':
        return HAS_NAMESPACE;
      case 'global':
        return { kind: 'not', expr: HAS_NAMESPACE };
      case 'not':
        return { kind: 'not', expr: walk(n.expr) };
      case 'and':
      case 'or':
        return { kind: n.kind, exprs: n.exprs.map(walk) };
      default:
        return prefixKeys(n, 'pcns.');
    }
  };
  return walk(ns);
}

// Scoped selectors are built once per rule side / policy: evaluation runs per packet.
const scopedCache = new WeakMap<EntityRule, { readonly ns: string | undefined; readonly sel: SelectorNode | undefined }>();
const policyCache = new WeakMap<Policy, SelectorNode>();

/** The endpoint selector a rule side really applies (undefined: no endpoint restriction). */
export function scopedSelector(e: EntityRule, policy: Policy): SelectorNode | undefined {
  const hit = scopedCache.get(e);
  if (hit && hit.ns === policy.namespace) return hit.sel;
  const sel = buildScopedSelector(e, policy);
  scopedCache.set(e, { ns: policy.namespace, sel });
  return sel;
}

function buildScopedSelector(e: EntityRule, policy: Policy): SelectorNode | undefined {
  // serviceAccounts is part of the side's selector (a service account is namespaced, so a
  // namespaced policy's serviceAccounts names accounts of its own namespace).
  const own = e.serviceAccountSelector ? (e.selector ? andOf(e.selector, e.serviceAccountSelector) : e.serviceAccountSelector) : e.selector;
  let ns: SelectorNode | undefined;
  if (e.namespaceSelector) ns = namespaceSelectorForEndpoints(e.namespaceSelector);
  else if (policy.namespace !== undefined) ns = { kind: 'eq', key: 'projectcalico.org/namespace', value: policy.namespace };
  if (ns && (own || e.notSelector || e.namespaceSelector)) return own ? andOf(ns, own) : ns;
  return own;
}

/** The endpoint selector a policy applies to (namespace scoping included). */
export function policyEndpointSelector(p: Policy): SelectorNode {
  let sel = policyCache.get(p);
  if (!sel) {
    sel = buildPolicySelector(p);
    policyCache.set(p, sel);
  }
  return sel;
}

function buildPolicySelector(p: Policy): SelectorNode {
  const own = p.serviceAccountSelector ? andOf(p.selector, p.serviceAccountSelector) : p.selector;
  if (p.namespace !== undefined) return andOf({ kind: 'eq', key: 'projectcalico.org/namespace', value: p.namespace }, own);
  if (p.namespaceSelector) return andOf(namespaceSelectorForEndpoints(p.namespaceSelector), own);
  return own;
}

/** What rule matching looks up beyond the packet: the Services `services:` names. */
export interface MatchContext {
  readonly services: ReadonlyMap<string, CompiledService>;
}

const NO_CONTEXT: MatchContext = { services: new Map() };

/** `services:` on one side: destination = (IP, protocol, port) of an endpoint; source = its IP. */
function serviceMatches(e: EntityRule, side: PacketSide, protocol: number, dir: 'src' | 'dst', ctx: MatchContext): boolean {
  const svc = ctx.services.get(`${e.services!.namespace}/${e.services!.name}`);
  if (!svc) return false; // Felix's IP set of a Service that does not exist is empty.
  const ip = formatIp(side.ip);
  if (dir === 'src') return svc.ips.has(ip);
  return side.port !== undefined && svc.ipPorts.has(servicePortKey(ip, protocol, side.port));
}

function portIn(list: readonly PortMatch[], side: PacketSide, protocol: number): boolean {
  const port = side.port;
  if (port === undefined) return false;
  return list.some((m) => {
    if (m.kind === 'range') return port >= m.first && port <= m.last;
    return (side.endpoint?.namedPorts ?? []).some((np) => np.name === m.name && np.protocol === protocol && np.port === port);
  });
}

function entityMatches(e: EntityRule, side: PacketSide, policy: Policy, protocol: number, dir: 'src' | 'dst', ctx: MatchContext): boolean {
  if (e.services && !serviceMatches(e, side, protocol, dir, ctx)) return false;
  if (e.nets && !e.nets.some((n) => ipPrefixContains(n, side.ip))) return false;
  if (e.notNets && e.notNets.some((n) => ipPrefixContains(n, side.ip))) return false;
  const sel = scopedSelector(e, policy);
  if (sel) {
    // Selectors become ipsets of endpoint addresses: an address no endpoint owns never matches.
    if (!side.endpoint || !matchSelector(sel, side.endpoint.labels)) return false;
  }
  if (e.notSelector && side.endpoint && matchSelector(e.notSelector, side.endpoint.labels)) return false;
  if (e.ports && !portIn(e.ports, side, protocol)) return false;
  if (e.notPorts && portIn(e.notPorts, side, protocol)) return false;
  return true;
}

function icmpMatches(m: IcmpMatch, p: RulePacket): boolean {
  if (m.type !== undefined && p.icmpType !== m.type) return false;
  if (m.code !== undefined && p.icmpCode !== m.code) return false;
  return true;
}

/** True when `rule` of `policy` matches the packet (`ctx`: the Services `services:` rules name). */
export function ruleMatches(rule: Rule, policy: Policy, p: RulePacket, ctx: MatchContext = NO_CONTEXT): boolean {
  if (rule.protocol !== undefined && rule.protocol !== p.protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === p.protocol) return false;
  if (rule.icmp && !icmpMatches(rule.icmp, p)) return false;
  if (rule.notICMP && (rule.notICMP.type !== undefined || rule.notICMP.code !== undefined) && icmpMatches(rule.notICMP, p)) return false;
  return entityMatches(rule.source, p.src, policy, p.protocol, 'src', ctx) && entityMatches(rule.destination, p.dst, policy, p.protocol, 'dst', ctx);
}
