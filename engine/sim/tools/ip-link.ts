/**
 * `ip link` (show/add/delete/set) and the minimal `ip tunnel` of the simulated node.
 */
import type { NetDevice, NewLink } from '../types.ts';
import { ToolFailure, matches } from './argv.ts';
import type { IpContext } from './ip-common.ts';
import { addrArg, args, garbage, invarg, listedDevices, macArg, needDev, u32 } from './ip-common.ts';
import { linkDetails } from './link-details.ts';
import { briefPrefix, deviceByName, devicesInOrder, linkFlags, linkHeader, linkLayer, statsLines } from './link-view.ts';
import { formatIPv4 } from '../../net/ip.ts';

/** One device's full `ip link` record (lines joined with "\n", no final newline). */
export function linkRecord(c: IpContext, d: NetDevice, withMode: boolean): string {
  let t = `${linkHeader(d, c.s, withMode)}\n    ${linkLayer(d, c.s)}`;
  if (c.details) t += linkDetails(d, c.s, c.host);
  if (c.stats && withMode) t += `\n${statsLines(d).join('\n')}`;
  return t;
}

/** Writes records the way -o (oneline) does: inner newlines become "\". */
export function emit(c: IpContext, records: string[]): string {
  return records.map((r) => (c.oneline ? r.replace(/\n/g, '\\') : r) + '\n').join('');
}

function showLinks(c: IpContext, argv: string[]): string {
  const devs = listedDevices(c, argv);
  if (c.brief) {
    return devs.map((d) => `${briefPrefix(d, c.s)}${d.kind === 'ipip' ? '' : d.mac + ' '}<${linkFlags(d, c.s)}> \n`).join('');
  }
  return emit(c, devs.map((d) => linkRecord(c, d, true)));
}

function addLink(c: IpContext, argv: string[]): void {
  const a = args(argv);
  let name: string | undefined;
  let type: string | undefined;
  let mtu: number | undefined;
  let mac: string | undefined;
  while (a.more && type === undefined) {
    const w = a.take();
    if (w === 'name' || w === 'dev') name = a.value();
    else if (w === 'type') type = a.value();
    else if (w === 'mtu') {
      const v = a.value();
      mtu = u32(v);
      if (mtu === undefined) invarg('Invalid "mtu" value\n', v);
    } else if (w === 'address') mac = macArg(a.value());
    else if (name === undefined) name = w;
    else garbage('name', w);
  }
  if (type === undefined) throw new ToolFailure('Not enough information: "type" argument is required.', 255);
  if (name === undefined) throw new ToolFailure('Not enough information: "dev" argument is required.', 255);
  const rest = a.rest();
  let spec: NewLink;
  switch (type) {
    case 'veth': {
      let peerName: string | undefined;
      let peerNode: string | undefined;
      const p = args(rest);
      while (p.more) {
        const w = p.take();
        if (w === 'peer') continue;
        if (w === 'name') peerName = p.value();
        else if (w === 'netns') peerNode = p.value();
        else if (peerName === undefined) peerName = w;
        else garbage('name', w);
      }
      if (peerName === undefined) throw new ToolFailure('RTNETLINK answers: File exists', 2); // kernel picks vethN; we require a name
      spec = { kind: 'veth', name, peerName, ...(peerNode !== undefined ? { peerNode } : {}) };
      break;
    }
    case 'bridge': {
      let vlanFiltering: boolean | undefined;
      const p = args(rest);
      while (p.more) {
        const w = p.take();
        if (w === 'vlan_filtering') vlanFiltering = p.value() !== '0';
        else throw new ToolFailure(`bridge: unknown command "${w}"?`, 255);
      }
      spec = { kind: 'bridge', name, ...(vlanFiltering !== undefined ? { vlanFiltering } : {}) };
      break;
    }
    case 'vxlan': {
      let vni: number | undefined;
      let dstPort = 8472; // the kernel's legacy default when dstport is not given
      let local: number | undefined;
      let dev: string | undefined;
      let learning = true;
      const p = args(rest);
      while (p.more) {
        const w = p.take();
        if (w === 'id' || w === 'vni') {
          const v = p.value();
          vni = u32(v);
          if (vni === undefined || vni >= 1 << 24) invarg('invalid id', v);
        } else if (w === 'dstport') {
          const v = p.value();
          const n = u32(v);
          if (n === undefined || n > 65535) invarg('dstport', v);
          dstPort = n!;
        } else if (w === 'local') local = addrArg(p.value(), 4);
        else if (w === 'dev') dev = needDev(c.s, p.value()).name;
        else if (w === 'nolearning') learning = false;
        else if (w === 'learning') learning = true;
        else throw new ToolFailure(`vxlan: unknown command "${w}"?`, 255);
      }
      if (vni === undefined) throw new ToolFailure('vxlan: missing virtual network identifier', 255);
      spec = { kind: 'vxlan', name, vni, dstPort, learning, ...(local !== undefined ? { local } : {}), ...(dev !== undefined ? { dev } : {}) };
      break;
    }
    case 'ipip': {
      let local: number | undefined;
      let remote: number | undefined;
      const p = args(rest);
      while (p.more) {
        const w = p.take();
        if (w === 'local') local = p.peek() === 'any' ? (p.take(), 0) : addrArg(p.value(), 4);
        else if (w === 'remote') remote = p.peek() === 'any' ? (p.take(), 0) : addrArg(p.value(), 4);
        else if (w === 'mode') p.value();
        else throw new ToolFailure(`ipip: unknown command "${w}"?`, 255);
      }
      spec = { kind: 'ipip', name, ...(local ? { local } : {}), ...(remote ? { remote } : {}) };
      break;
    }
    case 'dummy':
      spec = { kind: 'dummy', name };
      break;
    default:
      throw new ToolFailure('Error: Unknown device type.', 2);
  }
  if (mtu !== undefined) spec.mtu = mtu;
  c.k.addLink(spec);
  if (mac !== undefined) c.k.setLink(name, { mac });
}

function setLink(c: IpContext, argv: string[]): void {
  const a = args(argv);
  let name: string | undefined;
  const change: Parameters<IpContext['k']['setLink']>[1] = {};
  while (a.more) {
    const w = a.take();
    if (w === 'dev') name = a.value();
    else if (w === 'up') change.up = true;
    else if (w === 'down') change.up = false;
    else if (w === 'mtu') {
      const v = a.value();
      const n = u32(v);
      if (n === undefined) invarg('Invalid "mtu" value\n', v);
      change.mtu = n;
    } else if (w === 'address') change.mac = macArg(a.value());
    else if (w === 'master') {
      const m = a.value();
      if (!deviceByName(c.s, m)) invarg('Device does not exist\n', m);
      change.master = m;
    } else if (w === 'nomaster') change.master = null;
    else if (w === 'arp') change.noArp = a.value() === 'off';
    else if (w === 'name') change.name = a.value();
    else if (name === undefined) name = w;
    else garbage('dev', w);
  }
  if (name === undefined) throw new ToolFailure('Not enough information: "dev" argument is required.', 255);
  needDev(c.s, name);
  // iproute2 sends the attribute changes first and the up/down flag change last.
  const { up, ...attrs } = change;
  if (Object.keys(attrs).length > 0) c.k.setLink(name, attrs);
  if (up !== undefined) c.k.setLink(change.name ?? name, { up });
}

/** `ip link ...`; returns stdout. */
export function ipLink(c: IpContext, argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return showLinks(c, []);
  if (matches(cmd, 'add')) {
    addLink(c, rest);
    return '';
  }
  if (matches(cmd, 'delete')) {
    const a = args(rest);
    let name: string | undefined;
    while (a.more) {
      const w = a.take();
      if (w === 'dev') name = a.value();
      else if (w === 'type') a.value();
      else name = w;
    }
    if (name === undefined) throw new ToolFailure('Not enough information: "dev" argument is required.', 255);
    needDev(c.s, name);
    c.k.delLink(name);
    return '';
  }
  if (matches(cmd, 'set') || cmd === 'change') {
    setLink(c, rest);
    return '';
  }
  if (matches(cmd, 'show') || matches(cmd, 'list') || matches(cmd, 'lst')) return showLinks(c, rest);
  throw new ToolFailure(`Command "${cmd}" is unknown, try "ip link help".`, 255);
}

/** `ip tunnel show|add` for ipip devices (Calico's tunl0). */
export function ipTunnel(c: IpContext, argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list')) {
    return devicesInOrder(c.s).filter((d) => d.kind === 'ipip').map((d) => {
      const r = d.ipip?.remote ? formatIPv4(d.ipip.remote) : 'any';
      const l = d.ipip?.local ? formatIPv4(d.ipip.local) : 'any';
      return `${d.name}: any/ip remote ${r} local ${l} ttl inherit nopmtudisc\n`;
    }).join('');
  }
  if (matches(cmd, 'add')) {
    const a = args(rest);
    let name: string | undefined;
    let local: number | undefined;
    let remote: number | undefined;
    while (a.more) {
      const w = a.take();
      if (w === 'mode') {
        const m = a.value();
        if (m !== 'ipip' && m !== 'ip/ip') throw new ToolFailure(`Error: argument "${m}" is wrong: Cannot guess tunnel mode.\n`, 255);
      } else if (w === 'local') local = a.peek() === 'any' ? (a.take(), 0) : addrArg(a.value(), 4);
      else if (w === 'remote') remote = a.peek() === 'any' ? (a.take(), 0) : addrArg(a.value(), 4);
      else if (w === 'name' || w === 'dev') name = a.value();
      else name = w;
    }
    if (name === undefined) name = 'tunl0';
    if (deviceByName(c.s, name)) throw new ToolFailure(`add tunnel "${name}" failed: File exists`, 1);
    c.k.addLink({ kind: 'ipip', name, ...(local ? { local } : {}), ...(remote ? { remote } : {}) });
    return '';
  }
  throw new ToolFailure(`Command "${cmd}" is unknown, try "ip tunnel help".`, 255);
}
