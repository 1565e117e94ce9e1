/**
 * Routes as `ip route` prints them, in the kernel's dump order, and `ip route get`.
 *
 * Field order and omissions follow iproute2's print_route(): the type unless unicast,
 * "default" for /0, `via`, `dev` (omitted for blackhole/unreachable/prohibit), `table` when
 * listing more than one table, `proto` unless boot, `scope` unless universe, `src`,
 * `metric` unless 0, then the next-hop flags (dead, onlink, linkdown), and a trailing space.
 */
import type { KernelState, Route } from '../types.ts';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../types.ts';
import { formatIPv4, maskOf } from '../../net/ip.ts';
import { ipv6Addresses } from './addr-view.ts';
import { devicesInOrder, lowerUp } from './link-view.ts';

/** /etc/iproute2/rt_protos of Debian 12. */
const PROTO_NAMES: Record<number, string> = {
  0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt', 11: 'zebra',
  12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived', 42: 'babel', 99: 'openr',
  186: 'bgp', 187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp',
};

/** Protocol id → name as `ip route` prints it (a number when unnamed). */
export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

/** Protocol name or number → id (what `proto X` accepts); undefined when unknown. */
export function protoId(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) <= 255 ? Number(text) : undefined;
  if (/^0x[0-9a-f]+$/i.test(text)) return Number(text) <= 255 ? Number(text) : undefined;
  for (const [id, name] of Object.entries(PROTO_NAMES)) if (name === text) return Number(id);
  return undefined;
}

/** Table id → name ("main", "local", "default" or the number). */
export function tableName(t: number): string {
  return t === RT_TABLE_MAIN ? 'main' : t === RT_TABLE_LOCAL ? 'local' : t === 253 ? 'default' : String(t);
}

/** Dump order: tables by hash bucket (id & 255), then trie key, longer prefix, lower metric. */
export function dumpOrder(routes: readonly Route[]): Route[] {
  const net = (r: Route): number => (r.dst.addr & maskOf(r.dst.len)) >>> 0;
  return [...routes].sort((a, b) => (a.table & 255) - (b.table & 255) || a.table - b.table ||
    net(a) - net(b) || b.dst.len - a.dst.len || a.metric - b.metric);
}

/** The destination as printed: "default", "10.0.0.1" for /32, else "a.b.c.d/len". */
export function dstText(r: Route): string {
  if (r.dst.len === 0) return 'default';
  const a = formatIPv4((r.dst.addr & maskOf(r.dst.len)) >>> 0);
  return r.dst.len === 32 ? a : `${a}/${r.dst.len}`;
}

/** One `ip route` line. `showTable` when the listing spans tables; `omitDev` under `dev X` filters. */
export function routeLine(r: Route, s: KernelState, opts: { showTable: boolean; omitDev?: boolean }): string {
  let t = r.type === 'unicast' ? '' : `${r.type} `;
  t += dstText(r);
  if (r.gateway !== undefined) t += ` via ${formatIPv4(r.gateway)}`;
  const dev = r.ifindex !== undefined ? s.devices.get(r.ifindex) : undefined;
  const devless = r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit';
  if (dev && !devless && !opts.omitDev) t += ` dev ${dev.name}`;
  if (opts.showTable && r.table !== RT_TABLE_MAIN) t += ` table ${tableName(r.table)}`;
  if (r.protocol !== 3) t += ` proto ${protoName(r.protocol)}`;
  if (r.scope !== 'global') t += ` scope ${r.scope}`;
  if (r.prefsrc !== undefined) t += ` src ${formatIPv4(r.prefsrc)}`;
  if (r.metric !== 0) t += ` metric ${r.metric}`;
  if (dev && !devless) {
    if (!dev.adminUp) t += ' dead';
    if (r.onlink) t += ' onlink';
    if (!lowerUp(dev) && r.type !== 'local') t += ' linkdown';
  } else if (r.onlink) t += ' onlink';
  return `${t} `;
}

/**
 * The IPv6 routes the kernel adds for link-local addressing (what `ip -6 route` and
 * `ip route show table all` show after the IPv4 ones): main fe80::/64 per device, then the
 * local table's ::1 / link-local host routes and ff00::/8 multicast routes.
 */
export function ipv6RouteLines(s: KernelState, table: 'main' | 'local' | 'all'): string[] {
  const devs = devicesInOrder(s);
  const main: string[] = [];
  const local: string[] = [];
  const mcast: string[] = [];
  const tbl = table === 'all' ? ' table local' : '';
  for (const d of devs) {
    for (const a of ipv6Addresses(d)) {
      const addr = a.text.slice(0, a.text.indexOf('/'));
      if (a.scope === 'link') main.push(`fe80::/64 dev ${d.name} proto kernel metric 256 pref medium`);
      local.push(`local ${addr} dev ${d.name}${tbl} proto kernel metric 0 pref medium`);
    }
    if (d.kind !== 'loopback' && ipv6Addresses(d).length > 0) {
      mcast.push(`multicast ff00::/8 dev ${d.name}${tbl} proto kernel metric 256 pref medium`);
    }
  }
  // The local table's trie orders ::1 before fe80:: and ff00::/8 last.
  const out: string[] = [];
  if (table !== 'local') out.push(...main);
  if (table !== 'main') out.push(...local, ...mcast);
  return out;
}

/** Whether a device's routes are usable for lookups (not admin-down). */
export function usable(r: Route, s: KernelState): boolean {
  if (r.ifindex === undefined) return true;
  const d = s.devices.get(r.ifindex);
  return !!d && d.adminUp;
}

/** Convenience for callers checking carrier. */
export { lowerUp };
