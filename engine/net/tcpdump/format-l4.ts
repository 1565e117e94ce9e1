/**
 * Transport-layer text of `tcpdump -n`: TCP (flags, relative sequence numbers, options,
 * the BGP and HTTP summaries), UDP, ICMP. Mirrors tcpdump 4.99's print-tcp.c / print-udp.c /
 * print-icmp.c for the cases a pod network produces; other application dissectors are not
 * reproduced (tcpdump would add a protocol summary after "length N" for e.g. DNS or SSH).
 */
import type { IcmpMessage, Ipv4Packet, TcpSegment, UdpDatagram } from '../packet.ts';
import { formatIPv4 } from '../ip.ts';
import { encodeIpv4 } from '../codec/index.ts';
import { SERVICES } from './names.ts';

/** Options and state the transport printers share with the frame printer. */
export interface L4Context {
  readonly numeric: boolean;
  readonly verbose: number;
  /** -S: absolute TCP sequence numbers. */
  readonly absoluteSeq: boolean;
  readonly hostName: (a: number) => string;
  /** tcpdump's per-conversation initial sequence numbers (its tcp_seq_hash). */
  readonly tcpSeq: Map<string, { seq: number; ack: number }>;
}

const PORT_NAMES = new Map<string, string>();
for (const [name, s] of SERVICES) {
  if (name === 'www' || name === 'imap' || name === 'postgres' || name === 'webcache') continue;
  if (s.tcp) PORT_NAMES.set(`t${s.port}`, name);
  if (s.udp) PORT_NAMES.set(`u${s.port}`, name);
}

function port(ctx: L4Context, p: number, kind: 't' | 'u'): string {
  return ctx.numeric ? String(p) : PORT_NAMES.get(`${kind}${p}`) ?? String(p);
}

const TCP_FLAG_CHARS: [number, string][] = [[0x01, 'F'], [0x02, 'S'], [0x04, 'R'], [0x08, 'P'], [0x10, '.'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W']];

function tcpOptions(o: Uint8Array, rev: boolean, thseq: number, thack: number): string {
  const parts: string[] = [];
  let i = 0;
  while (i < o.length) {
    const kind = o[i]!;
    if (kind === 0 || kind === 1) {
      parts.push(kind === 0 ? 'eol' : 'nop');
      i++;
      if (kind === 0) break;
      continue;
    }
    const len = o[i + 1];
    if (len === undefined || len < 2 || len > o.length - i) { parts.push(`${optName(kind)}[bad opt]`); break; }
    const d = o.subarray(i + 2, i + len);
    const be16 = (k: number): number => (d[k]! << 8) | d[k + 1]!;
    const be32 = (k: number): number => ((d[k]! << 24) | (d[k + 1]! << 16) | (d[k + 2]! << 8) | d[k + 3]!) >>> 0;
    let text = optName(kind);
    let expect = len;
    switch (kind) {
      case 2: text += ` ${be16(0)}`; expect = 4; break;
      case 3: text += ` ${d[0]}`; expect = 3; break;
      case 4: expect = 2; break;
      case 5: {
        const blocks: string[] = [];
        for (let k = 0; k + 8 <= d.length; k += 8) {
          const base = rev ? thseq : thack;
          blocks.push(`{${(be32(k) - base) >>> 0}:${(be32(k + 4) - base) >>> 0}}`);
        }
        text += d.length % 8 ? ' invalid sack' : ` ${d.length / 8} ${blocks.join('')}`;
        break;
      }
      case 8: text += ` val ${be32(0)} ecr ${be32(4)}`; expect = 10; break;
      case 19: text += ` ${[...d].map((x) => x.toString(16).padStart(2, '0')).join('')}`; expect = 18; break;
      default: if (d.length) text += ` 0x${[...d].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
    }
    if (expect !== len) text += `[len ${len}]`;
    parts.push(text);
    i += len;
  }
  return parts.join(',');
}

function optName(kind: number): string {
  const names: Record<number, string> = { 2: 'mss', 3: 'wscale', 4: 'sackOK', 5: 'sack', 6: 'echo', 7: 'echoreply', 8: 'TS', 11: 'cc', 12: 'ccnew', 13: '', 19: 'md5', 20: 'scps', 28: 'uto', 29: 'tcp-ao', 30: 'mptcp', 34: 'tfo', 254: 'exp' };
  return names[kind] ?? `unknown-${kind}`;
}

const HTTP_METHODS = new Set(['GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL',
  'TRACE', 'LABEL', 'MERGE', 'DELETE', 'SEARCH', 'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT', 'OPTIONS',
  'CHECKIN', 'PROPFIND', 'CHECKOUT', 'CCM_POST', 'SUBSCRIBE', 'PROPPATCH', 'BPROPFIND', 'BPROPPATCH', 'UNCHECKOUT',
  'MKACTIVITY', 'MKWORKSPACE', 'UNSUBSCRIBE', 'RPC_CONNECT', 'VERSION-CONTROL', 'BASELINE-CONTROL']);

/** Printable text lines of a payload, as tcpdump's print_txt_line cuts them (stops at binary). */
function textLines(p: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === 0x0a || (c === 0x0d && p[i + 1] === 0x0a)) {
      lines.push(String.fromCharCode(...p.subarray(start, i)));
      if (c === 0x0d) i++;
      start = i + 1;
    } else if ((c < 0x20 || c > 0x7e) && c !== 0x09) break;
  }
  return lines;
}

function httpSummary(p: Uint8Array, ctx: L4Context): string {
  const head = String.fromCharCode(...p.subarray(0, 64));
  const tok = head.split(/[ \r\n]/, 2);
  const isReq = HTTP_METHODS.has((tok[0] ?? '').toUpperCase());
  const isResp = /^\d{3}$/.test(tok[1] ?? '');
  if (!isReq && !isResp) return ': HTTP';
  const lines = textLines(p);
  if (ctx.verbose) return `: HTTP, length: ${p.length}${lines.map((l) => `\n\t${l}`).join('')}`;
  return lines.length ? `: HTTP: ${lines[0]}` : ': HTTP';
}

/** `src.sport > dst.dport: Flags [..], seq .., ack .., win .., options [..], length N[: PROTO]`. */
export function tcpText(ip: Ipv4Packet, t: TcpSegment, ctx: L4Context): string {
  const src = ctx.hostName(ip.src);
  const dst = ctx.hostName(ip.dst);
  let s = `${src}.${port(ctx, t.srcPort, 't')} > ${dst}.${port(ctx, t.dstPort, 't')}: `;
  const flags = t.flags & 0xff;
  const fl = TCP_FLAG_CHARS.filter(([b]) => flags & b).map(([, c]) => c).join('');
  s += `Flags [${fl || 'none'}]`;
  let seq = t.seq >>> 0;
  let ack = t.ack >>> 0;
  let rev = false;
  let thseq = 0;
  let thack = 0;
  if (!ctx.absoluteSeq && flags & 0x10) {
    // tcpdump keys a conversation in one canonical direction, lower port first.
    rev = t.srcPort > t.dstPort || (t.srcPort === t.dstPort && ip.src > ip.dst);
    const key = rev ? `${ip.dst}:${ip.src}:${t.dstPort}:${t.srcPort}` : `${ip.src}:${ip.dst}:${t.srcPort}:${t.dstPort}`;
    let th = ctx.tcpSeq.get(key);
    if (!th || flags & 0x02) {
      th = rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
      ctx.tcpSeq.set(key, th);
    } else if (rev) {
      seq = (seq - th.ack) >>> 0;
      ack = (ack - th.seq) >>> 0;
    } else {
      seq = (seq - th.seq) >>> 0;
      ack = (ack - th.ack) >>> 0;
    }
    thseq = th.seq;
    thack = th.ack;
  }
  if (ctx.verbose && ip.fragOffset === 0 && !ip.mf) {
    const b = encodeIpv4(ip);
    const at = 20 + (ip.options?.length ?? 0) + 16;
    s += `, cksum 0x${((b[at]! << 8) | b[at + 1]!).toString(16).padStart(4, '0')} (correct)`;
  }
  const len = t.payload.length;
  if (ctx.verbose > 1 || len > 0 || flags & 0x07) s += `, seq ${seq}${len > 0 ? `:${(seq + len) >>> 0}` : ''}`;
  if (flags & 0x10) s += `, ack ${ack}`;
  s += `, win ${t.window}`;
  if (flags & 0x20) s += ', urg 0';
  if (t.options && t.options.length) s += `, options [${tcpOptions(t.options, rev, thseq, thack)}]`;
  s += `, length ${len}`;
  if (len > 0 && !(flags & 0x04 && ctx.verbose)) {
    const either = (p: number): boolean => t.srcPort === p || t.dstPort === p;
    if (either(179)) s += ': BGP';
    else if (either(80) || either(8080)) s += httpSummary(t.payload, ctx);
  }
  return s;
}

/** `src.sport > dst.dport: UDP, length N`, or the VXLAN header line (the caller prints the inner frame). */
export function udpText(ip: Ipv4Packet, u: UdpDatagram, ctx: L4Context): string {
  const head = `${ctx.hostName(ip.src)}.${port(ctx, u.srcPort, 'u')} > ${ctx.hostName(ip.dst)}.${port(ctx, u.dstPort, 'u')}: `;
  if (!(u.payload instanceof Uint8Array)) return `${head}VXLAN, flags [I] (0x08), vni ${u.payload.vni}`;
  return `${head}UDP, length ${u.payload.length}`;
}

function quotedDst(data: Uint8Array): string {
  return data.length >= 20 ? formatIPv4((((data[16]! << 24) | (data[17]! << 16) | (data[18]! << 8) | data[19]!) >>> 0)) : '?';
}

/** `ICMP echo request, id 1, seq 1, length 64` and the error texts. */
export function icmpText(m: IcmpMessage, ctx: L4Context): string {
  const len = 8 + m.data.length;
  const q = m.data;
  const odst = quotedDst(q);
  let str: string;
  switch (m.type) {
    case 0: case 8: str = `echo ${m.type === 8 ? 'request' : 'reply'}, id ${m.rest >>> 16}, seq ${m.rest & 0xffff}`; break;
    case 3: str = unreachText(m, odst, ctx); break;
    case 11: str = m.code === 0 ? 'time exceeded in-transit' : m.code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${m.code}`; break;
    default: str = ({ 4: 'source quench', 10: 'router solicitation', 13: 'time stamp request', 14: 'time stamp reply', 15: 'information request', 16: 'information reply', 17: 'address mask request' } as Record<number, string>)[m.type] ?? `type-#${m.type}`;
  }
  return `ICMP ${str}, length ${len}`;
}

function unreachText(m: IcmpMessage, odst: string, ctx: L4Context): string {
  const q = m.data;
  switch (m.code) {
    case 0: return `net ${odst} unreachable`;
    case 1: return `host ${odst} unreachable`;
    case 2: return `${odst} protocol ${q[9] ?? 0} unreachable`;
    case 3: {
      const hl = ((q[0] ?? 0x45) & 0x0f) * 4;
      const dport = q.length >= hl + 4 ? (q[hl + 2]! << 8) | q[hl + 3]! : 0;
      const proto = q[9];
      if (proto === 6) return `${odst} tcp port ${port(ctx, dport, 't')} unreachable`;
      if (proto === 17) return `${odst} udp port ${port(ctx, dport, 'u')} unreachable`;
      return `${odst} protocol ${proto ?? 0} port ${dport} unreachable`;
    }
    case 4: {
      const mtu = m.rest & 0xffff;
      return mtu ? `${odst} unreachable - need to frag (mtu ${mtu})` : `${odst} unreachable - need to frag`;
    }
    case 5: return `${odst} unreachable - source route failed`;
    case 6: return `net ${odst} unreachable - unknown`;
    case 7: return `host ${odst} unreachable - unknown`;
    case 8: return `${odst} unreachable - source host isolated`;
    case 9: return `net ${odst} unreachable - admin prohibited`;
    case 10: return `host ${odst} unreachable - admin prohibited`;
    case 11: return `net ${odst} unreachable - tos prohibited`;
    case 12: return `host ${odst} unreachable - tos prohibited`;
    case 13: return `host ${odst} unreachable - admin prohibited filter`;
    case 14: return `host ${odst} unreachable - host precedence violation`;
    case 15: return `host ${odst} unreachable - precedence cutoff`;
    default: return `${odst} unreachable - #${m.code}`;
  }
}
