/**
 * Recursive-descent parser for pcap-filter(7), shaped after libpcap's yacc grammar so the odd
 * corners behave the same:
 * - `and`/`or` have equal precedence and associate left to right; `not` binds tightest.
 * - A bare operand after `and`/`or` inherits the qualifiers of the primitive before it
 *   (`host a or b` = `host a or host b`, `tcp port 80 or 443`), also inside parentheses
 *   (`host a and (b or c)`); after a qualifier-less term (`tcp or 80`) it is an error.
 * - Every `vlan` shifts the link-layer offsets of everything written after it.
 * Semantic checks (unknown host, illegal port, non-network bits…) give tcpdump's messages.
 */
import type { Arith, Dir, FilterNode, LoadBase, RelOp } from './ast.ts';
import { FilterError, tokenize, type Token } from './lexer.ts';
import { gen, type Qual } from './gen.ts';

/** Resolves a host name to IPv4 addresses (the simulator's node names, /etc/hosts…). */
export type HostResolver = (name: string) => readonly number[] | undefined;

const PNAMES = new Set(['link', 'ip', 'arp', 'rarp', 'sctp', 'tcp', 'udp', 'icmp', 'igmp', 'igrp', 'pim', 'vrrp',
  'carp', 'ip6', 'icmp6', 'ah', 'esp', 'atalk', 'aarp', 'decnet', 'lat', 'sca', 'moprc', 'mopdl', 'iso', 'esis',
  'isis', 'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp', 'psnp', 'clnp', 'stp', 'ipx', 'netbeui', 'radio']);
const AQUALS = new Set(['host', 'net', 'port', 'portrange']);
const ARITH_OPS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);
const REL_OPS = new Set(['>', '>=', '<', '<=', '=', '!=']);
const UNSUPPORTED = new Set(['mpls', 'pppoed', 'pppoes', 'geneve', 'llc', 'protochain', 'byte', 'ifindex']);
const PREC: Record<string, number> = { '|': 1, '^': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5 };
const LOAD_BASES = new Set<string>(['link', 'ip', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'igmp', 'sctp', 'ip6']);

interface Res {
  node: FilterNode;
  /** Qualifiers a following bare operand inherits; undefined = none (libpcap's qerr). */
  q: Qual | undefined;
}

const SYNTAX = "can't parse filter expression: syntax error";

/** Parses a filter expression into a tree; an empty expression matches everything. */
export function parseFilter(src: string, resolve?: HostResolver): FilterNode {
  return new Parser(tokenize(src), resolve).parseProgram();
}

class Parser {
  private pos = 0;
  private vlanDepth = 0;

  constructor(private readonly toks: Token[], private readonly resolve: HostResolver | undefined) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private is(t: Token, kind: Token['kind'], text?: string): boolean {
    return t.kind === kind && (text === undefined || t.text === text);
  }
  private fail(t: Token): never {
    throw new FilterError(SYNTAX, t.col);
  }
  private expectOp(text: string): Token {
    const t = this.next();
    if (!this.is(t, 'op', text)) this.fail(t);
    return t;
  }

  parseProgram(): FilterNode {
    if (this.peek().kind === 'eof') return { t: 'true' };
    const r = this.parseExpr(undefined);
    if (this.peek().kind !== 'eof') this.fail(this.peek());
    return r.node;
  }

  private parseExpr(q0: Qual | undefined): Res {
    let left = this.parseTerm(q0);
    for (;;) {
      const t = this.peek();
      if (!(this.is(t, 'kw', 'and') || this.is(t, 'kw', 'or'))) return left;
      this.next();
      const right = this.startsId() ? this.parseId(left.q, t) : this.parseTerm(left.q);
      left = { node: { t: t.text as 'and' | 'or', a: left.node, b: right.node }, q: right.q };
    }
  }

  /** LALR(1)-style decision: does a bare operand (inheriting qualifiers) start here? */
  private startsId(): boolean {
    let k = 0;
    while (this.is(this.peek(k), 'kw', 'not') || this.is(this.peek(k), 'op', '(')) k++;
    const t = this.peek(k);
    if (t.kind === 'id' || t.kind === 'hid' || t.kind === 'hid6' || t.kind === 'eid') return true;
    if (t.kind === 'num') {
      const n = this.peek(k + 1);
      return !(n.kind === 'op' && (ARITH_OPS.has(n.text) || REL_OPS.has(n.text)));
    }
    return false;
  }

  private parseTerm(q0: Qual | undefined): Res {
    const t = this.peek();
    if (this.is(t, 'kw', 'not')) {
      this.next();
      const r = this.parseTerm(q0);
      return { node: { t: 'not', a: r.node }, q: r.q };
    }
    if (this.is(t, 'op', '(')) return this.parseParenTerm(q0);
    if (t.kind === 'kw' && UNSUPPORTED.has(t.text)) {
      throw new FilterError(`'${t.text}' is not supported by podlab's filter`, t.col);
    }
    if (t.kind === 'kw' && PNAMES.has(t.text)) {
      const n = this.peek(1);
      if (this.is(n, 'op', '[')) return this.relation();
      if (n.kind === 'kw' && (n.text === 'src' || n.text === 'dst' || AQUALS.has(n.text) || n.text === 'proto' || n.text === 'gateway' || n.text === 'protochain')) {
        this.next();
        return this.headId(t.text, t);
      }
      if (this.is(n, 'kw', 'broadcast') || this.is(n, 'kw', 'multicast')) {
        this.next();
        this.next();
        return { node: gen.castNode(t.text, n.text, this.vlanDepth, n.col), q: undefined };
      }
      this.next();
      return { node: gen.protoAbbrev(t.text, this.vlanDepth, t.col), q: undefined };
    }
    if (t.kind === 'kw' && (t.text === 'src' || t.text === 'dst' || AQUALS.has(t.text) || t.text === 'proto' || t.text === 'gateway')) {
      return this.headId('default', t);
    }
    if (this.is(t, 'kw', 'broadcast') || this.is(t, 'kw', 'multicast')) {
      this.next();
      return { node: gen.castNode('default', t.text, this.vlanDepth, t.col), q: undefined };
    }
    if (this.is(t, 'kw', 'less') || this.is(t, 'kw', 'greater')) {
      this.next();
      const n = this.next();
      if (n.kind !== 'num') this.fail(n);
      const lenA: Arith = { t: 'len' };
      const node: FilterNode = t.text === 'less'
        ? { t: 'rel', op: '<=', a: lenA, b: { t: 'num', v: n.value } }
        : { t: 'rel', op: '>=', a: lenA, b: { t: 'num', v: n.value } };
      return { node, q: undefined };
    }
    if (this.is(t, 'kw', 'vlan')) {
      this.next();
      let id: number | undefined;
      if (this.peek().kind === 'num') {
        const n = this.next();
        if (n.value > 4095) throw new FilterError(`VLAN tag ${n.value} greater than maximum 4095`, n.col);
        id = n.value;
      }
      const node: FilterNode = { t: 'vlan', depth: this.vlanDepth, id };
      this.vlanDepth++;
      return { node, q: undefined };
    }
    if (this.is(t, 'kw', 'inbound') || this.is(t, 'kw', 'outbound')) {
      this.next();
      return { node: { t: 'direction', dir: t.text === 'inbound' ? 'In' : 'Out' }, q: undefined };
    }
    if (t.kind === 'num' || this.is(t, 'kw', 'len') || this.is(t, 'op', '-')) return this.relation();
    return this.fail(t);
  }

  /** `( expr )` or an arithmetic relation starting with a parenthesis; try both like the LALR parser would. */
  private parseParenTerm(q0: Qual | undefined): Res {
    const start = this.pos;
    const depth = this.vlanDepth;
    try {
      this.next();
      const r = this.parseExpr(q0);
      this.expectOp(')');
      return { node: r.node, q: q0 };
    } catch (e1) {
      const end1 = this.pos;
      this.pos = start;
      this.vlanDepth = depth;
      try {
        return this.relation();
      } catch (e2) {
        // Report the alternative that got further (ties: the semantic error, it is more useful).
        const c1 = e1 instanceof FilterError ? e1.column : 0;
        const c2 = e2 instanceof FilterError ? e2.column : 0;
        this.pos = Math.max(end1, this.pos);
        throw c2 > c1 ? e2 : e1;
      }
    }
  }

  private headId(pqual: string, t0: Token): Res {
    let dir: Dir = 'default';
    let addr: Qual['addr'] = 'default';
    const t = this.peek();
    if (this.is(t, 'kw', 'src') || this.is(t, 'kw', 'dst')) {
      this.next();
      dir = t.text as 'src' | 'dst';
      const c = this.peek();
      const other = t.text === 'src' ? 'dst' : 'src';
      if ((this.is(c, 'kw', 'or') || this.is(c, 'kw', 'and')) && this.is(this.peek(1), 'kw', other)) {
        this.next();
        this.next();
        dir = c.text as 'or' | 'and';
      }
      if (this.peek().kind === 'kw' && AQUALS.has(this.peek().text)) addr = this.next().text as Qual['addr'];
    } else if (t.kind === 'kw' && (AQUALS.has(t.text) || t.text === 'proto' || t.text === 'gateway' || t.text === 'protochain')) {
      this.next();
      if (t.text === 'protochain') throw new FilterError("'protochain' is not supported by podlab's filter", t.col);
      addr = t.text as Qual['addr'];
    } else this.fail(t0);
    return this.parseId({ proto: pqual, dir, addr, col: t0.col }, t0);
  }

  /** id: nid | pnum | '(' pid ')' — operands that take their qualifiers from `q`. */
  private parseId(q: Qual | undefined, at: Token): Res {
    const t = this.next();
    const ctx = { depth: this.vlanDepth, resolve: this.resolve };
    if (this.is(t, 'kw', 'not')) {
      const r = this.parseId(q, at);
      return { node: { t: 'not', a: r.node }, q: r.q };
    }
    if (this.is(t, 'op', '(')) {
      let r = this.parseId(q, at);
      while (this.is(this.peek(), 'kw', 'and') || this.is(this.peek(), 'kw', 'or')) {
        const op = this.next();
        const r2 = this.parseId(r.q, op);
        r = { node: { t: op.text as 'and' | 'or', a: r.node, b: r2.node }, q: r2.q };
      }
      this.expectOp(')');
      return r;
    }
    if (!q) throw new FilterError('syntax error in filter expression', t.col);
    switch (t.kind) {
      case 'num': return { node: gen.ncode(undefined, t.value, q, ctx, t.col), q };
      case 'hid': {
        if (this.is(this.peek(), 'op', '/')) {
          this.next();
          const n = this.next();
          if (n.kind !== 'num') this.fail(n);
          return { node: gen.mcode(t.text, undefined, n.value, q, ctx, t.col), q };
        }
        if (this.is(this.peek(), 'kw', 'mask')) {
          this.next();
          const m = this.next();
          if (m.kind !== 'hid') this.fail(m);
          return { node: gen.mcode(t.text, m.text, undefined, q, ctx, t.col), q };
        }
        return { node: gen.ncode(t.text, 0, q, ctx, t.col), q };
      }
      case 'eid': return { node: gen.ecode(t.text, q, t.col), q };
      case 'id': return { node: gen.scode(t.text, q, ctx, t.col), q };
      case 'hid6': throw new FilterError(`IPv6 address ${t.text} not supported by podlab's filter`, t.col);
      default: return this.fail(t);
    }
  }

  private relation(): Res {
    const a = this.arith(0);
    const op = this.next();
    if (op.kind !== 'op' || !REL_OPS.has(op.text)) this.fail(op);
    const b = this.arith(0);
    return { node: { t: 'rel', op: op.text as RelOp, a, b }, q: undefined };
  }

  /** Precedence climbing over libpcap's operator table. */
  private arith(minPrec: number): Arith {
    let left = this.arithAtom();
    for (;;) {
      const t = this.peek();
      const p = t.kind === 'op' ? PREC[t.text] : undefined;
      if (p === undefined || p <= minPrec) return left;
      this.next();
      const right = this.arith(p);
      left = { t: 'bin', op: t.text, a: left, b: right };
    }
  }

  private arithAtom(): Arith {
    const t = this.next();
    if (t.kind === 'num') return { t: 'num', v: t.value };
    if (this.is(t, 'kw', 'len')) return { t: 'len' };
    if (this.is(t, 'op', '-')) return { t: 'neg', a: this.arith(6) };
    if (this.is(t, 'op', '(')) {
      const a = this.arith(0);
      this.expectOp(')');
      return a;
    }
    if (t.kind === 'kw' && PNAMES.has(t.text) && this.is(this.peek(), 'op', '[')) {
      if (!LOAD_BASES.has(t.text)) throw new FilterError(`'${t.text}[]' is not supported by podlab's filter`, t.col);
      this.next();
      const off = this.arith(0);
      let size: 1 | 2 | 4 = 1;
      if (this.is(this.peek(), 'op', ':')) {
        this.next();
        const s = this.next();
        if (s.kind !== 'num') this.fail(s);
        if (s.value !== 1 && s.value !== 2 && s.value !== 4) throw new FilterError('data size must be 1, 2, or 4', s.col);
        size = s.value;
      }
      this.expectOp(']');
      return { t: 'load', base: t.text as LoadBase, depth: this.vlanDepth, off, size };
    }
    return this.fail(t);
  }
}
