/**
 * Probing a deployed simulator lab: one ping per pair (or `nc -z` for a port) (`ping -c 1 -W 1`, as the scenario's
 * `reachable` does with more patience), with the world's trace bus listened to for exactly
 * the duration of the probe so the drops of that probe's ICMP packets give the reason.
 * Background traffic (BGP keepalives) is TCP and never matches.
 */
import { formatIPv4 } from '../net/ip.ts';
import type { EthernetFrame, Ipv4Packet } from '../net/packet.ts';
import { ipv4TotalLength } from '../net/codec/index.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import type { TraceEvent } from '../sim/trace.ts';
import type { LabDriver } from '../scenario/driver.ts';
import { probeReason } from './reason.ts';
import type { ArpFailure, DropRecord } from './reason.ts';
import type { ProbeEndpoint, TraceHop } from './types.ts';

const ICMP = 1;
const TCP = 6;

/** The probe's packet a drop concerns (protocol `proto`): the packet itself, or the one inside IPIP or VXLAN. */
function probePacketIn(pkt: Ipv4Packet | undefined, proto: number): Ipv4Packet | undefined {
  for (let p = pkt, depth = 0; p && depth < 3; depth++) {
    if (p.protocol === proto) return p;
    const inner = p.payload;
    if (inner instanceof Uint8Array) return undefined;
    if (inner.kind === 'ipv4') p = inner;
    else if (inner.kind === 'udp' && !(inner.payload instanceof Uint8Array) && (inner.payload as { kind?: string }).kind === 'vxlan') {
      p = ipOf((inner.payload as { inner: EthernetFrame }).inner);
    } else return undefined;
  }
  return undefined;
}

function ipOf(f: EthernetFrame | undefined): Ipv4Packet | undefined {
  const p = f?.payload;
  return p && !(p instanceof Uint8Array) && p.kind === 'ipv4' ? p : undefined;
}

/** The outcome of one probe. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly reason?: string;
  /** The first MTU drop of the request: where, the device's MTU, and the encapsulation that made the packet bigger. */
  readonly mtuDrop?: MtuDrop;
  /** The probe's packets hop by hop, when it failed. */
  readonly trace?: readonly TraceHop[];
}

/** Hops kept per failed probe: a loop would otherwise record until the TTL runs out. */
const MAX_TRACE = 80;

/** A packet too big for a device, with DF: what the MTU search names as the black hole. */
export interface MtuDrop {
  readonly node: string;
  readonly dev: string;
  readonly mtu: number;
  /** IP total length on the wire (outer header included). */
  readonly len: number;
  /** Bytes the encapsulation added (outer minus inner length); 0 when not encapsulated. */
  readonly overhead: number;
  readonly encap?: 'IPIP' | 'VXLAN';
}

/** Pings between endpoints of one simulator lab and explains every failure from the trace. */
export class Prober {
  constructor(private readonly driver: LabDriver, private readonly lab: SimLab) {}

  /** One echo from `from` to `to` (optionally `size` bytes of payload with DF set), or a TCP connect to `port`. */
  async probe(from: ProbeEndpoint, to: ProbeEndpoint, opts: { size?: number; port?: number } = {}): Promise<ProbeOutcome> {
    const target = to.ip;
    const drops: DropRecord[] = [];
    const arp: ArpFailure[] = [];
    let lastSeen: string | undefined;
    let mtuDrop: MtuDrop | undefined;
    const proto = opts.port === undefined ? ICMP : TCP;
    const trace: TraceHop[] = [];
    const ours = (p: Ipv4Packet | undefined): p is Ipv4Packet => {
      const inner = probePacketIn(p, proto);
      return !!inner && (formatIPv4(inner.dst) === target || formatIPv4(inner.src) === target);
    };
    const hop = (e: TraceEvent, h: Omit<TraceHop, 'seq' | 't' | 'node'>): void => {
      if (trace.length < MAX_TRACE) trace.push({ seq: trace.length + 1, t: e.t, node: e.node, ...h });
    };
    const listen = (e: TraceEvent): void => {
      if (e.type === 'arp' && e.event === 'failed') arp.push({ node: e.node, dev: e.dev, ip: formatIPv4(e.ip) });
      if ((e.type === 'tx' || e.type === 'rx') && ours(ipOf(e.frame))) hop(e, { hop: e.type, dev: e.dev, text: `${e.type === 'tx' ? 'sent on' : 'received on'} ${e.dev}` });
      else if (e.type === 'forward' && ours(e.pkt)) hop(e, { hop: 'forward', dev: e.inDev, outDev: e.outDev, dst: formatIPv4(e.pkt.dst), text: `forward ${e.inDev} → ${e.outDev}` });
      else if (e.type === 'deliver' && ours(e.pkt)) hop(e, { hop: 'deliver', dev: e.dev, dst: formatIPv4(e.pkt.dst), text: `deliver to local socket on ${e.dev}` });
      else if ((e.type === 'encap' || e.type === 'decap') && ours(e.inner)) {
        hop(e, { hop: e.type, dev: e.dev, tunnel: e.tunnel, dst: formatIPv4(e.inner.dst), text: `${e.type} ${e.tunnel} ${formatIPv4(e.outer.src)} > ${formatIPv4(e.outer.dst)}` });
      }
      if (e.type === 'tx') {
        const p = probePacketIn(ipOf(e.frame), proto);
        if (p && formatIPv4(p.dst) === target) lastSeen = `${e.node}:${e.dev}`;
      }
      if (e.type !== 'drop') return;
      const outer = e.pkt ?? ipOf(e.frame);
      const inner = probePacketIn(outer, proto);
      if (!inner || !outer) return;
      if (opts.port !== undefined) {
        const l4 = inner.payload as { kind?: string; srcPort?: number; dstPort?: number };
        if (l4.kind !== 'tcp' || (l4.dstPort !== opts.port && l4.srcPort !== opts.port)) return;
      }
      const src = formatIPv4(inner.src);
      const dst = formatIPv4(inner.dst);
      const dir = dst === target ? 'request' : src === target ? 'reply' : undefined;
      if (!dir) return;
      const dev = e.dev;
      const mtu = e.reason === 'mtu' && dev ? this.mtuOf(e.node, dev) : undefined;
      if (e.reason === 'mtu' && dir === 'request' && dev && mtu !== undefined && !mtuDrop) {
        const overhead = ipv4TotalLength(outer) - ipv4TotalLength(inner);
        const encap = overhead === 0 ? undefined : outer.protocol === 4 ? 'IPIP' as const : 'VXLAN' as const;
        mtuDrop = { node: e.node, dev, mtu, len: ipv4TotalLength(outer), overhead, ...(encap ? { encap } : {}) };
      }
      hop(e, { hop: 'drop', ...(dev ? { dev } : {}), reason: e.reason, ...(e.rule !== undefined ? { rule: e.rule } : {}), dst, text: `drop: ${e.reason}${e.rule !== undefined ? ` (${e.rule})` : ''}` });
      drops.push({
        node: e.node, reason: e.reason, dir, src, dst, len: ipv4TotalLength(outer), df: outer.df,
        ...(dev !== undefined ? { dev } : {}), ...(e.rule !== undefined ? { rule: e.rule } : {}), ...(mtu !== undefined ? { mtu } : {}),
      });
    };
    const off = this.lab.world.trace.on(listen);
    let code: number;
    let output = '';
    try {
      const argv = opts.port !== undefined
        ? ['nc', '-z', '-w', '1', target, String(opts.port)]
        : ['ping', '-c', '1', '-W', '1', ...(opts.size !== undefined ? ['-M', 'do', '-s', String(opts.size)] : []), target];
      const res = await this.driver.exec(from.execNode, argv);
      code = res.code;
      output = `${res.stdout}\n${res.stderr}`;
    } finally {
      off();
    }
    if (code === 0) return { ok: true };
    // The source refused to send: a path MTU its kernel learned (PMTUD worked) is smaller than the packet.
    const local = drops.length === 0 ? /local error: message too long, mtu=(\d+)/.exec(output) : null;
    if (local) return { ok: false, ...(trace.length ? { trace } : {}), reason: `MTU: ${from.id} cannot send it with DF: its kernel learned a path MTU of ${local[1]} towards ${target} (ping: local error: message too long)` };
    return { ok: false, reason: probeReason(drops, arp, lastSeen), ...(mtuDrop ? { mtuDrop } : {}), ...(trace.length ? { trace } : {}) };
  }

  /** A device's MTU, or undefined when the node or device is gone. */
  private mtuOf(node: string, dev: string): number | undefined {
    for (const d of this.lab.kernel(node).state.devices.values()) if (d.name === dev) return d.mtu;
    return undefined;
  }

  /** The MTU of a pod's eth0 (what podlab's CNI configured). */
  podMtu(pod: ProbeEndpoint): number | undefined {
    return this.mtuOf(pod.execNode, 'eth0');
  }
}
