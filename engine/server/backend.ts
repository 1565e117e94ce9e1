/**
 * What the UI server serves, behind one interface: a live simulated lab (commands run, the
 * trace streams) or a recording (read-only, its captures and events as recorded). The HTTP
 * and WebSocket code only talk to a UiBackend, so replay feeds the same UI code path as a
 * live run.
 */
import type { Topology } from '../model/types.ts';
import type { PodlabEvent } from '../events.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { LiveFeed } from './live-feed.ts';
import type { AttachedNamespace, HopEvent, LinkState, PacketRecord } from './api-types.ts';
import { attachedNamespaces } from './namespaces.ts';
import { labEvents } from './lab-events.ts';

/** What a command printed and its status. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** The hop log and packet list a backend exposes (LiveFeed for a lab, RecordingFeed for a recording). */
export interface Feed {
  packetCount(): number;
  /** How many of the oldest packets are no longer kept (0 for a recording). */
  droppedPackets(): number;
  nextHop(): number;
  firstHop(): number;
  packetsSince(since: number, limit?: number): PacketRecord[];
  hopsSince(since: number, limit?: number): HopEvent[];
  onChange(fn: () => void): () => void;
  close(): void;
}

/** One source of everything the UI shows. */
export interface UiBackend {
  readonly mode: 'live' | 'replay';
  readonly runtime: string;
  readonly topology: Topology;
  readonly feed: Feed;
  /** Runs a command line on a node (at once on the simulator, asynchronously on real nodes); undefined for a recording. */
  readonly exec?: (node: string, command: string) => ExecResult | Promise<ExecResult>;
  /** Current time (virtual ms). */
  now(): number;
  /** Namespaces outside the topology (pods) and how they attach. */
  namespaces(): AttachedNamespace[];
  /** True when commands may run on this node (a topology node or an attached namespace). */
  hasNode(name: string): boolean;
  links(): LinkState[];
  captures(): { node: string; iface: string; frames: number }[];
  /** The pcap of one captured interface, or undefined. */
  pcap(node: string, iface: string): Uint8Array | undefined;
  /** Scenario events (steps, narration, commands, expectations), empty when none ran. */
  events(): readonly PodlabEvent[];
  /** How many events there are, and a page of them, where the backend reads them lazily (a live lab's Calico events). */
  eventCount?(): number;
  eventsPage?(since: number, limit: number): PodlabEvent[];
}

/** Options of a live backend. */
export interface LiveOptions {
  /** A feed created earlier (before a scenario ran, so its hops are in the log). */
  feed?: LiveFeed;
  /** The scenario run's events, shown as the timeline. */
  events?: readonly PodlabEvent[];
}

/** A backend over a running simulated lab. */
export function liveBackend(lab: SimLab, opts: LiveOptions = {}): UiBackend {
  const feed = opts.feed ?? new LiveFeed(lab);
  // No scenario: Calico's own events, so sessions and tunnels are drawn for a bare topology too.
  const stream = opts.events ? undefined : labEvents(lab);
  const events = opts.events;
  return {
    mode: 'live', runtime: 'sim', topology: lab.topology, feed,
    // The shell's exec: verbs that change the cluster (kubectl apply…) and pods by name too.
    exec: (node, command) => lab.execAsync(node, command),
    now: () => lab.world.clock.nowMs(),
    namespaces: () => {
      const list = attachedNamespaces(lab);
      // Pods appear after deploy (CNI); capture their interface from the moment the UI sees them.
      for (const ns of list) if (ns.iface) lab.startCapture(ns.name, ns.iface);
      return list;
    },
    hasNode: (name) => lab.resolveNode(name) !== undefined,
    links: () => lab.world.links.map((l) => ({
      a: l.a.kernel.node, aIf: l.a.dev.name, b: l.b.kernel.node, bIf: l.b.dev.name,
      up: l.up && l.a.dev.adminUp && l.b.dev.adminUp && !l.a.kernel.stopped && !l.b.kernel.stopped,
      latencyMs: l.latencyMs, lossPct: l.lossPct,
    })),
    captures: () => [...lab.allCaptures().values()].map((c) => ({ node: c.node, iface: c.dev, frames: c.records.length })),
    pcap: (node, iface) => lab.allCaptures().get(`${node}:${iface}`)?.toPcap(),
    ...(stream
      ? { events: () => stream.events, eventCount: () => stream.count(), eventsPage: (since: number, limit: number) => stream.page(since, limit) }
      : { events: () => events ?? [] }),
  };
}
