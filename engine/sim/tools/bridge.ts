/**
 * `bridge` (fdb, vlan, link) of the simulated node, printing what iproute2 6.1's `bridge`
 * prints. All its failures exit 255 (bridge returns -1 from main).
 *
 * Not modelled: the multicast "self permanent" entries (33:33:…, 01:00:5e:…) that the real
 * fdb dump lists from each device's multicast address list.
 */
import { KernelError } from '../types.ts';
import type { FdbEntry, NetDevice } from '../types.ts';
import type { ToolResult } from './argv.ts';
import { ToolFailure, matches } from './argv.ts';
import type { ToolKernel } from './ip-common.ts';
import { addrArg, args, macArg, u32 } from './ip-common.ts';
import { DEFAULT_HOST, portCost, portState } from './link-details.ts';
import type { HostFacts } from './link-details.ts';
import { deviceByName, devicesInOrder, displayName, linkFlags } from './link-view.ts';
import { formatIPv4 } from '../../net/ip.ts';

interface Ctx {
  k: ToolKernel;
  host: HostFacts;
}

function dev(c: Ctx, name: string): NetDevice {
  const d = deviceByName(c.k.state, name);
  if (!d) throw new ToolFailure(`Cannot find device "${name}"`, 255);
  return d;
}

function fdbLine(c: Ctx, e: FdbEntry, omitDev: boolean): string {
  const s = c.k.state;
  const d = s.devices.get(e.ifindex);
  let t = e.mac;
  if (!omitDev) t += ` dev ${d?.name ?? `if${e.ifindex}`}`;
  if (e.vlan !== undefined) t += ` vlan ${e.vlan}`;
  if (e.dst !== undefined) t += ` dst ${formatIPv4(e.dst)}`;
  if (e.where === 'self') t += ' self';
  else {
    const br = d?.kind === 'bridge' ? d : d?.master !== undefined ? s.devices.get(d.master) : undefined;
    t += ` master ${br?.name ?? ''}`;
  }
  if (e.state === 'permanent') t += ' permanent';
  else if (e.state === 'static') t += ' static';
  return `${t}\n`;
}

function fdbShow(c: Ctx, argv: string[]): string {
  const a = args(argv);
  let only: NetDevice | undefined;
  let br: NetDevice | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') only = dev(c, a.value());
    else if (w === 'br' || w === 'brport') br = dev(c, a.value());
    else throw new ToolFailure(`Unknown command "${w}"?`, 255);
  }
  const s = c.k.state;
  const out: string[] = [];
  for (const d of devicesInOrder(s)) {
    if (only && d.ifindex !== only.ifindex) continue;
    if (br && d.ifindex !== br.ifindex && d.master !== br.ifindex) continue;
    // The bridge's own address is an entry like any other: absent when a port's entry already
    // covers it (the bridge took that port's MAC) or when the address is 00:00:00:00:00:00.
    const mine = s.fdb.filter((e) => e.ifindex === d.ifindex);
    const master = mine.filter((e) => e.where === 'master');
    const self = mine.filter((e) => e.where === 'self');
    for (const e of [...master, ...self]) {
      if (!c.host.bridgeVlanSupport && e.vlan !== undefined && e.where === 'master') continue;
      out.push(fdbLine(c, e, only !== undefined));
    }
  }
  return out.join('');
}

function fdbChange(c: Ctx, argv: string[], mode: 'add' | 'append' | 'replace' | 'del'): void {
  const a = args(argv);
  let mac: string | undefined;
  let devName: string | undefined;
  let dst: number | undefined;
  let vlan: number | undefined;
  let where: 'master' | 'self' | undefined;
  let permanent = true;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') devName = a.value();
    else if (w === 'dst') dst = addrArg(a.value(), 4);
    else if (w === 'vlan') {
      const v = a.value();
      vlan = u32(v);
      if (vlan === undefined) throw new ToolFailure(`Error: argument "${v}" is wrong: invalid VLAN\n`, 255);
    } else if (w === 'self') where = 'self';
    else if (w === 'master') where = 'master';
    else if (w === 'permanent' || w === 'local') permanent = true;
    else if (w === 'static') permanent = false;
    else if (w === 'dynamic') permanent = false;
    else if (mac === undefined) mac = macArg(w);
    else throw new ToolFailure(`Unknown command "${w}"?`, 255);
  }
  if (devName === undefined || mac === undefined) throw new ToolFailure('Device and address are required arguments.', 255);
  const d = dev(c, devName);
  if (vlan !== undefined && !c.host.bridgeVlanSupport) throw new KernelError('RTNETLINK answers: Invalid argument');
  if (mode === 'del') {
    c.k.delFdb({ dev: d.name, mac, ...(vlan !== undefined ? { vlan } : {}), ...(dst !== undefined ? { dst } : {}) });
    return;
  }
  c.k.addFdb({ dev: d.name, mac, where: where ?? 'self', permanent, ...(vlan !== undefined ? { vlan } : {}), ...(dst !== undefined ? { dst } : {}) }, mode);
}

function vlanShow(c: Ctx, argv: string[]): string {
  const a = args(argv);
  let only: NetDevice | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') only = dev(c, a.value());
    else if (w === 'vid') a.value();
    else throw new ToolFailure(`Unknown command "${w}"?`, 255);
  }
  let t = 'port              vlan-id  \n';
  if (!c.host.bridgeVlanSupport) return t;
  for (const d of devicesInOrder(c.k.state)) {
    if (only && d.ifindex !== only.ifindex) continue;
    if (!d.vlans || d.vlans.length === 0) continue;
    d.vlans.forEach((v, i) => {
      const head = i === 0 ? d.name.padEnd(16) + '  ' : ' '.repeat(18);
      t += `${head}${v.vid}${v.pvid ? ' PVID' : ''}${v.untagged ? ' Egress Untagged' : ''}\n`;
    });
    t += '\n';
  }
  return t;
}

function vlanChange(c: Ctx, argv: string[], op: 'add' | 'del'): void {
  const a = args(argv);
  let devName: string | undefined;
  let vid: number | undefined;
  let pvid = false;
  let untagged = false;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') devName = a.value();
    else if (w === 'vid') {
      const v = a.value();
      vid = u32(v);
      if (vid === undefined) throw new ToolFailure(`invalid VLAN id "${v}"`, 255);
    } else if (w === 'pvid') pvid = true;
    else if (w === 'untagged') untagged = true;
    else if (w === 'self' || w === 'master') continue;
    else throw new ToolFailure(`Unknown command "${w}"?`, 255);
  }
  if (devName === undefined || vid === undefined) throw new ToolFailure('Device and VLAN ID are required arguments.', 255);
  const d = dev(c, devName);
  if (!c.host.bridgeVlanSupport) throw new KernelError('RTNETLINK answers: Operation not supported');
  c.k.setBridgeVlan(d.name, { vid, pvid, untagged }, op);
}

function linkShow(c: Ctx): string {
  const s = c.k.state;
  return devicesInOrder(s).filter((d) => d.master !== undefined && s.devices.get(d.master)?.kind === 'bridge').map((d) => {
    const br = s.devices.get(d.master!)!;
    return `${d.ifindex}: ${displayName(d, s)}: <${linkFlags(d, s)}> mtu ${d.mtu} master ${br.name} state ${portState(d, s)} ` +
      `priority 32 cost ${portCost(d)} \n`;
  }).join('');
}

/** Runs `bridge` with argv (without the leading "bridge") against a kernel. */
export function runBridge(kernel: ToolKernel, argv: readonly string[], host: HostFacts = DEFAULT_HOST): ToolResult {
  const c: Ctx = { k: kernel, host };
  try {
    const [obj, cmd, ...rest] = argv;
    if (obj === undefined) throw new ToolFailure('Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }', 255);
    let out = '';
    if (matches(obj, 'fdb')) {
      if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list')) out = fdbShow(c, rest);
      else if (cmd === 'add' || cmd === 'append' || cmd === 'replace') fdbChange(c, rest, cmd);
      else if (matches(cmd, 'delete')) fdbChange(c, rest, 'del');
      else throw new ToolFailure(`Command "${cmd}" is unknown, try "bridge fdb help".`, 255);
    } else if (matches(obj, 'vlan')) {
      if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list')) out = vlanShow(c, rest);
      else if (cmd === 'add') vlanChange(c, rest, 'add');
      else if (matches(cmd, 'delete')) vlanChange(c, rest, 'del');
      else throw new ToolFailure(`Command "${cmd}" is unknown, try "bridge vlan help".`, 255);
    } else if (matches(obj, 'link')) {
      if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list')) out = linkShow(c);
      else throw new ToolFailure(`Command "${cmd}" is unknown, try "bridge link help".`, 255);
    } else throw new ToolFailure(`Object "${obj}" is unknown, try "bridge help".`, 255);
    return { stdout: out, stderr: '', code: 0 };
  } catch (e) {
    if (e instanceof ToolFailure || e instanceof KernelError) return { stdout: '', stderr: `${e.message}\n`, code: 255 };
    throw e;
  }
}
