/**
 * Names Felix derives: chain names (felix/rules), IP set names (felix/ipsets), the VXLAN
 * tunnel MAC (felix/calc/vxlan_resolver.go). Exact derivations, so `iptables-save` and
 * `ipset list` on a podlab node show the names a real node would.
 */
import { createHash } from 'node:crypto';
import { lengthLimitedId } from '../../dataplane/iptables.ts';
import type { Policy } from '../policy/index.ts';

/** Chain name prefixes (felix/rules/rule_defs.go). */
export const PFX = {
  policyIn: 'cali-pi-', policyOut: 'cali-po-', profileIn: 'cali-pri-', profileOut: 'cali-pro-',
  groupIn: 'cali-gi-', groupOut: 'cali-go-', toWl: 'cali-tw-', fromWl: 'cali-fw-',
} as const;

/** The main IP set name prefix for IPv4 (`cali` + `4` + `0`). */
export const IPSET_PREFIX = 'cali40';

/**
 * The VXLAN MAC of a node: `spec.vxlanTunnelMACAddr` if set, else 0x66 ('f') followed by the
 * first five bytes of SHA-1(nodename).
 */
export function vxlanMac(nodeName: string, explicit?: string): string {
  if (explicit) return explicit.toLowerCase();
  // Every Felix pass of a VXLAN cluster derives every node's MAC: each is hashed once.
  let mac = VXLAN_MACS.get(nodeName);
  if (mac === undefined) {
    const sha = createHash('sha1').update(nodeName).digest();
    mac = [0x66, ...sha.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    if (VXLAN_MACS.size >= 65_536) VXLAN_MACS.clear();
    VXLAN_MACS.set(nodeName, mac);
  }
  return mac;
}

const VXLAN_MACS = new Map<string, string>();

/** The policy name Felix's calculation graph uses: `<namespace>/<name>` for namespaced policies. */
export function felixPolicyName(p: Pick<Policy, 'name' | 'namespace'>): string {
  return p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name;
}

/** `cali-pi-<tier>/<name>` (or its hashed form past 28 characters). */
export function policyChainName(prefix: string, tier: string, name: string): string {
  return lengthLimitedId(prefix, `${tier}/${name}`);
}

/** `cali-pri-<profile>` (hashed past 28 characters). */
export function profileChainName(prefix: string, profile: string): string {
  return lengthLimitedId(prefix, profile);
}

/** `cali-tw-<iface>` / `cali-fw-<iface>`. */
export function endpointChainName(prefix: string, iface: string): string {
  return lengthLimitedId(prefix, iface);
}

/** libcalico-go's MakeUniqueID: `<prefix>:` + base64url(SHA-224(`<prefix>:<content>`)). */
export function uniqueId(prefix: string, content: string): string {
  return `${prefix}:${createHash('sha224').update(`${prefix}:${content}`).digest('base64url')}`;
}

/** The kernel name of a Felix IP set ID: `cali40` + id, cut to 31 characters. */
export function ipsetName(id: string): string {
  return (IPSET_PREFIX + id).slice(0, 31);
}

/** The IP set of a selector: `cali40s:<hash of the selector text>`. */
export function selectorIpsetName(selectorText: string): string {
  return ipsetName(uniqueId('s', selectorText));
}

/**
 * The IP set of a named port (felix/calc IPSetData.UniqueID): `cali40n:` + MakeUniqueID("n",
 * `<selector set ID>,<protocol>,<port name>`), the selector being `all()` when the rule has none.
 */
export function namedPortIpsetName(selectorText: string, protocol: string, port: string): string {
  return ipsetName(uniqueId('n', `${uniqueId('s', selectorText)},${protocol},${port}`));
}

/**
 * The IP set of a Service named by a rule (felix/calc IPSetData.UniqueID): MakeUniqueID("svc",
 * `<namespace>/<name>`) when it carries ports (destination), "svcnoport" when not (source).
 */
export function serviceIpsetName(service: string, withPorts: boolean): string {
  return ipsetName(uniqueId(withPorts ? 'svc' : 'svcnoport', service));
}

/** A policy group chain (several consecutive policies with one selector): sha3-224 of its identity. */
export function policyGroupChainName(dir: 'inbound' | 'outbound', tier: string, selector: string, names: readonly string[]): string {
  const h = createHash('sha3-224');
  for (const s of [tier, selector, dir, String(names.length), ...names]) h.update(`${s}\n`);
  const uid = h.digest('base64url').slice(0, 28 - PFX.groupIn.length);
  return (dir === 'inbound' ? PFX.groupIn : PFX.groupOut) + uid;
}
