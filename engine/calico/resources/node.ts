/** The Calico Node resource (projectcalico.org/v3 Node): BGP address, AS, RR cluster id, tunnels. */
import { isIPv4 } from '../../net/ip.ts';
import type { Location } from '../../model/types.ts';
import { FieldReader } from './fields.ts';
import type { Obj } from './fields.ts';
import { opt } from './bgp.ts';
import { readMeta, readSpec } from './meta.ts';
import type { CalicoNode, NodeBGPSpec, ResourceProblem } from './types.ts';

const SPEC_FIELDS = [
  'bgp', 'ipv4VXLANTunnelAddr', 'vxlanTunnelMACAddr', 'ipv6VXLANTunnelAddr', 'vxlanTunnelMACAddrV6',
  'orchRefs', 'wireguard', 'addresses', 'interfaceName',
];
const BGP_FIELDS = ['ipv4Address', 'ipv6Address', 'asNumber', 'routeReflectorClusterID', 'ipv4IPIPTunnelAddr'];
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** Parses a Calico Node. */
export function parseCalicoNode(m: Obj, loc: Location): { resource?: CalicoNode; problems: ResourceProblem[] } {
  const r = new FieldReader('Node', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', SPEC_FIELDS);
  let bgp: NodeBGPSpec | undefined;
  const b = r.obj(spec, 'bgp', 'spec');
  if (b) {
    r.known(b, 'spec.bgp', BGP_FIELDS);
    const rr = r.str(b, 'routeReflectorClusterID', 'spec.bgp');
    if (rr !== undefined && !isIPv4(rr)) {
      r.error('spec.bgp.routeReflectorClusterID', `'${rr}' is not a cluster id (an IPv4-formatted value such as 244.0.0.1)`);
    }
    bgp = {
      ...opt('ipv4Address', r.cidr(b, 'ipv4Address', 'spec.bgp', 4)),
      ...opt('ipv6Address', r.cidr(b, 'ipv6Address', 'spec.bgp', 6)),
      ...opt('asNumber', r.asn(b, 'asNumber', 'spec.bgp')),
      ...opt('routeReflectorClusterID', rr !== undefined && isIPv4(rr) ? rr : undefined),
      ...opt('ipv4IPIPTunnelAddr', r.ip(b, 'ipv4IPIPTunnelAddr', 'spec.bgp', 4)),
    };
  }
  const mac = (key: string): string | undefined => {
    const v = r.str(spec, key, 'spec');
    if (v !== undefined && !MAC.test(v)) {
      r.error(`spec.${key}`, `'${v}' is not a MAC address`);
      return undefined;
    }
    return v;
  };
  const wg = r.obj(spec, 'wireguard', 'spec');
  if (wg) r.known(wg, 'spec.wireguard', ['interfaceIPv4Address', 'interfaceIPv6Address']);
  const orchRefs = r.objList(spec, 'orchRefs', 'spec').map(({ item, path }) => {
    r.known(item, path, ['nodeName', 'orchestrator']);
    return { ...opt('nodeName', r.str(item, 'nodeName', path)), orchestrator: r.str(item, 'orchestrator', path) ?? '' };
  });
  const addresses = r.objList(spec, 'addresses', 'spec').flatMap(({ item, path }) => {
    r.known(item, path, ['address', 'type']);
    const address = r.str(item, 'address', path);
    return address === undefined ? [] : [{ address, ...opt('type', r.str(item, 'type', path)) }];
  });
  if (!meta) return { problems: r.problems };
  return {
    resource: {
      kind: 'Node',
      meta,
      spec: {
        ...opt('bgp', bgp),
        ...opt('ipv4VXLANTunnelAddr', r.ip(spec, 'ipv4VXLANTunnelAddr', 'spec', 4)),
        ...opt('vxlanTunnelMACAddr', mac('vxlanTunnelMACAddr')),
        ...opt('ipv6VXLANTunnelAddr', r.ip(spec, 'ipv6VXLANTunnelAddr', 'spec', 6)),
        ...opt('vxlanTunnelMACAddrV6', mac('vxlanTunnelMACAddrV6')),
        ...opt('wireguardInterfaceIPv4Address', wg ? r.ip(wg, 'interfaceIPv4Address', 'spec.wireguard', 4) : undefined),
        orchRefs,
        addresses,
      },
    },
    problems: r.problems,
  };
}
