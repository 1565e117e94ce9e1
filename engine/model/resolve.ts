/**
 * Resolution: turns raw values into typed ones (addresses → Prefix4, VLAN names → ids,
 * link endpoints → the interfaces and switch ports they attach to) and reports everything
 * that cannot be resolved. Interfaces and ports a link mentions but the node does not
 * declare are created here, unless the node declared an explicit list.
 */
import { AddressError, broadcastOf, formatPrefix4, isNetworkPrefix, networkOf, parseIPv4, parsePrefix4 } from '../net/ip.ts';
import type { IPv4, Prefix4 } from '../net/ip.ts';
import { shortLoc } from './problems.ts';
import type { Problems } from './problems.ts';
import { portCarries, untaggedVlan } from './segments.ts';
import { DEFAULT_MTU, DEFAULT_VLAN } from './types.ts';
import type { Link, Located, Location, RawLink, RawNode, RawTopology, SwitchPort, Vlan } from './types.ts';

/** An interface while resolving: mutable, remembers where its pieces were written. */
export interface IfaceDraft {
  readonly node: string;
  readonly name: string;
  address?: Prefix4;
  addressLoc?: Location;
  mtu?: number;
  link?: number;
  readonly loc: Location;
}

export interface NodeDraft {
  readonly raw: RawNode;
  readonly ifaces: Map<string, IfaceDraft>;
  /** Switches only. `declared` false = implied by a link. */
  readonly ports: Map<string, SwitchPort>;
}

export interface Resolved {
  readonly vlans: Vlan[];
  readonly nodes: Map<string, NodeDraft>;
  readonly links: Link[];
}

/** Parses an interface address; reports invalid text and network/broadcast host parts. */
export function parseIfaceAddress(p: Problems, a: Located<string>, owner: string): Prefix4 | undefined {
  let pfx: Prefix4;
  try {
    pfx = parsePrefix4(a.value);
  } catch (e) {
    p.error(a.loc, `address of ${owner} is not valid: ${(e as AddressError).message}`, 'write it as a.b.c.d/len, e.g. 10.30.200.1/24');
    return undefined;
  }
  if (!a.value.includes('/')) {
    p.error(a.loc, `address '${a.value}' of ${owner} has no prefix length`, `write it with its subnet, e.g. ${a.value}/24`);
    return undefined;
  }
  // /31 (RFC 3021) and /32 have no network or broadcast address to avoid.
  if (pfx.len <= 30) {
    const net = networkOf(pfx);
    if (pfx.addr === net.addr) {
      p.error(a.loc, `address ${a.value} of ${owner} is the network address of ${formatPrefix4(net)}`, 'pick a host address inside the subnet (not the first one)');
      return undefined;
    }
    if (pfx.addr === broadcastOf(pfx)) {
      p.error(a.loc, `address ${a.value} of ${owner} is the broadcast address of ${formatPrefix4(net)}`, 'pick a host address inside the subnet (not the last one)');
      return undefined;
    }
  }
  return pfx;
}

/** Parses a subnet / route destination; host bits set is an error (the kernel refuses it too). */
export function parseNetwork(p: Problems, a: Located<string>, what: string): Prefix4 | undefined {
  try {
    const pfx = parsePrefix4(a.value);
    if (!isNetworkPrefix(pfx)) {
      p.error(a.loc, `${what} ${a.value} has host bits set`, `did you mean ${formatPrefix4(networkOf(pfx))}?`);
      return undefined;
    }
    return pfx;
  } catch (e) {
    p.error(a.loc, `${what} is not a valid prefix: ${(e as AddressError).message}`, 'write it as a.b.c.d/len, e.g. 10.2.0.0/24');
    return undefined;
  }
}

/** Parses a plain address (gateway, next hop, peer, router id). */
export function parseAddress(p: Problems, a: Located<string>, what: string): IPv4 | undefined {
  try {
    return parseIPv4(a.value);
  } catch (e) {
    p.error(a.loc, `${what} is not a valid IPv4 address: ${(e as AddressError).message}`, 'write it as a.b.c.d, without a prefix length');
    return undefined;
  }
}

/** Resolves VLANs, nodes and links; the semantic checks that need only one element at a time. */
export function resolve(raw: RawTopology, p: Problems): Resolved {
  const vlans = resolveVlans(raw, p);
  const vlanRef = (ref: Located<number | string>, what: string): number | undefined => {
    if (typeof ref.value === 'string') {
      const v = vlans.find((x) => x.name === ref.value);
      if (!v) p.error(ref.loc, `${what} names VLAN '${ref.value}', which is not defined`, `define it under \`vlans:\` or use one of: ${vlans.map((x) => x.name).join(', ') || '(none defined)'}`);
      return v?.id;
    }
    if (ref.value !== DEFAULT_VLAN && !vlans.some((x) => x.id === ref.value)) {
      p.error(ref.loc, `${what} uses VLAN ${ref.value}, which is not defined`, `add it under \`vlans:\` (e.g. \`floor1: { id: ${ref.value} }\`) or fix the id`);
      return undefined;
    }
    return ref.value;
  };

  const nodes = new Map<string, NodeDraft>();
  for (const rn of raw.nodes) {
    const name = rn.name.value;
    const d: NodeDraft = { raw: rn, ifaces: new Map(), ports: new Map() };
    for (const ri of rn.interfaces?.value ?? []) {
      const iface: IfaceDraft = { node: name, name: ri.name.value, loc: ri.loc };
      if (ri.address) {
        const a = parseIfaceAddress(p, ri.address, `${name}:${ri.name.value}`);
        if (a) {
          iface.address = a;
          iface.addressLoc = ri.address.loc;
        }
      }
      if (ri.mtu) iface.mtu = ri.mtu.value;
      d.ifaces.set(iface.name, iface);
    }
    for (const rp of rn.ports?.value ?? []) {
      const what = `access port '${name}:${rp.name.value}'`;
      if (rp.mode.value === 'access') {
        const vid = vlanRef(rp.vlan!, what);
        if (vid !== undefined) d.ports.set(rp.name.value, { name: rp.name.value, mode: 'access', vlan: vid, loc: rp.loc });
      } else {
        const twhat = `trunk port '${name}:${rp.name.value}'`;
        const ids = (rp.vlans?.value ?? []).map((r) => vlanRef(r, twhat));
        const native = rp.native ? vlanRef(rp.native, twhat) : undefined;
        if (ids.some((x) => x === undefined) || (rp.native && native === undefined)) continue;
        const vl = [...new Set(ids as number[])].sort((a, b) => a - b);
        d.ports.set(rp.name.value, { name: rp.name.value, mode: 'trunk', vlans: vl, ...(native !== undefined ? { native } : {}), loc: rp.loc });
      }
    }
    nodes.set(name, d);
  }

  const links: Link[] = [];
  const used = new Map<string, Location>();
  for (const rl of raw.links) {
    const broken = rl.endpoints.value.some((e) => raw.brokenNodes?.includes(e.node));
    const link = broken ? undefined : resolveLink(rl, nodes, used, links.length, vlanRef, p);
    if (link) links.push(link);
  }
  return { vlans, nodes, links };
}

function resolveVlans(raw: RawTopology, p: Problems): Vlan[] {
  const out: Vlan[] = [];
  for (const rv of raw.vlans) {
    const dup = out.find((v) => v.id === rv.id.value);
    if (dup) {
      p.error(rv.id.loc, `VLAN id ${rv.id.value} of '${rv.name.value}' is already used by '${dup.name}' (${shortLoc(dup.loc)})`, 'give each VLAN its own id');
      continue;
    }
    const subnet = rv.subnet ? parseNetwork(p, rv.subnet, `subnet of VLAN '${rv.name.value}'`) : undefined;
    if (rv.subnet && !subnet) continue;
    out.push({ name: rv.name.value, id: rv.id.value, ...(subnet ? { subnet } : {}), loc: rv.loc });
  }
  return out;
}

const LATENCY = /^(\d+(?:\.\d+)?)(us|µs|ms|s)$/;
const LOSS = /^(\d+(?:\.\d+)?)%$/;

function resolveLink(
  rl: RawLink,
  nodes: Map<string, NodeDraft>,
  used: Map<string, Location>,
  index: number,
  vlanRef: (r: Located<number | string>, what: string) => number | undefined,
  p: Problems,
): Link | undefined {
  let ok = true;
  const [ea, eb] = rl.endpoints.value;
  for (const e of [ea, eb]) {
    const n = nodes.get(e.node);
    const ep = `${e.node}:${e.iface}`;
    if (!n) {
      p.error(e.loc, `link endpoint '${ep}' names unknown node '${e.node}'`, `define it under \`nodes:\` or use one of: ${[...nodes.keys()].join(', ')}`);
      ok = false;
      continue;
    }
    const isSwitch = n.raw.kind.value === 'switch';
    const declared = isSwitch ? n.raw.ports : n.raw.interfaces;
    const have = isSwitch ? n.ports.has(e.iface) : n.ifaces.has(e.iface);
    if (declared && !have) {
      // An explicit list that failed to resolve one entry already has its own error.
      if (!declared.value.some((x) => x.name.value === e.iface)) {
        const list = declared.value.map((x) => x.name.value).join(', ') || '(none)';
        p.error(e.loc, `link endpoint '${ep}': ${e.node} declares no ${isSwitch ? 'port' : 'interface'} '${e.iface}'`, `declared ${isSwitch ? 'ports' : 'interfaces'}: ${list}; add it there or fix the name`);
      }
      ok = false;
      continue;
    }
    const first = used.get(ep);
    if (first) {
      p.error(e.loc, `interface '${ep}' is already used by another link (${shortLoc(first)})`, 'an interface takes one cable; use another interface name');
      ok = false;
      continue;
    }
    used.set(ep, e.loc);
  }
  if (!ok) return undefined;

  const mtu = rl.mtu?.value;
  let latencyMs = 0;
  let lossPercent = 0;
  if (rl.latency) {
    const m = LATENCY.exec(rl.latency.value);
    if (!m) {
      p.error(rl.latency.loc, `latency '${rl.latency.value}' is not a duration`, 'write a number with a unit: 500us, 1ms, 0.2s');
      ok = false;
    } else latencyMs = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'ms' ? 1 : 0.001);
  }
  if (rl.loss) {
    const m = LOSS.exec(rl.loss.value);
    if (!m || Number(m[1]) > 100) {
      p.error(rl.loss.loc, `loss '${rl.loss.value}' is not a percentage`, 'write a percentage between 0% and 100%, e.g. 0.1%');
      ok = false;
    } else lossPercent = Number(m[1]);
  }
  let vlan: number | undefined;
  if (rl.vlan) {
    vlan = vlanRef(rl.vlan, 'link');
    if (vlan === undefined) ok = false;
  }
  if (!ok) return undefined;

  // Attach: create implied interfaces / ports, then check the link's vlan against the ports.
  const sw = [ea, eb].filter((e) => nodes.get(e.node)!.raw.kind.value === 'switch');
  for (const e of [ea, eb]) {
    const n = nodes.get(e.node)!;
    if (n.raw.kind.value === 'switch') {
      if (!n.ports.has(e.iface)) {
        // An undeclared port is an access port in the link's VLAN, or the default VLAN.
        n.ports.set(e.iface, { name: e.iface, mode: 'access', vlan: vlan ?? DEFAULT_VLAN, loc: e.loc });
      }
    } else {
      let iface = n.ifaces.get(e.iface);
      if (!iface) n.ifaces.set(e.iface, (iface = { node: e.node, name: e.iface, loc: e.loc }));
      iface.link = index;
    }
  }
  if (rl.vlan && vlan !== undefined) {
    if (sw.length === 0) {
      p.error(rl.vlan.loc, `link has 'vlan: ${rl.vlan.value}' but neither end is a switch`, 'VLANs live on switch ports: connect one end to a switch, or remove `vlan:`');
      return undefined;
    }
    const carried = sw.some((e) => portCarries(nodes.get(e.node)!.ports.get(e.iface)!, vlan!));
    if (!carried) {
      const desc = sw.map((e) => describePort(e.node, nodes.get(e.node)!.ports.get(e.iface)!)).join('; ');
      p.error(rl.vlan.loc, `link is in VLAN ${vlan}, but its switch port does not carry it (${desc})`, `add VLAN ${vlan} to the port, or fix the link's vlan`);
      return undefined;
    }
  }
  return { endpoints: [{ node: ea.node, iface: ea.iface }, { node: eb.node, iface: eb.iface }], mtu: mtu ?? DEFAULT_MTU, latencyMs, lossPercent, ...(vlan !== undefined ? { vlan } : {}), loc: rl.loc };
}

function describePort(node: string, port: SwitchPort): string {
  if (port.mode === 'access') return `${node}:${port.name} is access VLAN ${port.vlan}`;
  const u = untaggedVlan(port);
  return `${node}:${port.name} is trunk [${port.vlans.join(', ')}]${u !== undefined ? ` native ${u}` : ''}`;
}
