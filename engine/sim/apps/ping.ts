/**
 * `ping` (iputils) in virtual time on a node's Kernel: same options subset, same output,
 * same exit codes — header, per-reply lines (time with 3/2/1/0 decimals as iputils picks),
 * "From X icmp_seq=N <reason>" for ICMP errors, "ping: local error: message too long,
 * mtu=M" for EMSGSIZE, the statistics block with "+N errors" and "pipe N", and "rtt
 * min/avg/max/mdev" computed in integer microseconds like iputils. "time" is the time of
 * the last transmission since the first, as iputils measures it. Formats were checked
 * against iputils 20221126 in network namespaces.
 *
 * Without -c real ping runs forever; here the default count is 4 so a scenario ends.
 */
import type { IPv4 } from '../../net/ip.ts';
import { formatIPv4, isIPv4, parseIPv4 } from '../../net/ip.ts';
import type { IcmpMessage, Ipv4Packet } from '../../net/packet.ts';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IPPROTO_ICMP } from '../../net/packet.ts';
import { ipv4TotalLength, makeIcmpEcho, makeIpv4, parseIcmpQuote } from '../../net/codec/index.ts';
import type { Kernel } from '../kernel.ts';
import { ipLocalOut, pathMtu, routeOutput } from '../ipv4-output.ts';
import { nextId } from '../icmp.ts';

/** Options of one ping run (the flags iputils takes). */
export interface PingOptions {
  dst: string;
  /** -c (default 4 here; real ping runs until interrupted). */
  count?: number;
  /** -s payload bytes (default 56). */
  size?: number;
  /** -M do|dont|want (default want: DF set unless the packet exceeds the path MTU). */
  pmtudisc?: 'do' | 'dont' | 'want';
  /** -W seconds to wait for a reply after the last probe (default 10). */
  timeoutS?: number;
  /** -i seconds between probes (default 1). */
  intervalS?: number;
  /** -I source address or device name. */
  source?: string;
  /** -t TTL (default 64). */
  ttl?: number;
}

/** What a ping run printed and returned. */
export interface PingResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as a terminal shows them. */
  output: string;
  exitCode: number;
  transmitted: number;
  received: number;
  errors: number;
  /** Round-trip times in ms of the replies, in order. */
  rttsMs: number[];
}

/** Options that take a value; the others ping knows are plain flags. */
const PING_VALUE_OPTIONS = new Set(['c', 's', 'M', 'W', 'i', 'I', 't']);
const PING_FLAGS = new Set(['n']);

/** iputils' strtol-based checks: whole number within [min, max], or its exact complaint. */
function pingInteger(v: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new Error(`ping: invalid argument: '${v}'`);
  const n = Number(v);
  if (n < min || n > max) throw new Error(`ping: invalid argument: '${v}': out of range: ${min} <= value <= ${max}`);
  return n;
}

function pingSeconds(v: string, what: 'linger time' | 'timing interval'): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`ping: bad ${what}: ${v}`);
  return n;
}

/**
 * Parses ping argv (without the leading "ping") into options; throws with iputils' words on
 * unknown flags and bad values. Like iputils (getopt), a value may be attached (`-c1`,
 * `-W1`) or the next word (`-c 1`), and flags group (`-nc1`).
 */
export function parsePingArgs(argv: readonly string[]): PingOptions {
  const o: Partial<PingOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.length < 2 || !a.startsWith('-')) {
      o.dst = a;
      continue;
    }
    // One word may hold several flags and end with an option's value: -nc1 = -n -c 1.
    for (let j = 1; j < a.length; j++) {
      const f = a[j]!;
      if (PING_FLAGS.has(f)) continue;
      if (!PING_VALUE_OPTIONS.has(f)) throw new Error(`ping: invalid option -- '${f}'`);
      let v = a.slice(j + 1);
      if (v === '') {
        const next = argv[++i];
        if (next === undefined) throw new Error(`ping: option requires an argument -- '${f}'`);
        v = next;
      }
      setPingOption(o, f, v);
      break;
    }
  }
  if (!o.dst) throw new Error('ping: usage error: Destination address required');
  return o as PingOptions;
}

function setPingOption(o: Partial<PingOptions>, f: string, v: string): void {
  switch (f) {
    case 'c': o.count = pingInteger(v, 1, Number.MAX_SAFE_INTEGER); break;
    // iputils accepts up to INT_MAX and then fails to send; 65507 is the most an IPv4 datagram carries.
    case 's': o.size = pingInteger(v, 0, 65507); break;
    case 't': o.ttl = pingInteger(v, 0, 255); break;
    case 'W': o.timeoutS = pingSeconds(v, 'linger time'); break;
    case 'i': o.intervalS = pingSeconds(v, 'timing interval'); break;
    case 'I': o.source = v; break;
    case 'M':
      if (v !== 'do' && v !== 'dont' && v !== 'want') throw new Error(`ping: invalid -M argument: ${v}`);
      o.pmtudisc = v;
      break;
  }
}

/** iputils' per-reply time format: 3 decimals under 1 ms, 2 under 10, 1 under 100, none above. */
export function formatTripTime(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `0.${String(us).padStart(3, '0')}`;
}

function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** printf("%g") for the loss percentage. */
function pctG(x: number): string {
  return String(Number(x.toPrecision(6)));
}

const UNREACH_TEXT: Record<number, string> = {
  0: 'Destination Net Unreachable', 1: 'Destination Host Unreachable', 2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable', 5: 'Source Route Failed', 6: 'Destination Net Unknown', 7: 'Destination Host Unknown',
  9: 'Destination Net Prohibited', 10: 'Destination Host Prohibited', 13: 'Packet filtered',
};

const ERRNO_TEXT: Record<string, string> = {
  ENETUNREACH: 'ping: connect: Network is unreachable',
  EHOSTUNREACH: 'ping: connect: No route to host',
  EINVAL: 'ping: connect: Invalid argument',
  EACCES: 'ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules',
  ENETDOWN: 'ping: connect: Network is down',
};

function icmpErrorText(m: IcmpMessage): string {
  if (m.type === 3 && m.code === 4) return `Frag needed and DF set (mtu = ${m.rest & 0xffff})`;
  if (m.type === 3) return UNREACH_TEXT[m.code] ?? `Dest Unreachable, Bad Code: ${m.code}`;
  if (m.type === 11) return m.code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
  return `Bad ICMP type: ${m.type}`;
}

/** Runs ping on `node`'s kernel in virtual time (advancing the shared clock) and returns what it printed. */
export function runPing(world: { node(name: string): Kernel }, node: string, opts: PingOptions): PingResult {
  return pingOnKernel(world.node(node), opts);
}

/** Runs ping on a Kernel directly. */
export function pingOnKernel(k: Kernel, opts: PingOptions): PingResult {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const say = (s: string): void => { out.push(s); all.push(s); };
  const warn = (s: string): void => { err.push(s); all.push(s); };
  const finish = (exitCode: number, t = 0, r = 0, e = 0, rtts: number[] = []): PingResult =>
    ({ stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join(''), output: all.map((l) => `${l}\n`).join(''), exitCode, transmitted: t, received: r, errors: e, rttsMs: rtts });

  if (!isIPv4(opts.dst)) {
    warn(`ping: ${opts.dst}: Name or service not known`);
    return finish(2);
  }
  const dst = parseIPv4(opts.dst);
  const count = opts.count ?? 4;
  const size = opts.size ?? 56;
  const intervalMs = (opts.intervalS ?? 1) * 1000;
  const waitMs = (opts.timeoutS ?? 10) * 1000;
  const pmtud = opts.pmtudisc ?? 'want';
  let oif: number | undefined;
  let src: IPv4 | undefined;
  let sourceText = '';
  if (opts.source !== undefined) {
    if (isIPv4(opts.source)) src = parseIPv4(opts.source);
    else {
      const d = k.findDevice(opts.source);
      if (!d) {
        warn(`ping: SO_BINDTODEVICE ${opts.source}: No such device`);
        return finish(2);
      }
      oif = d.ifindex;
    }
  }
  // connect(): the route is looked up before anything is printed.
  const rt = routeOutput(k, dst, oif, src);
  if (typeof rt === 'string') {
    warn(ERRNO_TEXT[rt] ?? `ping: connect: ${rt}`);
    return finish(2);
  }
  const source = src ?? rt.src;
  if (opts.source !== undefined) sourceText = `from ${formatIPv4(source)} ${oif !== undefined ? opts.source : ''}: `;
  say(`PING ${opts.dst} (${formatIPv4(dst)}) ${sourceText}${size}(${size + 28}) bytes of data.`);

  const ident = k.rng.nextU32() & 0xffff;
  const sentAt = new Map<number, number>();
  const answered = new Set<number>();
  const rtts: number[] = [];
  const rttUs: number[] = [];
  let transmitted = 0;
  let received = 0;
  let errors = 0;
  let pipesize = 1;
  let lastSend = 0;
  let done = false;
  const start = k.clock.nowMs();

  const payload = (): Uint8Array => {
    const data = new Uint8Array(size);
    const now = k.clock.nowMs();
    if (size >= 16) {
      const v = new DataView(data.buffer);
      v.setUint32(0, Math.floor(now / 1000), true);
      v.setUint32(8, Math.round((now % 1000) * 1000), true);
    }
    for (let i = 16; i < size; i++) data[i] = i & 0xff;
    return data;
  };

  const sock = (pkt: Ipv4Packet): void => {
    if (done) return;
    const m = pkt.payload as IcmpMessage;
    let seq: number;
    if (m.type === ICMP_ECHO_REPLY) {
      if (m.rest >>> 16 !== ident || pkt.src !== dst) return;
      seq = m.rest & 0xffff;
      const at = sentAt.get(seq);
      if (at === undefined || answered.has(seq) || k.clock.nowMs() - at > waitMs) return;
      answered.add(seq);
      received++;
      const us = Math.round((k.clock.nowMs() - at) * 1000);
      rtts.push(us / 1000);
      rttUs.push(us);
      say(`${size + 8} bytes from ${formatIPv4(pkt.src)}: icmp_seq=${seq} ttl=${pkt.ttl} time=${formatTripTime(us)} ms`);
    } else if (m.type === 5) {
      // Redirects arrive on the raw socket, not the error queue: printed with a colon, not counted as errors.
      let q;
      try { q = parseIcmpQuote(m.data); } catch { return; }
      if (q.protocol !== IPPROTO_ICMP || q.dst !== dst || q.l4.length < 8 || ((q.l4[4]! << 8) | q.l4[5]!) !== ident) return;
      const rseq = (q.l4[6]! << 8) | q.l4[7]!;
      const kind = ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network', 'Redirect Type of Service and Host'][m.code] ?? `Redirect, Bad Code: ${m.code}`;
      say(`From ${formatIPv4(pkt.src)}: icmp_seq=${rseq} ${kind}(New nexthop: ${formatIPv4(m.rest >>> 0)})`);
      return;
    } else if (m.type === 3 || m.type === 11) {
      let q;
      try { q = parseIcmpQuote(m.data); } catch { return; }
      if (q.protocol !== IPPROTO_ICMP || q.dst !== dst || q.l4.length < 8 || q.l4[0] !== ICMP_ECHO_REQUEST) return;
      if (((q.l4[4]! << 8) | q.l4[5]!) !== ident) return;
      seq = (q.l4[6]! << 8) | q.l4[7]!;
      if (!sentAt.has(seq)) return;
      errors++;
      say(`From ${formatIPv4(pkt.src)} icmp_seq=${seq} ${icmpErrorText(m)}`);
    } else return;
    pipesize = Math.max(pipesize, transmitted - seq + 1);
    if (transmitted >= count && received + errors >= count) done = true;
  };
  k.icmpSockets.add(sock);

  const sendOne = (): void => {
    const seq = transmitted + 1;
    // Schedule the next probe first so a probe due at the same instant as a kernel timer goes first, as ping's loop does.
    if (seq < count) k.clock.schedule(intervalMs, sendOne);
    transmitted++;
    lastSend = k.clock.nowMs();
    sentAt.set(seq, lastSend);
    const echo = makeIcmpEcho(ICMP_ECHO_REQUEST, ident, seq & 0xffff, payload());
    let pkt = makeIpv4({ src: source, dst, payload: echo, ttl: opts.ttl ?? 64, df: pmtud !== 'dont', id: nextId(k) });
    const r = routeOutput(k, dst, oif, source);
    if (pmtud === 'want' && typeof r !== 'string' && ipv4TotalLength(pkt) > pathMtu(k, r.dev, dst)) pkt = { ...pkt, df: false };
    const res = ipLocalOut(k, pkt, oif !== undefined ? { oif, checkMtu: pmtud === 'do' } : { checkMtu: pmtud === 'do' });
    if (!res.ok) {
      errors++;
      if (res.errno === 'EMSGSIZE') warn(`ping: local error: message too long, mtu=${res.mtu}`);
      else warn(`ping: sendmsg: ${res.errno === 'ENETUNREACH' ? 'Network is unreachable' : res.errno === 'EHOSTUNREACH' ? 'No route to host' : res.errno}`);
      if (transmitted >= count && received + errors >= count) done = true;
    }
    if (seq >= count) k.clock.schedule(waitMs, () => { done = true; });
  };
  sendOne();
  k.clock.runWhile(() => !done, count * intervalMs + waitMs + 1);
  k.icmpSockets.delete(sock);
  done = true;

  say('');
  say(`--- ${opts.dst} ping statistics ---`);
  const loss = transmitted === 0 ? 0 : ((transmitted - received) * 100) / transmitted;
  const elapsed = Math.floor(lastSend - start);
  say(`${transmitted} packets transmitted, ${received} received, ${errors ? `+${errors} errors, ` : ''}${pctG(loss)}% packet loss, time ${elapsed}ms`);
  const parts: string[] = [];
  if (received > 0) {
    const n = rttUs.length;
    const sum = rttUs.reduce((a, b) => a + b, 0);
    const sum2 = rttUs.reduce((a, b) => a + b * b, 0);
    const avg = Math.floor(sum / n);
    const mdev = Math.floor(Math.sqrt(Math.max(0, sum2 / n - (sum / n) * (sum / n))));
    parts.push(`rtt min/avg/max/mdev = ${ms3(Math.min(...rttUs))}/${ms3(avg)}/${ms3(Math.max(...rttUs))}/${ms3(mdev)} ms`);
  }
  if (pipesize > 1) parts.push(`pipe ${pipesize}`);
  say(parts.join(', '));
  return finish(received > 0 ? 0 : 1, transmitted, received, errors, rtts);
}
