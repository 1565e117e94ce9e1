/**
 * Target extensions of `iptables`: what `-j NAME` makes, and the options each target takes
 * once named (REJECT, LOG, MARK, CT, MASQUERADE, SNAT, DNAT), with iptables 1.8.9's texts.
 */
import { NfError, REJECT_WITH } from './rules.ts';
import type { Target } from './rules.ts';
import { TRY, parseNatRange, parsePortRange, parseValueMask, usage } from './parse-values.ts';

/** libipt_REJECT's short names; iptables accepts them and prints the long ones. */
const REJECT_ALIASES: Readonly<Record<string, string>> = {
  'net-unreach': 'icmp-net-unreachable', 'host-unreach': 'icmp-host-unreachable', 'proto-unreach': 'icmp-proto-unreachable',
  'port-unreach': 'icmp-port-unreachable', 'net-prohib': 'icmp-net-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited', 'tcp-rst': 'tcp-reset',
};

/** The target `-j NAME` / `-g CHAIN` names, with its defaults before any option. */
export function parseTargetName(name: string, isGoto: boolean): Target {
  if (isGoto) return { t: 'goto', chain: name };
  switch (name) {
    case 'ACCEPT': case 'DROP': case 'RETURN': case 'NOTRACK': return { t: name };
    case 'REJECT': return { t: 'REJECT', with: 'icmp-port-unreachable' };
    case 'LOG': return { t: 'LOG', level: 4 };
    case 'MARK': return { t: 'MARK', value: 0, mask: 0 };
    case 'CT': return { t: 'CT', notrack: true };
    case 'MASQUERADE': return { t: 'MASQUERADE', randomFully: false };
    case 'SNAT': return { t: 'SNAT', to: { minIp: 0, maxIp: 0 }, randomFully: false };
    case 'DNAT': return { t: 'DNAT', to: { minIp: 0, maxIp: 0 } };
    default: return { t: 'jump', chain: name };
  }
}

/** Consumes one target option; false when `a` is not an option of target `t`. */
export function targetOption(t: Target, a: string, next: (o: string) => string, needPorts: () => void): boolean {
  switch (t.t) {
    case 'REJECT':
      if (a !== '--reject-with') return false;
      {
        let v = next(a);
        v = REJECT_ALIASES[v] ?? v;
        if (!(v in REJECT_WITH)) throw usage(`unknown reject type "${v}"`);
        t.with = v;
      }
      return true;
    case 'LOG':
      if (a === '--log-prefix') {
        const v = next(a);
        if (v.length === 0) throw new NfError(`iptables v1.8.9 (nf_tables): Argument must have a minimum length of 1 characters\n\n${TRY}`, 2);
        if (v.length > 29) throw usage('Maximum prefix length 29 for --log-prefix');
        t.prefix = v;
        return true;
      }
      if (a === '--log-level') {
        const v = next(a);
        const levels = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];
        const k = /^\d$/.test(v) ? Number(v) : levels.indexOf(v === 'warn' ? 'warning' : v === 'err' ? 'error' : v);
        if (k < 0 || k > 7) throw usage(`log-level \`${v}' unknown`);
        t.level = k;
        return true;
      }
      return false;
    case 'MARK': {
      const ops = ['--set-xmark', '--set-mark', '--and-mark', '--or-mark', '--xor-mark'];
      if (!ops.includes(a)) return false;
      const [v, m] = parseValueMask(next(a), a, 'MARK');
      if (a === '--set-xmark') { t.value = v; t.mask = m ?? 0xffffffff; }
      else if (a === '--set-mark') { t.value = v; t.mask = ((m ?? 0xffffffff) | v) >>> 0; }
      else if (a === '--and-mark') { t.value = 0; t.mask = ~v >>> 0; }
      else if (a === '--or-mark') { t.value = v; t.mask = v; }
      else { t.value = v; t.mask = 0; }
      return true;
    }
    case 'CT':
      return a === '--notrack';
    case 'MASQUERADE':
      if (a === '--random-fully') { t.randomFully = true; return true; }
      if (a === '--random') return true;
      if (a === '--to-ports') { const v = next(a); needPorts(); t.ports = parsePortRange(v, '-'); return true; }
      return false;
    case 'SNAT':
    case 'DNAT':
      if (a === '--random-fully' && t.t === 'SNAT') { t.randomFully = true; return true; }
      if (a === '--random' || a === '--persistent') return true;
      if ((a === '--to-source' && t.t === 'SNAT') || (a === '--to-destination' && t.t === 'DNAT')) {
        t.to = parseNatRange(next(a), needPorts);
        return true;
      }
      return false;
    default:
      return false;
  }
}
