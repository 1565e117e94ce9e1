/**
 * `ip route` (show/add/replace/delete/get) of the simulated node.
 *
 * `ip route get` uses the kernel's own FIB lookup (FibIndex: local, main, default tables,
 * longest prefix, lowest metric) over the state's routes and picks the source address the
 * way inet_select_addr() does.
 */
import type { IfAddress, KernelState, Route, RouteType } from '../types.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../types.ts';
import { ToolFailure, matches } from './argv.ts';
import type { IpContext } from './ip-common.ts';
import { addrArg, args, garbage, invarg, needDev, prefixArg, tableArg, u32 } from './ip-common.ts';
import { dumpOrder, ipv6RouteLines, protoId, routeLine } from './route-view.ts';
import { primaryAddresses } from './addr-view.ts';
import { FibIndex } from '../fib.ts';
import { formatIPv4, maskOf, prefixContains } from '../../net/ip.ts';
import type { IPv4 } from '../../net/ip.ts';

const TYPES: readonly RouteType[] = ['unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit'];
const SCOPES: Record<string, Route['scope']> = { global: 'global', universe: 'global', link: 'link', host: 'host', '0': 'global', '253': 'link', '254': 'host' };

function listRoutes(c: IpContext, argv: string[]): string {
  const a = args(argv);
  let table = RT_TABLE_MAIN;
  let dev: number | undefined;
  let proto: number | undefined;
  let type: RouteType | undefined;
  let exact: { addr: number; len: number } | undefined;
  let root: { addr: number; len: number } | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'table') table = tableArg(a.value(), 'table id value is invalid\n');
    else if (w === 'dev' || w === 'oif') dev = needDev(c.s, a.value()).ifindex;
    else if (w === 'proto' || w === 'protocol') {
      const v = a.value();
      proto = protoId(v);
      if (proto === undefined) invarg('invalid "protocol"\n', v);
    } else if (w === 'root') root = prefixArg(a.value(), c.family);
    else if (w === 'exact') exact = prefixArg(a.value(), c.family);
    else if (w === 'match') a.value();
    else if ((TYPES as readonly string[]).includes(w)) type = w as RouteType;
    else exact = prefixArg(w === 'to' ? a.value() : w, c.family);
  }
  const lines: string[] = [];
  if (table !== 0 && table !== RT_TABLE_MAIN && table !== RT_TABLE_LOCAL && !c.s.routes.some((r) => r.table === table)) {
    throw new ToolFailure('Error: ipv4: FIB table does not exist.\nDump terminated', 2);
  }
  if (c.family !== 6) {
    const routes = dumpOrder(c.s.routes).filter((r) => (table === 0 || r.table === table) &&
      (dev === undefined || r.ifindex === dev) && (proto === undefined || r.protocol === proto) &&
      (type === undefined || r.type === type) &&
      (exact === undefined || (r.dst.len === exact.len && ((r.dst.addr ^ exact.addr) & maskOf(exact.len)) === 0)) &&
      (root === undefined || (r.dst.len >= root.len && prefixContains(root, r.dst.addr))));
    for (const r of routes) lines.push(routeLine(r, c.s, { showTable: table === 0, omitDev: dev !== undefined }));
  }
  if (c.family !== 4 && (table === 0 || c.family === 6) && dev === undefined && proto === undefined && exact === undefined) {
    const which = table === 0 ? 'all' : table === RT_TABLE_LOCAL ? 'local' : table === RT_TABLE_MAIN ? 'main' : undefined;
    if (which) lines.push(...ipv6RouteLines(c.s, which));
  }
  return lines.map((l) => `${l}\n`).join('');
}

function changeRoute(c: IpContext, argv: string[], mode: 'add' | 'replace' | 'del'): void {
  const a = args(argv);
  let type: RouteType = 'unicast';
  let dst: { addr: number; len: number } | undefined;
  let gateway: IPv4 | undefined;
  let dev: string | undefined;
  let protocol = 3;
  let scope: Route['scope'] | undefined;
  let prefsrc: IPv4 | undefined;
  let metric = 0;
  let table = RT_TABLE_MAIN;
  let onlink = false;
  while (a.more) {
    const w = a.take();
    if (w === 'via') {
      let v = a.value();
      if (v === 'inet') v = a.value();
      gateway = addrArg(v, c.family);
    } else if (w === 'dev' || w === 'oif') dev = needDev(c.s, a.value()).name;
    else if (w === 'onlink') onlink = true;
    else if (w === 'proto' || w === 'protocol') {
      const v = a.value();
      const p = protoId(v);
      if (p === undefined) invarg('"protocol" value is invalid\n', v);
      protocol = p!;
    } else if (w === 'scope') {
      const v = a.value();
      scope = SCOPES[v];
      if (!scope) invarg('invalid "scope" value\n', v);
    } else if (w === 'src') prefsrc = addrArg(a.value(), c.family);
    else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const v = a.value();
      const n = u32(v);
      if (n === undefined) invarg('"metric" value is invalid\n', v);
      metric = n!;
    } else if (w === 'table') table = tableArg(a.value(), '"table" value is invalid\n');
    else if (w === 'to') dst = prefixArg(a.value(), c.family);
    else if (dst === undefined && (TYPES as readonly string[]).includes(w)) {
      type = w as RouteType;
      dst = prefixArg(a.value(), c.family);
    } else if (dst === undefined) dst = prefixArg(w, c.family);
    else garbage('to', w);
  }
  if (dst === undefined) {
    throw new ToolFailure(mode === 'del' ? 'RTNETLINK answers: No such process' : 'RTNETLINK answers: Invalid argument', 2);
  }
  if (mode === 'del') {
    c.k.delRoute({ dst, ...(table !== RT_TABLE_MAIN ? { table } : {}), ...(dev !== undefined ? { dev } : {}), ...(gateway !== undefined ? { gateway } : {}) });
    return;
  }
  if (type === 'unicast' && gateway === undefined && dev === undefined) {
    throw new ToolFailure('RTNETLINK answers: No such device', 2);
  }
  // iproute2's default scope: host for local, link for broadcast and gateway-less unicast.
  const defScope: Route['scope'] = type === 'local' ? 'host' : type === 'broadcast' ? 'link' :
    type === 'unicast' && gateway === undefined ? 'link' : 'global';
  const route: Omit<Route, 'ifindex'> & { dev?: string } = {
    table, type, dst, protocol, scope: scope ?? defScope, metric, onlink,
    ...(gateway !== undefined ? { gateway } : {}),
    ...(prefsrc !== undefined ? { prefsrc } : {}),
    ...(dev !== undefined ? { dev } : {}),
  };
  c.k.addRoute(route, mode);
}

const SCOPE_VALUE: Record<IfAddress['scope'], number> = { global: 0, link: 253, host: 254 };

/** inet_select_addr(): a primary address of the device within the scope, preferring dst's subnet. */
export function selectSource(s: KernelState, ifindex: number, dst: IPv4, scope: number): IPv4 | undefined {
  let pick: IPv4 | undefined;
  for (const a of primaryAddresses(s, ifindex)) {
    if (SCOPE_VALUE[a.scope] > scope) continue;
    if (prefixContains(a.prefix, dst)) return a.prefix.addr;
    if (pick === undefined) pick = a.prefix.addr;
  }
  if (pick !== undefined) return pick;
  for (const d of [...s.devices.values()].sort((x, y) => x.ifindex - y.ifindex)) {
    for (const a of primaryAddresses(s, d.ifindex)) {
      if (a.scope !== 'link' && SCOPE_VALUE[a.scope] <= scope) return a.prefix.addr;
    }
  }
  return undefined;
}

/** `ip route get ADDR`: the route the kernel would use, rendered like RTM_GETROUTE's answer. */
function getRoute(c: IpContext, argv: string[]): string {
  const a = args(argv);
  let target: { addr: number; len: number } | undefined;
  let oif: number | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'oif' || w === 'dev') oif = needDev(c.s, a.value()).ifindex;
    else if (w === 'to') target = prefixArg(a.value(), c.family);
    else if (target === undefined) target = prefixArg(w, c.family);
    else garbage('to', w);
  }
  if (target === undefined) throw new ToolFailure('need at least a destination address', 1);
  let warn = '';
  if (target.len !== 32) warn = `Warning: /${target.len} as prefix is invalid, only /32 (or none) is supported.\n`;
  const dst = target.addr;
  const s = c.s;
  const r = new FibIndex().lookup(s.routes, 0, dst, {
    ...(oif !== undefined ? { oif } : {}),
    skip: (x) => x.ifindex !== undefined && !(s.devices.get(x.ifindex)?.adminUp ?? false),
  });
  if (!r) throw new ToolFailure(`${warn}RTNETLINK answers: Network is unreachable`, 2);
  if (r.type === 'blackhole') throw new ToolFailure(`${warn}RTNETLINK answers: Invalid argument`, 2);
  if (r.type === 'unreachable') throw new ToolFailure(`${warn}RTNETLINK answers: No route to host`, 2);
  if (r.type === 'prohibit') throw new ToolFailure(`${warn}RTNETLINK answers: Permission denied`, 2);
  const dev = r.ifindex !== undefined ? s.devices.get(r.ifindex) : undefined;
  if (r.type === 'local') {
    const src = r.prefsrc ?? dst;
    return `${warn}local ${formatIPv4(dst)} dev lo src ${formatIPv4(src)} uid 0 \n    cache <local> \n`;
  }
  const src = r.prefsrc ?? (dev ? selectSource(s, dev.ifindex, r.gateway ?? dst, SCOPE_VALUE[r.scope]) : undefined);
  let t = r.type === 'broadcast' ? `broadcast ${formatIPv4(dst)}` : formatIPv4(dst);
  if (r.gateway !== undefined) t += ` via ${formatIPv4(r.gateway)}`;
  if (dev) t += ` dev ${dev.name}`;
  if (src !== undefined) t += ` src ${formatIPv4(src)}`;
  t += ' uid 0 \n    cache ';
  if (r.type === 'broadcast') t += '<local,brd> ';
  return `${warn}${t}\n`;
}

/** `ip route ...`; returns stdout. */
export function ipRoute(c: IpContext, argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return listRoutes(c, []);
  if (matches(cmd, 'add')) {
    changeRoute(c, rest, 'add');
    return '';
  }
  if (matches(cmd, 'replace')) {
    changeRoute(c, rest, 'replace');
    return '';
  }
  if (matches(cmd, 'delete')) {
    changeRoute(c, rest, 'del');
    return '';
  }
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return listRoutes(c, rest);
  if (matches(cmd, 'get')) return getRoute(c, rest);
  throw new ToolFailure(`Command "${cmd}" is unknown, try "ip route help".`, 255);
}
