/**
 * Parsers for the scalar values policies carry: protocols, ports and port ranges, CIDRs and
 * selector text. Each reports problems at the field path it was given and returns undefined
 * when the value is unusable.
 */
import { AddressError, ipNetworkOf, parsePrefix } from '../../net/ip.ts';
import type { IpPrefix } from '../../net/ip.ts';
import type { SelectorNode } from '../selector/index.ts';
import { parseSelector, SelectorError } from '../selector/index.ts';
import type { PortMatch } from './model.ts';
import { PROTOCOL_NUMBERS } from './model.ts';
import type { PolicyProblems } from './problems.ts';

/** Parses a Calico protocol (name, any case, or 1..255). */
export function parseProtocol(v: unknown, path: string, ps: PolicyProblems): number | undefined {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 1 && v <= 255) return v;
    ps.error(path, `protocol number ${v} is out of range`, 'use 1..255 or a name (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite)');
    return undefined;
  }
  if (typeof v === 'string') {
    for (const [name, n] of Object.entries(PROTOCOL_NUMBERS)) if (name.toLowerCase() === v.toLowerCase()) return n;
    if (/^\d+$/.test(v)) return parseProtocol(Number(v), path, ps);
  }
  ps.error(path, `unknown protocol ${JSON.stringify(v)}`, 'use TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1..255');
  return undefined;
}

/** True for the protocols on which ports are meaningful. */
export function protocolHasPorts(p: number | undefined): boolean {
  return p === 6 || p === 17 || p === 132 || p === 136;
}

function portNumber(n: number, path: string, ps: PolicyProblems, min = 0): number | undefined {
  if (Number.isInteger(n) && n >= min && n <= 65535) return n;
  ps.error(path, `port ${n} is out of range`, `use ${min}..65535`);
  return undefined;
}

/**
 * Parses one Calico port entry: a number, `"80"`, a range `"1000:2000"`, or a named port
 * (`"http"`, an IANA_SVC_NAME: lower-case letters, digits and '-', up to 15 characters).
 */
export function parseCalicoPort(v: unknown, path: string, ps: PolicyProblems): PortMatch | undefined {
  if (typeof v === 'number') {
    const n = portNumber(v, path, ps);
    return n === undefined ? undefined : { kind: 'range', first: n, last: n };
  }
  if (typeof v !== 'string' || v === '') {
    ps.error(path, `port must be a number, a range "first:last" or a port name, got ${JSON.stringify(v)}`);
    return undefined;
  }
  const range = /^(\d+):(\d+)$/.exec(v);
  if (range) {
    const first = portNumber(Number(range[1]), path, ps);
    const last = portNumber(Number(range[2]), path, ps);
    if (first === undefined || last === undefined) return undefined;
    if (first > last) {
      ps.error(path, `port range "${v}" runs backwards`, `write it as "${last}:${first}"`);
      return undefined;
    }
    return { kind: 'range', first, last };
  }
  if (/^\d+$/.test(v)) {
    const n = portNumber(Number(v), path, ps);
    return n === undefined ? undefined : { kind: 'range', first: n, last: n };
  }
  if (!isPortName(v)) {
    ps.error(path, `"${v}" is neither a port number, a range "first:last" nor a valid port name`, 'port names are up to 15 lower-case letters, digits and dashes, with at least one letter');
    return undefined;
  }
  return { kind: 'named', name: v };
}

/** True for a valid IANA_SVC_NAME (what Kubernetes container port names must be). */
export function isPortName(s: string): boolean {
  return s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

/** Parses a list of port entries at `path`. */
export function parseCalicoPorts(v: unknown, path: string, ps: PolicyProblems): PortMatch[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    ps.error(path, 'must be a list of ports', 'e.g. [80, "8000:8080", "http"]');
    return undefined;
  }
  const out: PortMatch[] = [];
  v.forEach((p, i) => {
    const m = parseCalicoPort(p, `${path}[${i}]`, ps);
    if (m) out.push(m);
  });
  return out;
}

/** Parses a CIDR (or bare address, taken as a host prefix); host bits are masked off. */
export function parseCidr(v: unknown, path: string, ps: PolicyProblems): IpPrefix | undefined {
  if (typeof v !== 'string') {
    ps.error(path, `must be a CIDR string like "10.0.0.0/8", got ${JSON.stringify(v)}`);
    return undefined;
  }
  try {
    return ipNetworkOf(parsePrefix(v));
  } catch (e) {
    if (e instanceof AddressError) {
      ps.error(path, `invalid CIDR: ${e.message}`, 'use a.b.c.d/len or an IPv6 prefix');
      return undefined;
    }
    throw e;
  }
}

/** Parses a list of CIDRs. */
export function parseCidrs(v: unknown, path: string, ps: PolicyProblems): IpPrefix[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    ps.error(path, 'must be a list of CIDRs');
    return undefined;
  }
  const out: IpPrefix[] = [];
  v.forEach((c, i) => {
    const p = parseCidr(c, `${path}[${i}]`, ps);
    if (p) out.push(p);
  });
  return out;
}

/** Parses Calico selector text at `path`; the error names the column. */
export function parseSelectorAt(v: unknown, path: string, ps: PolicyProblems): SelectorNode | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    ps.error(path, `selector must be a string, got ${JSON.stringify(v)}`, "e.g. role == 'db'");
    return undefined;
  }
  try {
    return parseSelector(v);
  } catch (e) {
    if (e instanceof SelectorError) {
      ps.error(path, `invalid selector at column ${e.column}: ${e.reason}`, `fix the selector "${v}" (quote values: key == 'value')`);
      return undefined;
    }
    throw e;
  }
}
