import { describe, expect, it } from 'vitest';
import { buildResourceSet, calicoctlGetIPPools, calicoctlGetNodes, tabwriterTable } from '../../../engine/calico/resources/index.ts';
import { manifests } from '../confd/manifests.ts';

const node = (name: string, bgp: string) => `
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: ${name} }
spec: { bgp: ${bgp} }
---`;

describe('calicoctl get nodes -o wide', () => {
  it('matches a real output: inherited AS in parentheses, tabwriter padding with trailing blanks', () => {
    // Real output quoted in projectcalico/calico#1591 (comment by towolf, 2018-06-09),
    // three nodes without their own AS under a default BGPConfiguration of AS 64512.
    const real = [
      'NAME     ASN       IPV4            IPV6   ',
      'kvm335   (64512)   10.109.0.2/24          ',
      'kvm336   (64512)   10.109.0.3/24          ',
      'kvm337   (64512)   10.109.0.4/24          ',
      '',
      '',
    ].join('\n');
    const { set } = buildResourceSet(manifests(
      ['kvm337', 'kvm335', 'kvm336'].map((n, i) => node(n, `{ ipv4Address: 10.109.0.${[4, 2, 3][i]}/24 }`)).join('\n'),
    ));
    expect(calicoctlGetNodes(set, { wide: true })).toBe(real);
  });

  it('shows an own AS plainly, the global AS from BGPConfiguration, and IPv6', () => {
    const { set } = buildResourceSet(manifests(`
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { asNumber: 65100 }
---
${node('rack1-n1', '{ ipv4Address: 10.0.1.11/24, asNumber: 65001 }')}
${node('rack2-n1', '{ ipv4Address: 10.0.2.11/24, ipv6Address: "fd00:2::11/64" }')}
`));
    expect(calicoctlGetNodes(set, { wide: true }).split('\n')).toEqual([
      'NAME       ASN       IPV4           IPV6            ',
      'rack1-n1   65001     10.0.1.11/24                   ',
      'rack2-n1   (65100)   10.0.2.11/24   fd00:2::11/64   ',
      '',
      '',
    ]);
    expect(calicoctlGetNodes(set)).toBe('NAME       \nrack1-n1   \nrack2-n1   \n\n');
  });
});

describe('calicoctl get ippools', () => {
  it('prints the wide columns of resourcemgr/ippool.go with defaults filled', () => {
    const { set } = buildResourceSet(manifests(`
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: default-ipv4-ippool }
spec: { cidr: 192.168.0.0/16, ipipMode: Always, natOutgoing: true }
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: edge }
spec: { cidr: 10.250.0.0/24, vxlanMode: CrossSubnet, disableBGPExport: true, nodeSelector: "zone == 'edge'" }
`));
    expect(calicoctlGetIPPools(set, { wide: true }).split('\n')).toEqual([
      'NAME                  CIDR             NAT     IPIPMODE   VXLANMODE     DISABLED   DISABLEBGPEXPORT   SELECTOR         ',
      'default-ipv4-ippool   192.168.0.0/16   true    Always     Never         false      false              all()            ',
      "edge                  10.250.0.0/24    false   Never      CrossSubnet   false      true               zone == 'edge'   ",
      '',
      '',
    ]);
    expect(calicoctlGetIPPools(set).split('\n')[0]).toBe('NAME                  CIDR             SELECTOR         ');
    expect(calicoctlGetIPPools(set, { wide: true, assignmentMode: true }).split('\n')[1]).toMatch(/all\(\) {12}Automatic {8}$/);
  });

  it('lays out like Go text/tabwriter(minwidth 5, padding 3): short columns take 5', () => {
    expect(tabwriterTable([['A', 'BB'], ['', 'C']])).toBe('A    BB   \n     C    \n');
  });
});
