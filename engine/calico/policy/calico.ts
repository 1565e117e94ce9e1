/**
 * projectcalico.org/v3 NetworkPolicy, GlobalNetworkPolicy and Tier manifests → the model.
 * Defaults as Calico applies them: tier `default`, `types` = the directions that have rules
 * (Ingress when neither has), selector `all()`, Tier defaultAction `Deny`.
 */
import type { SelectorNode } from '../selector/index.ts';
import { andOf, prefixKeys } from '../selector/index.ts';
import type { Direction, EntityRule, IcmpMatch, Policy, Rule, ServiceRef, Tier } from './model.ts';
import type { PolicyProblems } from './problems.ts';
import { isObject, listAt, warnUnknown } from './problems.ts';
import { parseCalicoPorts, parseCidrs, parseProtocol, parseSelectorAt, protocolHasPorts } from './values.ts';

const ACTIONS = ['Allow', 'Deny', 'Log', 'Pass'] as const;

function parseIcmp(v: unknown, path: string, ps: PolicyProblems): IcmpMatch | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    ps.error(path, 'must be an object {type, code}');
    return undefined;
  }
  warnUnknown(v, path, ['type', 'code'], ps);
  const out: { type?: number; code?: number } = {};
  for (const k of ['type', 'code'] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) {
      ps.error(`${path}.${k}`, `ICMP ${k} must be 0..255, got ${JSON.stringify(x)}`);
      continue;
    }
    out[k] = x;
  }
  if (out.code !== undefined && out.type === undefined) ps.error(`${path}.code`, 'ICMP code needs a type', 'add icmp.type');
  return out;
}

function parseEntity(v: unknown, path: string, ps: PolicyProblems, protocol: number | undefined, namespace: string | undefined, side: 'source' | 'destination'): EntityRule {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    ps.error(path, 'must be an object (nets, notNets, selector, notSelector, namespaceSelector, ports, notPorts, serviceAccounts, services)');
    return {};
  }
  warnUnknown(v, path, ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts', 'services'], ps);
  const out: {
    -readonly [K in keyof EntityRule]: EntityRule[K];
  } = {};
  const nets = parseCidrs(v.nets, `${path}.nets`, ps);
  if (nets) out.nets = nets;
  const notNets = parseCidrs(v.notNets, `${path}.notNets`, ps);
  if (notNets) out.notNets = notNets;
  const sel = parseSelectorAt(v.selector, `${path}.selector`, ps);
  if (sel) out.selector = sel;
  const notSel = parseSelectorAt(v.notSelector, `${path}.notSelector`, ps);
  if (notSel) out.notSelector = notSel;
  const nsSel = parseSelectorAt(v.namespaceSelector, `${path}.namespaceSelector`, ps);
  if (nsSel) out.namespaceSelector = nsSel;
  for (const k of ['ports', 'notPorts'] as const) {
    const ports = parseCalicoPorts(v[k], `${path}.${k}`, ps);
    if (!ports) continue;
    if (!protocolHasPorts(protocol)) {
      ps.error(`${path}.${k}`, `${k} need protocol TCP, UDP, SCTP or UDPLite on the rule`, 'set the rule\'s protocol (e.g. protocol: TCP)');
      continue;
    }
    out[k] = ports;
  }
  const sa = parseServiceAccountMatch(v.serviceAccounts, `${path}.serviceAccounts`, ps);
  if (sa) out.serviceAccountSelector = sa;
  if (v.services !== undefined && v.services !== null) {
    const svc = parseServiceMatch(v, path, ps, namespace, side);
    if (svc) out.services = svc;
  }
  return out;
}

/** The label prefix of the profile labels endpoints inherit from their service account. */
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';

/** `serviceAccounts: {names, selector}` → the `pcsa.` selector Calico's rule converter writes. */
function parseServiceAccountMatch(v: unknown, path: string, ps: PolicyProblems): SelectorNode | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    ps.error(path, 'must be an object {names, selector}', "e.g. serviceAccounts: {names: [api]} or {selector: \"app == 'db'\"}");
    return undefined;
  }
  warnUnknown(v, path, ['names', 'selector'], ps);
  const parts: SelectorNode[] = [];
  const sel = parseSelectorAt(v.selector, `${path}.selector`, ps);
  if (sel) parts.push(prefixKeys(sel, SERVICE_ACCOUNT_LABEL_PREFIX));
  const names: string[] = [];
  listAt(v, 'names', path, ps).forEach((n, i) => {
    if (typeof n === 'string' && n !== '') names.push(n);
    else ps.error(`${path}.names[${i}]`, `a service account name must be a non-empty string, got ${JSON.stringify(n)}`);
  });
  if (names.length > 0) parts.push({ kind: 'in', key: `${SERVICE_ACCOUNT_LABEL_PREFIX}projectcalico.org/name`, values: names });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : andOf(...parts);
}

/** `services: {name, namespace}` and the fields Calico refuses beside it. */
function parseServiceMatch(v: Record<string, unknown>, path: string, ps: PolicyProblems, namespace: string | undefined, side: 'source' | 'destination'): ServiceRef | undefined {
  const p = `${path}.services`;
  const s = v.services;
  if (!isObject(s)) {
    ps.error(p, 'must be an object {name, namespace}', 'e.g. services: {name: kubernetes, namespace: default}');
    return undefined;
  }
  warnUnknown(s, p, ['name', 'namespace'], ps);
  const before = ps.errorCount();
  if (typeof s.name !== 'string' || s.name === '') ps.error(`${p}.name`, 'services needs the name of a Kubernetes Service');
  let ns = namespace;
  if (s.namespace !== undefined && s.namespace !== null) {
    if (typeof s.namespace === 'string' && s.namespace !== '') ns = s.namespace;
    else ps.error(`${p}.namespace`, `namespace must be a namespace name, got ${JSON.stringify(s.namespace)}`);
  } else if (ns === undefined) ps.error(`${p}.namespace`, 'a GlobalNetworkPolicy must say which namespace the Service is in', 'add services.namespace');
  for (const k of ['selector', 'notSelector', 'namespaceSelector', 'serviceAccounts', 'nets', 'notNets'] as const) {
    if (v[k] !== undefined && v[k] !== null) ps.error(`${path}.${k}`, `${k} cannot be combined with services`, 'the Service already names the endpoints; use a separate rule');
  }
  if (side === 'destination') {
    for (const k of ['ports', 'notPorts'] as const) {
      if (v[k] !== undefined && v[k] !== null) ps.error(`${path}.${k}`, `${k} cannot be combined with destination services`, "the Service's own ports are matched; drop the ports");
    }
  }
  if (ps.errorCount() > before || typeof s.name !== 'string' || ns === undefined) return undefined;
  return { name: s.name, namespace: ns };
}

function parseRule(v: unknown, path: string, ps: PolicyProblems, namespace: string | undefined): Rule | undefined {
  if (!isObject(v)) {
    ps.error(path, 'a rule must be an object with at least an action');
    return undefined;
  }
  warnUnknown(v, path, ['action', 'protocol', 'notProtocol', 'icmp', 'notICMP', 'ipVersion', 'source', 'destination', 'metadata', 'http'], ps);
  const before = ps.errorCount();
  const action = v.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    const fixed = typeof action === 'string' ? ACTIONS.find((a) => a.toLowerCase() === action.toLowerCase()) : undefined;
    ps.error(`${path}.action`, action === undefined ? 'action is required' : `unknown action ${JSON.stringify(action)}`, fixed ? `write '${fixed}' (capitalised)` : 'use Allow, Deny, Log or Pass');
  }
  if (v.http !== undefined) ps.error(`${path}.http`, 'HTTP matches need the application layer, which podlab does not model', 'remove http from the rule');
  const protocol = v.protocol === undefined || v.protocol === null ? undefined : parseProtocol(v.protocol, `${path}.protocol`, ps);
  const notProtocol = v.notProtocol === undefined || v.notProtocol === null ? undefined : parseProtocol(v.notProtocol, `${path}.notProtocol`, ps);
  const icmp = parseIcmp(v.icmp, `${path}.icmp`, ps);
  const notICMP = parseIcmp(v.notICMP, `${path}.notICMP`, ps);
  if ((icmp || notICMP) && protocol !== 1 && protocol !== 58) {
    ps.error(`${path}.${icmp ? 'icmp' : 'notICMP'}`, 'ICMP matches need protocol ICMP or ICMPv6 on the rule', 'add protocol: ICMP');
  }
  if (v.ipVersion !== undefined && v.ipVersion !== 4 && v.ipVersion !== 6) ps.error(`${path}.ipVersion`, `ipVersion must be 4 or 6, got ${JSON.stringify(v.ipVersion)}`);
  const source = parseEntity(v.source, `${path}.source`, ps, protocol, namespace, 'source');
  const destination = parseEntity(v.destination, `${path}.destination`, ps, protocol, namespace, 'destination');
  if (ps.errorCount() > before) return undefined;
  return {
    action: action as Rule['action'],
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    ...(icmp ? { icmp } : {}),
    ...(notICMP ? { notICMP } : {}),
    source,
    destination,
    origin: path,
  };
}

function parseOrder(v: unknown, path: string, ps: PolicyProblems): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  ps.error(path, `order must be a number, got ${JSON.stringify(v)}`, 'e.g. order: 100 (lower runs first; leave it out to run last)');
  return undefined;
}

/** Parses a Calico NetworkPolicy or GlobalNetworkPolicy object. */
export function parseCalicoPolicy(obj: Record<string, unknown>, ps: PolicyProblems): Policy | undefined {
  const before = ps.errorCount();
  const global = obj.kind === 'GlobalNetworkPolicy';
  warnUnknown(obj, '', ['apiVersion', 'kind', 'metadata', 'spec'], ps);
  const md = isObject(obj.metadata) ? obj.metadata : {};
  const name = md.name;
  if (typeof name !== 'string' || name === '') ps.error('metadata.name', `a ${String(obj.kind)} needs a name`);
  let namespace: string | undefined;
  if (global) {
    if (md.namespace !== undefined) ps.warn('metadata.namespace', 'GlobalNetworkPolicy is not namespaced; namespace is ignored', 'use spec.namespaceSelector to limit it to namespaces');
  } else {
    namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    if (md.namespace === undefined) ps.warn('metadata.namespace', "no namespace given; using 'default' as calicoctl would");
  }
  const spec = isObject(obj.spec) ? obj.spec : {};
  if (!isObject(obj.spec)) ps.warn('spec', 'no spec: the policy selects all() and has no rules');
  const known = ['order', 'tier', 'selector', 'types', 'ingress', 'egress', 'serviceAccountSelector', 'performanceHints'];
  if (global) known.push('namespaceSelector', 'applyOnForward', 'preDNAT', 'doNotTrack');
  warnUnknown(spec, 'spec', known, ps);
  // Calico prefixes the keys with `pcsa.` and ANDs it with the selector (the endpoints'
  // service-account profile labels).
  const saSel = spec.serviceAccountSelector === undefined || spec.serviceAccountSelector === null ? undefined : parseSelectorAt(spec.serviceAccountSelector, 'spec.serviceAccountSelector', ps);
  for (const k of ['applyOnForward', 'preDNAT', 'doNotTrack'] as const) {
    if (spec[k] === true) ps.warn(`spec.${k}`, `${k} only concerns host endpoints, which podlab's evaluator does not police`, 'the policy still applies to workload endpoints');
  }
  const order = parseOrder(spec.order, 'spec.order', ps);
  let tier = 'default';
  if (spec.tier !== undefined) {
    if (typeof spec.tier === 'string' && spec.tier !== '') tier = spec.tier;
    else ps.error('spec.tier', `tier must be a tier name, got ${JSON.stringify(spec.tier)}`);
  }
  const selector = parseSelectorAt(spec.selector ?? '', 'spec.selector', ps);
  const nsSel = global ? parseSelectorAt(spec.namespaceSelector, 'spec.namespaceSelector', ps) : undefined;
  const ingress: Rule[] = [];
  const egress: Rule[] = [];
  listAt(spec, 'ingress', 'spec', ps).forEach((r, i) => {
    const rule = parseRule(r, `spec.ingress[${i}]`, ps, namespace);
    if (rule) ingress.push(rule);
  });
  listAt(spec, 'egress', 'spec', ps).forEach((r, i) => {
    const rule = parseRule(r, `spec.egress[${i}]`, ps, namespace);
    if (rule) egress.push(rule);
  });
  let types: Direction[];
  if (spec.types === undefined || spec.types === null) {
    const hasIn = Array.isArray(spec.ingress) && spec.ingress.length > 0;
    const hasEg = Array.isArray(spec.egress) && spec.egress.length > 0;
    types = hasIn || !hasEg ? ['ingress'] : [];
    if (hasEg) types.push('egress');
  } else {
    types = [];
    listAt(spec, 'types', 'spec', ps).forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') {
        const d = t === 'Ingress' ? 'ingress' : 'egress';
        if (!types.includes(d)) types.push(d);
      } else ps.error(`spec.types[${i}]`, `unknown type ${JSON.stringify(t)}`, 'use Ingress or Egress');
    });
  }
  for (const d of ['ingress', 'egress'] as const) {
    if (!types.includes(d) && (d === 'ingress' ? ingress : egress).length > 0) {
      ps.error(`spec.${d}`, `${d} rules given but spec.types does not include ${d === 'ingress' ? 'Ingress' : 'Egress'}`, `add ${d === 'ingress' ? 'Ingress' : 'Egress'} to spec.types, or remove the rules`);
    }
  }
  if (ps.errorCount() > before || typeof name !== 'string' || !selector) return undefined;
  return {
    kind: global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
    source: 'calico',
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    tier,
    ...(order !== undefined ? { order } : {}),
    selector,
    ...(saSel ? { serviceAccountSelector: prefixKeys(saSel, SERVICE_ACCOUNT_LABEL_PREFIX) } : {}),
    ...(nsSel ? { namespaceSelector: nsSel } : {}),
    types,
    ingress,
    egress,
  };
}

/** Parses a Calico Tier object. */
export function parseTier(obj: Record<string, unknown>, ps: PolicyProblems): Tier | undefined {
  const before = ps.errorCount();
  warnUnknown(obj, '', ['apiVersion', 'kind', 'metadata', 'spec'], ps);
  const md = isObject(obj.metadata) ? obj.metadata : {};
  const name = md.name;
  if (typeof name !== 'string' || name === '') ps.error('metadata.name', 'a Tier needs a name');
  const spec = isObject(obj.spec) ? obj.spec : {};
  warnUnknown(spec, 'spec', ['order', 'defaultAction'], ps);
  const order = parseOrder(spec.order, 'spec.order', ps);
  let defaultAction: Tier['defaultAction'] = 'Deny';
  if (spec.defaultAction !== undefined) {
    if (spec.defaultAction === 'Deny' || spec.defaultAction === 'Pass') defaultAction = spec.defaultAction;
    else ps.error('spec.defaultAction', `unknown defaultAction ${JSON.stringify(spec.defaultAction)}`, 'use Deny (the default) or Pass');
  }
  if (ps.errorCount() > before || typeof name !== 'string') return undefined;
  return { name, ...(order !== undefined ? { order } : {}), defaultAction };
}
