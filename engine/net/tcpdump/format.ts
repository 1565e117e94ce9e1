/**
 * One line per packet, exactly as `tcpdump -n` (4.99) prints it, with `-e` link-level
 * headers, `-v` IP headers, `-S`, and the `-t…` timestamp styles; plus the stderr banner and
 * closing counts tcpdump prints around a capture.
 *
 * Nesting is tcpdump's: IPIP prints the outer and inner IP on one line
 * (`IP 10.30.200.1 > 10.30.200.2: IP 10.5.1.2 > 10.5.2.3: ICMP echo request, …`), VXLAN prints
 * its header and then the inner Ethernet frame on the next line without a timestamp.
 * The printer is stateful like tcpdump: relative TCP sequence numbers and delta timestamps
 * depend on the packets printed before, so print a capture through one TcpdumpPrinter.
 */
import type { ArpPacket, EthernetFrame, Ipv4Packet } from '../packet.ts';
import { formatIPv4 } from '../ip.ts';
import { frameLength, ipv4TotalLength } from '../codec/index.ts';
import { icmpText, tcpText, udpText, type L4Context } from './format-l4.ts';
import { TimestampPrinter, type TimestampStyle } from './time.ts';
import { sctpText } from './format-sctp.ts';

export type { TimestampStyle };

/** Options matching tcpdump's flags. */
export interface FormatOptions {
  /** -n / -nn: numeric hosts and ports (default true; false names ports and uses `hostName`). */
  readonly numeric?: boolean;
  /** -e: print the link-level header. */
  readonly link?: boolean;
  /** -v count (0..1 reproduced; higher counts print as -v). */
  readonly verbose?: number;
  /** -S: absolute TCP sequence numbers. */
  readonly absoluteSeq?: boolean;
  /** Timestamp column: default 'time' (HH:MM:SS.uuuuuu); -t none, -tt epoch, -ttt delta, -tttt date, -ttttt sincefirst. */
  readonly timestamps?: TimestampStyle;
  /** Added to each packet's tsMs (virtual clock → wall clock). Default 0. */
  readonly epochMs?: number;
  /** Local time zone offset; tcpdump prints local time, podlab defaults to UTC. */
  readonly utcOffsetMinutes?: number;
  /** Capture on `any` (Linux cooked v2): each line starts with the interface and direction. */
  readonly anyInterface?: boolean;
  /** Host names when not numeric (the simulator's node/pod names). */
  readonly hostName?: (addr: number) => string | undefined;
}

/** A captured packet: virtual time, the frame, and where it was seen. */
export interface CapturedFrame {
  readonly tsMs: number;
  readonly frame: EthernetFrame;
  readonly dir?: 'In' | 'Out';
  /** Original length on the wire when it differs from the encoded frame (padding). */
  readonly len?: number;
  readonly ifname?: string;
}

const ETHERTYPE_NAMES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q', 0x86dd: 'IPv6', 0x8035: 'RARP', 0x88cc: 'LLDP' };
const IPPROTO_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP' };

/** Linux's packet type as `-i any` shows it: Out, or for received frames B(roadcast), M(ulticast), In. */
function packetType(pkt: CapturedFrame): string {
  if (pkt.dir === 'Out') return 'Out';
  if (pkt.frame.dst === 'ff:ff:ff:ff:ff:ff') return 'B';
  if (parseInt(pkt.frame.dst.slice(0, 2), 16) & 1) return 'M';
  return 'In';
}

function ethertype(et: number): string {
  return `ethertype ${ETHERTYPE_NAMES[et] ?? 'Unknown'} (0x${et.toString(16).padStart(4, '0')})`;
}

/** Formats packets the way one tcpdump process would, keeping its state between lines. */
export class TcpdumpPrinter {
  private readonly ts: TimestampPrinter;
  private readonly ctx: L4Context;
  private readonly link: boolean;

  constructor(private readonly opts: FormatOptions = {}) {
    this.ts = new TimestampPrinter(opts.timestamps ?? 'time', opts.utcOffsetMinutes ?? 0);
    this.link = opts.link ?? false;
    const numeric = opts.numeric ?? true;
    this.ctx = {
      numeric,
      verbose: opts.verbose ?? 0,
      absoluteSeq: opts.absoluteSeq ?? false,
      hostName: numeric || !opts.hostName ? formatIPv4 : (a) => opts.hostName!(a) ?? formatIPv4(a),
      tcpSeq: new Map(),
    };
  }

  /** The text tcpdump prints for one packet (VXLAN packets span two lines, joined by "\n"). */
  format(pkt: CapturedFrame): string {
    let s = this.ts.format((this.opts.epochMs ?? 0) + pkt.tsMs);
    if (this.opts.anyInterface) s += `${(pkt.ifname ?? '').padEnd(5)} ${packetType(pkt).padEnd(3)} `;
    return s + this.ether(pkt.frame, pkt.len ?? frameLength(pkt.frame));
  }

  private ether(f: EthernetFrame, len: number): string {
    let s = '';
    if (this.link) {
      s = `${f.src} > ${f.dst}, `;
      if (f.vlan !== undefined) s += `${ethertype(0x8100)}, length ${len}: vlan ${f.vlan}, p ${f.pcp ?? 0}, ${ethertype(f.etherType)}, `;
      else s += `${ethertype(f.etherType)}, length ${len}: `;
    }
    const p = f.payload;
    if (p instanceof Uint8Array) {
      // tcpdump has dissectors for these; podlab's model leaves them raw, so say what it is.
      return this.link ? s : `${s}${f.src} > ${f.dst}, ${ethertype(f.etherType)}, length ${len}: `;
    }
    if (p.kind === 'arp') return s + this.arp(p);
    return s + this.ip(p);
  }

  private arp(a: ArpPacket): string {
    let s = this.link ? '' : 'ARP, ';
    if (this.ctx.verbose) s += 'Ethernet (len 6), IPv4 (len 4), ';
    if (a.op === 1) {
      s += `Request who-has ${formatIPv4(a.targetIp)}`;
      if (a.targetMac !== '00:00:00:00:00:00') s += ` (${a.targetMac})`;
      s += ` tell ${formatIPv4(a.senderIp)}`;
    } else {
      s += `Reply ${formatIPv4(a.senderIp)} is-at ${a.senderMac}`;
    }
    return `${s}, length 28`;
  }

  private ip(ip: Ipv4Packet): string {
    const c = this.ctx;
    let s = this.link ? '' : 'IP ';
    if (c.verbose) s += `${this.ipHeader(ip)}\n    `;
    const src = c.hostName(ip.src);
    const dst = c.hostName(ip.dst);
    const payloadLen = ipv4TotalLength(ip) - 20 - (ip.options?.length ?? 0);
    if (ip.fragOffset !== 0) return `${s}${src} > ${dst}: ip-proto-${ip.protocol}`;
    const p = ip.payload;
    if (p instanceof Uint8Array) {
      const sctp = ip.protocol === 132 ? sctpText(ip, p, (a) => c.hostName(a)) : undefined;
      return sctp ? s + sctp : `${s}${src} > ${dst}: ip-proto-${ip.protocol} ${payloadLen}`;
    }
    switch (p.kind) {
      case 'tcp': return s + tcpText(ip, p, c);
      case 'udp': {
        const line = s + udpText(ip, p, c);
        return p.payload instanceof Uint8Array ? line : `${line}\n${this.ether(p.payload.inner, frameLength(p.payload.inner))}`;
      }
      case 'icmp': {
        let t = `${s}${src} > ${dst}: ${icmpText(p, c)}`;
        if (c.verbose && (p.type === 3 || p.type === 11 || p.type === 12 || p.type === 4 || p.type === 5)) t += `\n\t${this.quoted(p.data)}`;
        return t;
      }
      case 'ipv4': return `${s}${src} > ${dst}: ${this.ip(p)}`;
    }
  }

  /** -v: "(tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)". */
  private ipHeader(ip: Ipv4Packet, totalLen = ipv4TotalLength(ip)): string {
    const ecn = ['', ',ECT(1)', ',ECT(0)', ',CE'][ip.tos & 3];
    const flags = [ip.mf ? '+' : '', ip.df ? 'DF' : ''].filter(Boolean).join(', ') || 'none';
    const ttl = ip.ttl >= 1 ? `, ttl ${ip.ttl}` : '';
    return `(tos 0x${ip.tos.toString(16)}${ecn}${ttl}, id ${ip.id}, offset ${ip.fragOffset * 8}, flags [${flags}], proto ${IPPROTO_NAMES[ip.protocol] ?? 'unknown'} (${ip.protocol}), length ${totalLen})`;
  }

  /** -v ICMP errors: the quoted header, then what of the transport header fits. */
  private quoted(d: Uint8Array): string {
    if (d.length < 20) return '[|ip]';
    const hl = (d[0]! & 0x0f) * 4;
    const u16 = (o: number): number => (d[o]! << 8) | d[o + 1]!;
    const u32 = (o: number): number => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
    const q: Ipv4Packet = {
      kind: 'ipv4', tos: d[1]!, id: u16(4), df: (d[6]! & 0x40) !== 0, mf: (d[6]! & 0x20) !== 0, fragOffset: u16(6) & 0x1fff,
      ttl: d[8]!, protocol: d[9]!, src: u32(12), dst: u32(16), payload: new Uint8Array(0),
    };
    const head = `${this.link ? '' : 'IP '}${this.ipHeader(q, u16(2))}\n    `;
    const src = this.ctx.hostName(q.src);
    const dst = this.ctx.hostName(q.dst);
    const l4 = d.subarray(hl);
    if (q.protocol === 6 && l4.length >= 4) return `${head}${src}.${u16(hl)} > ${dst}.${u16(hl + 2)}:  [|tcp]`;
    if (q.protocol === 17 && l4.length >= 8) return `${head}${src}.${u16(hl)} > ${dst}.${u16(hl + 2)}: UDP, length ${u16(hl + 4) - 8}`;
    if (q.protocol === 1 && l4.length >= 8 && (l4[0] === 8 || l4[0] === 0)) {
      return `${head}${src} > ${dst}: ICMP echo ${l4[0] === 8 ? 'request' : 'reply'}, id ${u16(hl + 4)}, seq ${u16(hl + 6)}, length ${u16(2) - hl}`;
    }
    return `${head}${src} > ${dst}: ip-proto-${q.protocol}`;
  }
}

/** Formats a whole capture: one string per packet (VXLAN packets contain a newline). */
export function formatCapture(packets: readonly CapturedFrame[], opts: FormatOptions = {}): string[] {
  const p = new TcpdumpPrinter(opts);
  return packets.map((x) => p.format(x));
}

/** The stderr banner of a live capture: "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes". */
export function listeningBanner(iface: string, opts: { verbose?: number; snaplen?: number } = {}): string {
  const lt = iface === 'any' ? 'LINUX_SLL2 (Linux cooked v2)' : 'EN10MB (Ethernet)';
  const hint = opts.verbose ? '' : 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n';
  return `${hint}listening on ${iface}, link-type ${lt}, snapshot length ${opts.snaplen ?? 262144} bytes\n`;
}

/** The stderr banner when reading a savefile: "reading from file F, link-type EN10MB (Ethernet), snapshot length 262144". */
export function readingBanner(file: string, snaplen = 262144): string {
  return `reading from file ${file}, link-type EN10MB (Ethernet), snapshot length ${snaplen}\n`;
}

/** The closing counts tcpdump prints on stderr after a live capture ends. */
export function captureSummary(captured: number, receivedByFilter = captured, dropped = 0): string {
  const pl = (n: number): string => `${n} packet${n === 1 ? '' : 's'}`;
  return `\n${pl(captured)} captured\n${pl(receivedByFilter)} received by filter\n${pl(dropped)} dropped by kernel\n`;
}
