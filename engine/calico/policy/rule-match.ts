/**
 * Does a rule match a packet? Calico's per-rule semantics: protocol/notProtocol, ICMP,
 * then for each side nets/notNets, the endpoint selector (scoped to the policy's namespace
 * or to the namespaceSelector, as libcalico-go's rule converter scopes it), notSelector,
 * and ports/notPorts (named ports resolved against that side's endpoint).
 */
import type { IpAddress } from '../../net/ip.ts';
import { ipPrefixContains } from '../../net/ip.ts';
import type { SelectorNode } from '../selector/index.ts';
import { andOf, matchSelector, prefixKeys } from '../selector/index.ts';
import type { EntityRule, IcmpMatch, Policy, PortMatch, Rule } from './model.ts';
import type { CompiledEndpoint } from './world.ts';

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
  let ns: SelectorNode | undefined;
  if (e.namespaceSelector) ns = namespaceSelectorForEndpoints(e.namespaceSelector);
  else if (policy.namespace !== undefined) ns = { kind: 'eq', key: 'projectcalico.org/namespace', value: policy.namespace };
  if (ns && (e.selector || e.notSelector || e.namespaceSelector)) return e.selector ? andOf(ns, e.selector) : ns;
  return e.selector;
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
  if (p.namespace !== undefined) return andOf({ kind: 'eq', key: 'projectcalico.org/namespace', value: p.namespace }, p.selector);
  if (p.namespaceSelector) return andOf(namespaceSelectorForEndpoints(p.namespaceSelector), p.selector);
  return p.selector;
}

function portIn(list: readonly PortMatch[], side: PacketSide, protocol: number): boolean {
  const port = side.port;
  if (port === undefined) return false;
  return list.some((m) => {
    if (m.kind === 'range') return port >= m.first && port <= m.last;
    return (side.endpoint?.namedPorts ?? []).some((np) => np.name === m.name && np.protocol === protocol && np.port === port);
  });
}

function entityMatches(e: EntityRule, side: PacketSide, policy: Policy, protocol: number): boolean {
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

/** True when `rule` of `policy` matches the packet. */
export function ruleMatches(rule: Rule, policy: Policy, p: RulePacket): boolean {
  if (rule.protocol !== undefined && rule.protocol !== p.protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === p.protocol) return false;
  if (rule.icmp && !icmpMatches(rule.icmp, p)) return false;
  if (rule.notICMP && (rule.notICMP.type !== undefined || rule.notICMP.code !== undefined) && icmpMatches(rule.notICMP, p)) return false;
  return entityMatches(rule.source, p.src, policy, p.protocol) && entityMatches(rule.destination, p.dst, policy, p.protocol);
}
