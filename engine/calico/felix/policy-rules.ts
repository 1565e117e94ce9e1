/**
 * Policy and profile rules → iptables rules, as felix/rules/policy.go (v3.29) renders them:
 * - matches in CalculateRuleMatch's order (protocol, source net/set/ports, destination
 *   net/set/ports, ICMP, then the negated ones);
 * - several positive CIDRs, or a CIDR plus negated CIDRs, become "match blocks" computed in
 *   the scratch mark bits, with the final rule testing the all-blocks bit;
 * - Allow sets the accept mark then RETURNs, Pass sets the pass mark then RETURNs, Deny is a
 *   DROP, Log is a LOG with prefix `calico-packet`; trailing RETURNs of a chain are dropped
 *   and its first rule carries the comment `Policy <name> ingress|egress`.
 * Selectors become `cali40s:` IP sets registered in a SetRegistry (members filled later).
 * Named ports become `cali40n:` hash:ip,port sets (felix/calc/rule_scanner.go): one per named
 * port, holding (IP, protocol:port) of every endpoint that matches the side's positive
 * selector (`all()` without one) and has that port; matched `--match-set NAME dst,dst`. When a
 * side has named but no numeric ports its selector set is dropped (the named-port set is
 * already filtered by it), and numeric + named ports (or several named ones) are OR-ed in a
 * port match block ahead of the CIDR blocks.
 */
import type { IptMatch, IptRule } from '../../dataplane/iptables.ts';
import { MARK } from '../../dataplane/iptables.ts';
import { formatPrefix } from '../../net/ip.ts';
import type { IpPrefix } from '../../net/ip.ts';
import type { EntityRule, Policy, PortMatch, Rule, ServiceRef } from '../policy/index.ts';
import { scopedSelector } from '../policy/index.ts';
import type { SelectorNode } from '../selector/index.ts';
import { ALL, selectorToString } from '../selector/index.ts';
import { namedPortIpsetName, selectorIpsetName, serviceIpsetName } from './names.ts';

/** What a named-port IP set holds: endpoints matching `selector` that have `port` over `protocol`. */
export interface NamedPortSet {
  readonly selector: SelectorNode;
  readonly protocol: NamedPortProtocol;
  readonly port: string;
}

/** The protocols a named port set is computed for (rule protocol; TCP when the rule has none). */
export type NamedPortProtocol = 'tcp' | 'udp' | 'sctp';

/** A Service's IP set: its endpoints' (IP, protocol:port) for destinations, their IPs for sources. */
export interface ServiceSet {
  readonly service: ServiceRef;
  readonly withPorts: boolean;
}

/** Selector, named-port and Service IP sets referenced by rendered rules, by kernel name. */
export class SetRegistry {
  readonly sets = new Map<string, { selector: SelectorNode; text: string }>();
  readonly namedPorts = new Map<string, NamedPortSet>();
  readonly services = new Map<string, ServiceSet>();

  /** Registers a Service's set (felix/calc: `svc` with ports, `svcnoport` without) and returns its name. */
  useService(service: ServiceRef, withPorts: boolean): string {
    const name = serviceIpsetName(`${service.namespace}/${service.name}`, withPorts);
    if (!this.services.has(name)) this.services.set(name, { service, withPorts });
    return name;
  }

  /** Registers a selector's set and returns its name. */
  use(sel: SelectorNode): string {
    const text = selectorToString(sel);
    const name = selectorIpsetName(text);
    if (!this.sets.has(name)) this.sets.set(name, { selector: sel, text });
    return name;
  }

  /** Registers a named port's (IP, port) set and returns its name. */
  useNamedPort(sel: SelectorNode | undefined, protocol: NamedPortProtocol, port: string): string {
    const selector = sel ?? ALL;
    const name = namedPortIpsetName(selectorToString(selector), protocol, port);
    if (!this.namedPorts.has(name)) this.namedPorts.set(name, { selector, protocol, port });
    return name;
  }
}

/** felix/calc: UDP or SCTP when the rule says so, else TCP. */
function namedPortProtocol(rule: Rule): NamedPortProtocol {
  return rule.protocol === 17 ? 'udp' : rule.protocol === 132 ? 'sctp' : 'tcp';
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };

function protoOf(n: number): string | number {
  return PROTO_NAMES[n] ?? n;
}

function portText(p: PortMatch & { kind: 'range' }): string {
  return p.first === p.last ? String(p.first) : `${p.first}:${p.last}`;
}

const numeric = (ps: readonly PortMatch[] | undefined): string[] =>
  (ps ?? []).flatMap((p) => (p.kind === 'range' ? [portText(p)] : []));
const named = (ps: readonly PortMatch[] | undefined): string[] =>
  (ps ?? []).flatMap((p) => (p.kind === 'named' ? [p.name] : []));

function v4(nets: readonly IpPrefix[] | undefined): string[] | undefined {
  if (!nets) return undefined;
  return nets.filter((n) => n.family === 4).map(formatPrefix);
}

/** Match blocks (felix's matchBlockBuilder) for multi-CIDR and negated-CIDR matches. */
class Blocks {
  readonly rules: IptRule[] = [];
  using = false;
  private donePositive = false;

  private init(bits: number): void {
    if (this.using) return;
    this.rules.push({ match: [], action: { a: 'mark', value: bits, mask: MARK.scratch0 | MARK.scratch1 } });
    this.using = true;
  }

  positive(cidrs: readonly string[], dir: 'src' | 'dst'): void {
    this.positiveMatches(cidrs.map((c) => [{ m: 'net', dir, cidr: c }]));
  }

  /** Port block (AppendPortMatchBlock): the numeric ports with the protocol, then each named-port set. */
  ports(proto: IptMatch | undefined, ports: readonly string[], sets: readonly string[], dir: 'src' | 'dst'): void {
    const ms: IptMatch[][] = [];
    if (ports.length) ms.push([...(proto ? [proto] : []), { m: 'ports', dir, ports }]);
    for (const name of sets) ms.push([{ m: 'set', name, dir, port: true }]);
    this.positiveMatches(ms);
  }

  /** One positive block: any of `alternatives` sets this block's bit. */
  private positiveMatches(alternatives: readonly IptMatch[][]): void {
    this.init(0);
    const bit = this.donePositive ? MARK.scratch1 : MARK.scratch0;
    for (const match of alternatives) this.rules.push({ match, action: { a: 'mark', value: bit, mask: bit } });
    if (this.donePositive) this.rules.push({ match: [{ m: 'mark', value: 0, mask: MARK.scratch1 }], action: { a: 'mark', value: 0, mask: MARK.scratch0 } });
    this.donePositive = true;
  }

  negated(cidrs: readonly string[], dir: 'src' | 'dst'): void {
    this.init(MARK.scratch0);
    for (const c of cidrs) this.rules.push({ match: [{ m: 'net', dir, cidr: c }], action: { a: 'mark', value: 0, mask: MARK.scratch0 } });
  }
}

interface Side {
  nets?: string[];
  notNets?: string[];
  set?: string;
  notSet?: string;
  ports?: string[];
  notPorts?: string[];
  /** Named-port set names. */
  namedSets?: string[];
  /** A destination Service's (IP, port) set. */
  svcPortSet?: string;
  notNamedSets?: string[];
}

function side(e: EntityRule, policy: Policy | undefined, sets: SetRegistry, proto: NamedPortProtocol, dir: 'src' | 'dst'): Side | undefined {
  const s: Side = {};
  // services: the Service's endpoints replace selectors and nets (Calico refuses them together);
  // a destination matches the endpoints' ports too, a source its addresses.
  if (e.services) {
    if (dir === 'dst') s.svcPortSet = sets.useService(e.services, true);
    else s.set = sets.useService(e.services, false);
  }
  const nets = v4(e.nets);
  if (nets && e.nets!.length && !nets.length) return undefined; // IPv6-only: not rendered for IPv4
  const notNets = v4(e.notNets);
  if (nets?.length) s.nets = nets;
  if (notNets?.length) s.notNets = notNets;
  const sel = policy ? scopedSelector(e, policy) : e.selector;
  const ports = numeric(e.ports);
  const namedPorts = named(e.ports);
  const notNamed = named(e.notPorts);
  // Named ports are filtered by the positive selector, so its own set is only needed beside numeric ports.
  if (sel && (ports.length || !namedPorts.length)) s.set = sets.use(sel);
  if (e.notSelector) s.notSet = sets.use(e.notSelector);
  if (ports.length) s.ports = ports;
  const notPorts = numeric(e.notPorts);
  if (notPorts.length) s.notPorts = notPorts;
  if (namedPorts.length) s.namedSets = namedPorts.map((n) => sets.useNamedPort(sel, proto, n));
  if (notNamed.length) s.notNamedSets = notNamed.map((n) => sets.useNamedPort(sel, proto, n));
  return s;
}

/** One Calico rule as its iptables rules; `notes` collects what podlab does not render. */
export function ruleToIptables(rule: Rule, policy: Policy | undefined, sets: SetRegistry, notes: string[]): IptRule[] {
  const npProto = namedPortProtocol(rule);
  const src = side(rule.source, policy, sets, npProto, 'src');
  const dst = side(rule.destination, policy, sets, npProto, 'dst');
  if (!src || !dst) return [];
  const blocks = new Blocks();
  const proto: IptMatch | undefined = rule.protocol !== undefined ? { m: 'proto', proto: protoOf(rule.protocol) } : undefined;
  for (const [sd, dir] of [[src, 'src'], [dst, 'dst']] as const) {
    if ((sd.ports ? 1 : 0) + (sd.namedSets?.length ?? 0) > 1) {
      blocks.ports(proto, sd.ports ?? [], sd.namedSets ?? [], dir);
      delete sd.ports;
      delete sd.namedSets;
    }
  }
  if ((src.nets?.length ?? 0) > 1) { blocks.positive(src.nets!, 'src'); delete src.nets; }
  if ((dst.nets?.length ?? 0) > 1) { blocks.positive(dst.nets!, 'dst'); delete dst.nets; }
  if ((src.nets?.length ?? 0) + (src.notNets?.length ?? 0) > 1) { blocks.negated(src.notNets ?? [], 'src'); delete src.notNets; }
  if ((dst.nets?.length ?? 0) + (dst.notNets?.length ?? 0) > 1) { blocks.negated(dst.notNets ?? [], 'dst'); delete dst.notNets; }

  const m: IptMatch[] = [];
  if (rule.protocol !== undefined) m.push({ m: 'proto', proto: protoOf(rule.protocol) });
  if (src.nets) m.push({ m: 'net', dir: 'src', cidr: src.nets[0]! });
  if (src.set) m.push({ m: 'set', name: src.set, dir: 'src' });
  if (src.ports) m.push({ m: 'ports', dir: 'src', ports: src.ports });
  for (const name of src.namedSets ?? []) m.push({ m: 'set', name, dir: 'src', port: true });
  if (dst.nets) m.push({ m: 'net', dir: 'dst', cidr: dst.nets[0]! });
  if (dst.set) m.push({ m: 'set', name: dst.set, dir: 'dst' });
  if (dst.ports) m.push({ m: 'ports', dir: 'dst', ports: dst.ports });
  for (const name of dst.namedSets ?? []) m.push({ m: 'set', name, dir: 'dst', port: true });
  if (dst.svcPortSet) m.push({ m: 'set', name: dst.svcPortSet, dir: 'dst', port: true });
  if (rule.icmp?.type !== undefined) m.push({ m: 'icmp', type: rule.icmp.type, ...(rule.icmp.code !== undefined ? { code: rule.icmp.code } : {}) });
  if (rule.notProtocol !== undefined) m.push({ m: 'proto', proto: protoOf(rule.notProtocol), neg: true });
  if (src.notNets) m.push({ m: 'net', dir: 'src', cidr: src.notNets[0]!, neg: true });
  if (src.notSet) m.push({ m: 'set', name: src.notSet, dir: 'src', neg: true });
  if (src.notPorts) m.push({ m: 'ports', dir: 'src', ports: src.notPorts, neg: true });
  for (const name of src.notNamedSets ?? []) m.push({ m: 'set', name, dir: 'src', port: true, neg: true });
  if (dst.notNets) m.push({ m: 'net', dir: 'dst', cidr: dst.notNets[0]!, neg: true });
  if (dst.notSet) m.push({ m: 'set', name: dst.notSet, dir: 'dst', neg: true });
  if (dst.notPorts) m.push({ m: 'ports', dir: 'dst', ports: dst.notPorts, neg: true });
  for (const name of dst.notNamedSets ?? []) m.push({ m: 'set', name, dir: 'dst', port: true, neg: true });
  if (rule.notICMP?.type !== undefined) m.push({ m: 'icmp', type: rule.notICMP.type, ...(rule.notICMP.code !== undefined ? { code: rule.notICMP.code } : {}), neg: true });
  if (blocks.using) m.push({ m: 'mark', value: MARK.scratch0, mask: MARK.scratch0 });

  const out = [...blocks.rules];
  switch (rule.action) {
    case 'Allow':
    case 'Pass': {
      const bit = rule.action === 'Allow' ? MARK.accept : MARK.pass;
      out.push({ match: m, action: { a: 'mark', value: bit, mask: bit } });
      out.push({ match: [{ m: 'mark', value: bit, mask: bit }], action: { a: 'RETURN' } });
      break;
    }
    case 'Deny':
      out.push({ match: m, action: { a: 'DROP' } });
      break;
    case 'Log':
      out.push({ match: m, action: { a: 'LOG', prefix: 'calico-packet' } });
      break;
  }
  return out;
}

/** A policy's (or profile's) rules of one direction as one chain body (ProtoRulesToIptablesRules). */
export function rulesToChain(rules: readonly Rule[], policy: Policy | undefined, comment: string, sets: SetRegistry, notes: string[]): IptRule[] {
  const out: IptRule[] = [];
  for (const r of rules) out.push(...ruleToIptables(r, policy, sets, notes));
  while (out.length && out[out.length - 1]!.action?.a === 'RETURN') out.pop();
  if (!out.length) out.push({ match: [] });
  out[0] = { ...out[0]!, comment: [...(out[0]!.comment ?? []), comment] };
  return out;
}
