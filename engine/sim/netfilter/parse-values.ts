/**
 * Argument values iptables' parsers share (ports, numbers with masks, addresses, NAT ranges)
 * and its usage-error shape, with iptables 1.8.9's error texts.
 */
import { parseIPv4, parsePrefix4 } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import { NfError } from './rules.ts';
import type { NatRange, PortRange } from './rules.ts';
import { SERVICES } from './names.ts';

/** iptables' closing hint line on usage errors. */
export const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

/** A usage error as iptables prints it (exit status 2). */
export function usage(msg: string): NfError {
  return new NfError(`iptables v1.8.9 (nf_tables): ${msg}\n${TRY}`, 2);
}

/** A port number or /etc/services name (xtables_parse_port). */
export function parsePort(text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
  const s = SERVICES.get(text);
  if (s === undefined) throw usage(`invalid port/service \`${text}' specified`);
  return s;
}

/** `LO[:HI]`, `:HI`, `LO:` (or with `-` for NAT targets) as a port range. */
export function parsePortRange(text: string, sep = ':'): PortRange {
  const i = text.indexOf(sep);
  if (i < 0) { const p = parsePort(text); return { lo: p, hi: p }; }
  const lo = i === 0 ? 0 : parsePort(text.slice(0, i));
  const hi = i === text.length - 1 ? 65535 : parsePort(text.slice(i + 1));
  if (lo > hi) throw usage(`invalid portrange (min > max) specified`);
  return { lo, hi };
}

/** An unsigned 32-bit decimal or 0x number, else the module's "bad integer value" error. */
export function parseNum(text: string, opt: string, mod: string): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text) || Number(text) > 0xffffffff) {
    throw new NfError(`iptables v1.8.9 (nf_tables): ${mod}: bad integer value for option "${opt}", or out of range.\n\n${TRY}`, 2);
  }
  return Number(text) >>> 0;
}

/** `VALUE[/MASK]` as used by --mark and MARK. */
export function parseValueMask(text: string, opt: string, mod: string): [number, number | undefined] {
  const [v, m] = text.split('/');
  return [parseNum(v!, opt, mod), m === undefined ? undefined : parseNum(m, opt, mod)];
}

/** `-s`/`-d` argument: an address or prefix (no name lookups in the simulator). */
export function parseAddr(text: string): Prefix4 {
  try {
    return parsePrefix4(text);
  } catch {
    throw usage(`host/network \`${text}' not found`);
  }
}

/** SNAT/DNAT `ADDR[-ADDR][:PORT[-PORT]]`; `needPorts` throws unless the rule names a port protocol. */
export function parseNatRange(text: string, needPorts: () => void): NatRange {
  const colon = text.indexOf(':');
  const ipPart = colon < 0 ? text : text.slice(0, colon);
  const portPart = colon < 0 ? undefined : text.slice(colon + 1);
  const r: NatRange = { minIp: 0, maxIp: 0 };
  if (ipPart) {
    const [a, b] = ipPart.split('-');
    try {
      r.minIp = parseIPv4(a!);
      r.maxIp = b === undefined ? r.minIp : parseIPv4(b);
    } catch {
      throw usage(`Bad IP address "${ipPart}"`);
    }
  }
  if (portPart !== undefined) {
    needPorts();
    const p = parsePortRange(portPart, '-');
    r.minPort = p.lo;
    r.maxPort = p.hi;
  }
  return r;
}
