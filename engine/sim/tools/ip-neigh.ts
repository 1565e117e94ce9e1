/**
 * `ip neigh` (show/add/replace/change/delete, proxy entries) of the simulated node.
 *
 * Ordering: the kernel dumps ARP entries in hash-table order with a per-boot random seed, so
 * real output has no stable order; we print in the kernel state's order. Proxy entries use
 * pneigh_hash(), which has no seed, so their order matches Linux exactly.
 */
import type { NeighState } from '../types.ts';
import { ToolFailure, matches } from './argv.ts';
import type { IpContext } from './ip-common.ts';
import { addrArg, args, invarg, macArg, needDev } from './ip-common.ts';
import { formatIPv4 } from '../../net/ip.ts';
import type { IPv4 } from '../../net/ip.ts';

const NUD: Record<string, NeighState | 'all' | 'none'> = {
  permanent: 'PERMANENT', reachable: 'REACHABLE', stale: 'STALE', noarp: 'NOARP', delay: 'DELAY', probe: 'PROBE',
  failed: 'FAILED', incomplete: 'INCOMPLETE', all: 'all', none: 'none',
};

/** pneigh_hash(): the IPv4 address bytes read as a little-endian word, folded to 4 bits. */
export function pneighBucket(ip: IPv4): number {
  let h = (((ip & 0xff) << 24) | (((ip >>> 8) & 0xff) << 16) | (((ip >>> 16) & 0xff) << 8) | (ip >>> 24)) >>> 0;
  h ^= h >>> 16;
  h ^= h >>> 8;
  h ^= h >>> 4;
  return h & 0xf;
}

function show(c: IpContext, argv: string[]): string {
  const a = args(argv);
  let dev: number | undefined;
  let proxy = false;
  let nud: NeighState | 'all' | undefined;
  let to: IPv4 | undefined;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') dev = needDev(c.s, a.value()).ifindex;
    else if (w === 'proxy') proxy = true;
    else if (w === 'nud') {
      const v = a.value();
      const st = NUD[v];
      if (!st || st === 'none') invarg('nud state is bad', v);
      nud = st as NeighState | 'all';
    } else to = addrArg(w === 'to' ? a.value() : w, c.family);
  }
  if (c.family === 6) return '';
  const name = (ifindex: number): string => c.s.devices.get(ifindex)?.name ?? `if${ifindex}`;
  const devPart = (ifindex: number): string => (dev === undefined ? ` dev ${name(ifindex)}` : '');
  if (proxy) {
    const list = c.s.proxyNeighbours.map((p, i) => ({ p, i }))
      .filter(({ p }) => (dev === undefined || p.ifindex === dev) && (to === undefined || p.ip === to))
      .sort((x, y) => pneighBucket(x.p.ip) - pneighBucket(y.p.ip) || y.i - x.i);
    return list.map(({ p }) => `${formatIPv4(p.ip)}${devPart(p.ifindex)} proxy \n`).join('');
  }
  const out: string[] = [];
  for (const n of c.s.neighbours) {
    if (dev !== undefined && n.ifindex !== dev) continue;
    if (to !== undefined && n.ip !== to) continue;
    // iproute2 hides NOARP entries unless asked for them by state.
    if (nud === undefined ? n.state === 'NOARP' : nud !== 'all' && n.state !== nud) continue;
    let t = `${formatIPv4(n.ip)}${devPart(n.ifindex)}`;
    if (n.mac !== undefined && n.state !== 'INCOMPLETE' && n.state !== 'FAILED') t += ` lladdr ${n.mac}`;
    if (n.router) t += ' router';
    out.push(`${t} ${n.state} \n`);
  }
  return out.join('');
}

function change(c: IpContext, argv: string[], mode: 'add' | 'replace' | 'del'): void {
  const a = args(argv);
  let dev: string | undefined;
  let ip: IPv4 | undefined;
  let mac: string | undefined;
  let state: NeighState = 'PERMANENT';
  let proxy = false;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') dev = a.value();
    else if (w === 'lladdr') mac = macArg(a.value());
    else if (w === 'nud') {
      const v = a.value();
      const st = NUD[v];
      if (!st || st === 'all' || st === 'none') invarg('nud state is bad', v);
      state = st as NeighState;
    } else if (w === 'proxy') {
      proxy = true;
      ip = addrArg(a.value(), c.family);
    } else if (w === 'router' || w === 'extern_learn') continue;
    else ip = addrArg(w === 'to' ? a.value() : w, c.family);
  }
  if (dev === undefined || ip === undefined) {
    throw new ToolFailure('Device and destination are required arguments.', 255);
  }
  const d = needDev(c.s, dev);
  if (mode === 'del') {
    c.k.delNeighbour({ dev, ip, ...(proxy ? { proxy } : {}) });
    return;
  }
  if (!proxy && mac === undefined && d.kind !== 'ipip' && state !== 'INCOMPLETE' && state !== 'FAILED') {
    const exists = c.s.neighbours.some((n) => n.ifindex === d.ifindex && n.ip === ip && n.mac !== undefined);
    if (!exists || mode === 'add') throw new ToolFailure('Error: No link layer address given.', 2);
  }
  c.k.addNeighbour({ dev, ip, state, ...(mac !== undefined ? { mac } : {}), ...(proxy ? { proxy } : {}) }, mode);
}

/** `ip neigh ...`; returns stdout. */
export function ipNeigh(c: IpContext, argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return show(c, []);
  if (matches(cmd, 'add')) {
    change(c, rest, 'add');
    return '';
  }
  if (matches(cmd, 'replace') || matches(cmd, 'change') || cmd === 'chg') {
    change(c, rest, 'replace');
    return '';
  }
  if (matches(cmd, 'delete')) {
    change(c, rest, 'del');
    return '';
  }
  if (matches(cmd, 'show') || matches(cmd, 'list') || matches(cmd, 'lst')) return show(c, rest);
  throw new ToolFailure(`Command "${cmd}" is unknown, try "ip neigh help".`, 255);
}
