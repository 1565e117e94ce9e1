/**
 * Felix's static chains (felix/rules/static.go, nat.go, v3.29) for the filter and nat tables,
 * and the jumps into them from the built-in chains (int_dataplane.go): the parts that do not
 * depend on endpoints or policy, only on which encapsulations are on.
 */
import type { IptRule } from '../../dataplane/iptables.ts';
import { ALL_MARK_BITS, MARK } from '../../dataplane/iptables.ts';
import type { IptChain, IptTable } from '../../dataplane/types.ts';
import { ipsetName } from './names.ts';

/** IP set IDs Felix maintains itself. */
export const SET_IDS = {
  allPools: 'all-ipam-pools', masqPools: 'masq-ipam-pools', allHosts: 'all-hosts-net', allVxlan: 'all-vxlan-net',
} as const;

/** Names of the IP sets Felix keeps itself (the others are selector / named-port sets with cluster-wide members). */
export const felixOwnIpsets: ReadonlySet<string> = new Set(Object.values(SET_IDS).map((id) => ipsetName(id)));

/** What the static chains depend on. */
export interface StaticOptions {
  readonly ipip: boolean;
  readonly vxlan: boolean;
  readonly vxlanPort: number;
  /** The node has an IPIP / VXLAN tunnel address (POSTROUTING masquerades wrong sources into the tunnel). */
  readonly ipipAddress: boolean;
  readonly vxlanAddress: boolean;
  readonly natOutgoing: boolean;
  readonly endpointToHost: 'Drop' | 'Accept' | 'Return';
  /** Workload interface prefixes (FELIX_INTERFACEPREFIX split on commas), `cali` by default. */
  readonly ifacePrefixes: readonly string[];
}

const jump = (chain: string): IptRule => ({ match: [], action: { a: 'jump', chain } });
const acceptMarked = (comment?: string): IptRule => ({ match: [{ m: 'mark', value: MARK.accept, mask: MARK.accept }], action: { a: 'ACCEPT' }, ...(comment ? { comment: [comment] } : {}) });
const local = { m: 'addrtype', dir: 'dst', type: 'LOCAL' } as const;

function filterInput(o: StaticOptions): IptChain {
  const r: IptRule[] = [];
  if (o.ipip) {
    r.push(
      { match: [{ m: 'proto', proto: 4 }, { m: 'set', name: ipsetName(SET_IDS.allHosts), dir: 'src' }, local], action: { a: 'ACCEPT' }, comment: ['Allow IPIP packets from Calico hosts'] },
      { match: [{ m: 'proto', proto: 4 }], action: { a: 'DROP' }, comment: ['Drop IPIP packets from non-Calico hosts'] },
    );
  }
  if (o.vxlan) {
    const port = { m: 'ports', dir: 'dst', ports: [String(o.vxlanPort)] } as const;
    r.push(
      { match: [{ m: 'proto', proto: 17 }, port, { m: 'set', name: ipsetName(SET_IDS.allVxlan), dir: 'src' }, local], action: { a: 'ACCEPT' }, comment: ['Allow IPv4 VXLAN packets from allowed hosts'] },
      { match: [{ m: 'proto', proto: 17 }, port, local], action: { a: 'DROP' }, comment: ['Drop IPv4 VXLAN packets from non-allowed hosts'] },
    );
  }
  for (const p of o.ifacePrefixes) r.push({ match: [{ m: 'iface', dir: 'in', name: `${p}+` }], action: { a: 'goto', chain: 'cali-wl-to-host' } });
  r.push(acceptMarked(), { match: [], action: { a: 'mark', value: 0, mask: ALL_MARK_BITS } }, jump('cali-from-host-endpoint'), acceptMarked('Host endpoint policy accepted packet.'));
  return { name: 'cali-INPUT', rules: r };
}

function wlToHost(o: StaticOptions): IptChain {
  const action = o.endpointToHost === 'Accept' ? { a: 'ACCEPT' as const } : o.endpointToHost === 'Return' ? { a: 'RETURN' as const } : { a: 'DROP' as const };
  return { name: 'cali-wl-to-host', rules: [jump('cali-from-wl-dispatch'), { match: [], action, comment: ['Configured DefaultEndpointToHostAction'] }] };
}

function filterForward(o: StaticOptions): IptChain {
  const r: IptRule[] = [
    { match: [], action: { a: 'mark', value: 0, mask: ALL_MARK_BITS & ~MARK.accept } },
    { match: [{ m: 'mark', value: 0, mask: MARK.accept }], action: { a: 'jump', chain: 'cali-from-hep-forward' } },
  ];
  for (const p of o.ifacePrefixes) {
    r.push({ match: [{ m: 'iface', dir: 'in', name: `${p}+` }], action: { a: 'jump', chain: 'cali-from-wl-dispatch' } });
    r.push({ match: [{ m: 'iface', dir: 'out', name: `${p}+` }], action: { a: 'jump', chain: 'cali-to-wl-dispatch' } });
  }
  r.push(jump('cali-to-hep-forward'), jump('cali-cidr-block'));
  return { name: 'cali-FORWARD', rules: r };
}

function filterOutput(o: StaticOptions): IptChain {
  const r: IptRule[] = [acceptMarked()];
  for (const p of o.ifacePrefixes) r.push({ match: [{ m: 'iface', dir: 'out', name: `${p}+` }], action: { a: 'RETURN' } });
  const fromLocal = { m: 'addrtype', dir: 'src', type: 'LOCAL' } as const;
  if (o.ipip) {
    r.push({ match: [{ m: 'proto', proto: 4 }, { m: 'set', name: ipsetName(SET_IDS.allHosts), dir: 'dst' }, fromLocal], action: { a: 'ACCEPT' }, comment: ['Allow IPIP packets to other Calico hosts'] });
  }
  if (o.vxlan) {
    r.push({ match: [{ m: 'proto', proto: 17 }, { m: 'ports', dir: 'dst', ports: [String(o.vxlanPort)] }, fromLocal, { m: 'set', name: ipsetName(SET_IDS.allVxlan), dir: 'dst' }], action: { a: 'ACCEPT' }, comment: ['Allow IPv4 VXLAN packets to other allowed hosts'] });
  }
  r.push(
    { match: [], action: { a: 'mark', value: 0, mask: ALL_MARK_BITS } },
    { match: [{ m: 'ctstate', states: ['DNAT'], neg: true }], action: { a: 'jump', chain: 'cali-to-host-endpoint' } },
    acceptMarked('Host endpoint policy accepted packet.'),
  );
  return { name: 'cali-OUTPUT', rules: r };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * One frozen result per distinct options (a handful per cluster): every node's pass gets the
 * same chain objects, so what keys on them (the sim driver's hashes per rules list) is not
 * recomputed node after node, pass after pass.
 */
function perOptions<T>(build: (o: StaticOptions) => T): (o: StaticOptions) => T {
  const cache = new Map<string, T>();
  return (o) => {
    const key = JSON.stringify(o);
    let v = cache.get(key);
    if (v === undefined) {
      if (cache.size >= 64) cache.clear();
      cache.set(key, (v = deepFreeze(build(o))));
    }
    return v;
  };
}

/** Felix's filter table: static chains (endpoint-independent) plus the built-in jumps (shared and frozen per options). */
export const staticFilter = perOptions(buildStaticFilter);

function buildStaticFilter(o: StaticOptions): { chains: IptChain[]; inserts: IptTable['inserts']; appends: IptTable['appends'] } {
  const empty = (name: string): IptChain => ({ name, rules: [] });
  return {
    chains: [
      filterForward(o), filterInput(o), wlToHost(o), filterOutput(o),
      // Host-endpoint chains: podlab has no host endpoints, so they stay empty (as on a node without HEPs).
      empty('cali-from-hep-forward'), empty('cali-to-hep-forward'), empty('cali-cidr-block'),
      empty('cali-from-host-endpoint'), empty('cali-to-host-endpoint'),
    ],
    inserts: { INPUT: [jump('cali-INPUT')], FORWARD: [jump('cali-FORWARD')], OUTPUT: [jump('cali-OUTPUT')] },
    appends: {
      FORWARD: [
        acceptMarked('Policy explicitly accepted packet.'),
        // Marks forwarded traffic for mangle POSTROUTING (not host-endpoint policed there).
        { match: [], action: { a: 'mark', value: MARK.accept, mask: MARK.accept } },
      ],
    },
  };
}

/** Felix's nat table: PREROUTING/OUTPUT through cali-fip-dnat, POSTROUTING with natOutgoing and tunnel source fix-ups (shared and frozen per options). */
export const staticNat = perOptions(buildStaticNat);

function buildStaticNat(o: StaticOptions): IptTable {
  const masq = { a: 'MASQUERADE', randomFully: true } as const;
  const post: IptRule[] = [jump('cali-fip-snat'), jump('cali-nat-outgoing')];
  const tunnels = [...(o.ipip && o.ipipAddress ? ['tunl0'] : []), ...(o.vxlan && o.vxlanAddress ? ['vxlan.calico'] : [])];
  for (const t of tunnels) {
    post.push({
      match: [{ m: 'iface', dir: 'out', name: t }, { m: 'addrtype', dir: 'src', type: 'LOCAL', neg: true, limitIfaceOut: true }, { m: 'addrtype', dir: 'src', type: 'LOCAL' }],
      action: masq,
    });
  }
  const natOut: IptRule[] = o.natOutgoing
    ? [{ match: [{ m: 'set', name: ipsetName(SET_IDS.masqPools), dir: 'src' }, { m: 'set', name: ipsetName(SET_IDS.allPools), dir: 'dst', neg: true }], action: masq }]
    : [];
  return {
    chains: [
      { name: 'cali-PREROUTING', rules: [jump('cali-fip-dnat')] },
      { name: 'cali-POSTROUTING', rules: post },
      { name: 'cali-OUTPUT', rules: [jump('cali-fip-dnat')] },
      { name: 'cali-nat-outgoing', rules: natOut },
      { name: 'cali-fip-dnat', rules: [] },
      { name: 'cali-fip-snat', rules: [] },
    ],
    inserts: { PREROUTING: [jump('cali-PREROUTING')], OUTPUT: [jump('cali-OUTPUT')] },
    // Felix appends to nat POSTROUTING so kube-proxy's MASQ rules run first.
    appends: { POSTROUTING: [jump('cali-POSTROUTING')] },
  };
}
