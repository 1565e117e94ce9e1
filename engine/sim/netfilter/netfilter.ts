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
import { ICMP_ERRORS, invert, tupleOf } from './tuple.ts';

type CtView = { state: 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED'; entry?: CtEntry; dir: CtDir };

/** The state of one packet across the tables of one hook. */
interface Walk {
  pkt: Ipv4Packet;
  mark: number;
  logs: string[] | undefined;
  notrack: boolean;
  /** Where the last terminal decision came from (formatted only when read). */
  decided?: { table: TableName; chain: string; rule?: Rule; policy?: string };
  /** A NAT target bound this flow: the jumps that led to it and the target rule (formatted only when read). */
  natTrail?: { chain: string; rule: Rule }[];
}

type Verdict = { v: 'accept' | 'drop' | 'reject' | 'continue'; code?: number };

const CT_BIT: Record<CtView['state'], number> = { INVALID: 1, NEW: 2, RELATED: 4, ESTABLISHED: 8, UNTRACKED: 16 };
const MAX_DEPTH = 64;

export interface NetfilterOptions {
  /** Virtual clock for commands run outside a packet path (`conntrack -L`); defaults to the last hook's time. */
  clock?: () => number;
}

/** iptables + ipset + conntrack for one namespace. */
export class Netfilter implements PacketFilter {
  readonly rules = new Ruleset();
  readonly ipsets = new IpsetStore();
  readonly conntrack = new Conntrack();
  /** skb->_nfct: the conntrack a packet object was attached to at an earlier hook. */
  private readonly attached = new WeakMap<Ipv4Packet, CtView>();
  private lastNowMs = 0;
  /** xt_recent's address lists of this namespace (`-m recent --name`). */
  readonly recentLists = new Map<string, Map<number, number>>();

  constructor(private readonly opts: NetfilterOptions = {}) {}

  /** Virtual time now (ms) for listings. */
  now(): number {
    return this.opts.clock?.() ?? this.lastNowMs;
  }

  /** Runs a packet through one hook. */
  hook(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext): NfResult {
    this.lastNowMs = ctx.nowMs;
    const w: Walk = { pkt, mark: ctx.mark, logs: undefined, notrack: false };
    const len = ipv4Length(pkt);
    let ct: CtView | undefined;
    const finish = (v: Verdict): NfResult => this.result(v, w, ct);

    if (hook === 'PREROUTING' || hook === 'OUTPUT') {
      const raw = this.walk('raw', hook, w, ctx, len, undefined);
      if (raw.v !== 'accept' && raw.v !== 'continue') return finish(raw);
      if (w.notrack) ct = { state: 'UNTRACKED', dir: 0 };
      else {
        const r = this.conntrack.classify(pkt, ctx.nowMs);
        ct = { state: r.state, entry: r.entry, dir: r.dir };
      }
    } else {
      ct = this.attached.get(pkt) ?? this.peek(pkt, ctx.nowMs);
    }

    const stages: [TableName, 'dst' | 'src' | undefined][] =
      hook === 'PREROUTING' || hook === 'OUTPUT' ? [['mangle', undefined], ['nat', 'dst'], ...(hook === 'OUTPUT' ? [['filter', undefined] as [TableName, undefined]] : [])]
        : hook === 'INPUT' ? [['mangle', undefined], ['filter', undefined], ['nat', 'src']]
          : hook === 'FORWARD' ? [['mangle', undefined], ['filter', undefined]]
            : [['mangle', undefined], ['nat', 'src']];
    for (const [table, manip] of stages) {
      if (manip) {
        const v = this.nat(hook, manip, w, ctx, len, ct);
        if (v.v === 'drop') return this.dropped(finish(v), ct);
        continue;
      }
      const v = this.walk(table, hook, w, ctx, len, ct);
      if (v.v === 'drop' || v.v === 'reject') return this.dropped(finish(v), ct);
    }
    if ((hook === 'POSTROUTING' || hook === 'INPUT') && ct?.entry) {
      if (!ct.entry.confirmed) this.conntrack.confirm(ct.entry);
      this.conntrack.account(ct.entry, ct.dir, len);
    }
    if (ct) this.attached.set(w.pkt, ct);
    return finish({ v: 'accept' });
  }

  /** Conntrack view of a packet met first at INPUT/FORWARD/POSTROUTING (a copy made by the kernel). */
  private peek(pkt: Ipv4Packet, nowMs: number): CtView {
    const l4 = pkt.payload;
    if (pkt.protocol === 1 && !(l4 instanceof Uint8Array) && l4.kind === 'icmp' && ICMP_ERRORS.has(l4.type)) {
      const r = this.conntrack.classify(pkt, nowMs);
      return { state: r.state, entry: r.entry, dir: r.dir };
    }
    const hit = this.conntrack.find(tupleOf(pkt), nowMs);
    if (!hit) {
      const r = this.conntrack.classify(pkt, nowMs);
      return { state: r.state, entry: r.entry, dir: r.dir };
    }
    return { state: hit.dir === 1 || hit.e.seenReply ? 'ESTABLISHED' : 'NEW', entry: hit.e, dir: hit.dir };
  }

  /** A dropped first packet takes its unconfirmed conntrack entry with it. */
  private dropped(r: NfResult, ct: CtView | undefined): NfResult {
    if (ct?.entry && !ct.entry.confirmed) this.conntrack.remove(ct.entry);
    return r;
  }

  private result(v: Verdict, w: Walk, ct: CtView | undefined): NfResult {
    const res: NfResult = {
      verdict: v.v === 'continue' ? 'accept' : v.v,
      packet: w.pkt,
      mark: w.mark,
    };
    if (v.v === 'reject') res.rejectCode = v.code;
    if (ct) res.ctState = ct.state;
    if (w.logs) res.logs = w.logs;
    const trail = w.natTrail;
    // Which rules chose the binding (KUBE-SVC's statistic draw, KUBE-SEP's DNAT): for traces.
    if (trail) res.natRules = () => trail.map((x) => formatRule(x.chain, x.rule));
    const d = w.decided;
    if (d) {
      let text: string | undefined;
      // Formatting a rule costs; do it only when someone reads decidedBy.
      Object.defineProperty(res, 'decidedBy', {
        enumerable: true,
        get: () => (text ??= d.rule
          ? `${d.table === 'filter' ? '' : `-t ${d.table} `}${formatRule(d.chain, d.rule)}`
          : `policy ${d.policy}`),
      });
    }
    return res;
  }

  private env(w: Walk, ctx: NfContext, ct: CtView | undefined): MatchEnv {
    let bits = ct ? CT_BIT[ct.state] : CT_BIT.INVALID;
    const e = ct?.entry;
    if (e) {
      if (e.reply.dst !== e.orig.src || e.reply.dport !== e.orig.sport) bits |= 32;
      if (e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport) bits |= 64;
    }
    const isLocal = ctx.isLocalAddress ? (ip: IPv4): boolean => ctx.isLocalAddress!(ip) : undefined;
    const random = ctx.random ? (): number => ctx.random!() : undefined;
    return { inDev: ctx.inDev ?? '', outDev: ctx.outDev ?? '', mark: w.mark, ctBits: bits, sets: this.ipsets, isLocal, random, recent: { lists: this.recentLists, nowMs: ctx.nowMs } };
  }

  /** Walks one table's built-in chain for a hook: jumps, gotos, RETURN, policy. */
  private walk(table: TableName, hook: NfHook, w: Walk, ctx: NfContext, len: number, ct: CtView | undefined,
    onNat?: (r: Rule, chain: string) => Verdict): Verdict {
    const base = this.rules.table(table).chains.get(hook);
    if (!base) return { v: 'continue' };
    const env = this.env(w, ctx, ct);
    const stack: { chain: Chain; i: number }[] = [];
    // nat walks only (first packet of a flow): the jumps/gotos taken, so a binding can say how it was chosen.
    const trail: { chain: string; rule: Rule; goto: boolean }[] | undefined = onNat ? [] : undefined;
    const back = (): void => {
      if (!trail) return;
      while (trail.length > 0 && trail.pop()!.goto) { /* a goto's chain returns to the jump before it */ }
    };
    let chain = base;
    let i = 0;
    for (;;) {
      if (i >= chain.rules.length) {
        const up = stack.pop();
        if (up) { back(); chain = up.chain; i = up.i; continue; }
        return this.policy(table, base, w, len);
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
          w.decided = { table, chain: chain.name, rule: r };
          return { v: 'accept' };
        case 'DROP':
          w.decided = { table, chain: chain.name, rule: r };
          return { v: 'drop' };
        case 'REJECT':
          w.decided = { table, chain: chain.name, rule: r };
          return { v: 'reject', code: REJECT_WITH[t.with] };
        case 'RETURN': {
          const up = stack.pop();
          if (!up) return this.policy(table, base, w, len);
          back();
          chain = up.chain;
          i = up.i;
          continue;
        }
        case 'jump':
        case 'goto': {
          const to = this.rules.table(table).chains.get(t.chain);
          if (!to || stack.length >= MAX_DEPTH) { i++; continue; }
          if (t.t === 'jump') stack.push({ chain, i: i + 1 });
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
          if (!onNat) { i++; continue; }
          w.decided = { table, chain: chain.name, rule: r };
          if (trail) w.natTrail = [...trail, { chain: chain.name, rule: r }];
          return onNat(r, chain.name);
        }
      }
    }
  }

  private policy(table: TableName, base: Chain, w: Walk, len: number): Verdict {
    base.packets++;
    base.bytes += len;
    const p = base.policy ?? 'ACCEPT';
    if (p === 'DROP' || base.rules.length > 0) w.decided = { table, chain: base.name, policy: p };
    return { v: p === 'DROP' ? 'drop' : 'continue' };
  }

  /** The nat stage of a hook: walk the table for a new flow, then apply the flow's binding. */
  private nat(hook: NfHook, manip: 'src' | 'dst', w: Walk, ctx: NfContext, len: number, ct: CtView | undefined): Verdict {
    const e = ct?.entry;
    if (!e || ct.state === 'INVALID' || ct.state === 'UNTRACKED') return { v: 'continue' };
    if (ct.state === 'NEW' && !e.confirmed && !e.natInit[manip]) {
      e.natInit[manip] = true;
      const v = this.walk('nat', hook, w, ctx, len, ct, (r) => this.bind(r, manip, e, w, ctx));
      if (v.v === 'drop') return v;
    }
    const snat = e.reply.dst !== e.orig.src || e.reply.dport !== e.orig.sport || (e.orig.proto === 1 && e.reply.sport !== e.orig.sport);
    const dnat = e.reply.src !== e.orig.dst || (e.orig.proto !== 1 && e.reply.sport !== e.orig.dport);
    // A src manip undoes/does DNAT on replies/originals and vice versa (nf_nat_packet).
    const relevant = manip === 'src' ? (ct.dir === 0 ? snat : dnat) : (ct.dir === 0 ? dnat : snat);
    if (!relevant) return { v: 'continue' };
    const target = ct.dir === 0 ? invert(e.reply) : invert(e.orig);
    const related = ct.state === 'RELATED';
    // ICMP query ids travel in the "sport" slot of both directions; ports by direction otherwise.
    const port = e.orig.proto === 1 ? target.sport
      : related ? (manip === 'src' ? target.sport : target.dport)
        : manip === 'src' ? target.sport : target.dport;
    w.pkt = rewrite(w.pkt, manip, manip === 'src' ? target.src : target.dst, port, related);
    return { v: 'continue' };
  }

  /** A NAT target hit on the first packet: store the binding on the conntrack entry. */
  private bind(r: Rule, manip: 'src' | 'dst', e: CtEntry, w: Walk, ctx: NfContext): Verdict {
    const t = r.target!;
    const seed = (e.orig.src ^ (e.orig.sport * 2654435761)) >>> 0;
    if (t.t === 'MASQUERADE' && manip === 'src') {
      const ip = ctx.outDev ? ctx.addressOf(ctx.outDev) : undefined;
      if (ip === undefined) return { v: 'drop' };
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
    void w;
    return { v: 'accept' };
  }
}
