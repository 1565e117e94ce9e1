/**
 * `traceroute` (Dmitry Butskoy's traceroute 2.1, Debian's) in virtual time: UDP probes to
 * ports 33434+ with TTL 1, 2, …, -q probes per hop, each waiting up to 5 s (the MAX of -w);
 * answers are ICMP time exceeded from routers and port unreachable from the destination.
 * Output matches the real tool: header, " N  addr  t ms  t ms  t ms" (address repeated only
 * when it changes, "addr (addr)" without -n since the simulator has no DNS), "*" for silence,
 * "!H !N !P !X !F-mtu" annotations, and it stops at the hop that reached the destination or
 * reported unreachable. Probes go one at a time (the real tool keeps up to 16 in flight),
 * which changes timing, not the printed result.
 */
import { formatIPv4, isIPv4, parseIPv4 } from '../../net/ip.ts';
import type { IcmpMessage, Ipv4Packet } from '../../net/packet.ts';
import { IPPROTO_UDP } from '../../net/packet.ts';
import { makeIpv4, makeUdp, parseIcmpQuote } from '../../net/codec/index.ts';
import type { Kernel } from '../kernel.ts';
import { ipLocalOut, routeOutput } from '../ipv4-output.ts';
import { nextId } from '../icmp.ts';

/** Options of one traceroute run. */
export interface TracerouteOptions {
  dst: string;
  /** -n: numeric output only. */
  numeric?: boolean;
  /** -m max TTL (default 30). */
  maxHops?: number;
  /** -q probes per hop (default 3). */
  queries?: number;
  /** -w seconds to wait for each probe (default 5). */
  waitS?: number;
  /** -f first TTL (default 1). */
  firstHop?: number;
}

/** What traceroute printed. */
export interface TracerouteResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Per hop, the address that answered each probe (undefined for "*"). */
  hops: (string | undefined)[][];
}

/** Parses traceroute argv (without "traceroute"). */
export function parseTracerouteArgs(argv: readonly string[]): TracerouteOptions {
  const o: Partial<TracerouteOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => Number(argv[++i]);
    if (a === '-n') o.numeric = true;
    else if (a === '-m') o.maxHops = num();
    else if (a === '-q') o.queries = num();
    else if (a === '-w') o.waitS = num();
    else if (a === '-f') o.firstHop = num();
    else if (a.startsWith('-')) throw new Error(`Bad option \`${a}' (argc ${i + 1})`);
    else o.dst = a;
  }
  if (!o.dst) throw new Error('Specify "host" missing argument.');
  return o as TracerouteOptions;
}

const ANNOTATION: Record<number, string> = { 0: '!N', 1: '!H', 2: '!P', 9: '!N', 10: '!H', 13: '!X', 11: '!N', 12: '!H' };

/** Runs traceroute from `node` in virtual time. */
export function runTraceroute(world: { node(name: string): Kernel }, node: string, opts: TracerouteOptions): TracerouteResult {
  return tracerouteOnKernel(world.node(node), opts);
}

/** Runs traceroute on a Kernel directly. */
export function tracerouteOnKernel(k: Kernel, opts: TracerouteOptions): TracerouteResult {
  const lines: string[] = [];
  const maxHops = opts.maxHops ?? 30;
  const queries = opts.queries ?? 3;
  const waitMs = (opts.waitS ?? 5) * 1000;
  if (!isIPv4(opts.dst)) return { stdout: '', stderr: `${opts.dst}: Name or service not known\nCannot handle "host" cmdline arg \`${opts.dst}' on position 1 (argc 1)\n`, exitCode: 2, hops: [] };
  const dst = parseIPv4(opts.dst);
  lines.push(`traceroute to ${opts.dst} (${formatIPv4(dst)}), ${maxHops} hops max, 60 byte packets`);
  const rt = routeOutput(k, dst);
  if (typeof rt === 'string') {
    const text = rt === 'ENETUNREACH' ? 'Network is unreachable' : rt === 'EHOSTUNREACH' ? 'No route to host' : rt === 'EACCES' ? 'Permission denied' : 'Invalid argument';
    return { stdout: `${lines.join('\n')}\n`, stderr: `connect: ${text}\n`, exitCode: 1, hops: [] };
  }
  const srcPort = 32768 + (k.rng.nextU32() % 28232);
  let port = 33434 + ((opts.firstHop ?? 1) - 1) * queries;
  const hops: (string | undefined)[][] = [];
  const name = (a: number): string => (opts.numeric ? formatIPv4(a) : `${formatIPv4(a)} (${formatIPv4(a)})`);

  let answer: { from: number; m: IcmpMessage; at: number } | undefined;
  let waitingPort = -1;
  const sock = (pkt: Ipv4Packet): void => {
    const m = pkt.payload as IcmpMessage;
    if (m.type !== 3 && m.type !== 11) return;
    let q;
    try { q = parseIcmpQuote(m.data); } catch { return; }
    if (q.protocol !== IPPROTO_UDP || q.dst !== dst || q.l4.length < 4) return;
    const dport = (q.l4[2]! << 8) | q.l4[3]!;
    const sport = (q.l4[0]! << 8) | q.l4[1]!;
    if (dport !== waitingPort || sport !== srcPort || answer) return;
    answer = { from: pkt.src, m, at: k.clock.nowMs() };
  };
  k.icmpSockets.add(sock);
  const data = new Uint8Array(32);
  for (let i = 0; i < data.length; i++) data[i] = 0x40 + i;
  try {
    for (let ttl = opts.firstHop ?? 1; ttl <= maxHops; ttl++) {
      let line = `${String(ttl).padStart(2)} `;
      let prev: number | undefined;
      let stop = false;
      const row: (string | undefined)[] = [];
      for (let q = 0; q < queries; q++) {
        answer = undefined;
        waitingPort = port++;
        const sentAt = k.clock.nowMs();
        const pkt = makeIpv4({ src: rt.src, dst, payload: makeUdp(srcPort, waitingPort, data), ttl, df: false, id: nextId(k) });
        ipLocalOut(k, pkt, {});
        k.clock.runWhile(() => answer === undefined, waitMs);
        const a = answer as { from: number; m: IcmpMessage; at: number } | undefined;
        if (!a || a.at - sentAt > waitMs) {
          line += ' *';
          row.push(undefined);
          continue;
        }
        if (a.from !== prev) line += ` ${name(a.from)}`;
        prev = a.from;
        row.push(formatIPv4(a.from));
        line += `  ${(a.at - sentAt).toFixed(3)} ms`;
        if (a.m.type === 3) {
          if (a.m.code === 3) {
            if (a.from !== dst) line += ' !';
            stop = true;
          } else if (a.m.code === 4) {
            line += ` !F-${a.m.rest & 0xffff}`;
            stop = true;
          } else {
            line += ` ${ANNOTATION[a.m.code] ?? `!<${a.m.code}>`}`;
            stop = true;
          }
        }
      }
      lines.push(line);
      hops.push(row);
      if (stop) break;
    }
  } finally {
    k.icmpSockets.delete(sock);
  }
  return { stdout: `${lines.join('\n')}\n`, stderr: '', exitCode: 0, hops };
}
