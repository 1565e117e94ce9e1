/**
 * IPPool: parse, default and validate like libcalico-go's validateIPPoolSpec
 * (v3.30.7 lib/validator/v3/validator.go), with the same rules and close to its wording.
 */
import { formatPrefix, ipNetworkOf, ipPrefixesOverlap, parsePrefix } from '../../net/ip.ts';
import type { Location } from '../../model/types.ts';
import { FieldReader } from './fields.ts';
import type { Obj } from './fields.ts';
import { readMeta, readSpec } from './meta.ts';
import { ENCAP_MODES } from './types.ts';
import type { EncapMode, IPPool, ResourceProblem } from './types.ts';

const SPEC_FIELDS = [
  'cidr', 'blockSize', 'ipipMode', 'vxlanMode', 'natOutgoing', 'disabled', 'disableBGPExport',
  'nodeSelector', 'allowedUses', 'assignmentMode', 'ipip', 'nat-outgoing', 'namespaceSelector',
];
const USES = ['Workload', 'Tunnel', 'LoadBalancer'] as const;
const LINK_LOCAL_V4 = parsePrefix('169.254.0.0/16');
const LINK_LOCAL_V6 = parsePrefix('fe80::/10');

/** True when the mode turns the encapsulation on. */
export function encapEnabled(mode: EncapMode): boolean {
  return mode !== 'Never';
}

/** Parses one IPPool manifest into a defaulted, validated IPPool (or problems). */
export function parseIPPool(m: Obj, loc: Location): { resource?: IPPool; problems: ResourceProblem[] } {
  const r = new FieldReader('IPPool', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', SPEC_FIELDS);
  if (spec.ipip !== undefined) r.warn('spec.ipip', 'is the v1 field; use spec.ipipMode');
  if (spec['nat-outgoing'] !== undefined) r.warn('spec.nat-outgoing', 'is the v1 field; use spec.natOutgoing');

  const cidrText = r.str(spec, 'cidr', 'spec');
  const ipipMode = r.oneOf(spec, 'ipipMode', 'spec', ENCAP_MODES) ?? 'Never';
  const vxlanMode = r.oneOf(spec, 'vxlanMode', 'spec', ENCAP_MODES) ?? 'Never';
  const natOutgoing = r.bool(spec, 'natOutgoing', 'spec') ?? false;
  const disabled = r.bool(spec, 'disabled', 'spec') ?? false;
  const disableBGPExport = r.bool(spec, 'disableBGPExport', 'spec') ?? false;
  const nodeSelector = r.selector(spec, 'nodeSelector', 'spec') ?? 'all()';
  const assignmentMode = r.oneOf(spec, 'assignmentMode', 'spec', ['Automatic', 'Manual'] as const) ?? 'Automatic';
  const usesText = r.strList(spec, 'allowedUses', 'spec');
  const allowedUses: (typeof USES)[number][] = [];
  usesText.forEach((u, i) => {
    if ((USES as readonly string[]).includes(u)) allowedUses.push(u as (typeof USES)[number]);
    else r.error(`spec.allowedUses[${i}]`, `unknown use: ${u}`, `one of ${USES.join(', ')}`);
  });
  if (allowedUses.length === 0 && usesText.length === 0) allowedUses.push('Workload', 'Tunnel');

  if (cidrText === undefined) {
    if (spec.cidr === undefined) r.error('spec.cidr', 'IPPool CIDR must be specified');
    return { problems: r.problems };
  }
  let prefix;
  try {
    prefix = parsePrefix(cidrText);
  } catch {
    r.error('spec.cidr', `'${cidrText}': IPPool CIDR must be a valid subnet`);
    return { problems: r.problems };
  }
  const family = prefix.family;
  const maxLen = family === 4 ? 32 : 128;
  const blockSize = r.int(spec, 'blockSize', 'spec', 0, maxLen) ?? (family === 4 ? 26 : 122);
  const [bsMin, bsMax] = family === 4 ? [20, 32] : [116, 128];
  if (blockSize < bsMin || blockSize > bsMax) {
    r.error('spec.blockSize', `${blockSize} is out of range for an IPv${family} pool (${bsMin}..${bsMax})`);
  }
  const network = ipNetworkOf(prefix);
  const cidr = formatPrefix(network);
  if (network.addr !== prefix.addr) {
    r.error('spec.cidr', `'${cidrText}': IP pool CIDR is not strictly masked`, `write ${cidr}`);
  }
  if (family === 6 && ipipMode !== 'Never') {
    r.error('spec.ipipMode', "IPIPMode other than 'Never' is not supported on an IPv6 IP pool");
  }
  if (encapEnabled(ipipMode) && encapEnabled(vxlanMode)) {
    r.error('spec.ipipMode', `IPIP (${ipipMode}) and VXLAN (${vxlanMode}) cannot both be enabled on one IP pool`, 'set one of them to Never');
  }
  const lb = allowedUses.includes('LoadBalancer');
  if (lb && (encapEnabled(ipipMode) || encapEnabled(vxlanMode))) {
    r.error('spec.ipipMode', 'Neither IPIPMode nor VXLANMode can be enabled on AllowedUses LoadBalancer IP pool');
  }
  if (lb && allowedUses.length > 1) {
    r.error('spec.allowedUses', `LoadBalancer cannot be used at the same time as: ${allowedUses.filter((u) => u !== 'LoadBalancer').join(', ')}`);
  }
  if (!disabled && prefix.len > blockSize) {
    r.error('spec.cidr', `/${prefix.len} is smaller than the block size /${blockSize}: IP pool size is too small for use with Calico IPAM`, `use a pool of /${blockSize} or larger, or a larger blockSize`);
  }
  if (family === 4 && ipPrefixesOverlap(network, LINK_LOCAL_V4)) {
    r.error('spec.cidr', `${cidr}: IP pool range overlaps with IPv4 Link Local range 169.254.0.0/16`);
  }
  if (family === 6 && ipPrefixesOverlap(network, LINK_LOCAL_V6)) {
    r.error('spec.cidr', `${cidr}: IP pool range overlaps with IPv6 Link Local range fe80::/10`);
  }
  if (!meta) return { problems: r.problems };
  return {
    resource: {
      kind: 'IPPool',
      meta,
      spec: { cidr, family, blockSize, ipipMode, vxlanMode, natOutgoing, disabled, disableBGPExport, nodeSelector, allowedUses, assignmentMode },
    },
    problems: r.problems,
  };
}
