/**
 * The JSON the UI server speaks: HTTP responses and WebSocket messages. Types only (no code,
 * no Node APIs), so the browser bundle imports them too and both sides agree by construction.
 */
import type { Topology } from '../model/types.ts';
import type { NatNote } from '../events.ts';

/** What happened to a packet at one point of its path (the simulator trace, one line each). */
export type HopKind = 'tx' | 'rx' | 'forward' | 'deliver' | 'drop' | 'encap' | 'decap' | 'arp' | 'nat';

/** One hop of the live trace. */
export interface HopEvent {
  readonly seq: number;
  /** Virtual time, ms since deploy. */
  readonly t: number;
  readonly hop: HopKind;
  readonly node: string;
  /** tx/rx/deliver/drop: the device; forward: the input device; encap/decap: the tunnel device. */
  readonly dev?: string;
  /** forward: the output device. */
  readonly outDev?: string;
  /** drop: why (no-route, ttl, mtu, netfilter, link-down…). */
  readonly reason?: string;
  /** drop by netfilter: the rule that decided, as iptables-save prints it, when the trace carries it. */
  readonly rule?: string;
  /** forward/deliver/drop: the packet's destination; encap: the inner destination (the lookup that chose the tunnel). */
  readonly dst?: string;
  readonly tunnel?: 'ipip' | 'vxlan';
  /** Packet identity (innermost IPv4 + L4 id), shared by every hop of one packet; a nat hop carries the rewritten packet's. */
  readonly key?: string;
  /** nat: the packet's identity before the rewrite, so a path follows it across the NAT. */
  readonly natFrom?: string;
  /** nat: what changed (DNAT dst 10.96.0.10:80 → 10.244.1.5:80) and the rules that chose it. */
  readonly nat?: NatNote;
  /** One line in tcpdump's words. */
  readonly text: string;
  /** tx/rx on a captured device: the packet's number in the packet list. */
  readonly packet?: number;
}

/** One captured frame in the packet list. */
export interface PacketRecord {
  /** 1-based, in capture order across all devices (Wireshark's "No."). */
  readonly no: number;
  readonly t: number;
  readonly node: string;
  readonly iface: string;
  /** Absent when unknown (a recorded frame no event saw). */
  readonly dir?: 'in' | 'out';
  /** The frame's wire bytes, lower-case hex. */
  readonly hex: string;
  readonly key?: string;
  /** The seq of the hop event that saw it; -1 when none did (before the server started, or recorded without an event). */
  readonly hop: number;
}

/** GET /api/packets?since=N */
export interface PacketsResponse {
  readonly total: number;
  /** The oldest packets the server no longer keeps (a live lab keeps a bounded list); numbers start after them. */
  readonly dropped: number;
  readonly packets: readonly PacketRecord[];
}

/** GET /api/hops?since=N */
export interface HopsResponse {
  /** Seq of the oldest hop the server still keeps. */
  readonly first: number;
  readonly next: number;
  readonly hops: readonly HopEvent[];
}

/** One node as GET /api/nodes lists it. */
export interface NodeSummary {
  readonly name: string;
  readonly kind: string;
  readonly interfaces: readonly { readonly name: string; readonly address?: string }[];
}

/** GET /api/links: each cable and whether frames can cross it now. */
export interface LinkState {
  readonly a: string;
  readonly aIf: string;
  readonly b: string;
  readonly bIf: string;
  /** Cable up, both devices admin up, neither node stopped. */
  readonly up: boolean;
  readonly latencyMs: number;
  readonly lossPct: number;
}

/** GET /api/captures */
export interface CaptureSummary {
  readonly node: string;
  readonly iface: string;
  readonly frames: number;
  /** Where its pcap downloads from. */
  readonly pcap: string;
}

/** POST /api/exec {node, command, quiet?}: `quiet` runs it without announcing it as a command on the stream. */
export interface ExecResponse {
  readonly node: string;
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** A namespace the topology does not name (a pod), and the veth that ties it to a node. */
export interface AttachedNamespace {
  readonly name: string;
  /** The topology node holding the other end of its veth, when there is one. */
  readonly host?: string;
  readonly hostIface?: string;
  /** Its own end of that veth. */
  readonly iface?: string;
  readonly addresses: readonly string[];
}

/** GET /api/topology */
export interface TopologyResponse {
  readonly topology: Topology;
  /** Namespaces outside the topology (pods), as of now. */
  readonly namespaces: readonly AttachedNamespace[];
  readonly runtime: string;
  /** `replay`: a recording; nothing runs, the terminal is read-only. */
  readonly mode: 'live' | 'replay';
}

/** WebSocket messages, server → browser. */
export type ServerMessage =
  | { readonly type: 'hello'; readonly topology: string; readonly hops: number; readonly packets: number }
  | { readonly type: 'hops'; readonly hops: readonly HopEvent[] }
  | { readonly type: 'packets'; readonly total: number }
  | { readonly type: 'command'; readonly t: number; readonly node: string; readonly command: string; readonly code: number }
  /** More scenario events are available from GET /api/events?since=N. */
  | { readonly type: 'events'; readonly total: number };
