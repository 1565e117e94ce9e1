/**
 * `iptables` argv → a command plus a RuleSpec, with iptables 1.8.9's error texts.
 *
 * Parsing follows iptables' getopt loop: `!` negates the next option; `-m NAME` loads a
 * match whose options become valid afterwards; `-p tcp|udp|icmp` makes that protocol's
 * match options valid (loaded implicitly at first use, which fixes its print position);
 * `-j TARGET` makes the target's options valid (parse-target.ts). Argument values and the
 * usage-error shape live in parse-values.ts.
 */
import { ADDR_TYPES, CT_STATES, NfError, isTableName } from './rules.ts';
import type { Match, PortMatch, RuleSpec, TableName } from './rules.ts';
import { ICMP_TYPES, parseTcpFlags, protoNumber } from './names.ts';
import { TRY, parseAddr, parsePortRange, parseValueMask, usage } from './parse-values.ts';
import { parseTargetName, targetOption } from './parse-target.ts';

export type IptCommand = 'A' | 'I' | 'D' | 'R' | 'N' | 'X' | 'F' | 'P' | 'Z' | 'L' | 'S' | 'E';

/** A parsed `iptables` invocation. */
export interface IptInvocation {
  table: TableName;
  command: IptCommand;
  chain?: string;
  /** -I/-R/-D/-L/-S rule number. */
  ruleNum?: number;
  /** -P policy, -E new name. */
  arg?: string;
  spec: RuleSpec;
  /** -D given a rule spec rather than a number. */
  hasSpec: boolean;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  /** -L -Z: zero after listing. */
  zeroToo: boolean;
}

const COMMANDS: Record<string, IptCommand> = {
  '-A': 'A', '--append': 'A', '-I': 'I', '--insert': 'I', '-D': 'D', '--delete': 'D', '-R': 'R', '--replace': 'R',
  '-N': 'N', '--new-chain': 'N', '-X': 'X', '--delete-chain': 'X', '-F': 'F', '--flush': 'F', '-P': 'P', '--policy': 'P',
  '-Z': 'Z', '--zero': 'Z', '-L': 'L', '--list': 'L', '-S': 'S', '--list-rules': 'S', '-E': 'E', '--rename-chain': 'E',
};

/** Loaded match modules by name, in load order (the order they print in). */
type MatchSlot = { match: Match };

/**
 * Parses a full `iptables` argv (without the program name). `setExists` checks
 * `--match-set` names, as the kernel refuses rules naming missing sets.
 */
export function parseIptables(argv: readonly string[], setExists: (name: string) => boolean): IptInvocation {
  const inv: IptInvocation = {
    table: 'filter', command: 'L', spec: { matches: [] }, hasSpec: false,
    numeric: false, verbose: false, exact: false, lineNumbers: false, zeroToo: false,
  };
  let haveCommand = false;
  const spec = inv.spec;
  const loaded = new Map<string, MatchSlot>();
  const order: MatchSlot[] = [];
  let addrtypeKey = 'addrtype:0';
  let statisticKey = 'statistic:0';
  let recentKey = 'recent:0';
  let neg = false;
  let i = 0;
  const next = (opt: string): string => {
    const v = argv[++i];
    if (v === undefined) throw usage(`option "${opt}" requires an argument`);
    return v;
  };
  const optional = (): string | undefined => {
    const v = argv[i + 1];
    if (v === undefined || (v.startsWith('-') && v !== '-') || v === '!') return undefined;
    i++;
    return v;
  };
  const load = <M extends Match>(name: string, init: () => M): M => {
    let slot = loaded.get(name);
    if (!slot) {
      slot = { match: init() };
      loaded.set(name, slot);
      order.push(slot);
    }
    return slot.match as M;
  };
  const takeNeg = (): boolean => { const n = neg; neg = false; return n; };
  const noNeg = (opt: string): void => {
    if (neg) throw usage(`unexpected \`!' before ${opt}`);
  };
  const protoName = (): string | undefined =>
    spec.proto === 6 && !spec.protoNeg ? 'tcp' : spec.proto === 17 && !spec.protoNeg ? 'udp'
      : spec.proto === 1 && !spec.protoNeg ? 'icmp' : spec.proto === 132 && !spec.protoNeg ? 'sctp' : undefined;
  const mod = (name: string): boolean => loaded.has(name) || protoName() === name;

  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '!') {
      if (neg) throw usage('multiple `!\' flags not allowed');
      neg = true;
      continue;
    }
    const cmd = COMMANDS[a];
    if (cmd) {
      if (haveCommand) throw usage('Cannot use more than one command');
      haveCommand = true;
      inv.command = cmd;
      if (cmd === 'A' || cmd === 'I' || cmd === 'D' || cmd === 'R' || cmd === 'N' || cmd === 'P' || cmd === 'E') {
        inv.chain = next(a);
        if (cmd === 'I') {
          const n = argv[i + 1];
          if (n !== undefined && /^\d+$/.test(n)) { inv.ruleNum = Number(n); i++; }
        } else if (cmd === 'R') {
          const n = next(a);
          if (!/^\d+$/.test(n)) throw usage(`Invalid rule number \`${n}'`);
          inv.ruleNum = Number(n);
        } else if (cmd === 'D') {
          const n = argv[i + 1];
          if (n !== undefined && /^\d+$/.test(n)) { inv.ruleNum = Number(n); i++; }
        } else if (cmd === 'P' || cmd === 'E') {
          inv.arg = next(a);
        }
      } else {
        inv.chain = optional();
        if ((cmd === 'L' || cmd === 'S') && inv.chain !== undefined) {
          const n = argv[i + 1];
          if (n !== undefined && /^\d+$/.test(n)) { inv.ruleNum = Number(n); i++; }
        }
      }
      continue;
    }
    switch (a) {
      case '-t': case '--table': {
        const t = next(a);
        if (!isTableName(t)) throw new NfError(`iptables v1.8.9 (nf_tables): table '${t}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.`, 3);
        inv.table = t;
        continue;
      }
      case '-n': case '--numeric': inv.numeric = true; continue;
      case '-v': case '--verbose': inv.verbose = true; continue;
      case '-x': case '--exact': inv.exact = true; continue;
      case '--line-numbers': inv.lineNumbers = true; continue;
      case '-w': case '--wait': optional(); continue;
      case '-W': case '--wait-interval': next(a); continue;
      case '-s': case '--source': case '--src':
      case '-d': case '--destination': case '--dst': {
        const isSrc = a === '-s' || a === '--source' || a === '--src';
        if (isSrc ? spec.src : spec.dst) throw usage(`multiple -${isSrc ? 's' : 'd'} flags not allowed`);
        const p = parseAddr(next(a));
        const n = takeNeg();
        // `-s 0.0.0.0/0` matches everything; iptables drops it from the rule.
        if (p.len === 0 && !n) { inv.hasSpec = true; continue; }
        if (isSrc) { spec.src = p; spec.srcNeg = n; } else { spec.dst = p; spec.dstNeg = n; }
        inv.hasSpec = true;
        continue;
      }
      case '-i': case '--in-interface': case '-o': case '--out-interface': {
        const isIn = a === '-i' || a === '--in-interface';
        if (isIn ? spec.inIface !== undefined : spec.outIface !== undefined) throw usage(`multiple -${isIn ? 'i' : 'o'} flags not allowed`);
        const v = next(a);
        if (v.length > 15) throw usage(`interface name \`${v}' must be shorter than IFNAMSIZ (15)`);
        if (isIn) { spec.inIface = v; spec.inNeg = takeNeg(); } else { spec.outIface = v; spec.outNeg = takeNeg(); }
        inv.hasSpec = true;
        continue;
      }
      case '-p': case '--protocol': {
        if (spec.proto !== undefined) throw usage('multiple -p flags not allowed');
        const v = next(a);
        const p = protoNumber(v);
        if (p === undefined) throw usage(`unknown protocol "${v}" specified`);
        spec.proto = p;
        spec.protoNeg = takeNeg();
        inv.hasSpec = true;
        continue;
      }
      case '-m': case '--match': {
        noNeg(a);
        const name = next(a);
        inv.hasSpec = true;
        switch (name) {
          case 'tcp': case 'udp': case 'sctp': load(name, () => ({ m: name })); break;
          case 'icmp': load('icmp', () => ({ m: 'icmp', type: 255, neg: false })); break;
          case 'addrtype':
            // Each `-m addrtype` is its own instance; the options after it configure that one
            // (Felix writes `-m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL`).
            addrtypeKey = `addrtype:${order.length}`;
            loaded.set('addrtype?', { match: { m: 'comment', comment: '' } });
            break;
          case 'statistic':
            // Like addrtype, each `-m statistic` is its own instance for the options after it.
            statisticKey = `statistic:${order.length}`;
            loaded.set('statistic?', { match: { m: 'comment', comment: '' } });
            break;
          case 'recent':
            recentKey = `recent:${order.length}`;
            loaded.set('recent?', { match: { m: 'comment', comment: '' } });
            break;
          case 'multiport': case 'conntrack': case 'set': case 'mark': case 'comment':
            loaded.set(`${name}?`, { match: { m: 'comment', comment: '' } });
            break;
          default:
            throw usage(`Couldn't load match \`${name}':No such file or directory`);
        }
        continue;
      }
      case '-j': case '--jump': case '-g': case '--goto': {
        noNeg(a);
        if (spec.target) throw usage('multiple -j flags not allowed');
        spec.target = parseTargetName(next(a), a === '-g' || a === '--goto');
        inv.hasSpec = true;
        continue;
      }
    }
    // Module and target options.
    inv.hasSpec = true;
    const n = neg;
    neg = false;
    const t = spec.target;
    // Targets' options.
    if (t && targetOption(t, a, next, () => {
      if (spec.proto !== 6 && spec.proto !== 17 && spec.proto !== 132) throw usage('Need TCP, UDP, SCTP or DCCP with port specification');
    })) continue;
    if ((a === '--sport' || a === '--source-port' || a === '--dport' || a === '--destination-port') && (mod('tcp') || mod('udp') || mod('sctp'))) {
      const name = mod('tcp') ? 'tcp' : mod('udp') ? 'udp' : 'sctp';
      const m = load(name, () => ({ m: name as PortMatch['m'] })) as PortMatch;
      const r = parsePortRange(next(a));
      if (a === '--sport' || a === '--source-port') { m.sport = r; m.sportNeg = n; } else { m.dport = r; m.dportNeg = n; }
      continue;
    }
    if ((a === '--tcp-flags' || a === '--syn') && mod('tcp')) {
      const m = load('tcp', () => ({ m: 'tcp' as const })) as PortMatch;
      if (a === '--syn') { m.flags = { mask: 0x17, comp: 0x02, neg: n }; continue; }
      const maskText = next(a);
      const compText = next(a);
      const mask = parseTcpFlags(maskText);
      const comp = parseTcpFlags(compText);
      if (mask === undefined || comp === undefined) {
        const bad = (mask === undefined ? maskText : compText).split(',').find((f) => parseTcpFlags(f) === undefined);
        throw usage(`Unknown TCP flag \`${bad}'`);
      }
      m.flags = { mask, comp, neg: n };
      continue;
    }
    if (a === '--icmp-type' && mod('icmp')) {
      const m = load('icmp', () => ({ m: 'icmp' as const, type: 255, neg: false })) as Match & { m: 'icmp' };
      const v = next(a);
      const named = ICMP_TYPES.get(v);
      if (named) { m.type = named[0]; m.code = named[1]; } else {
        const mm = /^(\d+)(?:\/(\d+))?$/.exec(v);
        if (!mm || Number(mm[1]) > 255 || (mm[2] !== undefined && Number(mm[2]) > 255)) throw usage(`Invalid ICMP type \`${v}'`);
        m.type = Number(mm[1]);
        m.code = mm[2] === undefined ? undefined : Number(mm[2]);
      }
      m.neg = n;
      continue;
    }
    if ((a === '--dports' || a === '--destination-ports' || a === '--sports' || a === '--source-ports' || a === '--ports') && loaded.has('multiport?')) {
      if (spec.protoNeg || (spec.proto !== 6 && spec.proto !== 17 && spec.proto !== 132 && spec.proto !== 136)) {
        throw usage("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
      }
      const dir = a === '--ports' ? 'ports' : a.includes('d') && !a.includes('source') ? 'dports' : 'sports';
      const list = next(a).split(',').map((p) => parsePortRange(p));
      if (list.reduce((k, p) => k + (p.lo === p.hi ? 1 : 2), 0) > 15) throw usage('too many ports specified');
      load(`multiport:${order.length}`, () => ({ m: 'multiport', dir, ports: list, neg: n }));
      continue;
    }
    if ((a === '--ctstate') && loaded.has('conntrack?')) {
      let states = 0;
      for (const s of next(a).split(',')) {
        const k = CT_STATES.indexOf(s.toUpperCase() as (typeof CT_STATES)[number]);
        if (k < 0) throw usage(`Bad ctstate "${s}"`);
        states |= 1 << k;
      }
      load('conntrack', () => ({ m: 'conntrack', states, neg: n }));
      continue;
    }
    if (a === '--match-set' && loaded.has('set?')) {
      const name = next(a);
      const flagsText = next(a);
      if (!setExists(name)) throw new NfError(`iptables v1.8.9 (nf_tables): Set ${name} doesn't exist.\n\n${TRY}`, 2);
      const flags = flagsText.split(',');
      if (flags.some((f) => f !== 'src' && f !== 'dst')) throw usage(`You must specify (the comma separated list of) 'src' or 'dst'.`);
      load(`set:${order.length}`, () => ({ m: 'set', name, flags: flags as ('src' | 'dst')[], neg: n }));
      continue;
    }
    if (a === '--mark' && loaded.has('mark?')) {
      const [value, mask] = parseValueMask(next(a), '--mark', 'mark');
      load(`mark:${order.length}`, () => ({ m: 'mark', value, mask: mask ?? 0xffffffff, neg: n }));
      continue;
    }
    if (a === '--comment' && loaded.has('comment?')) {
      const comment = next(a);
      if (comment.length > 255) throw usage('COMMENT must be shorter than 256 characters');
      load(`comment:${order.length}`, () => ({ m: 'comment', comment }));
      continue;
    }
    if ((a === '--mode' || a === '--probability' || a === '--every' || a === '--packet') && loaded.has('statistic?')) {
      const v = next(a);
      const m = load(statisticKey, (): Match & { m: 'statistic' } => ({ m: 'statistic', mode: 'random', probability: -1, neg: false }));
      if (a === '--mode') {
        if (v === 'nth') throw usage('statistic: podlab models --mode random only (nth keeps a per-rule counter it does not simulate)');
        if (v !== 'random') throw usage(`Bad mode "${v}"`);
      } else if (a === '--probability') {
        const p = Number(v);
        if (!/^[0-9.]+$/.test(v) || !(p >= 0 && p <= 1)) throw usage(`--probability must be between 0 and 1`);
        m.probability = Math.round(0x80000000 * p);
        m.neg = n;
      } else throw usage('statistic: podlab models --mode random only (--every/--packet belong to --mode nth)');
      continue;
    }
    if (['--set', '--rcheck', '--update', '--remove', '--seconds', '--reap', '--name', '--mask', '--rsource', '--rdest', '--hitcount', '--rttl'].includes(a) && loaded.has('recent?')) {
      const m = load(recentKey, (): Match & { m: 'recent' } => ({ m: 'recent', op: 'set', name: 'DEFAULT', reap: false, mask: '255.255.255.255', neg: false }));
      if (a === '--set' || a === '--rcheck' || a === '--update' || a === '--remove') { m.op = a.slice(2) as typeof m.op; m.neg = n; }
      else if (a === '--seconds') {
        const v = next(a);
        if (!/^\d+$/.test(v)) throw usage(`recent: bad value for option "--seconds", or out of range (${v})`);
        m.seconds = Number(v);
      } else if (a === '--reap') m.reap = true;
      else if (a === '--name') m.name = next(a);
      else if (a === '--mask') {
        m.mask = next(a);
        if (m.mask !== '255.255.255.255') throw usage('recent: podlab models --mask 255.255.255.255 only');
      } else if (a === '--rsource') { /* the default side */ }
      else throw usage(`recent: podlab models --rsource lists without ${a}`);
      continue;
    }
    if ((a === '--src-type' || a === '--dst-type' || a === '--limit-iface-in' || a === '--limit-iface-out') && loaded.has('addrtype?')) {
      const m = load(addrtypeKey, () => ({ m: 'addrtype' as const })) as Match & { m: 'addrtype' };
      if (a === '--limit-iface-in') { m.limitIn = true; continue; }
      if (a === '--limit-iface-out') { m.limitOut = true; continue; }
      let types = 0;
      for (const s of next(a).split(',')) {
        const k = ADDR_TYPES.indexOf(s.toUpperCase() as (typeof ADDR_TYPES)[number]);
        if (k < 0) throw usage(`addrtype: bad type "${s}"`);
        types |= 1 << k;
      }
      if (a === '--src-type') m.src = { types, neg: n }; else m.dst = { types, neg: n };
      continue;
    }
    // Also a protocol option given before its -p/-m: iptables does not know it yet either.
    throw usage(`unknown option "${a}"`);
  }
  if (neg) throw usage("Invalid argument '!'");
  if (!haveCommand) throw usage('no command specified');
  spec.matches = order.map((s) => s.match);
  for (const m of spec.matches) {
    // libxt_statistic's final check: random mode needs a probability.
    if (m.m === 'statistic' && m.probability < 0) throw usage('no --probability given for random mode');
  }
  checkHooks(inv);
  return inv;
}

function checkHooks(inv: IptInvocation): void {
  const c = inv.chain;
  const s = inv.spec;
  if (s.outIface !== undefined && (c === 'INPUT' || c === 'PREROUTING')) {
    throw new NfError(`iptables v1.8.9 (nf_tables): Can't use -o with ${c}\n\n${TRY}`, 2);
  }
  if (s.inIface !== undefined && (c === 'OUTPUT' || c === 'POSTROUTING')) {
    throw new NfError(`iptables v1.8.9 (nf_tables): Can't use -i with ${c}\n\n${TRY}`, 2);
  }
}
