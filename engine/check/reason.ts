/**
 * Why a probe failed, read from the packet's own trace: the simulator reports every drop
 * with the kernel's reason (no route, blackhole, netfilter with the deciding rule, MTU with
 * DF, TTL, ARP failure, link down…). The probe shell (probe.ts) keeps the drops of the
 * probe's ICMP packets as `DropRecord`s; this module turns them into one sentence. Pure.
 */
import type { DropReason } from '../sim/trace.ts';

/** One drop seen while a probe ran, reduced to what a reason needs. */
export interface DropRecord {
  readonly node: string;
  readonly dev?: string;
  readonly reason: DropReason;
  /** netfilter: the rule that decided, as iptables-save prints it. */
  readonly rule?: string;
  /** `request` = travelling towards the probe's target; `reply` = coming back. */
  readonly dir: 'request' | 'reply';
  readonly src: string;
  readonly dst: string;
  /** IP total length (with the outer header when encapsulated). */
  readonly len: number;
  readonly df: boolean;
  /** The MTU of `dev` when the reason is mtu. */
  readonly mtu?: number;
}

/** An ARP resolution that gave up while the probe ran. */
export interface ArpFailure {
  readonly node: string;
  readonly dev: string;
  readonly ip: string;
}

/**
 * A netfilter rule in words: Felix's human comment (`Drop if no policies passed packet`, a
 * policy's name) and the chain, with the rule id (`cali:…`) to grep iptables-save for.
 */
export function ruleText(rule: string): string {
  const comments = [...rule.matchAll(/--comment "([^"]+)"|--comment (\S+)/g)].map((m) => m[1] ?? m[2]!);
  const words = comments.find((c) => !/^cali:/.test(c));
  const id = comments.find((c) => /^cali:/.test(c));
  const chain = /-A (\S+)/.exec(rule)?.[1];
  if (!words && !chain) return rule;
  // A rule someone typed by hand has no Felix comment: the rule itself says most.
  if (!words && !id) return `rule "${rule.trim()}"`;
  return `${words ? `rule "${words}"` : 'a rule'}${chain ? ` of chain ${chain}` : ''}${id ? ` (${id})` : ''}`;
}

/** The reason words of one drop. */
export function describeDrop(d: DropRecord): string {
  const at = d.dev ? `${d.node}:${d.dev}` : d.node;
  switch (d.reason) {
    case 'no-route': return `no route: ${d.node} has no route to ${d.dst}`;
    case 'blackhole': return `blackhole: ${d.node} has a blackhole route for ${d.dst}`;
    case 'unreachable': return `unreachable: ${d.node} has an unreachable route for ${d.dst}`;
    case 'prohibit': return `prohibited: ${d.node} has a prohibit route for ${d.dst}`;
    case 'netfilter': return `policy: dropped on ${at} by ${d.rule ? ruleText(d.rule) : 'a netfilter rule'}`;
    case 'mtu': return `MTU: a ${d.len}-byte packet with DF does not fit ${at}${d.mtu ? ` (mtu ${d.mtu})` : ''}`;
    case 'ttl': return `TTL exceeded on ${d.node} (a routing loop?)`;
    case 'neighbour-failed': return `ARP failed: ${at} got no answer for the next hop towards ${d.dst}`;
    case 'link-down': return `link down: ${at}`;
    case 'rp-filter': return `rp_filter: ${at} rejects source ${d.src}`;
    case 'forwarding-off': return `forwarding off: ${d.node} does not route (ip_forward 0)`;
    case 'no-fdb': return `VXLAN: ${at} has no FDB entry for ${d.dst}`;
    default: return `${d.reason} on ${at}`;
  }
}

// Drops that only say "the carrier is gone" hide the real cause when a better one exists.
const WEAK = new Set<DropReason>(['loss', 'not-for-us', 'queue-full']);

/**
 * The reason of a failed probe: the first meaningful drop towards the target, else the first
 * on the way back (`reply: …`), else an ARP failure, else "no reply" with the last device
 * the request left by (`lastSeen`, node:dev) — it vanished where the simulator names no drop.
 */
export function probeReason(drops: readonly DropRecord[], arp: readonly ArpFailure[] = [], lastSeen?: string): string {
  const pick = (dir: 'request' | 'reply'): DropRecord | undefined =>
    drops.find((d) => d.dir === dir && !WEAK.has(d.reason)) ?? drops.find((d) => d.dir === dir);
  const req = pick('request');
  if (req) return describeDrop(req);
  const rep = pick('reply');
  if (rep) return `reply: ${describeDrop(rep)}`;
  const a = arp[0];
  if (a) return `ARP failed: ${a.node}:${a.dev} got no answer for ${a.ip}`;
  return lastSeen
    ? `no reply: last seen leaving ${lastSeen}, no drop recorded (a cable down or a stopped node beyond it)`
    : 'no reply: no drop recorded';
}

/** The reason class of a reason text, for tables and tests (route, policy, mtu, bgp, arp, link, other). */
export function reasonClass(reason: string): 'route' | 'policy' | 'mtu' | 'bgp' | 'arp' | 'link' | 'other' {
  if (/BGP:/.test(reason)) return 'bgp';
  if (/^(reply: )?(no route|blackhole|unreachable|prohibited|TTL)/.test(reason)) return 'route';
  if (/^(reply: )?policy:/.test(reason)) return 'policy';
  if (/^(reply: )?MTU:/.test(reason)) return 'mtu';
  if (/ARP failed/.test(reason)) return 'arp';
  if (/link down|^no reply/.test(reason)) return 'link';
  return 'other';
}

/** A route as the BGP note needs it (dst as `a.b.c.d/len`; `0.0.0.0/0` for default). */
export interface RouteDst {
  readonly dst: string;
  readonly type: string;
}

/**
 * The BGP side of a route failure: when the probe's source node has no route to the target
 * but the default, and one of its BGP sessions is down, that session is why — the routes it
 * would have carried never arrived. Undefined when the source node has a route or no session is down.
 */
export function bgpNote(node: string, target: string, routes: readonly RouteDst[], sessions: readonly { peer: string; state: string }[]): string | undefined {
  const down = sessions.filter((s) => s.state !== 'Established');
  if (down.length === 0) return undefined;
  const t = ipNum(target);
  const covered = routes.some((r) => {
    const [net, len] = r.dst.split('/') as [string, string];
    const l = Number(len);
    if (!(l > 0) || r.type !== 'unicast') return false;
    const mask = l === 32 ? 0xffffffff : (~(0xffffffff >>> l)) >>> 0;
    return ((t & mask) >>> 0) === ((ipNum(net) & mask) >>> 0);
  });
  if (covered) return undefined;
  return `BGP: ${node} has no route to ${target} (session${down.length === 1 ? '' : 's'} ${down.slice(0, 3).map((s) => `${node}→${s.peer} ${s.state}`).join(', ')}${down.length > 3 ? ', …' : ''})`;
}

function ipNum(a: string): number {
  return a.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}
