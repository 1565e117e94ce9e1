/**
 * IP sets (the kernel's ip_set): hash:ip, hash:net and hash:ip,port, the types Felix programs
 * (`cali40all-ipam-pools`, `cali40masq-ipam-pools`, `cali40s:<hash>` for selectors,
 * `cali40n:<hash>` for named ports: entries `10.5.1.2,tcp:80`).
 *
 * hash:net keeps one bucket per prefix length present, the way the kernel walks the
 * distinct CIDR sizes of a set on lookup, so `test` costs one probe per distinct length.
 */
import { formatIPv4, formatPrefix4, maskOf, parsePrefix4 } from '../../net/ip.ts';
import type { IPv4, Prefix4 } from '../../net/ip.ts';

export type IpsetType = 'hash:ip' | 'hash:net' | 'hash:ip,port';

/** The set types `ipset create` accepts. */
export const IPSET_TYPES: readonly IpsetType[] = ['hash:ip', 'hash:net', 'hash:ip,port'];

/** How many `--match-set` flags a type consumes (the kernel's set dimension). */
export function ipsetDimension(t: IpsetType): number {
  return t === 'hash:ip,port' ? 2 : 1;
}

/** Protocols a hash:ip,port entry may name, with their IP protocol numbers. */
const PORT_PROTOS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136 };
const PROTO_NAME: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 136: 'udplite' };

/** One hash:ip,port entry: address, IP protocol number, port. */
export interface IpPortEntry {
  readonly addr: IPv4;
  readonly proto: number;
  readonly port: number;
}

const ipPortKey = (e: IpPortEntry): string => `${e.addr}/${e.proto}/${e.port}`;

/** One set with its members. */
export class IpSet {
  hashsize = 1024;
  maxelem = 65536;
  /**
   * hash:ip members, or hash:net members keyed by prefix length; addresses as signed 32-bit
   * numbers (stored in place; the unsigned form of 128.0.0.0 and up is a boxed number each).
   */
  private readonly byLen = new Map<number, Set<number>>();
  /** hash:ip,port members by `addr/proto/port`. */
  private readonly ipPorts = new Map<string, IpPortEntry>();

  constructor(public name: string, readonly type: IpsetType) {}

  /** Number of members. */
  get size(): number {
    let n = this.ipPorts.size;
    for (const s of this.byLen.values()) n += s.size;
    return n;
  }

  /** Normalises an entry: hash:ip takes addresses only, hash:net masks the host bits. */
  private norm(p: Prefix4): { addr: number; len: number } {
    if (this.type === 'hash:ip') return { addr: p.addr | 0, len: 32 };
    return { addr: p.addr & maskOf(p.len), len: p.len };
  }

  /** Adds; false when already present. */
  add(p: Prefix4): boolean {
    const n = this.norm(p);
    let s = this.byLen.get(n.len);
    if (!s) { s = new Set(); this.byLen.set(n.len, s); }
    if (s.has(n.addr)) return false;
    s.add(n.addr);
    return true;
  }

  /** Deletes; false when absent. */
  del(p: Prefix4): boolean {
    const n = this.norm(p);
    const s = this.byLen.get(n.len);
    if (!s || !s.delete(n.addr)) return false;
    if (s.size === 0) this.byLen.delete(n.len);
    return true;
  }

  /** True when the address is a member (hash:net: covered by a member prefix). */
  has(ip: IPv4): boolean {
    for (const [len, s] of this.byLen) {
      if (s.has(ip & maskOf(len))) return true;
    }
    return false;
  }

  /** Adds a hash:ip,port entry; false when already present. */
  addIpPort(e: IpPortEntry): boolean {
    const k = ipPortKey(e);
    if (this.ipPorts.has(k)) return false;
    this.ipPorts.set(k, e);
    return true;
  }

  /** Deletes a hash:ip,port entry; false when absent. */
  delIpPort(e: IpPortEntry): boolean {
    return this.ipPorts.delete(ipPortKey(e));
  }

  /** True when (address, protocol, port) is a hash:ip,port member. */
  hasIpPort(e: IpPortEntry): boolean {
    return this.ipPorts.has(ipPortKey(e));
  }

  /** True when the entry itself is present (`ipset test` with a CIDR on hash:net). */
  hasEntry(p: Prefix4): boolean {
    const n = this.norm(p);
    return this.byLen.get(n.len)?.has(n.addr) ?? false;
  }

  flush(): void {
    this.byLen.clear();
    this.ipPorts.clear();
  }

  /** Members as `ipset list` prints them (hash:net omits /32? no: it prints the CIDR). */
  members(): string[] {
    const out: string[] = [];
    for (const e of this.ipPorts.values()) out.push(`${formatIPv4(e.addr)},${PROTO_NAME[e.proto]}:${e.port}`);
    for (const [len, s] of this.byLen) {
      for (const a of s) out.push(this.type === 'hash:ip' ? formatIPv4(a >>> 0) : formatPrefix4({ addr: a >>> 0, len }));
    }
    return out.sort();
  }
}

/** The ipset error text (what `ipset` prints after "ipset v7.17: "). */
export class IpsetError extends Error {
  override name = 'IpsetError';
}

/** All sets of one namespace. */
export class IpsetStore {
  readonly sets = new Map<string, IpSet>();

  /** The set or undefined. */
  get(name: string): IpSet | undefined {
    return this.sets.get(name);
  }

  /** `ipset create NAME TYPE`; `exist` tolerates an identical existing set. */
  create(name: string, type: string, exist = false): IpSet {
    if (!isIpsetType(type)) {
      throw new IpsetError(`Syntax error: typename '${type}' is unknown`);
    }
    const old = this.sets.get(name);
    if (old) {
      if (exist && old.type === type) return old;
      throw new IpsetError('Set cannot be created: set with the same name already exists');
    }
    if (name.length > 31) throw new IpsetError('Syntax error: setname is longer than 31 characters');
    const s = new IpSet(name, type);
    this.sets.set(name, s);
    return s;
  }

  private need(name: string): IpSet {
    const s = this.sets.get(name);
    if (!s) throw new IpsetError('The set with the given name does not exist');
    return s;
  }

  /** `ipset add NAME ENTRY`. */
  add(name: string, entry: string, exist = false): void {
    const s = this.need(name);
    if (s.type === 'hash:ip,port') {
      if (!s.addIpPort(parseIpPort(entry)) && !exist) throw new IpsetError("Element cannot be added to the set: it's already added");
      return;
    }
    if (!s.add(parseEntry(s, entry)) && !exist) throw new IpsetError("Element cannot be added to the set: it's already added");
  }

  /** `ipset del NAME ENTRY`. */
  del(name: string, entry: string, exist = false): void {
    const s = this.need(name);
    if (s.type === 'hash:ip,port') {
      if (!s.delIpPort(parseIpPort(entry)) && !exist) throw new IpsetError("Element cannot be deleted from the set: it's not added");
      return;
    }
    if (!s.del(parseEntry(s, entry)) && !exist) throw new IpsetError("Element cannot be deleted from the set: it's not added");
  }

  /** True when the entry itself is in the set (no coverage test, no error for a bad entry): drivers diffing members. */
  hasEntry(name: string, entry: string): boolean {
    const s = this.sets.get(name);
    if (!s) return false;
    try {
      return s.type === 'hash:ip,port' ? s.hasIpPort(parseIpPort(entry)) : s.hasEntry(parseEntry(s, entry));
    } catch {
      return false;
    }
  }

  /** `ipset test NAME ENTRY`: an address is tested for membership, a CIDR as an entry. */
  test(name: string, entry: string): boolean {
    const s = this.need(name);
    if (s.type === 'hash:ip,port') return s.hasIpPort(parseIpPort(entry));
    const p = parseEntry(s, entry);
    return p.len === 32 ? s.has(p.addr) : s.hasEntry(p);
  }

  /** `ipset flush [NAME]`. */
  flush(name?: string): void {
    if (name === undefined) for (const s of this.sets.values()) s.flush();
    else this.need(name).flush();
  }

  /** `ipset destroy [NAME]`; `inUse` says whether iptables still references a set. */
  destroy(name: string | undefined, inUse: (n: string) => boolean): void {
    const names = name === undefined ? [...this.sets.keys()] : [this.need(name).name];
    for (const n of names) {
      if (inUse(n)) throw new IpsetError('Set cannot be destroyed: it is in use by a kernel component');
    }
    for (const n of names) this.sets.delete(n);
  }

  /** `ipset swap A B`: exchanges the contents under the two names (Felix's atomic rewrite). */
  swap(a: string, b: string): void {
    const sa = this.need(a);
    const sb = this.need(b);
    if (sa.type !== sb.type) throw new IpsetError('The sets cannot be swapped: their type does not match');
    sa.name = b;
    sb.name = a;
    this.sets.set(a, sb);
    this.sets.set(b, sa);
  }

  /** `ipset rename A B`. */
  rename(a: string, b: string): void {
    const s = this.need(a);
    if (this.sets.has(b)) throw new IpsetError('Set cannot be renamed: a set with the new name already exists');
    this.sets.delete(a);
    s.name = b;
    this.sets.set(b, s);
  }
}

function parseEntry(s: IpSet, text: string): Prefix4 {
  let p: Prefix4;
  try {
    p = parsePrefix4(text);
  } catch {
    throw new IpsetError(`Syntax error: cannot parse ${text}: resolving to IPv4 address failed`);
  }
  if (s.type === 'hash:net' && p.len === 0) {
    throw new IpsetError('The value of the CIDR parameter of the IP address is invalid');
  }
  return p;
}

function isIpsetType(t: string): t is IpsetType {
  return (IPSET_TYPES as readonly string[]).includes(t);
}

/**
 * A hash:ip,port entry as ipset reads it: `IP,[PROTO:]PORT`, protocol tcp when omitted.
 * Port ranges and icmp type entries are not modelled.
 */
export function parseIpPort(text: string): IpPortEntry {
  const comma = text.indexOf(',');
  if (comma < 0) throw new IpsetError('Syntax error: Missing second mandatory argument to command add');
  const ipText = text.slice(0, comma);
  let rest = text.slice(comma + 1);
  let p: Prefix4;
  try {
    p = parsePrefix4(ipText);
  } catch {
    throw new IpsetError(`Syntax error: cannot parse ${ipText}: resolving to IPv4 address failed`);
  }
  if (p.len !== 32) throw new IpsetError('Syntax error: plain IP address must be supplied: ' + ipText);
  let proto = 6;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const name = rest.slice(0, colon).toLowerCase();
    const n = PORT_PROTOS[name];
    if (n === undefined) throw new IpsetError(`Syntax error: Protocol ${name} is not supported with IPv4`);
    proto = n;
    rest = rest.slice(colon + 1);
  }
  if (!/^\d+$/.test(rest) || Number(rest) > 65535) throw new IpsetError(`Syntax error: Cannot parse '${rest}' as a port number`);
  return { addr: p.addr, proto, port: Number(rest) };
}
