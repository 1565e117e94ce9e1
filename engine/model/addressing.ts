/**
 * Addressing checks that need the whole fabric: duplicate addresses, subnets that overlap
 * across different L2 segments, addresses outside their VLAN's subnet, and gateways / next
 * hops that are not on a connected subnet. Pure over the resolved drafts and segments.
 */
import { formatIPv4, formatPrefix4, networkOf, prefixContains, prefixesOverlap } from '../net/ip.ts';
import type { IPv4 } from '../net/ip.ts';
import { shortLoc } from './problems.ts';
import type { Problems } from './problems.ts';
import type { IfaceDraft, NodeDraft } from './resolve.ts';
import type { Located, Location, Segment, Vlan } from './types.ts';

type Addressed = IfaceDraft & { address: NonNullable<IfaceDraft['address']>; addressLoc: Location };

/** Checks every interface address against every other and against its segment's VLANs. */
export function checkAddresses(
  nodes: ReadonlyMap<string, NodeDraft>,
  segments: readonly Segment[],
  segmentOf: ReadonlyMap<string, number>,
  vlans: readonly Vlan[],
  p: Problems,
): void {
  const all: Addressed[] = [];
  for (const n of nodes.values()) {
    for (const i of n.ifaces.values()) if (i.address && i.addressLoc) all.push(i as Addressed);
  }
  // Report in file order, so "first defined at" always points upwards.
  all.sort((a, b) => a.addressLoc.line - b.addressLoc.line || a.addressLoc.col - b.addressLoc.col);

  const byAddr = new Map<IPv4, Addressed>();
  const reportedPairs = new Set<string>();
  // Parallel arrays keep the pairwise overlap scan to integer compares (labs reach 1000s of interfaces).
  const seg = all.map((i) => segmentOf.get(`${i.node}:${i.name}`) ?? -1);
  const net = all.map((i) => networkOf(i.address));
  for (const [j, b] of all.entries()) {
    const bName = `${b.node}:${b.name}`;
    const first = byAddr.get(b.address.addr);
    if (first) {
      p.error(b.addressLoc, `address ${formatIPv4(b.address.addr)} of ${bName} is already used by ${first.node}:${first.name} (${shortLoc(first.addressLoc)})`, 'every interface needs its own address');
      continue;
    }
    byAddr.set(b.address.addr, b);

    // The VLAN subnets this interface's segment declares.
    for (const s of seg[j]! < 0 ? [] : segments[seg[j]!]!.switches) {
      const v = vlans.find((x) => x.id === s.vlan);
      if (!v?.subnet) continue;
      if (!prefixContains(v.subnet, b.address.addr)) {
        p.error(b.addressLoc, `address ${formatPrefix4(b.address)} of ${bName} is outside subnet ${formatPrefix4(v.subnet)} of VLAN '${v.name}' (id ${v.id}) it is attached to`, `use an address inside ${formatPrefix4(v.subnet)}, or attach ${bName} to another VLAN`);
      } else if (b.address.len !== v.subnet.len) {
        p.error(b.addressLoc, `address ${formatPrefix4(b.address)} of ${bName} has prefix length /${b.address.len}, but VLAN '${v.name}' is ${formatPrefix4(v.subnet)}`, `write it as ${formatIPv4(b.address.addr)}/${v.subnet.len}`);
      }
      break;
    }

    for (let i = 0; i < j; i++) {
      if (seg[i] === seg[j] || !prefixesOverlap(net[i]!, net[j]!)) continue;
      const a = all[i]!;
      if (a.address.addr === b.address.addr) continue; // already reported as a duplicate
      const pair = `${seg[i]}/${seg[j]}`;
      if (reportedPairs.has(pair)) continue;
      reportedPairs.add(pair);
      p.error(
        b.addressLoc,
        `subnet ${formatPrefix4(net[j]!)} of ${bName} overlaps ${formatPrefix4(net[i]!)} of ${a.node}:${a.name} (${shortLoc(a.addressLoc)}), which is on a different L2 segment`,
        'routers cannot tell the two apart: give each segment its own subnet, or connect them to the same switch/VLAN',
      );
    }
  }
}

/** True when `addr` lies in a subnet of one of the node's addressed interfaces. */
export function onConnectedSubnet(n: NodeDraft, addr: IPv4): boolean {
  for (const i of n.ifaces.values()) if (i.address && prefixContains(i.address, addr)) return true;
  return false;
}

/** Reports a next hop (gateway or route via) that the node cannot reach directly. */
export function checkNextHop(n: NodeDraft, via: IPv4, at: Located<string>, what: string, p: Problems): boolean {
  const own = [...n.ifaces.values()].find((i) => i.address?.addr === via);
  if (own) {
    p.error(at.loc, `${what} ${at.value} of '${n.raw.name.value}' is its own address (${n.raw.name.value}:${own.name})`, "use the neighbour's address, e.g. the router's");
    return false;
  }
  if (!onConnectedSubnet(n, via)) {
    const subnets = [...n.ifaces.values()].flatMap((i) => (i.address ? [formatPrefix4(networkOf(i.address))] : []));
    p.error(at.loc, `${what} ${at.value} of '${n.raw.name.value}' is not on any of its subnets (${subnets.join(', ') || 'it has no addresses'})`, 'a next hop must be directly connected: fix the address or add an interface in that subnet');
    return false;
  }
  return true;
}
