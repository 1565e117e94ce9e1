/**
 * Port probes on the simulator: `nc -z` (OpenBSD netcat's port scan, Debian's default `nc`)
 * over the simulated TCP stack and UDP, and the test servers pods run (`pod: {listen: […]}`),
 * like the agnhost servers Kubernetes' network-policy tests put in every pod.
 *
 * TCP is what netcat does: a SYN; SYN-ACK → "succeeded" (exit 0), RST → "Connection
 * refused", silence for `-w` seconds → "timed out". UDP differs on purpose: real `nc -u -z`
 * reports success when nothing comes back, which would hide a silent drop; podlab's sends one
 * datagram and waits for the test server's echo, so silence is "timed out" (exit 1) and an
 * ICMP port unreachable is "Connection refused". Everything runs in virtual time.
 */
import { isIPv4, parseIPv4 } from '../net/ip.ts';
import type { IPv4 } from '../net/ip.ts';
import { makeIpv4, makeUdp, parseIcmpQuote } from '../net/codec/index.ts';
import type { IcmpMessage, Ipv4Packet, UdpDatagram } from '../net/packet.ts';
import type { Kernel } from '../sim/kernel.ts';
import { ipLocalOut, routeOutput } from '../sim/ipv4-output.ts';
import { nextId } from '../sim/icmp.ts';
import { connect, listen } from '../sim/tcp/index.ts';
import type { TcpListener, TcpSocket } from '../sim/tcp/index.ts';
import type { ToolResult } from '../sim/tools/argv.ts';
import { sctpListen, sctpProbe } from '../sim/sctp.ts';

/** A port a pod's test server listens on. */
export interface ServerPort {
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
  /** A containerPort name (`http=8080`): what a named targetPort or a policy's named port resolves against. */
  readonly name?: string;
}

const SERVICES: Record<string, string> = { 'tcp/80': 'http', 'tcp/443': 'https', 'tcp/22': 'ssh', 'tcp/179': 'bgp', 'udp/53': 'domain', 'tcp/53': 'domain' };

/** Starts test servers on a kernel: TCP accepts and closes, UDP and SCTP echo each message back. */
export function startServers(k: Kernel, ports: readonly ServerPort[]): (() => void) {
  const closers: (() => void)[] = [];
  for (const p of ports) {
    if (p.protocol === 'tcp') {
      const l: TcpListener = listen(k, { port: p.port, owner: 'agnhost' }, (s: TcpSocket) => s.end());
      closers.push(() => l.close());
    } else if (p.protocol === 'sctp') {
      closers.push(sctpListen(k, p.port, (m) => m));
    } else {
      if (k.udpSockets.has(p.port)) throw new Error(`UDP port ${p.port} is already in use`);
      k.udpSockets.set(p.port, (pkt) => {
        const u = pkt.payload as UdpDatagram;
        ipLocalOut(k, makeIpv4({ src: pkt.dst, dst: pkt.src, payload: makeUdp(u.dstPort, u.srcPort, u.payload as Uint8Array), id: nextId(k) }), {});
      });
      closers.push(() => k.udpSockets.delete(p.port));
    }
  }
  return () => closers.forEach((c) => c());
}

interface NcArgs { udp: boolean; sctp: boolean; verbose: boolean; waitMs: number; host: string; port: number }

function parseNc(args: readonly string[]): NcArgs | string {
  let udp = false;
  let sctp = false;
  let verbose = false;
  let zero = false;
  let waitMs = 5000;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-w') {
      const s = Number(args[++i]);
      if (!(s > 0)) return 'nc: timeout cannot be negative or zero';
      waitMs = s * 1000;
    } else if (/^-[uvzn]+$/.test(a)) {
      udp ||= a.includes('u');
      verbose ||= a.includes('v');
      zero ||= a.includes('z');
    } else if (a === '--sctp') sctp = true; // ncat's SCTP mode (OpenBSD nc has none)
    else if (a.startsWith('-')) return `nc: invalid option -- '${a.slice(1)}' (podlab's nc supports -z -u -v -n -w --sctp)`;
    else rest.push(a);
  }
  if (!zero) return 'nc: podlab runs nc in scan mode only: use -z (e.g. nc -z -w 1 10.5.0.2 80)';
  if (udp && sctp) return 'nc: -u and --sctp are exclusive: one transport';
  if (rest.length !== 2) return 'usage: nc [-uvz] [--sctp] [-w timeout] destination port';
  const port = Number(rest[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `nc: port number invalid: ${rest[1]}`;
  if (!isIPv4(rest[0]!)) return `nc: getaddrinfo for host "${rest[0]}" port ${rest[1]}: Name or service not known`;
  return { udp, sctp, verbose, waitMs, host: rest[0]!, port };
}

/** `nc -z [-u|--sctp] [-v] [-w S] HOST PORT` on a simulated node, in virtual time. */
export function ncOnKernel(k: Kernel, args: readonly string[]): ToolResult {
  const a = parseNc(args);
  if (typeof a === 'string') return { stdout: '', stderr: `${a}\n`, code: 1 };
  const proto = a.udp ? 'udp' : a.sctp ? 'sctp' : 'tcp';
  const svc = SERVICES[`${proto}/${a.port}`] ?? '*';
  const ok = (): ToolResult => ({ stdout: '', stderr: a.verbose ? `Connection to ${a.host} ${a.port} port [${proto}/${svc}] succeeded!\n` : '', code: 0 });
  const failed = (why: string): ToolResult => ({ stdout: '', stderr: `nc: connect to ${a.host} port ${a.port} (${proto}) ${why}\n`, code: 1 });
  const outcome = a.udp ? udpProbe(k, parseIPv4(a.host), a.port, a.waitMs) : a.sctp ? sctpScan(k, parseIPv4(a.host), a.port, a.waitMs) : tcpProbe(k, a.host, a.port, a.waitMs);
  if (outcome === 'open') return ok();
  if (outcome === 'refused') return failed('failed: Connection refused');
  if (outcome === 'timeout') return failed('timed out: Operation now in progress');
  return failed(`failed: ${outcome}`);
}

type Outcome = 'open' | 'refused' | 'timeout' | string;

function tcpProbe(k: Kernel, host: string, port: number, waitMs: number): Outcome {
  let result: Outcome | undefined;
  const s = connect(k, { dst: host, port, owner: 'nc' }, {
    onConnect: () => { result = 'open'; s.destroy(); },
    onClose: (err) => { result ??= err ? (err.code === 'ECONNREFUSED' ? 'refused' : err.message) : 'open'; },
  });
  const start = k.clock.nowMs();
  if (!k.clock.runWhile(() => result === undefined, waitMs)) k.clock.runUntil(start + waitMs);
  if (result === undefined) {
    s.destroy();
    return 'timeout';
  }
  return result;
}

/** An SCTP association set up and shut down (INIT … COOKIE ACK, SHUTDOWN …); ABORT is "refused". */
function sctpScan(k: Kernel, dst: IPv4, port: number, waitMs: number): Outcome {
  const r = sctpProbe(k, dst, port, undefined, waitMs);
  return r.result === 'open' || r.result === 'refused' || r.result === 'timeout' ? r.result
    : r.result === 'no-route' ? 'Network is unreachable' : 'No route to host';
}

function udpProbe(k: Kernel, dst: IPv4, port: number, waitMs: number): Outcome {
  const rt = routeOutput(k, dst);
  if (typeof rt === 'string') return 'Network is unreachable';
  let sport = 40000 + (k.rng.nextU32() % 20000);
  while (k.udpSockets.has(sport)) sport++;
  let result: Outcome | undefined;
  k.udpSockets.set(sport, (pkt: Ipv4Packet) => { if (pkt.src === dst) result = 'open'; });
  const onIcmp = (pkt: Ipv4Packet): void => {
    const m = pkt.payload as IcmpMessage;
    if (m.type !== 3) return;
    try {
      const q = parseIcmpQuote(m.data);
      if (q.protocol === 17 && q.dst === dst && ((q.l4[0]! << 8) | q.l4[1]!) === sport) result = m.code === 3 ? 'refused' : 'No route to host';
    } catch { /* not a quote we can read */ }
  };
  k.icmpSockets.add(onIcmp);
  try {
    const start = k.clock.nowMs();
    ipLocalOut(k, makeIpv4({ src: rt.src, dst, payload: makeUdp(sport, port, new TextEncoder().encode('X')), id: nextId(k) }), {});
    // `-w` is a deadline on the simulated clock: silence lasts the whole of it.
    if (!k.clock.runWhile(() => result === undefined, waitMs)) k.clock.runUntil(start + waitMs);
  } finally {
    k.udpSockets.delete(sport);
    k.icmpSockets.delete(onIcmp);
  }
  return result ?? 'timeout';
}
