/**
 * What a Linux kernel holds, as plain data: the part of it the dataplane driver looks at,
 * parsed from the tools' own output (`ip -j`, `bridge -j`, `sysctl`, `ipset save`,
 * `iptables-save`). Parsers are pure (unit-tested from captured text); the read* functions are
 * the thin shells that run one tool each through a reader.
 *
 * Like Felix after a restart, the driver keeps no state file: this snapshot, plus the marks
 * Felix leaves in the kernel (names, route protocols, `cali:` rule hashes), is all it knows at
 * start. Each table has its own reader, so the driver re-reads only the tables it must.
 */
import type { Exec } from './exec.ts';

/** A network device as `ip -j -d link` shows it. */
export interface KLink {
  readonly name: string;
  /** The kernel's ifindex: a device deleted and made again under the same name gets a new one. */
  readonly index?: number;
  /** `linkinfo.info_kind` (vxlan, ipip, veth…); undefined for plain devices (loopback). */
  readonly kind?: string;
  readonly up: boolean;
  readonly mtu: number;
  readonly mac?: string;
  /**
   * How often the carrier went down or up since the device was made (IFLA_CARRIER_CHANGES,
   * `ip -s -s`): a device taken down and up again between two reads keeps its ifindex and
   * flags, and only this count says it bounced — and that the kernel dropped its routes.
   */
  readonly carrierChanges?: number;
  readonly vxlan?: { readonly vni: number; readonly port: number; readonly local?: string; readonly parent?: string; readonly learning: boolean };
}

/** An IPv4 address on a device (`ip -j addr`). */
export interface KAddress {
  readonly dev: string;
  readonly cidr: string;
}

/** A main-table IPv4 route (`ip -j -d route show table main`), normalised to DesiredRoute's words. */
export interface KRoute {
  /** Always with a prefix length (`10.5.1.2/32`, `0.0.0.0/0`). */
  readonly dst: string;
  readonly type: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly protocol: number;
  readonly scope: string;
  readonly onlink: boolean;
  readonly metric: number;
}

/** A neighbour entry (`ip -j neigh`). */
export interface KNeighbour {
  readonly dev: string;
  readonly ip: string;
  readonly mac?: string;
  readonly permanent: boolean;
}

/** A bridge/VXLAN FDB entry (`bridge -j fdb`). */
export interface KFdb {
  readonly dev: string;
  readonly mac: string;
  readonly dst?: string;
  readonly permanent: boolean;
}

/** An IP set (`ipset save`): type and members as ipset prints them. */
export interface KIpset {
  readonly name: string;
  readonly type: string;
  readonly members: readonly string[];
}

/** One rule of an iptables-save dump: the line as printed, and its `cali:` hash if it has one. */
export interface KIptRule {
  readonly line: string;
  readonly hash?: string;
}

/** One table of an iptables-save dump: every chain (built-in or not) with its rules in order. */
export type KIptTable = ReadonlyMap<string, readonly KIptRule[]>;

/** The kernel state the driver diffs against. */
export interface KernelSnapshot {
  readonly links: readonly KLink[];
  readonly addresses: readonly KAddress[];
  readonly routes: readonly KRoute[];
  readonly neighbours: readonly KNeighbour[];
  readonly fdb: readonly KFdb[];
  /** Values of the sysctls asked for; a key the kernel does not have (device gone) is absent. */
  readonly sysctls: Readonly<Record<string, string>>;
  readonly ipsets: readonly KIpset[];
  readonly iptables: { readonly filter: KIptTable; readonly nat: KIptTable };
}

/** rtnetlink protocol names iproute2 prints (rt_protos), back to their numbers. */
const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};

/** A protocol as `ip -j` prints it (`boot`, `80`) as its number. */
export function protocolNumber(p: unknown): number {
  if (typeof p === 'number') return p;
  if (typeof p !== 'string') return 3; // absent: iproute2 hides boot
  return PROTO_NUMBERS[p] ?? (Number.isInteger(Number(p)) ? Number(p) : -1);
}

type Json = Record<string, unknown>;

function jsonArray(text: string, what: string): Json[] {
  const t = text.trim();
  if (!t) return [];
  const v: unknown = JSON.parse(t);
  if (!Array.isArray(v)) throw new Error(`${what}: expected a JSON array`);
  return v as Json[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses `ip -j -d link show`. */
export function parseLinks(text: string): KLink[] {
  return jsonArray(text, 'ip -j -d link').map((l) => {
    const info = (l.linkinfo ?? {}) as Json;
    const data = (info.info_data ?? {}) as Json;
    const kind = str(info.info_kind);
    const flags = Array.isArray(l.flags) ? (l.flags as string[]) : [];
    const mac = str(l.address);
    const carrier = ((l.stats64 as Json | undefined)?.tx as Json | undefined)?.carrier_changes;
    const local = str(data.local);
    const parent = str(data.link);
    return {
      name: String(l.ifname),
      ...(typeof l.ifindex === 'number' ? { index: l.ifindex } : {}),
      ...(kind !== undefined ? { kind } : {}),
      up: flags.includes('UP'),
      mtu: Number(l.mtu),
      ...(mac !== undefined ? { mac } : {}),
      ...(typeof carrier === 'number' ? { carrierChanges: carrier } : {}),
      ...(kind === 'vxlan' ? {
        vxlan: {
          vni: Number(data.id), port: Number(data.port), learning: data.learning !== false,
          ...(local !== undefined ? { local } : {}), ...(parent !== undefined ? { parent } : {}),
        },
      } : {}),
    };
  });
}

/** Parses `ip -j addr show`: IPv4 addresses only (Felix's tunnel addresses are IPv4 here). */
export function parseAddresses(text: string): KAddress[] {
  const out: KAddress[] = [];
  for (const l of jsonArray(text, 'ip -j addr')) {
    for (const a of (l.addr_info ?? []) as Json[]) {
      if (a.family === 'inet') out.push({ dev: String(l.ifname), cidr: `${String(a.local)}/${Number(a.prefixlen)}` });
    }
  }
  return out;
}

/** A destination as `ip -j route` prints it, with its prefix length made explicit (`default` → 0.0.0.0/0, a host → /32). */
export function routeDst(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/32`;
}

/** Parses `ip -j -d route show table main`. Multipath routes are kept without a device (never Felix's). */
export function parseRoutes(text: string): KRoute[] {
  return jsonArray(text, 'ip -j route').map((r) => {
    const flags = Array.isArray(r.flags) ? (r.flags as string[]) : [];
    const dev = str(r.dev);
    const gateway = str(r.gateway);
    return {
      dst: routeDst(String(r.dst)),
      type: str(r.type) ?? 'unicast',
      ...(dev !== undefined ? { dev } : {}),
      ...(gateway !== undefined ? { gateway } : {}),
      protocol: protocolNumber(r.protocol),
      scope: str(r.scope) ?? 'global',
      onlink: flags.includes('onlink'),
      metric: typeof r.metric === 'number' ? r.metric : 0,
    };
  });
}

/** Parses `ip -j neigh show`. */
export function parseNeighbours(text: string): KNeighbour[] {
  return jsonArray(text, 'ip -j neigh').map((n) => {
    const state = Array.isArray(n.state) ? (n.state as string[]) : [];
    const mac = str(n.lladdr);
    return { dev: String(n.dev), ip: String(n.dst), ...(mac !== undefined ? { mac } : {}), permanent: state.includes('PERMANENT') };
  });
}

/** Parses `bridge -j fdb show [dev DEV]` (with `dev`, bridge omits the device name: pass it). */
export function parseFdb(text: string, dev?: string): KFdb[] {
  return jsonArray(text, 'bridge -j fdb').map((f) => {
    const dst = str(f.dst);
    return { dev: str(f.ifname) ?? dev ?? '', mac: String(f.mac), ...(dst !== undefined ? { dst } : {}), permanent: f.state === 'permanent' };
  });
}

/** Parses `sysctl -e KEY…` (`key = value` lines). */
export function parseSysctls(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(' = ');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 3).trim();
  }
  return out;
}

/** Parses `ipset save`: `create NAME TYPE …` and `add NAME MEMBER` lines. */
export function parseIpsetSave(text: string): KIpset[] {
  const sets = new Map<string, { name: string; type: string; members: string[] }>();
  for (const line of text.split('\n')) {
    const [verb, name, arg] = line.trim().split(/\s+/);
    if (!name || !arg) continue;
    if (verb === 'create') sets.set(name, { name, type: arg, members: [] });
    else if (verb === 'add') sets.get(name)?.members.push(arg);
  }
  return [...sets.values()];
}

/** The `cali:<hash>` comment Felix puts first on each of its rules (quoted or not by iptables-save). */
const HASH_RE = /--comment "?cali:([A-Za-z0-9_-]{16})"?(?=\s|$)/;

/** Parses one table of `iptables-save -t TABLE`: chains in order, rules with their hashes. */
export function parseIptablesSave(text: string): Map<string, KIptRule[]> {
  const chains = new Map<string, KIptRule[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0]!;
      if (!chains.has(name)) chains.set(name, []);
    } else if (line.startsWith('-A ')) {
      const name = line.split(' ')[1]!;
      const hash = HASH_RE.exec(line)?.[1];
      let rules = chains.get(name);
      if (!rules) chains.set(name, (rules = []));
      rules.push(hash !== undefined ? { line, hash } : { line });
    }
  }
  return chains;
}

/** The devices whose FDB the driver reads (only Felix's VXLAN device carries FDB entries it owns). */
const FDB_DEVICES = ['vxlan.calico'];

/** The parts of a snapshot that are read (and believed) together. */
export type KernelTable = 'routes' | 'neighbours' | 'sysctls' | 'ipsets' | 'iptables';
/** Every table, in the order a full read takes them. */
export const KERNEL_TABLES: readonly KernelTable[] = ['routes', 'neighbours', 'sysctls', 'ipsets', 'iptables'];

type Run = (argv: string[]) => Promise<string>;

/** Links and their addresses in one read (`ip -j -d -s -s addr show` carries `linkinfo` and `addr_info`). */
export async function readLinks(run: Run): Promise<{ links: KLink[]; addresses: KAddress[] }> {
  // -s -s: the statistics carry each device's carrier changes (a bounce between two reads).
  const text = await run(['ip', '-j', '-d', '-s', '-s', 'addr', 'show']);
  return { links: parseLinks(text), addresses: parseAddresses(text) };
}

/** The main table's IPv4 routes. */
export async function readRoutes(run: Run): Promise<KRoute[]> {
  return parseRoutes(await run(['ip', '-j', '-d', 'route', 'show', 'table', 'main']));
}

/** Permanent neighbours, and the FDB of Felix's VXLAN device when `links` has it. */
export async function readNeighbours(run: Run, links: readonly KLink[]): Promise<{ neighbours: KNeighbour[]; fdb: KFdb[] }> {
  const neighbours = parseNeighbours(await run(['ip', '-j', 'neigh', 'show', 'nud', 'permanent']));
  const fdb: KFdb[] = [];
  for (const dev of FDB_DEVICES) {
    if (links.some((l) => l.name === dev)) fdb.push(...parseFdb(await run(['bridge', '-j', 'fdb', 'show', 'dev', dev]), dev));
  }
  return { neighbours, fdb };
}

/** The values of `keys` (-e: a per-device key of a device that is gone is skipped rather than failing the read). */
export async function readSysctls(run: Run, keys: readonly string[]): Promise<Record<string, string>> {
  return keys.length ? parseSysctls(await run(['sysctl', '-e', ...keys])) : {};
}

/** Every IP set with its members. */
export async function readIpsets(run: Run): Promise<KIpset[]> {
  return parseIpsetSave(await run(['ipset', 'save']));
}

/** The filter and nat tables. */
export async function readIptables(run: Run): Promise<KernelSnapshot['iptables']> {
  const [filter, nat] = await Promise.all([
    run(['iptables-save', '-t', 'filter']).then(parseIptablesSave),
    run(['iptables-save', '-t', 'nat']).then(parseIptablesSave),
  ]);
  return { filter, nat };
}

/** Exec as a reader: stdout, or an Error with the command and stderr. */
export function reader(exec: Exec, where: string): (argv: string[]) => Promise<string> {
  return async (argv) => {
    const r = await exec(argv);
    if (r.code !== 0) throw new Error(`${where}: '${argv.join(' ')}' failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  };
}
