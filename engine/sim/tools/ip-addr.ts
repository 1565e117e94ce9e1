/**
 * `ip address` (show/add/delete) of the simulated node.
 */
import type { IfAddress, NetDevice } from '../types.ts';
import { ToolFailure, matches } from './argv.ts';
import type { IpContext } from './ip-common.ts';
import { args, garbage, invarg, listedDevices, needDev, prefixArg } from './ip-common.ts';
import { LIFETIMES, deviceAddresses, inetLine, ipv6Addresses } from './addr-view.ts';
import { emit, linkRecord } from './ip-link.ts';
import { briefPrefix, linkHeader, linkNetnsTail } from './link-view.ts';
import { broadcastOf, formatIPv4, parseIPv4, isIPv4 } from '../../net/ip.ts';

function addressLines(c: IpContext, d: NetDevice): string[] {
  const out: string[] = [];
  if (c.family !== 6) {
    for (const e of deviceAddresses(c.s, d.ifindex)) out.push(`    ${inetLine(e, d)}\n       ${LIFETIMES}`);
  }
  if (c.family !== 4) {
    for (const a of ipv6Addresses(d)) out.push(`    inet6 ${a.text} scope ${a.scope} \n       ${LIFETIMES}`);
  }
  return out;
}

function showAddrs(c: IpContext, argv: string[]): string {
  let devs = listedDevices(c, argv);
  if (c.brief) {
    return devs.map((d) => {
      const v4 = c.family === 6 ? [] : deviceAddresses(c.s, d.ifindex).map((e) => `${formatIPv4(e.addr.prefix.addr)}/${e.addr.prefix.len} `);
      const v6 = c.family === 4 ? [] : ipv6Addresses(d).map((x) => `${x.text} `);
      return `${briefPrefix(d, c.s)}${v4.join('')}${v6.join('')}\n`;
    }).join('');
  }
  if (c.oneline) {
    // -o prints one line per address, prefixed with the device, and no link lines.
    const lines: string[] = [];
    for (const d of devs) {
      for (const l of addressLines(c, d)) lines.push(`${d.ifindex}: ${d.name}${l.replace(/\n/g, '\\')}\n`);
    }
    return lines.join('');
  }
  if (c.family === 4) {
    // With -4, iproute2 skips address-less devices and the link/ether line, but still appends
    // the peer's namespace to the header (measured on iproute2 6.1).
    devs = devs.filter((d) => deviceAddresses(c.s, d.ifindex).length > 0);
    const records = devs.map((d) => {
      return [linkHeader(d, c.s, false) + linkNetnsTail(d, c.s), ...addressLines(c, d)].join('\n');
    });
    return emit(c, records);
  }
  const records = devs.map((d) => [linkRecord(c, d, false), ...addressLines(c, d)].join('\n'));
  return emit(c, records);
}

const SCOPES: Record<string, IfAddress['scope']> = { global: 'global', universe: 'global', link: 'link', host: 'host', '0': 'global', '253': 'link', '254': 'host' };

function changeAddr(c: IpContext, argv: string[], op: 'add' | 'del'): void {
  const a = args(argv);
  let prefix: ReturnType<typeof prefixArg> | undefined;
  let dev: string | undefined;
  let scope: IfAddress['scope'] | undefined;
  let brd: string | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') dev = a.value();
    else if (w === 'scope') {
      const v = a.value();
      scope = SCOPES[v];
      if (!scope) invarg('invalid scope value.', v);
    } else if (w === 'broadcast' || w === 'brd') brd = a.value();
    else if (w === 'local') prefix = prefixArg(a.value(), c.family);
    else if (w === 'label') a.value();
    else if (prefix === undefined) prefix = prefixArg(w, c.family);
    else garbage('local', w);
  }
  if (dev === undefined) throw new ToolFailure('Not enough information: "dev" argument is required.', 1);
  if (prefix === undefined) throw new ToolFailure('Not enough information: "local" argument is required.', 1);
  needDev(c.s, dev);
  if (op === 'del') {
    c.k.delAddress(dev, prefix);
    return;
  }
  let broadcast: number | undefined;
  if (brd === '+') broadcast = broadcastOf(prefix);
  else if (brd !== undefined && brd !== '-') {
    if (!isIPv4(brd)) throw new ToolFailure(`Error: inet address is expected rather than "${brd}".`, 1);
    broadcast = parseIPv4(brd);
  }
  c.k.addAddress(dev, prefix, { ...(scope ? { scope } : {}), ...(broadcast !== undefined ? { broadcast } : {}) });
}

/** `ip address ...`; returns stdout. */
export function ipAddr(c: IpContext, argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return showAddrs(c, []);
  if (matches(cmd, 'add') || matches(cmd, 'replace')) {
    changeAddr(c, rest, 'add');
    return '';
  }
  if (matches(cmd, 'delete')) {
    changeAddr(c, rest, 'del');
    return '';
  }
  if (matches(cmd, 'show') || matches(cmd, 'list') || matches(cmd, 'lst')) return showAddrs(c, rest);
  throw new ToolFailure(`Command "${cmd}" is unknown, try "ip address help".`, 255);
}
