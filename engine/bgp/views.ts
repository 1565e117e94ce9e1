/**
 * `birdc show protocols` and `birdc show route [all]` text over the speaker's state, in
 * BIRD 2's layout, so learners see what they would see on a real node.
 */
import { formatIPv4 } from '../net/ip.ts';
import { formatAsPath, formatCommunity } from './rib/attrs.ts';
import type { Route } from './rib/route.ts';
import { describeNotification } from './open.ts';
import type { PeerState, Speaker } from './speaker.ts';

/** Renders a clock reading as BIRD's "Since" column (HH:MM:SS.mmm of the time of day). */
export type TimeFormat = (clockMs: number) => string;

/** HH:MM:SS.mmm of a millisecond count since midnight (virtual clocks start at midnight). */
export const clockTime: TimeFormat = (ms) => {
  const t = Math.max(0, Math.floor(ms)) % 86_400_000;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(Math.floor(t / 3_600_000))}:${p(Math.floor(t / 60_000) % 60)}:${p(Math.floor(t / 1000) % 60)}.${p(t % 1000, 3)}`;
};

function info(p: PeerState): string {
  const s = p.session;
  // BIRD pads the state column even when there is no error text after it.
  if (s.state === 'Established') return 'Established   ';
  const r = s.lastReason;
  // BIRD pads the BGP state to 12 columns, then shows the last error.
  if (r.notification) return `${s.state.padEnd(12)}  ${r.notification.sent ? 'BGP Error' : 'Received'}: ${describeNotification(r.notification)}`;
  if (s.state === 'Active' && p.config.passive) return 'Passive';
  if (r.kind === 'tcp-failed') return `${s.state.padEnd(12)}  Socket: ${r.text.replace(/^connect failed: |^connection failed: |^connection lost: /, '')}`;
  return s.state;
}

/** `show protocols` for the speaker's BGP sessions. */
export function showProtocols(sp: Speaker, time: TimeFormat = clockTime): string {
  const lines = ['Name       Proto      Table      State  Since         Info'];
  for (const p of sp.peers.values()) {
    const st = p.session.state === 'Established' ? 'up' : 'start';
    lines.push(`${p.name.padEnd(10)} BGP        ---        ${st.padEnd(5)}  ${time(p.session.since).padEnd(12)}  ${info(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

const ORIGIN_NAMES = ['IGP', 'EGP', 'Incomplete'];
const ORIGIN_CODE = ['i', 'e', '?'];

function source(sp: Speaker, r: Route): string {
  if (r.from.local) return 'static1';
  return sp.peer(r.from.address)?.name ?? r.from.address;
}

function routeLines(sp: Speaker, r: Route, best: boolean, all: boolean, first: boolean, time: TimeFormat): string[] {
  const a = r.attrs;
  const lp = r.from.ibgp || r.from.local ? (a.localPref ?? 100) : 100;
  const since = r.from.local ? time(sp.startedAt) : time(sp.peer(r.from.address)?.session.since ?? 0);
  const path = formatAsPath(a.asPath);
  const asInfo = r.from.local ? '' : ` [${path ? `AS${a.asPath[a.asPath.length - 1]!.asns.at(-1)}` : ''}${ORIGIN_CODE[a.origin] ?? '?'}]`;
  // A local route without a next hop is what BIRD shows for a static blackhole route.
  const blackhole = r.from.local && !a.nextHop;
  const head = `${first ? r.prefix.padEnd(20) : ''.padEnd(20)} ${blackhole ? 'blackhole' : 'unicast'} [${source(sp, r)} ${since}] ${best ? '*' : ' '} (${r.from.local ? 200 : 100})${asInfo}`;
  const out = [head];
  if (!blackhole) out.push(`\tvia ${a.nextHop}`);
  if (all) {
    out.push(r.from.local ? '\tType: static univ' : `\tType: BGP univ`);
    if (!r.from.local) {
      out.push(`\tBGP.origin: ${ORIGIN_NAMES[a.origin] ?? 'Incomplete'}`);
      out.push(`\tBGP.as_path: ${path}`);
      out.push(`\tBGP.next_hop: ${a.nextHop}`);
      if (a.med !== undefined) out.push(`\tBGP.med: ${a.med}`);
      out.push(`\tBGP.local_pref: ${lp}`);
      if (a.atomicAggregate) out.push('\tBGP.atomic_aggr: ');
      if (a.aggregator) out.push(`\tBGP.aggregator: ${a.aggregator.address} AS${a.aggregator.as}`);
      if (a.communities?.length) out.push(`\tBGP.community: ${a.communities.map((c) => `(${formatCommunity(c).replace(':', ',')})`).join(' ')}`);
      if (a.originatorId !== undefined) out.push(`\tBGP.originator_id: ${formatIPv4(a.originatorId)}`);
      if (a.clusterList?.length) out.push(`\tBGP.cluster_list: ${a.clusterList.map(formatIPv4).join(' ')}`);
      if (a.largeCommunities?.length) out.push(`\tBGP.large_community: ${a.largeCommunities.map((l) => `(${l.join(', ')})`).join(' ')}`);
    }
  }
  return out;
}

/** `show route [all]`: every path per prefix, the best one starred, IPv4 then IPv6 tables. */
export function showRoute(sp: Speaker, opts: { all?: boolean; time?: TimeFormat } = {}): string {
  const time = opts.time ?? clockTime;
  const out: string[] = [];
  for (const [table, v6] of [['master4', false], ['master6', true]] as const) {
    const dests = [...sp.rib.destinations()].filter((d) => d.prefix.includes(':') === v6 && d.best);
    if (dests.length === 0) continue;
    out.push(`Table ${table}:`);
    for (const d of dests) {
      const ordered = [d.best!, ...d.paths.filter((p) => p !== d.best)];
      ordered.forEach((r, i) => out.push(...routeLines(sp, r, i === 0, !!opts.all, i === 0, time)));
    }
    out.push('');
  }
  return out.join('\n');
}
