/**
 * The built-in expectations: reachable (one pair or a from×to matrix, probed with ping),
 * route (read from the node's FIB as data), packet (frames seen on a device during the step,
 * matched with tcpdump filters, outer and inner headers), output (a command's text) and
 * exitCode (the step's own command).
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node as YNode } from 'yaml';
import type { Entry, Source } from '../model/source.ts';
import { describe } from '../model/source.ts';
import type { Located, Location } from '../model/types.ts';
import { AddressError, formatPrefix4, isIPv4, networkOf, parsePrefix4 } from '../net/ip.ts';
import type { EthernetFrame } from '../net/packet.ts';
import { checkFilter, encapsulated } from '../net/tcpdump/index.ts';
import type { FramePredicate } from '../net/tcpdump/index.ts';
import { TcpdumpPrinter } from '../net/tcpdump/index.ts';
import type { Json, RouteEntry } from '../events.ts';
import { splitCommandLine, CommandLineError } from '../sim/tools/argv.ts';
import { registerExpectation, resolveNode } from './registry.ts';
import type { StepContext } from './registry.ts';
import { needString, optBool, optInt, optString, readEndpoint, strictMap } from './values.ts';

// ---------------------------------------------------------------------------------------
// reachable

/** `reachable`: rows = from, columns = to, cells = expected reachability; ICMP echo, or a TCP/UDP port. */
export interface ReachableParams { from: Located<string>[]; to: Located<string>[]; want: boolean[][]; matrix: boolean; port?: { protocol: 'tcp' | 'udp' | 'sctp'; port: number } }

/** The probe of one reachability cell: ping, or `nc -z` on a TCP/UDP/SCTP port (a pod's test server answers). */
export function reachProbe(address: string, port?: { protocol: 'tcp' | 'udp' | 'sctp'; port: number }): string[] {
  // Two pings 200 ms apart, 1 s to answer: one lost packet does not fail a cell.
  if (!port) return ['ping', '-c', '2', '-i', '0.2', '-W', '1', address];
  return ['nc', ...(port.protocol === 'udp' ? ['-u'] : port.protocol === 'sctp' ? ['--sctp'] : []), '-z', '-v', '-w', '1', address, String(port.port)];
}

function readNames(src: Source, e: Entry, what: string): Located<string>[] | undefined {
  if (isSeq(e.value)) {
    const out: Located<string>[] = [];
    for (const it of src.seq(e.value, what) ?? []) {
      const s = src.string(it, e.valueLoc, `each entry of ${what}`);
      if (s) out.push(s);
    }
    if (out.length === 0) src.problems.error(e.valueLoc, `${what} is an empty list`);
    return out.length ? out : undefined;
  }
  const s = src.string(e.value, e.valueLoc, what);
  return s ? [s] : undefined;
}

/** A matrix row: a list of booleans, or a k8s truth-table string (". X": `.` reachable, `X` not). */
function readRow(src: Source, node: YNode, width: number, what: string): boolean[] | undefined {
  let row: boolean[] | undefined;
  if (isScalar(node) && typeof node.value === 'string') {
    const cells = node.value.replace(/\s+/g, '');
    if (/^[.X]*$/.test(cells)) row = [...cells].map((c) => c === '.');
  } else if (isSeq(node)) {
    row = [];
    for (const c of node.items) {
      const b = src.bool(c as YNode, src.loc(node), `each cell of ${what}`);
      if (!b) return undefined;
      row.push(b.value);
    }
  }
  if (!row) {
    src.problems.error(src.loc(node), `${what} must be a list of true/false or a string of '.' (reachable) and 'X' (blocked), not ${describe(node)}`);
    return undefined;
  }
  if (row.length !== width) {
    src.problems.error(src.loc(node), `${what} has ${row.length} cells but 'to' lists ${width} targets`);
    return undefined;
  }
  return row;
}

const truthRow = (r: readonly boolean[]): string => r.map((b) => (b ? '.' : 'X')).join(' ');

registerExpectation<ReachableParams>({
  key: 'reachable',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'reachable', ['from', 'to', 'expect', 'matrix', 'port', 'protocol']);
    if (!m) return undefined;
    const portNum = optInt(src, m, 'port', 'reachable', 1, 65535);
    const protoText = optString(src, m, 'protocol', 'reachable');
    const proto = protoText?.value.toLowerCase();
    if (protoText && proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp' && proto !== 'icmp') src.problems.error(protoText.loc, `reachable: protocol must be TCP, UDP, SCTP or ICMP, not '${protoText.value}'`);
    if (portNum !== undefined && proto === 'icmp') src.problems.error(protoText!.loc, 'reachable: ICMP has no port', 'drop `port:` or say `protocol: TCP`');
    if ((proto === 'tcp' || proto === 'udp' || proto === 'sctp') && portNum === undefined) src.problems.error(protoText!.loc, `reachable: protocol ${protoText!.value} needs a 'port'`);
    const port = portNum !== undefined && proto !== 'icmp' ? { protocol: (proto === 'udp' || proto === 'sctp' ? proto : 'tcp') as 'tcp' | 'udp' | 'sctp', port: portNum } : undefined;
    const fe = m.get('from');
    const te = m.get('to');
    if (!fe) src.problems.error(e.keyLoc, `reachable has no 'from'`, 'add `from: NODE` (or a list)');
    if (!te) src.problems.error(e.keyLoc, `reachable has no 'to'`, 'add `to: NODE|IP|node:iface` (or a list)');
    const from = fe ? readNames(src, fe, 'reachable: from') : undefined;
    const to = te ? readNames(src, te, 'reachable: to') : undefined;
    const all = optBool(src, m, 'expect', 'reachable');
    const me = m.get('matrix');
    if (me && m.has('expect')) src.problems.error(me.keyLoc, `reachable takes 'matrix' or 'expect', not both`);
    if (!from || !to) return undefined;
    if (!me) {
      const v = all ?? true;
      return { from, to, want: from.map(() => to.map(() => v)), matrix: from.length > 1 || to.length > 1, ...(port ? { port } : {}) };
    }
    const rows = src.seq(me.value, 'reachable: matrix');
    if (!rows) return undefined;
    if (rows.length !== from.length) {
      src.problems.error(me.valueLoc, `reachable: matrix has ${rows.length} rows but 'from' lists ${from.length} sources`);
      return undefined;
    }
    const want: boolean[][] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = readRow(src, rows[i]!, to.length, `row ${i + 1} of reachable: matrix`);
      if (!r) return undefined;
      want.push(r);
    }
    return { from, to, want, matrix: true, ...(port ? { port } : {}) };
  },
  check(p, ctx) {
    for (const f of p.from) ctx.node(f.value, f.loc);
    for (const t of p.to) ctx.target(t.value, t.loc);
  },
  async evaluate(p, ctx) {
    const got: boolean[][] = [];
    for (const f of p.from) {
      const row: boolean[] = [];
      for (const t of p.to) {
        const r = await ctx.exec(f.value, reachProbe(ctx.resolveAddress(t.value), p.port), 'probe');
        row.push(r.code === 0);
      }
      got.push(row);
    }
    const pass = got.every((r, i) => r.every((c, j) => c === p.want[i]![j]));
    if (!p.matrix) {
      const [f, t, w] = [p.from[0]!.value, p.to[0]!.value, p.want[0]![0]!];
      const on = p.port ? ` on ${p.port.protocol.toUpperCase()} port ${p.port.port}` : '';
      return { text: `${f} ${w ? 'reaches' : 'cannot reach'} ${t}${on}`, expected: w, observed: got[0]![0]!, pass };
    }
    const wrong: string[] = [];
    got.forEach((r, i) => r.forEach((c, j) => {
      if (c !== p.want[i]![j]) wrong.push(`${p.from[i]!.value}→${p.to[j]!.value} ${c ? 'reachable' : 'blocked'}`);
    }));
    const header = { from: p.from.map((x) => x.value), to: p.to.map((x) => x.value) };
    return {
      text: `reachability ${p.from.length}×${p.to.length}${p.port ? ` (${p.port.protocol.toUpperCase()} port ${p.port.port})` : ''}${wrong.length ? ` (wrong: ${wrong.join(', ')})` : ''}`,
      expected: { ...header, matrix: p.want.map(truthRow) },
      observed: { ...header, matrix: got.map(truthRow) },
      pass,
    };
  },
});

// ---------------------------------------------------------------------------------------
// route

/** `route`: a route to `dst` with the given shape is (not) in the node's table. */
export interface RouteParams {
  node: Located<string>;
  dst: string;
  present: boolean;
  table: number;
  dev?: string;
  via?: string;
  proto?: string;
  type?: string;
  onlink?: boolean;
}

function readDst(src: Source, s: Located<string>): string | undefined {
  if (s.value === 'default') return '0.0.0.0/0';
  try {
    return formatPrefix4(networkOf(parsePrefix4(s.value.includes('/') ? s.value : `${s.value}/32`)));
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    src.problems.error(s.loc, `route: dst '${s.value}' is not an IPv4 prefix: ${e.message}`, 'write 10.30.3.0/24, 10.5.1.2 or default');
    return undefined;
  }
}

const TABLES: Record<string, number> = { main: 254, default: 253 };

registerExpectation<RouteParams>({
  key: 'route',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'route', ['node', 'dst', 'present', 'dev', 'via', 'proto', 'type', 'onlink', 'table']);
    if (!m) return undefined;
    const node = needString(src, m, 'node', e.keyLoc, 'route');
    const dstText = needString(src, m, 'dst', e.keyLoc, 'route');
    const dst = dstText ? readDst(src, dstText) : undefined;
    const via = optString(src, m, 'via', 'route');
    if (via && !isIPv4(via.value)) src.problems.error(via.loc, `route: via must be an IPv4 address, not '${via.value}'`);
    const tableText = optString(src, m, 'table', 'route');
    let table = 254;
    if (tableText) {
      const t = TABLES[tableText.value] ?? (/^\d+$/.test(tableText.value) ? Number(tableText.value) : NaN);
      if (!(t >= 1 && t <= 0xffffffff) || t === 255) src.problems.error(tableText.loc, `route: table must be main, default or a number (not local), not '${tableText.value}'`);
      else table = t;
    }
    const type = optString(src, m, 'type', 'route');
    const types = ['unicast', 'blackhole', 'unreachable', 'prohibit'];
    if (type && !types.includes(type.value)) src.problems.error(type.loc, `route: type must be one of ${types.join(', ')}, not '${type.value}'`);
    const out: RouteParams = { node: node!, dst: dst!, present: optBool(src, m, 'present', 'route') ?? true, table };
    const dev = optString(src, m, 'dev', 'route');
    const proto = optString(src, m, 'proto', 'route');
    const onlink = optBool(src, m, 'onlink', 'route');
    if (dev) out.dev = dev.value;
    if (via) out.via = via.value;
    if (proto) out.proto = proto.value;
    if (type) out.type = type.value;
    if (onlink !== undefined) out.onlink = onlink;
    return node && dst ? out : undefined;
  },
  check: (p, ctx) => ctx.node(p.node.value, p.node.loc),
  async evaluate(p, ctx) {
    const all = await ctx.driver.routes(resolveNode(p.node.value, ctx.driver));
    const toDst = all.filter((r) => r.dst === p.dst && r.table === p.table);
    const fits = (r: RouteEntry): boolean =>
      (p.dev === undefined || r.dev === p.dev) && (p.via === undefined || r.via === p.via) &&
      (p.proto === undefined || r.proto === p.proto) && (p.type === undefined || r.type === p.type) &&
      (p.onlink === undefined || r.onlink === p.onlink);
    const matching = toDst.filter(fits);
    const shape = [p.type, p.dst === '0.0.0.0/0' ? 'default' : p.dst, p.via && `via ${p.via}`, p.dev && `dev ${p.dev}`, p.proto && `proto ${p.proto}`, p.onlink === undefined ? '' : p.onlink ? 'onlink' : 'not onlink']
      .filter(Boolean).join(' ');
    const expected: { [k: string]: Json } = { dst: p.dst, present: p.present };
    for (const k of ['via', 'dev', 'proto', 'type', 'onlink'] as const) if (p[k] !== undefined) expected[k] = p[k]!;
    return {
      text: `${p.node.value} has ${p.present ? 'a' : 'no'} route ${shape}`,
      expected,
      observed: toDst.length ? toDst.map((r) => r.text) : `no route to ${p.dst}`,
      pass: p.present ? matching.length > 0 : matching.length === 0,
    };
  },
});

// ---------------------------------------------------------------------------------------
// packet

/** `packet`: frames on `node:iface` during this step matching the filters were (not) seen. */
export interface PacketParams {
  on: Located<{ node: string; iface: string }>;
  filter: string;
  seen: boolean;
  encap?: 'ipip' | 'vxlan';
  inner?: string;
  outer: FramePredicate;
  innerPred?: FramePredicate;
}

function compile(src: Source, s: Located<string>, what: string): FramePredicate | undefined {
  const r = checkFilter(s.value);
  if (r.ok) return r.predicate;
  // Point at the column inside the string when it is written plainly on one line.
  const loc: Location = { ...s.loc, col: s.loc.col + Math.max(0, r.column - 1) };
  src.problems.error(loc, `${what}: ${r.message}`, 'pcap-filter(7) syntax, as tcpdump takes it');
  return undefined;
}

function carries(frame: EthernetFrame, tunnel: 'ipip' | 'vxlan'): boolean {
  const ip = frame.payload;
  if (ip instanceof Uint8Array || ip.kind !== 'ipv4' || ip.fragOffset !== 0) return false;
  const p = ip.payload;
  if (p instanceof Uint8Array) return false;
  if (tunnel === 'ipip') return p.kind === 'ipv4';
  return p.kind === 'udp' && !(p.payload instanceof Uint8Array) && p.payload.kind === 'vxlan';
}

const lineOf = new TcpdumpPrinter({ timestamps: 'none', absoluteSeq: true });

registerExpectation<PacketParams>({
  key: 'packet',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'packet', ['on', 'filter', 'seen', 'encap', 'inner']);
    if (!m) return undefined;
    const onE = m.get('on');
    if (!onE) src.problems.error(e.keyLoc, `packet has no 'on'`, 'add `on: "node:eth0"`');
    const on = onE ? readEndpoint(src, onE, 'packet: on') : undefined;
    const filterText = optString(src, m, 'filter', 'packet');
    const outer = filterText ? compile(src, filterText, 'packet: filter') : () => true;
    const innerText = optString(src, m, 'inner', 'packet');
    const innerPred = innerText ? compile(src, innerText, 'packet: inner') : undefined;
    const encap = optString(src, m, 'encap', 'packet');
    if (encap && encap.value !== 'ipip' && encap.value !== 'vxlan') src.problems.error(encap.loc, `packet: encap must be ipip or vxlan, not '${encap.value}'`);
    if (!on || !outer || (innerText && !innerPred)) return undefined;
    const out: PacketParams = { on, filter: filterText?.value ?? '', seen: optBool(src, m, 'seen', 'packet') ?? true, outer };
    if (encap && (encap.value === 'ipip' || encap.value === 'vxlan')) out.encap = encap.value;
    if (innerText && innerPred) {
      out.inner = innerText.value;
      out.innerPred = innerPred;
    }
    return out;
  },
  check: (p, ctx) => ctx.node(p.on.value.node, p.on.loc),
  async evaluate(p, ctx) {
    const { node, iface } = p.on.value;
    const real = resolveNode(node, ctx.driver);
    const frames = ctx.driver.frames(real, iface).slice(ctx.frameMark(real, iface));
    const hits = frames.filter(({ frame }) =>
      p.outer(frame) && (!p.encap || carries(frame, p.encap)) && (!p.innerPred || encapsulated(frame).some((f) => p.innerPred!(f))));
    const what = [p.filter && `'${p.filter}'`, p.encap && `in ${p.encap}`, p.inner && `inner '${p.inner}'`].filter(Boolean).join(' ') || 'any packet';
    const expected: { [k: string]: Json } = { on: `${node}:${iface}`, filter: p.filter, seen: p.seen };
    if (p.encap) expected.encap = p.encap;
    if (p.inner) expected.inner = p.inner;
    const observed: { [k: string]: Json } = { matching: hits.length, frames: frames.length };
    if (hits[0]) observed.first = lineOf.format({ tsMs: 0, frame: hits[0].frame });
    return { text: `${what} ${p.seen ? 'seen' : 'not seen'} on ${node}:${iface}`, expected, observed, pass: p.seen ? hits.length > 0 : hits.length === 0 };
  },
});

// ---------------------------------------------------------------------------------------
// output and exitCode

/** `output`: a command's output (or the step's own) contains / matches / equals a text. */
export interface OutputParams {
  node?: Located<string>;
  argv?: string[];
  mode: 'contains' | 'matches' | 'equals';
  value: string;
  re?: RegExp;
}

async function commandOutput(p: { node?: Located<string>; argv?: string[] }, ctx: StepContext): Promise<{ text: string; code: number } | undefined> {
  if (p.node && p.argv) {
    const r = await ctx.exec(p.node.value, p.argv, 'probe');
    return { text: r.stdout + r.stderr, code: r.code };
  }
  const c = ctx.lastCommand;
  return c ? { text: c.result.stdout + c.result.stderr, code: c.result.code } : undefined;
}

registerExpectation<OutputParams>({
  key: 'output',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'output', ['node', 'command', 'contains', 'matches', 'equals']);
    if (!m) return undefined;
    const node = optString(src, m, 'node', 'output');
    const command = optString(src, m, 'command', 'output');
    if (!!node !== !!command) src.problems.error(e.keyLoc, `output needs both 'node' and 'command', or neither (then it checks the step's own command)`);
    const modes = (['contains', 'matches', 'equals'] as const).filter((k) => m.has(k));
    if (modes.length !== 1) {
      src.problems.error(e.keyLoc, `output needs exactly one of contains, matches, equals${modes.length ? ` (found ${modes.join(', ')})` : ''}`);
      return undefined;
    }
    const mode = modes[0]!;
    const value = optString(src, m, mode, 'output');
    if (!value) return undefined;
    const out: OutputParams = { mode, value: value.value };
    if (mode === 'matches') {
      try {
        out.re = new RegExp(value.value, 'm');
      } catch (err) {
        src.problems.error(value.loc, `output: matches: ${(err as Error).message}`);
        return undefined;
      }
    }
    if (node && command) {
      try {
        out.argv = splitCommandLine(command.value);
        out.node = node;
      } catch (err) {
        if (!(err instanceof CommandLineError)) throw err;
        src.problems.error(command.loc, `output: command: ${err.message}`);
        return undefined;
      }
    }
    return out;
  },
  check: (p, ctx) => p.node && ctx.node(p.node.value, p.node.loc),
  usesStepCommand: (p) => !p.node,
  async evaluate(p, ctx) {
    const got = await commandOutput(p, ctx);
    const where = p.node ? `${p.node.value}: ${p.argv!.join(' ')}` : 'the step\'s output';
    const text = `${where} ${p.mode === 'contains' ? 'contains' : p.mode === 'matches' ? 'matches' : 'equals'} ${JSON.stringify(p.value)}`;
    if (!got) return { text, expected: { [p.mode]: p.value }, observed: 'no command ran in this step', pass: false };
    const pass = p.mode === 'contains' ? got.text.includes(p.value) : p.mode === 'matches' ? p.re!.test(got.text) : got.text.trimEnd() === p.value.trimEnd();
    return { text, expected: { [p.mode]: p.value }, observed: got.text, pass };
  },
});

registerExpectation<number>({
  key: 'exitCode',
  parse(src, e) {
    if (isMap(e.value)) {
      src.problems.error(e.valueLoc, 'exitCode is a number (the exit status of the step\'s own command)', 'write `exitCode: 0`');
      return undefined;
    }
    return src.int(e.value, e.valueLoc, 'exitCode', 0, 255)?.value;
  },
  usesStepCommand: () => true,
  async evaluate(code, ctx) {
    const c = ctx.lastCommand;
    const text = `exit status ${code}`;
    if (!c) return { text, expected: code, observed: 'no command ran in this step', pass: false };
    return { text: `${c.argv[0]} exits with status ${code}`, expected: code, observed: c.result.code, pass: c.result.code === code };
  },
});
