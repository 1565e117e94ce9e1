/**
 * The simulator driver: makes one simulated kernel (KernelOps) and its Netfilter look like a
 * DesiredDataplane, the way Felix's dataplane managers do on Linux.
 *
 * Ownership: it diffs against what it applied last time and only ever removes objects it
 * programmed itself; routes BIRD (`proto bird`) or a user added stay, even on Felix's devices.
 * Objects that cannot be programmed yet (a workload route whose cali device is not up, a
 * sysctl on a device that does not exist) are left pending and retried on the next apply,
 * as Felix's route table retries on interface updates.
 *
 * Rules go in as Felix writes them: `iptables-restore --noflush` rewriting only the cali
 * chains whose rules changed, the jumps inserted at the top of the built-in chains, and
 * `ipset` sets created and filled before the rules that reference them.
 *
 * Layering note: this is the one module of dataplane/ that imports the simulator (its
 * netfilter commands); everything else in dataplane/ is pure.
 */
import { formatIPv4, parseIPv4, parsePrefix4 } from '../../net/ip.ts';
import type { KernelOps, KernelState, NetDevice, Route } from '../../sim/types.ts';
import { KernelError } from '../../sim/types.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { IpSet, Netfilter } from '../../sim/netfilter/index.ts';
import type { Match } from '../../sim/netfilter/rules.ts';
import { ipset } from '../../sim/netfilter/index.ts';
import { iptablesRestoreItems, restoreLine } from '../../sim/netfilter/commands.ts';
import type { RestoreRule } from '../../sim/netfilter/commands.ts';
import { parseIpPort } from '../../sim/netfilter/ipset.ts';
import type { IpPortEntry } from '../../sim/netfilter/ipset.ts';
import { appendLines, insertLines } from '../../dataplane/commands.ts';
import { chainHashes, DeferredHashComments, ruleBody } from '../../dataplane/iptables.ts';
import { addressText, deviceText, fdbText, neighbourText, routeKey, routeText } from '../../dataplane/render.ts';
import type { DataplaneChange, Dataplane, DesiredDataplane, DesiredDevice, DesiredRoute, IptTable } from '../../dataplane/types.ts';
import type { IptRule } from '../../dataplane/iptables.ts';
import { emptyDataplane } from '../../dataplane/types.ts';

/** The kernel a driver programs: rtnetlink-style ops plus read access to its state. */
export type DriverKernel = KernelOps & { readonly state: KernelState };

/** Raised when the kernel refuses something Felix asked for; names the node and the object. */
export class DataplaneError extends Error {
  override name = 'DataplaneError';
}

const ch = (kind: DataplaneChange['kind'], op: DataplaneChange['op'], object: string): DataplaneChange =>
  ({ kind, op, object, text: `${kind} ${op} ${object}` });

function findDev(k: DriverKernel, name: string): NetDevice | undefined {
  for (const d of k.state.devices.values()) if (d.name === name) return d;
  return undefined;
}

function sameDevice(d: NetDevice, want: DesiredDevice): boolean {
  if (want.kind === 'ipip') return d.kind === 'ipip';
  return d.kind === 'vxlan' && !!d.vxlan && d.vxlan.vni === want.vni && d.vxlan.dstPort === want.port
    && d.vxlan.learning === want.learning && (d.vxlan.local === undefined ? '' : formatIPv4(d.vxlan.local)) === want.local;
}

/** An address's text per prefix object, with what it was made from (checked on use). */
const ADDRESS_TEXTS = new WeakMap<object, { readonly addr: number; readonly len: number; readonly text: string }>();

/** The kernel's interfaces as Felix's MTU detection and VXLAN parent lookup see them. */
export function hostInterfaces(k: { readonly state: KernelState }): { name: string; mtu: number; up: boolean; addresses: string[] }[] {
  // The addresses grouped by device in one pass (the CNI plugin asks on every pod, Felix on
  // every pass: a filter of every address per device was quadratic in the node's veths).
  const byIf = new Map<number, string[]>();
  for (const a of k.state.addresses) {
    const p = a.prefix;
    let t = ADDRESS_TEXTS.get(p);
    if (t === undefined || t.addr !== p.addr || t.len !== p.len) ADDRESS_TEXTS.set(p, (t = { addr: p.addr, len: p.len, text: `${formatIPv4(p.addr)}/${p.len}` }));
    const text = t.text;
    const l = byIf.get(a.ifindex);
    if (l) l.push(text);
    else byIf.set(a.ifindex, [text]);
  }
  const out: { name: string; mtu: number; up: boolean; addresses: string[] }[] = [];
  for (const d of k.state.devices.values()) out.push({ name: d.name, mtu: d.mtu, up: d.adminUp, addresses: byIf.get(d.ifindex) ?? [] });
  return out;
}

/** Rules that render the same, rule by rule (mostly the same shared objects). */
function sameRules(a: readonly IptRule[], b: readonly IptRule[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i] || ruleBody(x) === ruleBody(b[i]!)));
}

/**
 * What the next apply needs of this one: devices, addresses, routes… in full, chains and sets
 * by name only — their rules live on as hashes and their members in the kernel's sets, so a
 * node does not keep a second copy of every rule and of every host address (N per node).
 */
function applied(d: DesiredDataplane): DesiredDataplane {
  const table = (t: IptTable): IptTable => ({ ...t, chains: t.chains.map((c) => ({ name: c.name, rules: [] })) });
  return {
    ...d,
    ipsets: d.ipsets.map((s) => ({ name: s.name, type: s.type, members: [] })),
    iptables: { filter: table(d.iptables.filter), nat: table(d.iptables.nat) },
  };
}

/** A members list parsed once: each entry as the set stores it, undefined for one `ipset add` would refuse. */
interface ParsedMembers {
  readonly type: string;
  readonly entries: readonly (Prefix4 | IpPortEntry | undefined)[];
  /** Distinct members (a list may repeat one). */
  readonly distinct: number;
}

/**
 * Per members list, its entries parsed: Felix hands every node the same list object while the
 * cluster is unchanged (all-hosts-net holds every node's address), so N nodes parse N
 * addresses once, not N × N times.
 */
const PARSED_MEMBERS = new WeakMap<readonly string[], ParsedMembers>();

function parsedMembers(type: string, members: readonly string[]): ParsedMembers {
  const hit = PARSED_MEMBERS.get(members);
  if (hit && hit.type === type) return hit;
  const entries = members.map((m): Prefix4 | IpPortEntry | undefined => {
    try {
      if (type === 'hash:ip,port') return parseIpPort(m);
      const p = parsePrefix4(m);
      // ipset refuses a /0 in a hash:net: left to the command, which says so.
      return type === 'hash:net' && p.len === 0 ? undefined : p;
    } catch {
      return undefined;
    }
  });
  const out: ParsedMembers = { type, entries, distinct: new Set(members).size };
  PARSED_MEMBERS.set(members, out);
  return out;
}

/** A frozen rules list's hashes, per chain name. */
interface HashedChain {
  readonly chain: string;
  readonly hashes: readonly string[];
}

/**
 * Per frozen rules list (Felix's static chains: one shared list per cluster options), its
 * hashes: every node's pass over the same list hashes it once. Only
 * frozen lists are kept (a list that can change under the same identity could not be), and
 * weakly (a list nobody holds any more goes).
 */
const HASHED = new WeakMap<readonly IptRule[], HashedChain>();

function hashedChain(chain: string, rules: readonly IptRule[]): HashedChain {
  const hit = HASHED.get(rules);
  if (hit && hit.chain === chain) return hit;
  const h: HashedChain = { chain, hashes: chainHashes(chain, rules) };
  if (Object.isFrozen(rules)) HASHED.set(rules, h);
  return h;
}

/**
 * Per-device sysctl keys the simulated kernel does not model, by shape
 * (`net.ipv4.neigh.*.proxy_delay`): what the simulator models depends neither on the device's
 * name nor on the node, so a new pod's interface is not tried (and refused, an exception
 * each) for a knob already known to be missing.
 */
const UNMODELLED_SHAPES = new Set<string>();

/**
 * Where the device of a per-device sysctl key sits (`net.ipv4.conf.<dev>.…`,
 * `net.ipv4.neigh.<dev>.…`), cut by indexOf (a regex match per new pod's key allocated its
 * groups); undefined for another key, a key naming all/default, or one with a newline.
 */
function deviceSpan(key: string): { readonly at: number; readonly end: number; readonly dev: string } | undefined {
  const at = key.startsWith('net.ipv4.conf.') ? 14 : key.startsWith('net.ipv4.neigh.') ? 15 : -1;
  if (at < 0) return undefined;
  const end = key.indexOf('.', at);
  if (end <= at || key.includes('\n')) return undefined;
  const dev = key.slice(at, end);
  return dev === 'all' || dev === 'default' ? undefined : { at, end, dev };
}

/** A per-device sysctl key with its device as `*` (`net.ipv4.neigh.*.proxy_delay`); undefined for other keys. */
function deviceKeyShape(key: string): string | undefined {
  const d = deviceSpan(key);
  return d && `${key.slice(0, d.at)}*${key.slice(d.end)}`;
}

/** A built-in chain's jump lines, rendered once per frozen rules list (Felix's static inserts and appends are shared by every node). */
const BUILTIN_LINES = new WeakMap<readonly IptRule[], { readonly kind: string; readonly chain: string; readonly lines: readonly string[] }>();
const NO_RULES: readonly IptRule[] = Object.freeze([]);
const NO_LINES: readonly string[] = Object.freeze([]);

function builtinLines(kind: 'inserts' | 'appends', chain: string, rules: readonly IptRule[]): readonly string[] {
  const hit = BUILTIN_LINES.get(rules);
  if (hit && hit.kind === kind && hit.chain === chain) return hit.lines;
  const lines = (kind === 'inserts' ? insertLines : appendLines)(chain, rules);
  if (Object.isFrozen(rules)) BUILTIN_LINES.set(rules, { kind, chain, lines });
  return lines;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The `cali:` comment texts of a chain's rules. */
function caliComments(c: { readonly rules: readonly { readonly matches: readonly Match[] }[] } | undefined): Set<string> {
  const out = new Set<string>();
  if (c) for (const r of c.rules) for (const m of r.matches) if (m.m === 'comment' && m.comment.startsWith('cali:')) out.add(m.comment);
  return out;
}

/** True when a restore line quotes one of the comments (`"cali:…"`). */
function lineHasComment(line: string, comments: ReadonlySet<string>): boolean {
  if (comments.size === 0) return false;
  for (let i = line.indexOf('"cali:'); i >= 0; i = line.indexOf('"cali:', i + 1)) {
    const end = line.indexOf('"', i + 1);
    if (end < 0) return false;
    if (comments.has(line.slice(i + 1, end))) return true;
  }
  return false;
}


/** Adds a parsed entry as `ipset add -exist` would; false when it was there already. */
function addEntry(set: IpSet, e: Prefix4 | IpPortEntry): boolean {
  return 'port' in e ? set.addIpPort(e) : set.add(e);
}

/** The simulator's Felix dataplane driver for one node. */
export class SimDataplane implements Dataplane {
  /** What the last apply asked for, without the chains' rules and the sets' members (see `applied`). */
  private last: DesiredDataplane;
  /**
   * Per Felix chain, its rules as last written (to rewrite only what changed: a rule's hash is a
   * function of the chain's name and the rules' renderings, so equal rules mean equal hashes).
   * Felix's lists are shared (static chains between nodes, endpoint rules between pods): a
   * reference, not a copy.
   */
  private readonly lastChains = new Map<string, Map<string, readonly IptRule[]>>();
  /** Per built-in chain, the jump lines written into it (to delete them by their text). */
  private readonly lastLines = new Map<string, readonly string[]>();
  /** Per set, the members list last applied (Felix's own list, often shared by every node: a reference, not a copy). */
  private readonly appliedMembers = new Map<string, readonly string[]>();
  /** Sysctl keys the simulated kernel does not model (e.g. neigh.*.proxy_delay): reported once. */
  readonly unmodelledSysctls = new Set<string>();
  /** Per sysctl key, the value written and the ifindex of the device it named (0 for a global key). */
  private readonly written = new Map<string, { readonly value: string; readonly ifindex: number }>();


  constructor(private readonly kernel: DriverKernel, private readonly nf: Netfilter) {
    this.last = emptyDataplane(kernel.state.node);
  }

  apply(desired: DesiredDataplane): DataplaneChange[] {
    const out: DataplaneChange[] = [];
    try {
      this.devices(desired, out);
      this.addresses(desired, out);
      this.sysctls(desired, out);
      this.neighbours(desired, out);
      this.fdb(desired, out);
      this.routes(desired, out);
      this.ipsetsCreate(desired, out);
      this.iptables(desired, out);
      this.ipsetsRemove(desired, out);
    } catch (e) {
      if (e instanceof KernelError) throw new DataplaneError(`${this.kernel.state.node}: ${e.message}`);
      throw e;
    }
    this.last = applied(desired);
    return out;
  }

  private devices(want: DesiredDataplane, out: DataplaneChange[]): void {
    const k = this.kernel;
    for (const d of want.devices) {
      let dev = findDev(k, d.name);
      if (dev && !sameDevice(dev, d)) {
        // Felix recreates a tunnel device whose VNI/port/local address is wrong.
        k.delLink(d.name);
        out.push(ch('device', 'removed', d.name));
        dev = undefined;
      }
      if (!dev) {
        if (d.kind === 'ipip') k.addLink({ kind: 'ipip', name: d.name, mtu: d.mtu });
        else k.addLink({ kind: 'vxlan', name: d.name, vni: d.vni, dstPort: d.port, local: parseIPv4(d.local), dev: d.parent, learning: d.learning, mtu: d.mtu });
        out.push(ch('device', 'added', deviceText(d)));
        dev = findDev(k, d.name)!;
      }
      const change: { mtu?: number; mac?: string; up?: boolean } = {};
      if (dev.mtu !== d.mtu) change.mtu = d.mtu;
      if (d.kind === 'vxlan' && dev.mac !== d.mac) change.mac = d.mac;
      if (!dev.adminUp) change.up = true;
      if (Object.keys(change).length) {
        k.setLink(d.name, change);
        if (change.mtu !== undefined || change.mac !== undefined) out.push(ch('device', 'changed', deviceText(d)));
      }
    }
    const names = new Set(want.devices.map((d) => d.name));
    for (const d of this.last.devices) {
      if (!names.has(d.name) && findDev(k, d.name)) {
        k.delLink(d.name);
        out.push(ch('device', 'removed', d.name));
      }
    }
  }

  private hasAddress(dev: string, cidr: string): boolean {
    const d = findDev(this.kernel, dev);
    const p = parsePrefix4(cidr);
    return !!d && this.kernel.state.addresses.some((a) => a.ifindex === d.ifindex && a.prefix.addr === p.addr && a.prefix.len === p.len);
  }

  private addresses(want: DesiredDataplane, out: DataplaneChange[]): void {
    const k = this.kernel;
    const wanted = new Set(want.addresses.map((a) => `${a.dev} ${a.cidr}`));
    // Felix keeps exactly one address on a tunnel device: drop the old one first.
    for (const a of this.last.addresses) {
      if (wanted.has(`${a.dev} ${a.cidr}`) || !this.hasAddress(a.dev, a.cidr)) continue;
      k.delAddress(a.dev, parsePrefix4(a.cidr));
      out.push(ch('address', 'removed', addressText(a)));
    }
    for (const a of want.addresses) {
      if (!findDev(k, a.dev) || this.hasAddress(a.dev, a.cidr)) continue;
      k.addAddress(a.dev, parsePrefix4(a.cidr));
      out.push(ch('address', 'added', addressText(a)));
    }
  }

  private sysctls(want: DesiredDataplane, out: DataplaneChange[]): void {
    // What the last apply asked for, by key: read only when something is written.
    let beforeMap: Map<string, string> | undefined;
    const before = (): Map<string, string> => (beforeMap ??= new Map(this.last.sysctls.map((s) => [s.key, s.value])));
    // The device each per-device key names, by name, read once per apply.
    let ifindexByName: Map<string, number> | undefined;
    const ifindexOf = (key: string): number => {
      const dev = deviceSpan(key)?.dev;
      if (dev === undefined) return 0;
      if (!ifindexByName) {
        ifindexByName = new Map();
        for (const d of this.kernel.state.devices.values()) ifindexByName.set(d.name, d.ifindex);
      }
      return ifindexByName.get(dev) ?? -1;
    };
    for (const s of want.sysctls) {
      if (this.unmodelledSysctls.has(s.key)) continue;
      // Written already, with this value, to this same device: Felix configures an interface
      // when it appears (endpoint_mgr configureInterface), not again on every pass.
      const w = this.written.get(s.key);
      const ifindex = ifindexOf(s.key);
      if (w !== undefined && w.value === s.value && w.ifindex === ifindex) continue;
      const shape = deviceKeyShape(s.key);
      if (shape !== undefined && UNMODELLED_SHAPES.has(shape)) {
        this.unmodelledSysctls.add(s.key);
        continue;
      }
      try {
        this.kernel.setSysctl(s.key, s.value);
      } catch (e) {
        if (!(e instanceof KernelError) || !e.message.includes('cannot stat')) throw e;
        // A per-device key of a device not there yet is retried next time; a key the
        // simulator does not model at all is remembered and skipped.
        const dev = /^net\.ipv4\.(?:conf|neigh)\.([^.]+)\./.exec(s.key)?.[1];
        if (dev && dev !== 'all' && dev !== 'default' && !findDev(this.kernel, dev)) continue;
        this.unmodelledSysctls.add(s.key);
        if (shape !== undefined) UNMODELLED_SHAPES.add(shape);
        continue;
      }
      this.written.set(s.key, { value: s.value, ifindex });
      if (before().get(s.key) !== s.value) out.push(ch('sysctl', before().has(s.key) ? 'changed' : 'added', `${s.key} = ${s.value}`));
    }
    // Keys no longer wanted (a pod gone) are forgotten: a new device of that name is configured afresh.
    if (this.written.size > want.sysctls.length) {
      const wanted = new Set(want.sysctls.map((x) => x.key));
      for (const k of this.written.keys()) if (!wanted.has(k)) this.written.delete(k);
    }
  }

  private neighbours(want: DesiredDataplane, out: DataplaneChange[]): void {
    const k = this.kernel;
    // The kernel's neighbours, read once (the state builds the list on every read) and again after a removal.
    let table: readonly { readonly ifindex: number; readonly ip: number; readonly state: string; readonly mac?: string }[] | undefined;
    const has = (dev: string, ip: string, mac?: string): boolean => {
      const d = findDev(k, dev);
      const a = parseIPv4(ip);
      const ns = (table ??= k.state.neighbours);
      return !!d && ns.some((n) => n.ifindex === d.ifindex && n.ip === a && n.state === 'PERMANENT' && (mac === undefined || n.mac === mac));
    };
    const wanted = new Set(want.neighbours.map((n) => `${n.dev} ${n.ip}`));
    for (const n of this.last.neighbours) {
      if (wanted.has(`${n.dev} ${n.ip}`) || !has(n.dev, n.ip)) continue;
      k.delNeighbour({ dev: n.dev, ip: parseIPv4(n.ip) });
      table = undefined;
      out.push(ch('neighbour', 'removed', neighbourText(n)));
    }
    // Entries added here are remembered beside the table read before them (a repeat is there now).
    const added = new Set<string>();
    for (const n of want.neighbours) {
      const id = `${n.dev} ${n.ip} ${n.mac}`;
      if (!findDev(k, n.dev) || added.has(id) || has(n.dev, n.ip, n.mac)) continue;
      k.addNeighbour({ dev: n.dev, ip: parseIPv4(n.ip), mac: n.mac, state: 'PERMANENT' }, 'replace');
      added.add(id);
      out.push(ch('neighbour', 'added', neighbourText(n)));
    }
  }

  private fdb(want: DesiredDataplane, out: DataplaneChange[]): void {
    const k = this.kernel;
    const has = (dev: string, mac: string, dst?: string): boolean => {
      const d = findDev(k, dev);
      return !!d && k.state.fdb.some((e) => e.ifindex === d.ifindex && e.mac === mac && e.where === 'self'
        && (dst === undefined || (e.dst !== undefined && formatIPv4(e.dst) === dst)));
    };
    const wanted = new Set(want.fdb.map((f) => `${f.dev} ${f.mac}`));
    for (const f of this.last.fdb) {
      if (wanted.has(`${f.dev} ${f.mac}`) || !has(f.dev, f.mac)) continue;
      k.delFdb({ dev: f.dev, mac: f.mac, dst: parseIPv4(f.dst) });
      out.push(ch('fdb', 'removed', fdbText(f)));
    }
    for (const f of want.fdb) {
      if (!findDev(k, f.dev) || has(f.dev, f.mac, f.dst)) continue;
      k.addFdb({ dev: f.dev, mac: f.mac, dst: parseIPv4(f.dst), where: 'self', permanent: true }, 'replace');
      out.push(ch('fdb', 'added', fdbText(f)));
    }
  }

  /** The kernel's main-table route for a destination, rendered like a DesiredRoute (or undefined). */
  private current(dst: string, index: Map<string, Route>): DesiredRoute | undefined {
    const r = index.get(dst);
    if (!r || (r.type !== 'unicast' && r.type !== 'blackhole')) return undefined;
    const dev = r.ifindex !== undefined ? this.kernel.state.devices.get(r.ifindex)?.name : undefined;
    return {
      dst, type: r.type, protocol: r.protocol, scope: r.scope === 'link' ? 'link' : 'global', onlink: r.onlink,
      ...(dev !== undefined ? { dev } : {}), ...(r.gateway !== undefined ? { gateway: formatIPv4(r.gateway) } : {}),
    };
  }

  /**
   * The main table's metric-0 routes of the destinations asked about, by their text (the first
   * in dump order, as a find over the list gave): one walk of the kernel's routes per apply
   * instead of one per desired route.
   */
  private mainRoutes(dsts: Iterable<string>): Map<string, Route> {
    const wanted = new Map<string, string>();
    for (const d of dsts) {
      const p = parsePrefix4(d);
      wanted.set(`${p.addr}/${p.len}`, d);
    }
    const out = new Map<string, Route>();
    if (wanted.size === 0) return out;
    for (const r of this.kernel.state.routes) {
      if (r.table !== 254 || r.metric !== 0) continue;
      const d = wanted.get(`${r.dst.addr}/${r.dst.len}`);
      if (d !== undefined && !out.has(d)) out.set(d, r);
    }
    return out;
  }

  private routes(want: DesiredDataplane, out: DataplaneChange[]): void {
    const k = this.kernel;
    const wanted = new Map(want.routes.map((r) => [routeKey(r), r]));
    const gone = this.last.routes.filter((r) => !wanted.has(routeKey(r)));
    // What the kernel holds for every destination touched, read before any change: removals
    // look only at routes they do not add back, and each desired destination is unique.
    const index = this.mainRoutes([...gone.map((r) => r.dst), ...want.routes.map((r) => r.dst)]);
    for (const r of gone) {
      const cur = this.current(r.dst, index);
      // Only remove it if it is still ours (same protocol and device): BIRD may have replaced it.
      if (!cur || routeText(cur) !== routeText(r)) continue;
      k.delRoute({ dst: parsePrefix4(r.dst), table: 254, ...(r.dev ? { dev: r.dev } : {}) });
      index.delete(r.dst);
      out.push(ch('route', 'removed', routeText(r)));
    }
    for (const r of want.routes) {
      const cur = this.current(r.dst, index);
      if (cur && routeText(cur) === routeText(r)) continue;
      if (r.dev) {
        const d = findDev(k, r.dev);
        if (!d || !d.adminUp) continue; // pending until the interface is up
      }
      k.addRoute({
        table: 254, type: r.type, dst: parsePrefix4(r.dst), protocol: r.protocol, scope: r.scope, metric: 0, onlink: r.onlink,
        ...(r.dev ? { dev: r.dev } : {}), ...(r.gateway ? { gateway: parseIPv4(r.gateway) } : {}),
      }, 'replace');
      out.push(ch('route', cur ? 'changed' : 'added', routeText(r)));
    }
  }

  private runIpset(argv: string[]): void {
    const r = ipset(this.nf, argv);
    if (r.code !== 0) throw new DataplaneError(`${this.kernel.state.node}: ipset ${argv.join(' ')}: ${r.stderr.trim()}`);
  }

  private ipsetsCreate(want: DesiredDataplane, out: DataplaneChange[]): void {
    const store = this.nf.ipsets;
    for (const s of want.ipsets) {
      const cur = store.get(s.name);
      // The same members list as applied last time (Felix shares one list per cluster state)
      // and a set that still holds that many entries: nothing to do, without reading N members.
      const applied = this.appliedMembers.get(s.name);
      if (cur && applied === s.members && cur.size === applied.length) continue;
      if (!cur) {
        this.runIpset(['create', s.name, s.type, 'family', 'inet', 'maxelem', '1048576']);
        out.push(ch('ipset', 'added', `${s.name} ${s.type} (${s.members.length} members)`));
      }
      // Members go in as parsed numbers (the list's parse is shared, see parsedMembers); one
      // that does not parse goes through `ipset add`, which fails with ipset's own message.
      const set = store.get(s.name)!;
      const parsed = parsedMembers(set.type, s.members);
      s.members.forEach((m, i) => {
        const e = parsed.entries[i];
        if (e === undefined) {
          if (store.hasEntry(s.name, m)) return;
          this.runIpset(['add', s.name, m, '-exist']);
        } else if (!addEntry(set, e)) return;
        if (cur) out.push(ch('ipset', 'changed', `${s.name} +${m}`));
      });
      // Every wanted member is in: the set holds more only if something else is there too.
      if (set.size > parsed.distinct) {
        const wantM = new Set(s.members);
        for (const m of set.members()) if (!wantM.has(m)) {
          this.runIpset(['del', s.name, m, '-exist']);
          out.push(ch('ipset', 'changed', `${s.name} -${m}`));
        }
      }
      this.appliedMembers.set(s.name, s.members);
    }
    for (const name of this.appliedMembers.keys()) if (!want.ipsets.some((s) => s.name === name)) this.appliedMembers.delete(name);
  }

  private ipsetsRemove(want: DesiredDataplane, out: DataplaneChange[]): void {
    const names = new Set(want.ipsets.map((s) => s.name));
    for (const s of this.last.ipsets) {
      if (names.has(s.name) || !this.nf.ipsets.get(s.name)) continue;
      this.runIpset(['destroy', s.name]);
      out.push(ch('ipset', 'removed', s.name));
    }
  }

  private iptables(want: DesiredDataplane, out: DataplaneChange[]): void {
    const items: (string | RestoreRule)[] = [];
    for (const name of ['filter', 'nat'] as const) this.tableDelta(name, want.iptables[name], this.last.iptables[name], out, items);
    if (!items.length) return;
    // The rules go in as parts (chain, hash comment, body), not as restore text for the
    // simulator to cut apart again: the same tables as `iptables-restore --noflush` of that text.
    const r = iptablesRestoreItems(this.nf, ['--noflush'], items);
    if (r.code !== 0) {
      const text = items.map((x) => (typeof x === 'string' ? x : restoreLine(x))).join('\n');
      throw new DataplaneError(`${this.kernel.state.node}: iptables-restore --noflush failed: ${r.stderr.trim()}\n--- input ---\n${text}`);
    }
  }

  /** The restore block for one table (appended to `items`): only chains whose rules changed, then built-in jumps. */
  private tableDelta(table: string, want: IptTable, last: IptTable, out: DataplaneChange[], items: (string | RestoreRule)[]): void {
    const decl: string[] = [];
    const body: (string | RestoreRule)[] = [];
    // Dead chains: flush them all before deleting any, as Felix does — one dead chain may
    // still jump to another (cali-tw-X → cali-pri-kns.ns), and -X refuses a referenced chain.
    const flushes: string[] = [];
    const deletes: string[] = [];
    const present = this.nf.rules.table(table as 'filter').chains;
    let lastChains = this.lastChains.get(table);
    if (!lastChains) this.lastChains.set(table, (lastChains = new Map()));
    for (const c of want.chains) {
      const prev = lastChains.get(c.name);
      if (prev && present.has(c.name) && sameRules(prev, c.rules)) continue;
      decl.push(`:${c.name} - [0:0]`);
      if (Object.isFrozen(c.rules)) {
        // A shared list (Felix's static chains): hashed once per process, its comments shared.
        const hashes = hashedChain(c.name, c.rules).hashes;
        c.rules.forEach((r, i) => body.push({ chain: c.name, comment: `cali:${hashes[i]}`, body: ruleBody(r) }));
      } else {
        // A pod's or a policy's chain: its hashes are computed when a tool first prints them.
        const texts = new DeferredHashComments(c.name, c.rules);
        c.rules.forEach((r, i) => body.push({ chain: c.name, comment: { texts, index: i }, body: ruleBody(r) }));
      }
      lastChains.set(c.name, c.rules);
      out.push(ch('chain', prev ? 'changed' : 'added', `${table} ${c.name} (${c.rules.length} rules)`));
    }
    if (last.chains.length > 0) {
      const keep = new Set(want.chains.map((c) => c.name));
      for (const c of last.chains) {
        if (keep.has(c.name)) continue;
        lastChains.delete(c.name);
        if (!present.has(c.name)) continue;
        flushes.push(`-F ${c.name}`);
        deletes.push(`-X ${c.name}`);
        out.push(ch('chain', 'removed', `${table} ${c.name}`));
      }
    }
    // Built-in chains: remove our previous jumps where they differ (or went missing), then insert/append ours.
    for (const kind of ['inserts', 'appends'] as const) {
      const wantKind = want[kind];
      const lastKind = last[kind];
      const chains = new Set([...Object.keys(wantKind), ...Object.keys(lastKind)]);
      for (const b of chains) {
        const now = builtinLines(kind, b, wantKind[b] ?? NO_RULES);
        const key = `${table}/${kind}/${b}`;
        const before = this.lastLines.get(key) ?? NO_LINES;
        // The cali: comments the built-in chain holds now (a user may have flushed or edited it).
        const held = caliComments(present.get(b));
        const have = (line: string): boolean => lineHasComment(line, held);
        if (sameLines(before, now) && now.every(have)) continue;
        for (const l of before) if (have(l)) body.push(l.replace(/^-[IA] (\S+)(?: \d+)?/, '-D $1'));
        for (const l of now) body.push(l);
        this.lastLines.set(key, now);
        if (now.length) out.push(ch('rule', before.length ? 'changed' : 'added', `${table} ${b}: ${now.length} cali rule(s) ${kind === 'inserts' ? 'at the top' : 'at the end'}`));
      }
    }
    if (!decl.length && !body.length && !flushes.length) return;
    // Loops, not a spread call: spreading arrays into a call takes V8's iterator path (an
    // iterator result per element; the body holds every rule of the pass).
    items.push(`*${table}`);
    for (const part of [decl, body, flushes, deletes]) for (const x of part) items.push(x);
    items.push('COMMIT');
  }
}
