/**
 * BGPConfiguration and BGPPeer: parse, default, validate (rules of libcalico-go's
 * validateBGPPeerSpec and the bgpconfig API docs).
 */
import { isIPv4, isIPv6 } from '../../net/ip.ts';
import type { Location } from '../../model/types.ts';
import { FieldReader, isObj } from './fields.ts';
import type { Obj } from './fields.ts';
import { readMeta, readSpec } from './meta.ts';
import { DEFAULT_AS_NUMBER } from './types.ts';
import type { BGPConfiguration, BGPPeer, NamedCommunity, PrefixAdvertisement, ResourceProblem } from './types.ts';

const CONFIG_FIELDS = [
  'asNumber', 'nodeToNodeMeshEnabled', 'listenPort', 'bindMode', 'logSeverityScreen', 'serviceClusterIPs',
  'serviceExternalIPs', 'serviceLoadBalancerIPs', 'communities', 'prefixAdvertisements', 'nodeMeshPassword',
  'nodeMeshMaxRestartTime', 'ignoredInterfaces', 'localWorkloadPeeringIPV4', 'localWorkloadPeeringIPV6',
];
/** What a `node.<name>` BGPConfiguration may set (the docs: everything else is global-only). */
const NODE_SCOPED = ['listenPort', 'logSeverityScreen', 'prefixAdvertisements', 'communities', 'bindMode'];
const LOG_LEVELS = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal', 'None'] as const;
const COMMUNITY = /^(\d+):(\d+)(:(\d+))?$/;

function validCommunity(v: string): boolean {
  const m = COMMUNITY.exec(v);
  if (!m) return false;
  const parts = [m[1], m[2], m[4]].filter((x) => x !== undefined).map(Number);
  // Standard communities are 16:16 bits, large ones 32:32:32.
  const limit = parts.length === 2 ? 0xffff : 0xffffffff;
  return parts.every((p) => p <= limit);
}

function cidrList(r: FieldReader, spec: Obj, key: string): string[] {
  return r.objList(spec, key, 'spec').flatMap(({ item, path }) => {
    r.known(item, path, ['cidr']);
    const c = r.cidr(item, 'cidr', path);
    return c === undefined ? [] : [c];
  });
}

/** Parses a BGPConfiguration (`default` or `node.<name>`). */
export function parseBGPConfiguration(m: Obj, loc: Location): { resource?: BGPConfiguration; problems: ResourceProblem[] } {
  const r = new FieldReader('BGPConfiguration', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', CONFIG_FIELDS);
  if (!meta) return { problems: r.problems };
  const global = meta.name === 'default';
  const nodeName = meta.name.startsWith('node.') ? meta.name.slice(5) : undefined;
  if (!global && !nodeName) {
    r.warn('metadata.name', `'${meta.name}' is neither 'default' nor 'node.<nodename>'; Calico ignores it`);
  }
  if (!global) {
    for (const k of Object.keys(spec)) {
      if (CONFIG_FIELDS.includes(k) && !NODE_SCOPED.includes(k)) {
        r.warn(`spec.${k}`, `only applies in the 'default' BGPConfiguration; ignored in '${meta.name}'`);
      }
    }
  }
  const communities: NamedCommunity[] = r.objList(spec, 'communities', 'spec').flatMap(({ item, path }) => {
    r.known(item, path, ['name', 'value']);
    const name = r.str(item, 'name', path);
    const value = r.str(item, 'value', path);
    if (value !== undefined && !validCommunity(value)) r.error(`${path}.value`, `'${value}' is not a community (aa:nn or aa:nn:mm)`);
    return name !== undefined && value !== undefined ? [{ name, value }] : [];
  });
  const prefixAdvertisements: PrefixAdvertisement[] = r.objList(spec, 'prefixAdvertisements', 'spec').flatMap(({ item, path }) => {
    r.known(item, path, ['cidr', 'communities']);
    const cidr = r.cidr(item, 'cidr', path);
    const list = r.strList(item, 'communities', path);
    list.forEach((c, i) => {
      if (!validCommunity(c) && !communities.some((n) => n.name === c)) {
        r.error(`${path}.communities[${i}]`, `'${c}' is neither a community value nor a name defined in spec.communities`);
      }
    });
    return cidr === undefined ? [] : [{ cidr, communities: list }];
  });
  if (spec.nodeMeshPassword !== undefined) {
    r.warn('spec.nodeMeshPassword', 'secrets are not resolved by podlab; the mesh runs without a password');
  }
  const asNumber = r.asn(spec, 'asNumber', 'spec');
  const mesh = r.bool(spec, 'nodeToNodeMeshEnabled', 'spec');
  const log = r.oneOf(spec, 'logSeverityScreen', 'spec', LOG_LEVELS);
  const resource: BGPConfiguration = {
    kind: 'BGPConfiguration',
    meta,
    scope: global ? { global: true } : { global: false, node: nodeName ?? meta.name },
    spec: {
      ...(asNumber !== undefined || global ? { asNumber: asNumber ?? DEFAULT_AS_NUMBER } : {}),
      ...(mesh !== undefined || global ? { nodeToNodeMeshEnabled: mesh ?? true } : {}),
      ...opt('listenPort', r.int(spec, 'listenPort', 'spec', 1, 65535)),
      ...opt('bindMode', r.oneOf(spec, 'bindMode', 'spec', ['None', 'NodeIP'] as const)),
      ...(log !== undefined || global ? { logSeverityScreen: log ?? 'Info' } : {}),
      serviceClusterIPs: cidrList(r, spec, 'serviceClusterIPs'),
      serviceExternalIPs: cidrList(r, spec, 'serviceExternalIPs'),
      serviceLoadBalancerIPs: cidrList(r, spec, 'serviceLoadBalancerIPs'),
      communities,
      prefixAdvertisements,
      ...opt('nodeMeshMaxRestartTime', r.duration(spec, 'nodeMeshMaxRestartTime', 'spec')),
      ignoredInterfaces: r.strList(spec, 'ignoredInterfaces', 'spec'),
    },
  };
  return { resource, problems: r.problems };
}

const PEER_FIELDS = [
  'node', 'nodeSelector', 'peerIP', 'asNumber', 'peerSelector', 'keepOriginalNextHop', 'nextHopMode', 'password',
  'sourceAddress', 'maxRestartTime', 'numAllowedLocalASNumbers', 'ttlSecurity', 'reachableBy', 'filters',
  'localWorkloadSelector', 'reversePeering',
];

/** Splits `ip`, `ip:port` or `[v6]:port` the way Go's net.SplitHostPort does for peerIP. */
export function splitPeerIP(text: string): { address: string; port?: number } | undefined {
  if (isIPv4(text) || isIPv6(text)) return { address: text };
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text);
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text);
  const m = v4 ?? v6;
  if (!m || !(v4 ? isIPv4(m[1]!) : isIPv6(m[1]!))) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { address: m[1]!, port };
}

/** Parses a BGPPeer. */
export function parseBGPPeer(m: Obj, loc: Location): { resource?: BGPPeer; problems: ResourceProblem[] } {
  const r = new FieldReader('BGPPeer', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', PEER_FIELDS);
  const node = r.str(spec, 'node', 'spec');
  const nodeSelector = r.selector(spec, 'nodeSelector', 'spec');
  const peerIP = r.str(spec, 'peerIP', 'spec');
  const asNumber = r.asn(spec, 'asNumber', 'spec');
  const peerSelector = r.selector(spec, 'peerSelector', 'spec');
  const localWorkloadSelector = r.selector(spec, 'localWorkloadSelector', 'spec');
  const nextHopMode = r.oneOf(spec, 'nextHopMode', 'spec', ['Auto', 'Self', 'Keep'] as const);
  const keepOriginalNextHop = r.bool(spec, 'keepOriginalNextHop', 'spec') ?? false;
  const reachableBy = r.ip(spec, 'reachableBy', 'spec');
  let split: { address: string; port?: number } | undefined;
  if (peerIP !== undefined) {
    split = splitPeerIP(peerIP);
    if (!split) r.error('spec.peerIP', `'${peerIP}' is not an IP address or IP:port`);
  }
  if (node !== undefined && nodeSelector !== undefined) r.error('spec.node', 'Node field must be empty when NodeSelector is specified');
  if (peerIP !== undefined && peerSelector !== undefined) r.error('spec.peerIP', 'PeerIP field must be empty when PeerSelector is specified');
  if (asNumber !== undefined && peerSelector !== undefined) {
    r.error('spec.asNumber', 'ASNumber field must be empty when PeerSelector is specified', "the peers' own AS numbers are used");
  }
  if (localWorkloadSelector !== undefined) {
    r.warn('spec.localWorkloadSelector', 'local workload peering is not modelled by podlab; this peer is ignored');
  } else if (peerIP === undefined && peerSelector === undefined) {
    r.error('spec', 'one of peerIP or peerSelector is required');
  }
  if (keepOriginalNextHop && nextHopMode !== undefined) {
    r.error('spec.keepOriginalNextHop', 'The KeepOriginalNextHop field is deprecated. It must not be set to true when NextHopMode is configured.');
  }
  if (reachableBy !== undefined) {
    if (!split) r.error('spec.reachableBy', 'requires spec.peerIP');
    else if (isIPv4(reachableBy) !== isIPv4(split.address)) r.error('spec.reachableBy', 'address family does not match spec.peerIP');
  }
  let passwordSecretRef: { name: string; key: string } | undefined;
  const pw = r.obj(spec, 'password', 'spec');
  if (pw) {
    const ref = pw.secretKeyRef;
    if (isObj(ref) && typeof ref.name === 'string' && typeof ref.key === 'string') passwordSecretRef = { name: ref.name, key: ref.key };
    else r.error('spec.password', 'expected secretKeyRef with name and key');
    r.warn('spec.password', 'secrets are not resolved by podlab; the session runs without a password');
  }
  if (!meta) return { problems: r.problems };
  const resource: BGPPeer = {
    kind: 'BGPPeer',
    meta,
    spec: {
      ...opt('node', node),
      ...opt('nodeSelector', nodeSelector),
      ...opt('peerIP', peerIP),
      ...opt('peerAddress', split?.address),
      ...opt('peerPort', split?.port),
      ...opt('asNumber', asNumber),
      ...opt('peerSelector', peerSelector),
      keepOriginalNextHop,
      ...opt('nextHopMode', nextHopMode),
      sourceAddress: r.oneOf(spec, 'sourceAddress', 'spec', ['UseNodeIP', 'None'] as const) ?? 'UseNodeIP',
      ...opt('maxRestartTime', r.duration(spec, 'maxRestartTime', 'spec')),
      ...opt('numAllowedLocalASNumbers', r.int(spec, 'numAllowedLocalASNumbers', 'spec', 0, 10)),
      ...opt('ttlSecurity', r.int(spec, 'ttlSecurity', 'spec', 0, 255)),
      ...opt('reachableBy', reachableBy),
      filters: r.strList(spec, 'filters', 'spec'),
      reversePeering: r.oneOf(spec, 'reversePeering', 'spec', ['Auto', 'Manual'] as const) ?? 'Auto',
      ...opt('localWorkloadSelector', localWorkloadSelector),
      ...opt('passwordSecretRef', passwordSecretRef),
    },
  };
  return { resource, problems: r.problems };
}

/** `{ key: value }` when value is defined, `{}` otherwise (keeps optional fields absent). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
