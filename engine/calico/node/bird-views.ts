/**
 * What `birdcl` prints on a calico-node: BIRD 1.6's `show protocols` and `show route [all]`
 * (Calico ships BIRD v0.3.3+birdv1.6.8), built from the built-in speaker's state, the
 * kernel's interface routes (BIRD's direct1) and its other routes (kernel1 `learn`).
 *
 * Layout from BIRD 1.6 nest/rt-table.c rt_show_rte (`%-18s %s [%s %s%s]%s%s`) and
 * proto/bgp bgp_get_route_info (` (pref/igp) [ASni]`); times use BIRD 1.6's default
 * `%T` form (the clock's time of day; the simulator starts at midnight).
 */
import { formatIPv4, formatPrefix4 } from '../../net/ip.ts';
import type { KernelState } from '../../sim/types.ts';
import { RTPROT_BIRD, RTPROT_FELIX, RTPROT_KERNEL } from '../../sim/types.ts';
import type { PeerState, Route as BgpRoute, Speaker } from '../../bgp/index.ts';
import { describeNotification, formatAsPath } from '../../bgp/index.ts';
import type { ShowProtocolsRow } from '../confd/index.ts';
import { formatShowProtocols } from '../confd/index.ts';
import { resolveNextHop } from './kernel-routes.ts';

/** The banner birdcl prints when it connects. */
export const BIRDCL_BANNER = 'BIRD v0.3.3+birdv1.6.8 ready.';

/** HH:MM:SS of a virtual-clock reading (BIRD 1.6's short time form). */
export function birdTime(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000)) % 86_400;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(t / 3600))}:${p(Math.floor(t / 60) % 60)}:${p(t % 60)}`;
}

/** BIRD 1.6 bgp_get_status: the state padded to 14 columns, then the last error's class and text. */
export function bird16BgpInfo(p: PeerState): string {
  const s = p.session;
  if (s.state === 'Established') return 'Established   ';
  const r = s.lastReason;
  let state: string = s.state;
  if (s.state === 'Active' && p.config.passive) state = 'Passive';
  let err = '';
  if (r.notification) err = `${r.notification.sent ? 'BGP Error: ' : 'Received: '}${describeNotification(r.notification)}`;
  else if (r.kind === 'tcp-failed') err = `Socket: ${r.text.replace(/^connect failed: |^connection failed: |^connection lost: /, '')}`;
  return `${state.padEnd(14)}${err}`;
}

/** `show protocols` rows of a calico-node: static1, kernel1, device1, direct1, then the BGP sessions. */
export function bird16ProtocolRows(sp: Speaker | undefined, startedAt: number): ShowProtocolsRow[] {
  const since = birdTime(startedAt);
  const rows: ShowProtocolsRow[] = [
    { name: 'static1', proto: 'Static', table: 'master', state: 'up', since, info: '' },
    { name: 'kernel1', proto: 'Kernel', table: 'master', state: 'up', since, info: '' },
    { name: 'device1', proto: 'Device', table: 'master', state: 'up', since, info: '' },
    { name: 'direct1', proto: 'Direct', table: 'master', state: 'up', since, info: '' },
  ];
  for (const p of sp?.peers.values() ?? []) {
    rows.push({
      name: p.name, proto: 'BGP', table: 'master', state: p.session.state === 'Established' ? 'up' : 'start',
      since: birdTime(p.session.since), info: bird16BgpInfo(p),
    });
  }
  return rows;
}

/** `birdcl show protocols` output. */
export function bird16ShowProtocols(sp: Speaker | undefined, startedAt: number): string {
  return `${BIRDCL_BANNER}\n${formatShowProtocols(bird16ProtocolRows(sp, startedAt))}`;
}

/** One route of `show route`: text before the best-route star, after it, and `all`'s attribute lines. */
interface Line {
  readonly prefix: string;
  /** BIRD's preference of the route's protocol (static 200, BGP 100, kernel 10). */
  readonly pref: number;
  readonly head: string;
  readonly tail: string;
  readonly extra: readonly string[];
}

const ORIGIN = ['IGP', 'EGP', 'Incomplete'];
const ORIGIN_CHAR = ['i', 'e', '?'];

function bgpLine(sp: Speaker, k: KernelState, r: BgpRoute, all: boolean, startedAt: number): Line {
  const a = r.attrs;
  if (r.from.local) {
    // What calico-node originates is static1's blackholes, or a route kernel1 learned from
    // Felix (a borrowed address's `/32 dev caliX`), shown as BIRD shows learned routes.
    const learned = k.routes.find((x) => x.table === 254 && x.type === 'unicast' && x.protocol !== RTPROT_BIRD && x.protocol !== RTPROT_KERNEL && formatPrefix4(x.dst) === r.prefix);
    const dev = learned?.ifindex !== undefined ? k.devices.get(learned.ifindex)?.name : undefined;
    if (learned && dev) {
      const via = learned.gateway !== undefined ? `via ${formatIPv4(learned.gateway)} on ${dev}` : `dev ${dev}`;
      return { prefix: r.prefix, pref: 10, head: `${via} [kernel1 ${birdTime(startedAt)}]`, tail: ' (10)', extra: all ? ['\tType: inherit unicast univ'] : [] };
    }
    const head = `blackhole [static1 ${birdTime(startedAt)}]`;
    return { prefix: r.prefix, pref: 200, head, tail: ' (200)', extra: all ? ['\tType: static unicast univ'] : [] };
  }
  const peer = sp.peer(r.from.address);
  const via = a.nextHop ? resolveNextHop(k, a.nextHop) : undefined;
  const where = via ? `via ${via.gateway} on ${via.dev}` : 'unreachable';
  const from = via && via.gateway !== r.from.address ? ` from ${r.from.address}` : '';
  const last = a.asPath.length ? a.asPath[a.asPath.length - 1]!.asns.at(-1) : undefined;
  // Calico's bgp_template says `gateway recursive`: every BGP route has a hostentry (/igp metric).
  const info = ` (100/${via ? 0 : '-'}) [${last !== undefined ? `AS${last}` : ''}${ORIGIN_CHAR[a.origin] ?? '?'}]`;
  const head = `${where} [${peer?.name ?? r.from.address} ${birdTime(peer?.session.since ?? 0)}${from}]`;
  const extra: string[] = [];
  if (all) {
    extra.push('\tType: BGP unicast univ', `\tBGP.origin: ${ORIGIN[a.origin] ?? 'Incomplete'}`, `\tBGP.as_path: ${formatAsPath(a.asPath)}`, `\tBGP.next_hop: ${a.nextHop}`);
    if (a.med !== undefined) extra.push(`\tBGP.med: ${a.med}`);
    if (r.from.ibgp) extra.push(`\tBGP.local_pref: ${a.localPref ?? 100}`);
    if (a.originatorId !== undefined) extra.push(`\tBGP.originator_id: ${formatIPv4(a.originatorId)}`);
    if (a.clusterList?.length) extra.push(`\tBGP.cluster_list: ${a.clusterList.map(formatIPv4).join(' ')}`);
  }
  return { prefix: r.prefix, pref: 100, head, tail: info, extra };
}

/** `birdcl show route [all]` on a calico-node: direct1 and kernel1 routes, static blackholes, BGP routes. */
export function bird16ShowRoute(sp: Speaker | undefined, k: KernelState, startedAt: number, all = false): string {
  const since = birdTime(startedAt);
  // Per prefix: BIRD lists every route it holds, the preferred one (highest preference) starred.
  const byPrefix = new Map<string, { pref: number; line: Line }[]>();
  const add = (prefix: string, pref: number, line: Line) => {
    let l = byPrefix.get(prefix);
    if (!l) byPrefix.set(prefix, (l = []));
    l.push({ pref, line });
  };
  for (const r of k.routes) {
    if (r.table !== 254 || r.type !== 'unicast') continue;
    const dev = r.ifindex !== undefined ? k.devices.get(r.ifindex)?.name : undefined;
    if (!dev || dev.startsWith('cali')) continue;
    const prefix = formatPrefix4(r.dst);
    if (r.protocol === RTPROT_KERNEL && r.gateway === undefined) {
      add(prefix, 240, { prefix, pref: 240, head: `dev ${dev} [direct1 ${since}]`, tail: ' (240)', extra: all ? ['\tType: device unicast univ'] : [] });
    } else if (r.protocol !== RTPROT_BIRD && r.gateway !== undefined) {
      // kernel1 `learn`s alien routes: the node's default route, Felix's VXLAN routes.
      add(prefix, 10, { prefix, pref: 10, head: `via ${formatIPv4(r.gateway)} on ${dev} [kernel1 ${since}]`, tail: ' (10)', extra: all ? ['\tType: inherit unicast univ'] : [] });
    }
  }
  for (const d of sp?.rib.destinations() ?? []) {
    if (!d.best || d.prefix.includes(':')) continue;
    const ordered = [d.best, ...d.paths.filter((p) => p !== d.best)];
    for (const r of ordered) {
      const line = bgpLine(sp!, k, r, all, startedAt);
      add(d.prefix, line.pref, line);
    }
  }
  const out: string[] = [BIRDCL_BANNER];
  for (const [prefix, list] of byPrefix) {
    // Stable sort: equal preferences keep the BGP decision's order.
    const sorted = list.map((x, i) => ({ ...x, i })).sort((a, b) => b.pref - a.pref || a.i - b.i);
    sorted.forEach((x, i) => {
      out.push(`${(i === 0 ? prefix : '').padEnd(18)} ${x.line.head}${i === 0 ? ' *' : ''}${x.line.tail}`);
      out.push(...x.line.extra);
    });
  }
  return `${out.join('\n')}\n`;
}
