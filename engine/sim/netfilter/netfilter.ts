/**
 * The netfilter instance of one simulated namespace: the PacketFilter the kernel calls at
 * each hook. Per hook it runs, in the kernel's priority order,
 *   PREROUTING / OUTPUT: raw → conntrack → mangle → nat (dst manip)
 *   INPUT:               mangle → filter → nat (src manip) → conntrack confirm
 *   FORWARD:             mangle → filter
 *   POSTROUTING:         mangle → nat (src manip) → conntrack confirm
 * The nat table is walked only for the first packet of a flow; its binding is stored on the
 * conntrack entry and applied to every later packet and reply.
 */
import type { IPv4 } from '../../net/ip.ts';
import type { Ipv4Packet } from '../../net/packet.ts';
import type { NfContext, NfHook, NfResult, PacketFilter } from '../types.ts';
import { Conntrack } from './conntrack.ts';
import type { CtDir, CtEntry } from './conntrack.ts';
import { formatRule } from './format.ts';
import { IpsetStore } from './ipset.ts';
import { ruleMatches } from './match.ts';
import type { MatchEnv } from './match.ts';
import { ipv4Length, logLine, rewrite } from './packetops.ts';
import { REJECT_WITH, Ruleset } from './rules.ts';
import type { Chain, Rule, TableName } from './rules.ts';
import { ICMP_ERRORS, invert } from './tuple.ts';

type CtView = { state: 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED'; entry?: CtEntry; dir: CtDir };

/** A table's stage in a hook: walk it (manip undefined) or apply/bind NAT for one manipulation. */
interface Stage { readonly table: TableName; readonly manip: 'src' | 'dst' | undefined }
const MANGLE: Stage = { table: 'mangle', manip: undefined };
const FILTER: Stage = { table: 'filter', manip: undefined };
const NAT_DST: Stage = { table: 'nat', manip: 'dst' };
const NAT_SRC: Stage = { table: 'nat', manip: 'src' };
/** The tables of each hook after raw/conntrack, in the kernel's priority order (one table per hook, built once). */
const STAGES: Readonly<Record<NfHook, readonly Stage[]>> = {
  PREROUTING: [MANGLE, NAT_DST],
  OUTPUT: [MANGLE, NAT_DST, FILTER],
  INPUT: [MANGLE, FILTER, NAT_SRC],
  FORWARD: [MANGLE, FILTER],
  POSTROUTING: [MANGLE, NAT_SRC],
};

/** A walk's outcome (numbers: no verdict object per walk); a REJECT's ICMP code travels in WalkState.rejectCode. */
type V = 0 | 1 | 2 | 3;
const CONTINUE = 0;
const ACCEPT = 1;
const DROP = 2;
const REJECT = 3;

/** A jump or goto taken on a nat walk (first packet of a flow), so a binding can say how it was chosen. */
type TrailStep = { chain: string; rule: Rule; goto: boolean };

/**
 * The state of one packet across the tables of one hook. One per Netfilter, reset by each
 * hook call: a hook never re-enters its own Netfilter (nothing in a walk sends a packet), so
 * the per-packet path allocates no walk object, closure or stack array.
 */
class WalkState {
  pkt!: Ipv4Packet;
  mark = 0;
  logs: string[] | undefined;
  notrack = false;
  rejectCode = 0;
  /** Where the last terminal decision came from (formatted only when read): table undefined = none. */
  decTable: TableName | undefined;
  decChain = '';
  decRule: Rule | undefined;
  decPolicy: string | undefined;
  /** A NAT target bound this flow: the jumps that led to it and the target rule (formatted only when read). */
  natTrail: { chain: string; rule: Rule }[] | undefined;
  /** The jump stack of a walk: chains and the rule index to resume at (reused, depth counts the live part). */
  readonly stackChains: Chain[] = [];
  readonly stackIdx: number[] = [];
  /** What the matches read besides the packet, refilled at the start of each walk. */
  readonly env: MatchEnv;

  constructor(sets: IpsetStore, recentLists: Map<string, Map<number, number>>) {
    this.env = { inDev: '', outDev: '', mark: 0, ctBits: 0, sets, ctx: undefined, recentLists, nowMs: 0 };
  }

  reset(pkt: Ipv4Packet, mark: number): void {
    this.pkt = pkt;
    this.mark = mark;
    this.logs = undefined;
    this.notrack = false;
    this.rejectCode = 0;
    this.decTable = undefined;
    this.decRule = undefined;
    this.decPolicy = undefined;
    this.natTrail = undefined;
  }

  decide(table: TableName, chain: string, rule: Rule | undefined, policy: string | undefined): void {
    this.decTable = table;
    this.decChain = chain;
    this.decRule = rule;
    this.decPolicy = policy;
  }
}

/**
 * What a hook returns. `decidedBy` is a getter on the prototype: formatting the deciding rule
 * costs a string, and only a drop someone traces (or a test) ever reads it. The kernel's
 * packet path gets one result per Netfilter, refilled by each call (hookTransient): it reads
 * it before anything else can reach the hook again.
 */
class HookResult implements NfResult {
  verdict: NfResult['verdict'] = 'accept';
  packet!: Ipv4Packet;
  mark = 0;
  rejectCode?: number;
  ctState?: NfResult['ctState'];
  logs?: string[];
  natRules?: () => string[];
  private decTable: TableName | undefined;
  private decChain = '';
  private decRule: Rule | undefined;
  private decPolicy: string | undefined;
  private decText: string | undefined;

  /** Sets every field (nothing of a previous call stays): a new result, or the one hookTransient refills. */
  refill(verdict: NfResult['verdict'], packet: Ipv4Packet, mark: number, decTable: TableName | undefined, decChain: string,
    decRule: Rule | undefined, decPolicy: string | undefined): this {
    this.verdict = verdict;
    this.packet = packet;
    this.mark = mark;
    this.decTable = decTable;
    this.decChain = decChain;
    this.decRule = decRule;
    this.decPolicy = decPolicy;
    this.rejectCode = undefined;
    this.ctState = undefined;
    this.logs = undefined;
    this.natRules = undefined;
    this.decText = undefined;
    return this;
  }

  get decidedBy(): string | undefined {
    const t = this.decTable;
    if (t === undefined) return undefined;
    return (this.decText ??= this.decRule
      ? `${t === 'filter' ? '' : `-t ${t} `}${formatRule(this.decChain, this.decRule)}`
      : `policy ${this.decPolicy}`);
  }
}

const CT_BIT: Record<CtView['state'], number> = { INVALID: 1, NEW: 2, RELATED: 4, ESTABLISHED: 8, UNTRACKED: 16 };
const MAX_DEPTH = 64;
const UNTRACKED_VIEW: CtView = Object.freeze({ state: 'UNTRACKED', dir: 0 }) as CtView;

export interface NetfilterOptions {
  /** Virtual clock for commands run outside a packet path (`conntrack -L`); defaults to the last hook's time. */
  clock?: () => number;
}

/** iptables + ipset + conntrack for one namespace. */
export class Netfilter implements PacketFilter {
  readonly rules = new Ruleset();
  readonly ipsets = new IpsetStore();
  readonly conntrack = new Conntrack();
  /**
   * skb->_nfct: the conntrack the last hooked packet object was attached to. A packet meets
   * INPUT/FORWARD/POSTROUTING right after the PREROUTING/OUTPUT/FORWARD of the same traversal
   * of this namespace (the kernel's path calls them in one go), so one slot finds it; a packet
   * met first at a later hook (a copy the kernel made) is looked up in the table (peek).
   */
  private attachedPkt: Ipv4Packet | undefined;
  private attachedCt: CtView | undefined;
  private lastNowMs = 0;
  /** xt_recent's address lists of this namespace (`-m recent --name`). */
  readonly recentLists = new Map<string, Map<number, number>>();
  private readonly w = new WalkState(this.ipsets, this.recentLists);
  private busy = false;
  /** Whether the running call answers in `transient`, the result hookTransient refills. */
  private reuse = false;
  private transient: HookResult | undefined;

  constructor(private readonly opts: NetfilterOptions = {}) {}

  /** Virtual time now (ms) for listings. */
  now(): number {
    return this.opts.clock?.() ?? this.lastNowMs;
  }

  /**
   * The kernel continues a packet as another object (ip_forward's TTL decrement copies it
   * here; Linux keeps the same skb): the conntrack attached to `from` stays attached to `to`.
   */
  carry(from: Ipv4Packet, to: Ipv4Packet): void {
    if (this.attachedPkt === from) this.attachedPkt = to;
  }

  /** Runs a packet through one hook. */
  hook(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext): NfResult {
    return this.enter(hook, pkt, ctx, false);
  }

  /**
   * hook(), answered in one result object this Netfilter refills on every call: for a caller
   * that reads the result before the next call (the kernel's NF_HOOK), a result per hook call
   * was the largest allocation of a converging fabric's netfilter.
   */
  hookTransient(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext): NfResult {
    return this.enter(hook, pkt, ctx, true);
  }

  private enter(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext, reuse: boolean): NfResult {
    // Defensive: a call made while a hook runs (nothing in a walk sends a packet today) gets
    // its own walk state and a result of its own.
    if (this.busy) {
      const outer = this.reuse;
      this.reuse = false;
      try {
        return this.run(hook, pkt, ctx, new WalkState(this.ipsets, this.recentLists));
      } finally {
        this.reuse = outer;
      }
    }
    this.busy = true;
    this.reuse = reuse;
    try {
      return this.run(hook, pkt, ctx, this.w);
    } finally {
      this.reuse = false;
      this.busy = false;
    }
  }

  private run(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext, w: WalkState): NfResult {
    this.lastNowMs = ctx.nowMs;
    w.reset(pkt, ctx.mark);
    const len = ipv4Length(pkt);
    let ct: CtView | undefined;

    if (hook === 'PREROUTING' || hook === 'OUTPUT') {
      const raw = this.walk('raw', hook, w, ctx, len, undefined, undefined);
      if (raw === DROP || raw === REJECT) return this.result(raw, w, ct);
      ct = w.notrack ? UNTRACKED_VIEW : this.conntrack.classify(pkt, ctx.nowMs);
    } else {
      ct = this.attachedPkt === pkt ? this.attachedCt : this.peek(pkt, ctx.nowMs);
    }

    const stages = STAGES[hook];
    for (let s = 0; s < stages.length; s++) {
      const { table, manip } = stages[s]!;
      if (manip) {
        if (this.nat(hook, manip, w, ctx, len, ct) === DROP) return this.dropped(this.result(DROP, w, ct), ct);
        continue;
      }
      const v = this.walk(table, hook, w, ctx, len, ct, undefined);
      if (v === DROP || v === REJECT) return this.dropped(this.result(v, w, ct), ct);
    }
    if ((hook === 'POSTROUTING' || hook === 'INPUT') && ct?.entry) {
      if (!ct.entry.confirmed) this.conntrack.confirm(ct.entry);
      this.conntrack.account(ct.entry, ct.dir, len);
    }
    if (ct) {
      this.attachedPkt = w.pkt;
      this.attachedCt = ct;
    }
    return this.result(ACCEPT, w, ct);
  }

  /** Conntrack view of a packet met first at INPUT/FORWARD/POSTROUTING (a copy made by the kernel). */
  private peek(pkt: Ipv4Packet, nowMs: number): CtView {
    const l4 = pkt.payload;
    if (pkt.protocol === 1 && !(l4 instanceof Uint8Array) && l4.kind === 'icmp' && ICMP_ERRORS.has(l4.type)) return this.conntrack.classify(pkt, nowMs);
    const hit = this.conntrack.findPacket(pkt, nowMs);
    if (!hit) return this.conntrack.classify(pkt, nowMs);
    return { state: hit.dir === 1 || hit.e.seenReply ? 'ESTABLISHED' : 'NEW', entry: hit.e, dir: hit.dir };
  }

  /** A dropped first packet takes its unconfirmed conntrack entry with it. */
  private dropped(r: NfResult, ct: CtView | undefined): NfResult {
    if (ct?.entry && !ct.entry.confirmed) this.conntrack.remove(ct.entry);
    return r;
  }

  private result(v: V, w: WalkState, ct: CtView | undefined): NfResult {
    const verdict = v === DROP ? 'drop' : v === REJECT ? 'reject' : 'accept';
    const res = (this.reuse && this.transient ? this.transient : new HookResult())
      .refill(verdict, w.pkt, w.mark, w.decTable, w.decChain, w.decRule, w.decPolicy);
    if (this.reuse) this.transient = res;
    if (v === REJECT) res.rejectCode = w.rejectCode;
    if (ct) res.ctState = ct.state;
    if (w.logs) res.logs = w.logs;
    const trail = w.natTrail;
    // Which rules chose the binding (KUBE-SVC's statistic draw, KUBE-SEP's DNAT): for traces.
    if (trail) res.natRules = () => trail.map((x) => formatRule(x.chain, x.rule));
    return res;
  }

  /** Points the shared match environment at this walk's packet context. */
  private setEnv(w: WalkState, ctx: NfContext, ct: CtView | undefined): MatchEnv {
    let bits = ct ? CT_BIT[ct.state] : CT_BIT.INVALID;
    const e = ct?.entry;
    if (e) {
      if (e.reply.dst !== e.orig.src || e.reply.dport !== e.orig.sport) bits |= 32;
      if (e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport) bits |= 64;
    }
    const env = w.env;
    env.inDev = ctx.inDev ?? '';
    env.outDev = ctx.outDev ?? '';
    env.mark = w.mark;
    env.ctBits = bits;
    env.ctx = ctx;
    env.nowMs = ctx.nowMs;
    return env;
  }

  /**
   * Walks one table's built-in chain for a hook: jumps, gotos, RETURN, policy. A chain
   * without rules costs only its policy counters (what `iptables -L -v` shows for it).
   * `natManip` set: a nat walk of a flow's first packet, whose NAT targets bind the flow.
   */
  private walk(table: TableName, hook: NfHook, w: WalkState, ctx: NfContext, len: number, ct: CtView | undefined,
    natManip: 'src' | 'dst' | undefined): V {
    const t0 = this.rules.table(table);
    const base = t0.chains.get(hook);
    if (!base) return CONTINUE;
    if (base.rules.length === 0) return this.policy(table, base, w, len);
    const env = this.setEnv(w, ctx, ct);
    const chains = w.stackChains;
    const idx = w.stackIdx;
    let depth = 0;
    const trail: TrailStep[] | undefined = natManip ? [] : undefined;
    let chain = base;
    let i = 0;
    for (;;) {
      if (i >= chain.rules.length) {
        if (depth === 0) return this.policy(table, base, w, len);
        depth--;
        if (trail) popTrail(trail);
        chain = chains[depth]!;
        i = idx[depth]!;
        continue;
      }
      const r = chain.rules[i]!;
      env.mark = w.mark;
      if (!ruleMatches(r, w.pkt, env)) { i++; continue; }
      r.packets++;
      r.bytes += len;
      const t = r.target;
      if (!t) { i++; continue; }
      switch (t.t) {
        case 'ACCEPT':
          w.decide(table, chain.name, r, undefined);
          return ACCEPT;
        case 'DROP':
          w.decide(table, chain.name, r, undefined);
          return DROP;
        case 'REJECT':
          w.decide(table, chain.name, r, undefined);
          w.rejectCode = REJECT_WITH[t.with]!;
          return REJECT;
        case 'RETURN':
          // As falling off the chain's end: back to the caller, or the policy at the top.
          i = chain.rules.length;
          continue;
        case 'jump':
        case 'goto': {
          const to = t0.chains.get(t.chain);
          if (!to || depth >= MAX_DEPTH) { i++; continue; }
          if (t.t === 'jump') {
            chains[depth] = chain;
            idx[depth] = i + 1;
            depth++;
          }
          trail?.push({ chain: chain.name, rule: r, goto: t.t === 'goto' });
          chain = to;
          i = 0;
          continue;
        }
        case 'LOG':
          (w.logs ??= []).push(logLine(t.prefix ?? '', w.pkt, ctx.inDev ?? '', ctx.outDev ?? '', w.mark));
          i++;
          continue;
        case 'MARK':
          w.mark = (((w.mark & ~t.mask) ^ t.value) >>> 0);
          i++;
          continue;
        case 'NOTRACK':
        case 'CT':
          w.notrack = true;
          i++;
          continue;
        default: {
          // MASQUERADE / SNAT / DNAT: only reached inside the nat table.
          if (!natManip) { i++; continue; }
          w.decide(table, chain.name, r, undefined);
          if (trail) w.natTrail = [...trail, { chain: chain.name, rule: r }];
          return this.bind(r, natManip, ct!.entry!, ctx);
        }
      }
    }
  }

  private policy(table: TableName, base: Chain, w: WalkState, len: number): V {
    base.packets++;
    base.bytes += len;
    const p = base.policy ?? 'ACCEPT';
    if (p === 'DROP' || base.rules.length > 0) w.decide(table, base.name, undefined, p);
    return p === 'DROP' ? DROP : CONTINUE;
  }

  /** The nat stage of a hook: walk the table for a new flow, then apply the flow's binding. */
  private nat(hook: NfHook, manip: 'src' | 'dst', w: WalkState, ctx: NfContext, len: number, ct: CtView | undefined): V {
    const e = ct?.entry;
    if (!e || ct.state === 'INVALID' || ct.state === 'UNTRACKED') return CONTINUE;
    if (ct.state === 'NEW' && !e.confirmed && !e.natInit[manip]) {
      e.natInit[manip] = true;
      if (this.walk('nat', hook, w, ctx, len, ct, manip) === DROP) return DROP;
    }
    const snat = e.reply.dst !== e.orig.src || e.reply.dport !== e.orig.sport || (e.orig.proto === 1 && e.reply.sport !== e.orig.sport);
    const dnat = e.reply.src !== e.orig.dst || (e.orig.proto !== 1 && e.reply.sport !== e.orig.dport);
    // A src manip undoes/does DNAT on replies/originals and vice versa (nf_nat_packet).
    const relevant = manip === 'src' ? (ct.dir === 0 ? snat : dnat) : (ct.dir === 0 ? dnat : snat);
    if (!relevant) return CONTINUE;
    const target = ct.dir === 0 ? invert(e.reply) : invert(e.orig);
    const related = ct.state === 'RELATED';
    // ICMP query ids travel in the "sport" slot of both directions; ports by direction otherwise.
    const port = e.orig.proto === 1 ? target.sport
      : related ? (manip === 'src' ? target.sport : target.dport)
        : manip === 'src' ? target.sport : target.dport;
    w.pkt = rewrite(w.pkt, manip, manip === 'src' ? target.src : target.dst, port, related);
    return CONTINUE;
  }

  /** A NAT target hit on the first packet: store the binding on the conntrack entry. */
  private bind(r: Rule, manip: 'src' | 'dst', e: CtEntry, ctx: NfContext): V {
    const t = r.target!;
    const seed = (e.orig.src ^ (e.orig.sport * 2654435761)) >>> 0;
    if (t.t === 'MASQUERADE' && manip === 'src') {
      const ip = ctx.outDev ? ctx.addressOf(ctx.outDev) : undefined;
      if (ip === undefined) return DROP;
      const range = t.ports ?? (t.randomFully ? { lo: 1024, hi: 65535 } : undefined);
      const port = t.randomFully ? 1024 + (seed % 64512) : undefined;
      this.conntrack.bindNat(e, 'src', ip, port, range);
    } else if (t.t === 'SNAT' && manip === 'src') {
      const n = t.to.maxIp - t.to.minIp + 1;
      const ip = (t.to.minIp + (seed % n)) >>> 0;
      const range = t.to.minPort !== undefined ? { lo: t.to.minPort, hi: t.to.maxPort ?? t.to.minPort } : undefined;
      this.conntrack.bindNat(e, 'src', ip, t.randomFully ? 1024 + (seed % 64512) : undefined, range);
    } else if (t.t === 'DNAT' && manip === 'dst') {
      const n = t.to.maxIp - t.to.minIp + 1;
      const ip = (t.to.minIp + (seed % n)) >>> 0;
      const port = t.to.minPort !== undefined ? t.to.minPort + (seed % ((t.to.maxPort ?? t.to.minPort) - t.to.minPort + 1)) : undefined;
      this.conntrack.bindNat(e, 'dst', ip, port);
    }
    return ACCEPT;
  }
}

/** A RETURN (or a chain's end) leaves a jump: drop the trail back to before that jump (a goto's chain returns past it). */
function popTrail(trail: TrailStep[]): void {
  while (trail.length > 0 && trail.pop()!.goto) { /* keep popping gotos */ }
}
