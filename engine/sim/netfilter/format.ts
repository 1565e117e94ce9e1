/**
 * Printing rules the way iptables-nft 1.8.9 does: the `iptables-save` / `-S` rule text and
 * the match/target column of `iptables -L -n`. Layouts were taken from the real tool's output
 * on Debian 12 and are checked against it by test/sim/netfilter/real-iptables.test.ts.
 */
import { formatIPv4, formatPrefix4, maskOf } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import { ADDR_TYPES, CT_STATES } from './rules.ts';
import type { Match, NatRange, PortRange, RuleSpec, Target } from './rules.ts';
import { PROTO_NAMES, formatTcpFlags } from './names.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** A string quoted like xtables_save_string (only [A-Za-z0-9_-] stays bare). */
export function saveString(v: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(v)) return v;
  return `"${v.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** libxt_statistic prints the stored u32 back as `%.11f` of 2^31. */
const probability = (u: number): string => (u / 0x80000000).toFixed(11);

const ports = (p: PortRange): string => (p.lo === p.hi ? `${p.lo}` : `${p.lo}:${p.hi}`);
const bits = (mask: number, names: readonly string[]): string =>
  names.filter((_, i) => mask & (1 << i)).join(',');

/** Address text of -s/-d: iptables prints the network (host bits cleared) with its length. */
function addr(p: Prefix4): string {
  return formatPrefix4({ addr: (p.addr & maskOf(p.len)) >>> 0, len: p.len });
}

function natRange(r: NatRange): string {
  let s = r.minIp === 0 && r.maxIp === 0 && r.minPort !== undefined ? '' : formatIPv4(r.minIp);
  if (r.maxIp !== r.minIp) s += `-${formatIPv4(r.maxIp)}`;
  if (r.minPort !== undefined) s += `:${r.minPort}${r.maxPort !== undefined && r.maxPort !== r.minPort ? `-${r.maxPort}` : ''}`;
  return s;
}

function saveMatch(m: Match): string {
  switch (m.m) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let s = `-m ${m.m}`;
      if (m.sport) s += `${m.sportNeg ? ' !' : ''} --sport ${ports(m.sport)}`;
      if (m.dport) s += `${m.dportNeg ? ' !' : ''} --dport ${ports(m.dport)}`;
      if (m.m === 'tcp' && m.flags) s += `${m.flags.neg ? ' !' : ''} --tcp-flags ${formatTcpFlags(m.flags.mask)} ${formatTcpFlags(m.flags.comp)}`;
      return s;
    }
    case 'icmp':
      return `-m icmp${m.neg ? ' !' : ''} --icmp-type ${m.type === 255 ? 'any' : m.code === undefined ? m.type : `${m.type}/${m.code}`}`;
    case 'multiport':
      return `-m multiport${m.neg ? ' !' : ''} --${m.dir} ${m.ports.map(ports).join(',')}`;
    case 'conntrack':
      return `-m conntrack${m.neg ? ' !' : ''} --ctstate ${bits(m.states, CT_STATES)}`;
    case 'set':
      return `-m set${m.neg ? ' !' : ''} --match-set ${m.name} ${m.flags.join(',')}`;
    case 'mark':
      return `-m mark${m.neg ? ' !' : ''} --mark ${hex(m.value)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`;
    case 'comment':
      return `-m comment --comment ${saveString(m.comment)}`;
    case 'statistic':
      return `-m statistic --mode random${m.neg ? ' !' : ''} --probability ${probability(m.probability)}`;
    case 'recent':
      // libxt_recent's save order: the operation, --seconds, --reap, --name, --mask, --rsource.
      return `-m recent${m.neg ? ' !' : ''} --${m.op}${m.seconds !== undefined ? ` --seconds ${m.seconds}` : ''}${m.reap ? ' --reap' : ''} --name ${m.name} --mask ${m.mask} --rsource`;
    case 'addrtype': {
      let s = '-m addrtype';
      if (m.src) s += `${m.src.neg ? ' !' : ''} --src-type ${bits(m.src.types, ADDR_TYPES)}`;
      if (m.dst) s += `${m.dst.neg ? ' !' : ''} --dst-type ${bits(m.dst.types, ADDR_TYPES)}`;
      if (m.limitIn) s += ' --limit-iface-in';
      if (m.limitOut) s += ' --limit-iface-out';
      return s;
    }
  }
}

function saveTarget(t: Target): string {
  switch (t.t) {
    case 'ACCEPT': case 'DROP': case 'RETURN': case 'NOTRACK': return `-j ${t.t}`;
    case 'jump': return `-j ${t.chain}`;
    case 'goto': return `-g ${t.chain}`;
    case 'REJECT': return `-j REJECT --reject-with ${t.with}`;
    case 'LOG': return `-j LOG${t.prefix !== undefined ? ` --log-prefix ${saveString(t.prefix)}` : ''}${t.level !== 4 ? ` --log-level ${t.level}` : ''}`;
    case 'MARK': return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'CT': return '-j CT --notrack';
    case 'MASQUERADE': return `-j MASQUERADE${t.ports ? ` --to-ports ${t.ports.lo === t.ports.hi ? t.ports.lo : `${t.ports.lo}-${t.ports.hi}`}` : ''}${t.randomFully ? ' --random-fully' : ''}`;
    case 'SNAT': return `-j SNAT --to-source ${natRange(t.to)}${t.randomFully ? ' --random-fully' : ''}`;
    case 'DNAT': return `-j DNAT --to-destination ${natRange(t.to)}`;
  }
}

/** The rule body as iptables-save prints it after "-A CHAIN" (empty string for a bare rule). */
export function formatRuleSpec(r: RuleSpec): string {
  const parts: string[] = [];
  if (r.src) parts.push(`${r.srcNeg ? '! ' : ''}-s ${addr(r.src)}`);
  if (r.dst) parts.push(`${r.dstNeg ? '! ' : ''}-d ${addr(r.dst)}`);
  if (r.inIface !== undefined) parts.push(`${r.inNeg ? '! ' : ''}-i ${r.inIface}`);
  if (r.outIface !== undefined) parts.push(`${r.outNeg ? '! ' : ''}-o ${r.outIface}`);
  if (r.proto !== undefined && (r.proto !== 0 || r.protoNeg)) parts.push(`${r.protoNeg ? '! ' : ''}-p ${PROTO_NAMES[r.proto] ?? r.proto}`);
  for (const m of r.matches) parts.push(saveMatch(m));
  if (r.target) parts.push(saveTarget(r.target));
  return parts.join(' ');
}

/** The whole `-A CHAIN ...` line. */
export function formatRule(chain: string, r: RuleSpec): string {
  const body = formatRuleSpec(r);
  return body ? `-A ${chain} ${body}` : `-A ${chain}`;
}

// ---- `iptables -L` detail column ------------------------------------------------------

function listPorts(name: string, p: PortRange, neg: boolean | undefined): string {
  return p.lo === p.hi ? ` ${name}:${neg ? '!' : ''}${p.lo}` : ` ${name}s:${neg ? '!' : ''}${p.lo}:${p.hi}`;
}

const hex2 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

function listMatch(m: Match): string {
  switch (m.m) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let s = ` ${m.m}`;
      if (m.sport) s += listPorts('spt', m.sport, m.sportNeg);
      if (m.dport) s += listPorts('dpt', m.dport, m.dportNeg);
      if (m.m === 'tcp' && m.flags) s += ` flags:${m.flags.neg ? '!' : ''}${hex2(m.flags.mask)}/${hex2(m.flags.comp)}`;
      return s;
    }
    case 'icmp':
      if (m.neg) return ` icmp !type ${m.type}${m.code !== undefined ? ` code ${m.code}` : ''}`;
      return ` icmptype ${m.type}${m.code !== undefined ? ` code ${m.code}` : ''}`;
    case 'multiport':
      return ` multiport ${m.dir} ${m.neg ? ' !' : ''}${m.ports.map(ports).join(',')}`;
    case 'conntrack':
      return `${m.neg ? ' !' : ''} ctstate ${bits(m.states, CT_STATES)}`;
    case 'set':
      return `${m.neg ? ' !' : ''} match-set ${m.name} ${m.flags.join(',')}`;
    case 'mark':
      return ` mark match ${m.neg ? '! ' : ''}${hex(m.value)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`;
    case 'comment':
      return ` /* ${m.comment} */`;
    case 'statistic':
      return ` statistic mode random${m.neg ? ' !' : ''} probability ${probability(m.probability)}`;
    case 'recent':
      return ` recent: ${m.neg ? '!' : ''}${m.op.toUpperCase()}${m.seconds !== undefined ? ` seconds: ${m.seconds}` : ''}${m.reap ? ' reap' : ''} name: ${m.name} side: source mask: ${m.mask}`;
    case 'addrtype': {
      let s = ' ADDRTYPE match';
      if (m.src) s += ` src-type ${m.src.neg ? '!' : ''}${bits(m.src.types, ADDR_TYPES)}`;
      if (m.dst) s += ` dst-type ${m.dst.neg ? '!' : ''}${bits(m.dst.types, ADDR_TYPES)}`;
      if (m.limitIn) s += ' limit-in';
      if (m.limitOut) s += ' limit-out';
      return s;
    }
  }
}

function listTarget(t: Target): string {
  switch (t.t) {
    case 'REJECT': return ` reject-with ${t.with}`;
    case 'LOG': return ` LOG flags 0 level ${t.level}${t.prefix !== undefined ? ` prefix "${t.prefix}"` : ''}`;
    case 'MARK':
      if (t.value === 0) return ` MARK and ${hex(~t.mask >>> 0)}`;
      if (t.value === t.mask) return ` MARK or ${hex(t.value)}`;
      if (t.mask === 0xffffffff) return ` MARK set ${hex(t.value)}`;
      return ` MARK xset ${hex(t.value)}/${hex(t.mask)}`;
    case 'NOTRACK': return ' NOTRACK';
    case 'CT': return ' CT notrack';
    case 'MASQUERADE': return `${t.ports ? ` masq ports: ${t.ports.lo === t.ports.hi ? t.ports.lo : `${t.ports.lo}-${t.ports.hi}`}` : ''}${t.randomFully ? ' random-fully' : ''}`;
    case 'SNAT': return ` to:${natRange(t.to)}${t.randomFully ? ' random-fully' : ''}`;
    case 'DNAT': return ` to:${natRange(t.to)}`;
    default: return '';
  }
}

/** The target column of `-L` (chain name for jumps, CT for NOTRACK, empty for none). */
export function listTargetName(t: Target | undefined): string {
  if (!t) return '';
  if (t.t === 'jump' || t.t === 'goto') return t.chain;
  if (t.t === 'NOTRACK') return 'CT';
  return t.t;
}

/** Everything `-L` prints after the destination column. */
export function listDetails(r: RuleSpec): string {
  let s = r.target?.t === 'goto' ? '[goto] ' : '';
  for (const m of r.matches) s += listMatch(m);
  if (r.target) s += listTarget(r.target);
  return s;
}

/** Source/destination text of `-L -n` (a host prefix prints without /32). */
export function listAddr(p: Prefix4 | undefined, numeric: boolean): string {
  if (!p || p.len === 0) return numeric ? '0.0.0.0/0' : 'anywhere';
  const net = (p.addr & maskOf(p.len)) >>> 0;
  return p.len === 32 ? formatIPv4(net) : `${formatIPv4(net)}/${p.len}`;
}
