/**
 * The iptables data model: tables, chains, rules, matches and targets.
 *
 * A rule is kept in the structured form iptables-nft reads back from the kernel, so that
 * `iptables-save` / `iptables -S` print it canonically (`-s`/`-d`/`-i`/`-o`/`-p` first, then
 * match modules in the order they first appeared, then the target) whatever order the user
 * typed. Tables exist lazily like nf_tables tables: a table shows up in `iptables-save` once
 * something was written to it (a rule, a chain or a policy), as iptables-nft 1.8.9 does.
 */
import type { IPv4, Prefix4 } from '../../net/ip.ts';
import type { NfHook } from '../types.ts';
import { internString, internValue } from './intern.ts';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';

/** Tables in the order iptables-nft's save walks them (its table enum: mangle, raw, filter, nat). */
export const SAVE_ORDER: readonly TableName[] = ['mangle', 'raw', 'filter', 'nat'];

/** Built-in chains per table, in the order iptables lists them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly NfHook[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Conntrack states a rule can name, in the bit order `--ctstate` prints them. */
export const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;
export type CtStateName = (typeof CT_STATES)[number];

/** A port or an inclusive port range. */
export interface PortRange { lo: number; hi: number }

/** addrtype types in the kernel's bit order (XT_ADDRTYPE_*). */
export const ADDR_TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE',
  'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'] as const;
export type AddrType = (typeof ADDR_TYPES)[number];

/** A match module instance (`-m NAME ...`), including the implicit tcp/udp/icmp ones. */
export interface PortMatch {
  m: 'tcp' | 'udp' | 'sctp';
  sport?: PortRange; sportNeg?: boolean; dport?: PortRange; dportNeg?: boolean;
  /** --tcp-flags MASK COMP (tcp only). */
  flags?: { mask: number; comp: number; neg: boolean };
}

export type Match =
  | PortMatch
  | { m: 'icmp'; type: number; code?: number; neg: boolean }
  | { m: 'multiport'; dir: 'sports' | 'dports' | 'ports'; ports: PortRange[]; neg: boolean }
  | { m: 'conntrack'; states: number; neg: boolean }
  | { m: 'set'; name: string; flags: ('src' | 'dst')[]; neg: boolean }
  | { m: 'mark'; value: number; mask: number; neg: boolean }
  | { m: 'comment'; comment: string }
  | { m: 'addrtype'; src?: { types: number; neg: boolean }; dst?: { types: number; neg: boolean };
      limitIn?: boolean; limitOut?: boolean }
  /**
   * `-m statistic --mode random --probability P`: P kept as the kernel keeps it, a u32 out of
   * 2^31 (libxt_statistic: lround(0x80000000 * P)), so save prints what iptables prints.
   */
  | { m: 'statistic'; mode: 'random'; probability: number; neg: boolean }
  /**
   * `-m recent` (xt_recent) as kube-proxy writes it for sessionAffinity: ClientIP — `--set`
   * records the source address in list `name`; `--rcheck --seconds S --reap` matches when it
   * was recorded less than S seconds ago. Only `--rsource` with a /32 mask is modelled.
   */
  | { m: 'recent'; op: 'set' | 'rcheck' | 'update' | 'remove'; name: string; seconds?: number; reap: boolean; mask: string; neg: boolean };

/** REJECT --reject-with types we model, with the ICMP code each sends (tcp-reset: -1, a RST). */
export const REJECT_WITH: Readonly<Record<string, number>> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
  'tcp-reset': -1,
};

/** NAT target range: `ADDR[-ADDR][:PORT[-PORT]]`. */
export interface NatRange { minIp: IPv4; maxIp: IPv4; minPort?: number; maxPort?: number }

/** A rule's target (`-j` / `-g`); absent target = the rule only counts. */
export type Target =
  | { t: 'ACCEPT' | 'DROP' | 'RETURN' | 'NOTRACK' }
  | { t: 'jump' | 'goto'; chain: string }
  | { t: 'REJECT'; with: string }
  | { t: 'LOG'; prefix?: string; level: number }
  /** MARK is always stored as --set-xmark: mark = (mark & ~mask) ^ value. */
  | { t: 'MARK'; value: number; mask: number }
  | { t: 'CT'; notrack: true }
  | { t: 'MASQUERADE'; randomFully: boolean; ports?: PortRange }
  | { t: 'SNAT'; to: NatRange; randomFully: boolean }
  | { t: 'DNAT'; to: NatRange };

/** The fixed part of an ipt_entry plus its matches and target. */
export interface RuleSpec {
  src?: Prefix4; srcNeg?: boolean;
  dst?: Prefix4; dstNeg?: boolean;
  inIface?: string; inNeg?: boolean;
  outIface?: string; outNeg?: boolean;
  /** IP protocol number; absent = all. */
  proto?: number; protoNeg?: boolean;
  matches: Match[];
  target?: Target;
}

/** A rule in a chain, with its counters. */
export interface Rule extends RuleSpec {
  packets: number;
  bytes: number;
  /**
   * The matches a packet is tested against: `matches` without its comments (they always
   * match), shared by every rule with the same list. Absent on a rule built elsewhere: then
   * `matches`.
   */
  checks?: readonly Match[];
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains only. */
  policy?: 'ACCEPT' | 'DROP';
  /** Policy counters (what `:INPUT ACCEPT [p:b]` shows). */
  packets: number;
  bytes: number;
  rules: Rule[];
}

export interface Table {
  name: TableName;
  /** False until something was written to it (nf_tables creates tables on first use). */
  present: boolean;
  chains: Map<string, Chain>;
}

/** A failure with the text and exit status iptables gives for the same mistake. */
export class NfError extends Error {
  override name = 'NfError';
  constructor(message: string, readonly code = 1) { super(message); }
}

const NO_CHAIN = 'iptables: No chain/target/match by that name.';

/** Creates the four tables with their built-in chains (ACCEPT policies), none present yet. */
export function newTables(): Map<TableName, Table> {
  const tables = new Map<TableName, Table>();
  for (const name of SAVE_ORDER) {
    const chains = new Map<string, Chain>();
    for (const c of BUILTIN_CHAINS[name]) {
      chains.set(c, { name: c, builtin: true, policy: 'ACCEPT', packets: 0, bytes: 0, rules: [] });
    }
    tables.set(name, { name, present: false, chains });
  }
  return tables;
}

/** True for a table name iptables knows. */
export function isTableName(name: string): name is TableName {
  return name === 'raw' || name === 'mangle' || name === 'nat' || name === 'filter';
}

/**
 * One namespace's rule set with the mutations `iptables` performs. Every method throws
 * NfError carrying iptables' own message when the real command would fail.
 */
export class Ruleset {
  readonly tables = newTables();

  /** The table object (always exists; `present` says whether it is shown). */
  table(name: TableName): Table {
    return this.tables.get(name)!;
  }

  /** The chain, or NfError "No chain/target/match by that name.". */
  chain(table: TableName, name: string): Chain {
    const c = this.table(table).chains.get(name);
    if (!c) throw new NfError(NO_CHAIN);
    return c;
  }

  /** `-A`: appends a rule. */
  append(table: TableName, chain: string, spec: RuleSpec): void {
    const c = this.chain(table, chain);
    this.checkTarget(table, chain, spec, 'RULE_APPEND');
    c.rules.push(fresh(spec));
    this.touch(table);
  }

  /** `-I chain [n]`: inserts at 1-based position n (default 1). */
  insert(table: TableName, chain: string, spec: RuleSpec, n = 1): void {
    const c = this.chain(table, chain);
    if (n < 1 || n > c.rules.length + 1) throw new NfError('iptables: Index of insertion too big.');
    this.checkTarget(table, chain, spec, 'RULE_INSERT');
    c.rules.splice(n - 1, 0, fresh(spec));
    this.touch(table);
  }

  /** `-R chain n`: replaces rule n. */
  replace(table: TableName, chain: string, n: number, spec: RuleSpec): void {
    const c = this.chain(table, chain);
    if (n < 1 || n > c.rules.length) throw new NfError('iptables: Index of replacement too big.');
    this.checkTarget(table, chain, spec, 'RULE_REPLACE');
    c.rules[n - 1] = fresh(spec);
    this.touch(table);
  }

  /** `-D chain n`. */
  deleteAt(table: TableName, chain: string, n: number): void {
    const c = this.chain(table, chain);
    if (n < 1 || n > c.rules.length) throw new NfError('iptables: Index of deletion too big.');
    c.rules.splice(n - 1, 1);
  }

  /** `-D chain rulespec`: deletes the first rule equal to spec (compared as iptables-save prints them). */
  deleteMatching(table: TableName, chain: string, spec: RuleSpec, key: (r: RuleSpec) => string): void {
    const c = this.chain(table, chain);
    const want = key(spec);
    const i = c.rules.findIndex((r) => key(r) === want);
    if (i < 0) throw new NfError('iptables: Bad rule (does a matching rule exist in that chain?).');
    c.rules.splice(i, 1);
  }

  /** `-N`: creates a user chain. */
  newChain(table: TableName, name: string): void {
    const t = this.table(table);
    if (t.chains.has(name)) throw new NfError('iptables: Chain already exists.');
    if (name.length > 28) throw new NfError(`iptables v1.8.9 (nf_tables): chain name \`${name}' too long (must be under 29 chars)`, 2);
    if (name.startsWith('-') || name.startsWith('!')) throw new NfError(`iptables v1.8.9 (nf_tables): chain name not allowed to start with \`${name[0]}'`, 2);
    const own = internString(name); // a chain name cut from a restore input would keep the input
    t.chains.set(own, { name: own, builtin: false, packets: 0, bytes: 0, rules: [] });
    this.touch(table);
  }

  /** `-X [chain]`: deletes one user chain, or every unreferenced empty user chain. */
  deleteChain(table: TableName, name?: string): void {
    const t = this.table(table);
    if (name === undefined) {
      for (const c of [...t.chains.values()]) {
        if (!c.builtin && this.references(table, c.name) === 0 && c.rules.length === 0) t.chains.delete(c.name);
      }
      return;
    }
    const c = t.chains.get(name);
    if (!c) throw new NfError(NO_CHAIN);
    if (c.builtin || this.references(table, name) > 0 || c.rules.length > 0) {
      throw new NfError(`iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain ${name}`, 4);
    }
    t.chains.delete(name);
  }

  /** `-F [chain]`. */
  flush(table: TableName, name?: string): void {
    if (name === undefined) {
      for (const c of this.table(table).chains.values()) c.rules = [];
      return;
    }
    this.chain(table, name).rules = [];
  }

  /** `-P chain ACCEPT|DROP`. */
  setPolicy(table: TableName, name: string, policy: string): void {
    const c = this.table(table).chains.get(name);
    if (!c || !c.builtin) throw new NfError('iptables: Bad built-in chain name.');
    if (policy !== 'ACCEPT' && policy !== 'DROP') throw new NfError("iptables: Bad policy name. Run `dmesg' for more information.");
    c.policy = policy;
    this.touch(table);
  }

  /** `-Z [chain]`: zeroes rule and policy counters. */
  zero(table: TableName, name?: string): void {
    const chains = name === undefined ? [...this.table(table).chains.values()] : [this.chain(table, name)];
    for (const c of chains) {
      c.packets = 0;
      c.bytes = 0;
      for (const r of c.rules) { r.packets = 0; r.bytes = 0; }
    }
  }

  /** How many rules jump or go to the chain (the "N references" of `-L`). */
  references(table: TableName, name: string): number {
    let n = 0;
    for (const c of this.table(table).chains.values()) {
      for (const r of c.rules) {
        if (r.target && (r.target.t === 'jump' || r.target.t === 'goto') && r.target.chain === name) n++;
      }
    }
    return n;
  }

  /** Chains in listing order: built-ins in hook order, then user chains sorted by strcmp. */
  orderedChains(table: TableName): Chain[] {
    const all = [...this.table(table).chains.values()];
    const builtin = all.filter((c) => c.builtin);
    const user = all.filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return [...builtin, ...user];
  }

  private touch(table: TableName): void {
    this.table(table).present = true;
  }

  /** The kernel refuses jumps to missing chains and targets used outside their tables. */
  private checkTarget(table: TableName, chain: string, spec: RuleSpec, op: string): void {
    const t = spec.target;
    if (!t) return;
    if ((t.t === 'jump' || t.t === 'goto') && !this.table(table).chains.has(t.chain)) {
      throw new NfError(`iptables v1.8.9 (nf_tables): Chain '${t.chain}' does not exist\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
    }
    const natOnly = t.t === 'MASQUERADE' || t.t === 'SNAT' || t.t === 'DNAT';
    const rawOnly = t.t === 'NOTRACK' || t.t === 'CT';
    // Hook restrictions of the NAT targets (xt_nat/xt_MASQUERADE .hooks), checked on built-ins.
    const hookOk = !BUILTIN_CHAINS[table].includes(chain as NfHook)
      || (t.t === 'DNAT' ? chain === 'PREROUTING' || chain === 'OUTPUT'
        : t.t === 'SNAT' ? chain === 'POSTROUTING' || chain === 'INPUT'
          : t.t === 'MASQUERADE' ? chain === 'POSTROUTING'
            : t.t === 'REJECT' ? chain === 'INPUT' || chain === 'FORWARD' || chain === 'OUTPUT' : true);
    if ((natOnly && table !== 'nat') || (rawOnly && table !== 'raw') || !hookOk) {
      throw new NfError(`iptables v1.8.9 (nf_tables):  ${op} failed (Invalid argument): rule in chain ${chain}`, 4);
    }
  }
}

/**
 * A match shared with equal ones. A comment is mostly Felix's `cali:<hash>`, unique to its
 * rule: only its text is shared (keying the whole match would cost more than it saves).
 * A frozen match is one already shared (nothing else here freezes one): kept as it is.
 */
function sharedMatch(m: Match): Match {
  if (Object.isFrozen(m)) return m;
  return m.m === 'comment' ? Object.freeze({ m: 'comment', comment: internString(m.comment) }) : internValue(m);
}

/** The parts of a spec as shared, frozen values (intern.ts); frozen ones are already. */
function shareParts<T extends RuleSpec>(r: T, spec: RuleSpec): T {
  if (spec.src && !Object.isFrozen(spec.src)) r.src = internValue(spec.src);
  if (spec.dst && !Object.isFrozen(spec.dst)) r.dst = internValue(spec.dst);
  if (spec.inIface !== undefined) r.inIface = internString(spec.inIface);
  if (spec.outIface !== undefined) r.outIface = internString(spec.outIface);
  if (spec.target && !Object.isFrozen(spec.target)) r.target = internValue(spec.target);
  return r;
}

/**
 * `s` with other matches. Every field written out, in RuleSpec's order, not `{ ...s, matches }`:
 * V8 (Node 20) gives nearly every spread-plus-fields copy a hidden class of its own, and the
 * readers of specs then miss their inline caches.
 */
export function specWithMatches(s: RuleSpec, matches: Match[]): RuleSpec {
  return {
    src: s.src, srcNeg: s.srcNeg, dst: s.dst, dstNeg: s.dstNeg, inIface: s.inIface, inNeg: s.inNeg, outIface: s.outIface, outNeg: s.outNeg,
    proto: s.proto, protoNeg: s.protoNeg, matches, target: s.target,
  };
}

/**
 * A spec made of shared parts and frozen itself, matches list included: one parse of a rule
 * that many chains repeat (iptables-restore's body cache) serves every rule made from it.
 */
export function sharedRuleSpec(spec: RuleSpec): RuleSpec {
  const r = shareParts(specWithMatches(spec, Object.freeze(spec.matches.map(sharedMatch)) as Match[]), spec);
  return Object.freeze(r);
}

/**
 * A rule of its own (counters) over shared, frozen parts (intern.ts): every node holds the same rules.
 * Every rule has every field, in one order (undefined when absent): the packet path reads rules
 * of one object shape, where rules spread from their specs took as many shapes as combinations of
 * fields and made every property read in ruleMatches a megamorphic lookup.
 */
function fresh(spec: RuleSpec): Rule {
  // A frozen matches list is a shared one (sharedRuleSpec): nothing edits a rule's list in place.
  const matches = Object.isFrozen(spec.matches) ? spec.matches : spec.matches.map(sharedMatch);
  const r: Rule = {
    src: spec.src, srcNeg: spec.srcNeg, dst: spec.dst, dstNeg: spec.dstNeg,
    inIface: spec.inIface, inNeg: spec.inNeg, outIface: spec.outIface, outNeg: spec.outNeg,
    proto: spec.proto, protoNeg: spec.protoNeg, matches, target: spec.target, packets: 0, bytes: 0,
    checks: checksOf(matches),
  };
  return shareParts(r, spec);
}

const NO_CHECKS: readonly Match[] = Object.freeze([]);
/** checksOf's answers for shared (frozen) match lists, which every namespace's rules reuse. */
const checksByList = new WeakMap<readonly Match[], readonly Match[]>();
/**
 * Comment-free lists made so far, by their first match (a shared, frozen object): a restored
 * Felix rule gets a list of its own (its `cali:` comment, then the shared body's matches),
 * and every namespace's copy of it should still point at one list of checks.
 */
const checksByFirst = new WeakMap<Match, (readonly Match[])[]>();

/** A match list without its comments (the same list when it has none), shared where its matches are. */
function checksOf(matches: readonly Match[]): readonly Match[] {
  const known = checksByList.get(matches);
  if (known) return known;
  let comments = 0;
  let first: Match | undefined;
  for (const m of matches) {
    if (m.m === 'comment') comments++;
    else first ??= m;
  }
  let out: readonly Match[] = matches;
  if (comments > 0) out = first === undefined ? NO_CHECKS : sameList(matches, first, matches.length - comments);
  if (Object.isFrozen(matches)) checksByList.set(matches, out);
  return out;
}

/** True when `list` is `matches` without its comments (element by element, by identity). */
function isChecksOf(list: readonly Match[], matches: readonly Match[], n: number): boolean {
  if (list.length !== n) return false;
  let i = 0;
  for (const m of matches) {
    if (m.m === 'comment') continue;
    if (list[i++] !== m) return false;
  }
  return true;
}

/** The list already made of `matches` without comments (`n` of them, the first `first`), or a new one, remembered. */
function sameList(matches: readonly Match[], first: Match, n: number): readonly Match[] {
  const frozen = Object.isFrozen(first);
  let lists = frozen ? checksByFirst.get(first) : undefined;
  if (lists) for (const l of lists) if (isChecksOf(l, matches, n)) return l;
  const out = Object.freeze(matches.filter((m) => m.m !== 'comment'));
  if (!frozen) return out;
  if (!lists) checksByFirst.set(first, (lists = []));
  // Bounded: a first match shared by very many different lists stops being remembered past 64.
  if (lists.length < 64) lists.push(out);
  return out;
}
