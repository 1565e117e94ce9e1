/**
 * networking.k8s.io/v1 NetworkPolicy → the Calico policy it becomes (Calico's k8s converter):
 * name `knp.default.<name>`, tier `default`, order 1000, selector = podSelector &&
 * `projectcalico.org/orchestrator == "k8s"`, policyTypes defaulted the Kubernetes way
 * (Ingress always, Egress when egress rules exist), one Allow rule per (peer × port).
 */
import type { IpPrefix } from '../../net/ip.ts';
import { ipPrefixContains } from '../../net/ip.ts';
import type { SelectorNode } from '../selector/index.ts';
import { andOf, labelSelectorToAst } from '../selector/index.ts';
import type { Direction, EntityRule, Policy, PortMatch, Rule } from './model.ts';
import { PROTOCOL_NUMBERS } from './model.ts';
import type { PolicyProblems } from './problems.ts';
import { isObject, listAt, warnUnknown } from './problems.ts';
import { isPortName, parseCidr } from './values.ts';

/** The order Calico gives converted Kubernetes policies. */
export const K8S_POLICY_ORDER = 1000;

const K8S_ORCHESTRATOR: SelectorNode = { kind: 'eq', key: 'projectcalico.org/orchestrator', value: 'k8s' };

function selectorAt(v: unknown, path: string, ps: PolicyProblems): SelectorNode | undefined {
  const issues: Parameters<typeof labelSelectorToAst>[2] = [];
  const ast = labelSelectorToAst(v, path, issues);
  for (const i of issues) (i.severity === 'error' ? ps.error : ps.warn).call(ps, i.path, i.message, i.hint);
  return ast;
}

interface K8sPeer {
  readonly entity: EntityRule;
  readonly origin: string;
}

function parsePeer(v: unknown, path: string, ps: PolicyProblems): K8sPeer | undefined {
  if (!isObject(v)) {
    ps.error(path, 'must be an object with podSelector, namespaceSelector or ipBlock');
    return undefined;
  }
  warnUnknown(v, path, ['podSelector', 'namespaceSelector', 'ipBlock'], ps);
  const hasPod = v.podSelector !== undefined && v.podSelector !== null;
  const hasNs = v.namespaceSelector !== undefined && v.namespaceSelector !== null;
  const hasIp = v.ipBlock !== undefined && v.ipBlock !== null;
  if (!hasPod && !hasNs && !hasIp) {
    ps.error(path, 'a peer needs podSelector, namespaceSelector or ipBlock', 'to allow everyone, leave out from/to entirely');
    return undefined;
  }
  if (hasIp) {
    if (hasPod || hasNs) {
      ps.error(path, 'ipBlock cannot be combined with podSelector or namespaceSelector in the same peer', 'split it into two peers (- ipBlock: … and - podSelector: …)');
      return undefined;
    }
    return parseIpBlock(v.ipBlock, `${path}.ipBlock`, ps, path);
  }
  const pod = hasPod ? selectorAt(v.podSelector, `${path}.podSelector`, ps) : undefined;
  const ns = hasNs ? selectorAt(v.namespaceSelector, `${path}.namespaceSelector`, ps) : undefined;
  if ((hasPod && !pod) || (hasNs && !ns)) return undefined;
  // The converter always scopes peers to k8s pods; without a namespaceSelector the policy's
  // own namespace applies (added when matching, as for any namespaced Calico policy).
  const entity: EntityRule = ns
    ? { selector: andOf(pod ?? { kind: 'all' }, K8S_ORCHESTRATOR), namespaceSelector: ns }
    : { selector: andOf(pod!, K8S_ORCHESTRATOR) };
  return { entity, origin: path };
}

function parseIpBlock(v: unknown, path: string, ps: PolicyProblems, origin: string): K8sPeer | undefined {
  if (!isObject(v)) {
    ps.error(path, 'must be an object {cidr, except}');
    return undefined;
  }
  warnUnknown(v, path, ['cidr', 'except'], ps);
  if (typeof v.cidr !== 'string' || !v.cidr.includes('/')) {
    ps.error(`${path}.cidr`, `must be a CIDR like "10.0.0.0/16", got ${JSON.stringify(v.cidr)}`, 'use /32 for a single IPv4 address');
    return undefined;
  }
  const cidr = parseCidr(v.cidr, `${path}.cidr`, ps);
  if (!cidr) return undefined;
  const except: IpPrefix[] = [];
  listAt(v, 'except', path, ps).forEach((e, i) => {
    const p = `${path}.except[${i}]`;
    const x = parseCidr(e, p, ps);
    if (!x) return;
    if (x.family !== cidr.family || x.len <= cidr.len || !ipPrefixContains(cidr, x.family === 4 ? { family: 4, addr: x.addr } : { family: 6, addr: x.addr })) {
      ps.error(p, `except ${String(e)} must be strictly inside cidr ${String(v.cidr)}`, 'narrow the except entry or widen cidr');
      return;
    }
    except.push(x);
  });
  return { entity: except.length > 0 ? { nets: [cidr], notNets: except } : { nets: [cidr] }, origin };
}

interface K8sPort {
  readonly protocol: number;
  readonly ports?: PortMatch[];
  readonly origin: string;
}

function parsePort(v: unknown, path: string, ps: PolicyProblems): K8sPort | undefined {
  if (!isObject(v)) {
    ps.error(path, 'must be an object {protocol, port, endPort}');
    return undefined;
  }
  warnUnknown(v, path, ['protocol', 'port', 'endPort'], ps);
  let protocol = PROTOCOL_NUMBERS.TCP!;
  if (v.protocol !== undefined && v.protocol !== null) {
    if (v.protocol !== 'TCP' && v.protocol !== 'UDP' && v.protocol !== 'SCTP') {
      ps.error(`${path}.protocol`, `unsupported protocol ${JSON.stringify(v.protocol)}`, 'Kubernetes NetworkPolicy takes TCP, UDP or SCTP (upper case); TCP is the default');
      return undefined;
    }
    protocol = PROTOCOL_NUMBERS[v.protocol]!;
  }
  const port = v.port;
  const endPort = v.endPort;
  if (port === undefined || port === null) {
    if (endPort !== undefined && endPort !== null) {
      ps.error(`${path}.endPort`, 'endPort needs port', 'set port to the first port of the range');
      return undefined;
    }
    return { protocol, origin: path };
  }
  if (typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port))) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      ps.error(`${path}.port`, `port ${String(port)} is out of range`, 'use 1..65535 or a named container port');
      return undefined;
    }
    if (typeof port === 'string') ps.warn(`${path}.port`, `port "${port}" is a string; Kubernetes would treat it as a port name`, 'write it without quotes');
    let last = n;
    if (endPort !== undefined && endPort !== null) {
      if (typeof endPort !== 'number' || !Number.isInteger(endPort) || endPort < n || endPort > 65535) {
        ps.error(`${path}.endPort`, `endPort ${JSON.stringify(endPort)} must be a number between port (${n}) and 65535`);
        return undefined;
      }
      last = endPort;
    }
    return { protocol, ports: [{ kind: 'range', first: n, last }], origin: path };
  }
  if (typeof port === 'string') {
    if (!isPortName(port)) {
      ps.error(`${path}.port`, `"${port}" is not a valid port name`, 'named ports are up to 15 lower-case letters, digits and dashes (an IANA_SVC_NAME)');
      return undefined;
    }
    if (endPort !== undefined && endPort !== null) {
      ps.error(`${path}.endPort`, 'endPort cannot be used with a named port', 'use a numeric port');
      return undefined;
    }
    return { protocol, ports: [{ kind: 'named', name: port }], origin: path };
  }
  ps.error(`${path}.port`, `port must be a number or a port name, got ${JSON.stringify(port)}`);
  return undefined;
}

function parseRules(spec: Record<string, unknown>, dir: Direction, ps: PolicyProblems): Rule[] {
  const key = dir;
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  const out: Rule[] = [];
  listAt(spec, key, 'spec', ps).forEach((r, i) => {
    const path = `spec.${key}[${i}]`;
    if (!isObject(r)) {
      ps.error(path, `must be an object {${peerKey}, ports}`, `use {} to allow all ${dir}`);
      return;
    }
    warnUnknown(r, path, [peerKey, 'ports'], ps);
    const peers: (K8sPeer | undefined)[] = listAt(r, peerKey, path, ps).map((p, j) => parsePeer(p, `${path}.${peerKey}[${j}]`, ps));
    const ports: (K8sPort | undefined)[] = listAt(r, 'ports', path, ps).map((p, j) => parsePort(p, `${path}.ports[${j}]`, ps));
    const peerList: K8sPeer[] = peers.length === 0 ? [{ entity: {}, origin: path }] : peers.filter((p): p is K8sPeer => p !== undefined);
    const portList: (K8sPort | undefined)[] = ports.length === 0 ? [undefined] : ports.filter((p): p is K8sPort => p !== undefined);
    for (const peer of peerList) {
      for (const port of portList) {
        const dst: EntityRule = port?.ports ? { ports: port.ports } : {};
        const origin = port && ports.length > 0 ? `${peer.origin} × ${port.origin.slice(path.length + 1)}` : peer.origin;
        const rule: Rule =
          dir === 'ingress'
            ? { action: 'Allow', source: peer.entity, destination: dst, origin, ...(port ? { protocol: port.protocol } : {}) }
            : { action: 'Allow', source: {}, destination: { ...peer.entity, ...dst }, origin, ...(port ? { protocol: port.protocol } : {}) };
        out.push(rule);
      }
    }
  });
  return out;
}

/** Converts a k8s NetworkPolicy object; returns undefined (with errors) when unusable. */
export function parseK8sNetworkPolicy(obj: Record<string, unknown>, ps: PolicyProblems): Policy | undefined {
  const errorsBefore = ps.errorCount();
  warnUnknown(obj, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status'], ps);
  const md = isObject(obj.metadata) ? obj.metadata : {};
  const name = md.name;
  if (typeof name !== 'string' || name === '') ps.error('metadata.name', 'a NetworkPolicy needs a name');
  const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
  if (md.namespace === undefined) ps.warn('metadata.namespace', "no namespace given; using 'default' as kubectl would");
  if (!isObject(obj.spec)) {
    ps.error('spec', 'a NetworkPolicy needs a spec', 'add spec.podSelector ({} selects every pod of the namespace)');
    return undefined;
  }
  const spec = obj.spec;
  warnUnknown(spec, 'spec', ['podSelector', 'policyTypes', 'ingress', 'egress'], ps);
  // The API server stores a missing podSelector as {} (a non-pointer field): every pod.
  if (spec.podSelector === undefined) ps.warn('spec.podSelector', 'no podSelector: Kubernetes treats it as {} and selects every pod in the namespace', 'write podSelector: {} to say so explicitly');
  const pod = selectorAt(spec.podSelector, 'spec.podSelector', ps);

  let types: Direction[];
  if (spec.policyTypes === undefined || spec.policyTypes === null) {
    types = ['ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('egress');
  } else {
    types = [];
    listAt(spec, 'policyTypes', 'spec', ps).forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') {
        const d = t === 'Ingress' ? 'ingress' : 'egress';
        if (!types.includes(d)) types.push(d);
      } else ps.error(`spec.policyTypes[${i}]`, `unknown policy type ${JSON.stringify(t)}`, 'use Ingress or Egress');
    });
  }
  for (const d of ['ingress', 'egress'] as const) {
    if (!types.includes(d) && Array.isArray(spec[d]) && (spec[d] as unknown[]).length > 0) {
      ps.warn(`spec.${d}`, `${d} rules are ignored: policyTypes does not include ${d === 'ingress' ? 'Ingress' : 'Egress'}`, `add ${d === 'ingress' ? 'Ingress' : 'Egress'} to spec.policyTypes`);
    }
  }
  const ingress = parseRules(spec, 'ingress', ps);
  const egress = parseRules(spec, 'egress', ps);
  if (ps.errorCount() > errorsBefore || !pod || typeof name !== 'string') return undefined;
  return {
    kind: 'NetworkPolicy',
    source: 'kubernetes',
    name: `knp.default.${name}`,
    namespace,
    tier: 'default',
    order: K8S_POLICY_ORDER,
    selector: andOf(pod, K8S_ORCHESTRATOR),
    types,
    ingress: types.includes('ingress') ? ingress : [],
    egress: types.includes('egress') ? egress : [],
  };
}
