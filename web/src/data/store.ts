/**
 * The UI's state of the lab: topology, packets (decoded rows), the hop log and a log of
 * what happened, kept current from the live stream. A plain observable object (snapshot +
 * subscribe) so React reads it with useSyncExternalStore and tests can drive it without a DOM.
 */
import type { HopEvent, LinkState, PacketRecord, ServerMessage, TopologyResponse } from '../../../engine/server/api-types.ts';
import type { PodlabEvent } from '../../../engine/events.ts';
import { toRow, type PacketRow } from '../domain/packet-view.ts';
import { TimelineBuilder, type Timeline } from '../domain/timeline.ts';
import { RouteLog, type BirdRouteEvent } from '../domain/route-log.ts';
import { addressOwners, routeTunnelPass, type RouteTunnels } from '../domain/overlays.ts';
import { viewModel, type ViewModel } from '../domain/view-model.ts';
import { httpSource, type LabSource } from './source.ts';

/** One line of the live log. */
export interface LogLine {
  readonly id: number;
  readonly t: number;
  readonly kind: 'command' | 'hop' | 'info';
  readonly node?: string;
  readonly text: string;
  readonly hop?: HopEvent;
  readonly bad?: boolean;
}

export interface LabState {
  readonly topology?: TopologyResponse;
  readonly view?: ViewModel;
  readonly packets: readonly PacketRow[];
  readonly hops: readonly HopEvent[];
  /** Link state by view link id (`a:aIf--b:bIf`). */
  readonly links: ReadonlyMap<string, LinkState>;
  readonly log: readonly LogLine[];
  /** Scenario events (empty when the lab runs no scenario) and their timeline, without `calico.route` events (in `routes`). */
  readonly events: readonly PodlabEvent[];
  readonly timeline?: Timeline;
  /** The `calico.route` events, compact (the log is shared and grows; `routeEvents` changes with it). */
  readonly routes: RouteLog;
  readonly routeEvents: number;
  /**
   * The tunnels the routes at the end imply, computed in slices after each change (absent
   * while the events carry `routes` tables of their own: the overlays then work from those).
   */
  readonly routeTunnels?: RouteTunnels;
  /** Events taken in so far (grows while a large stream loads). */
  readonly eventsLoaded: number;
  readonly connected: boolean;
  readonly error?: string;
}

const MAX_HOPS = 50_000;
const MAX_LOG = 2_000;
/** The server's page size for /api/hops. */
const HOP_PAGE = 5_000;
/** Events asked for per /api/events request (the server caps it); `?eventPage=N` in the page's URL overrides it. */
const EVENT_PAGE = 5_000;

function eventPageOf(search: string | undefined): number | undefined {
  const v = Number(new URLSearchParams(search ?? '').get('eventPage') ?? NaN);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Lets the browser paint and handle input between pages of a large event stream: a
 * MessageChannel round trip (a task, like setTimeout 0, but not clamped to 1 s in a
 * background tab, where a 200-page load would then take minutes).
 */
function yieldToBrowser(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((ok) => setTimeout(ok, 0));
  return new Promise((ok) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      ok();
    };
    ch.port2.postMessage(0);
  });
}

const NO_TUNNELS: RouteTunnels = { list: [], index: new Map() };

/** The most packet rows kept (as many as a live server keeps: engine/server/live-feed.ts). */
const MAX_PACKETS = 50_000;
/** How often a long load of packet pages shows what it has so far. */
const PUBLISH_MS = 1_000;
/** Main-thread time one slice of packet decoding may take before the browser gets a turn. */
const SLICE_MS = 12;

/**
 * Decodes packet records into rows a slice at a time: a page is 5,000 packets, and decoding
 * one (hex, dissection, the tcpdump line) is ~0.1 ms — a page in one go was a 400 ms task
 * on a converged 120-node fabric's BGP traffic, the page frozen while it ran.
 */
async function decodeInSlices(recs: readonly PacketRecord[]): Promise<PacketRow[]> {
  const rows: PacketRow[] = [];
  let t0 = performance.now();
  for (const rec of recs) {
    rows.push(toRow(rec));
    if (performance.now() - t0 > SLICE_MS) {
      await yieldToBrowser();
      t0 = performance.now();
    }
  }
  return rows;
}

/** The live lab state. */
export class LabStore {
  private state: LabState = { packets: [], hops: [], links: new Map(), events: [], log: [], connected: false, routes: new RouteLog(), routeEvents: 0, eventsLoaded: 0 };
  /** Events taken in (the next /api/events index) and the timeline built from them as they come. */
  private eventCount = 0;
  private readonly timelineBuilder = new TimelineBuilder();
  private fetchingEvents = false;
  private wantEvents = false;
  private readonly eventPage: number;
  /** A scenario's `routes` events replace BIRD's tables for their nodes: tunnels then come from the overlays' own pass. */
  private routeTables = false;
  private tunnelRun = 0;
  private readonly subs = new Set<() => void>();
  private logId = 0;
  private nextHop = 0;
  private fetchingPackets = false;
  private wantPackets = false;
  private stop?: () => void;

  /** A store over `source` (default: the server this page came from). */
  constructor(readonly source: LabSource = httpSource(), opts: { eventPage?: number } = {}) {
    this.eventPage = opts.eventPage ?? eventPageOf(globalThis.location?.search) ?? EVENT_PAGE;
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  };

  readonly snapshot = (): LabState => this.state;

  private set(patch: Partial<LabState>): void {
    this.state = { ...this.state, ...patch };
    for (const f of this.subs) f();
  }

  /** Loads the topology, the packets and hops so far, and follows the stream. */
  async start(): Promise<void> {
    try {
      await this.pullTopology();
      await this.pullHops();
      await this.pullPackets();
      await this.pullLinks();
      await this.pullEvents();
    } catch (e) {
      this.set({ error: (e as Error).message });
    }
    this.stop = this.source.connect((m) => this.onMessage(m), (up) => this.set({ connected: up }));
  }

  /** Closes the stream. */
  close(): void {
    this.stop?.();
  }

  /** Log lines for the notable hops: a packet leaving a node, tunnels, deliveries, drops. */
  private hopLines(hops: readonly HopEvent[]): LogLine[] {
    return hops.filter((h) => h.hop === 'drop' || h.hop === 'encap' || h.hop === 'decap' || h.hop === 'deliver' || h.hop === 'tx')
      .map((h) => ({ id: this.logId++, t: h.t, kind: 'hop' as const, node: h.node, text: `${h.hop}${h.dev ? ` ${h.dev}` : ''}: ${h.text}`, hop: h, bad: h.hop === 'drop' }));
  }

  /** Appends hops not seen yet (the stream and a catch-up fetch may overlap). */
  private addHops(hops: readonly HopEvent[]): void {
    const fresh = hops.filter((h) => h.seq >= this.nextHop);
    if (!fresh.length) return;
    this.nextHop = fresh[fresh.length - 1]!.seq + 1;
    const all = this.state.hops.concat(fresh);
    const log = this.state.log.concat(this.hopLines(fresh));
    this.set({ hops: all.length > MAX_HOPS ? all.slice(all.length - MAX_HOPS) : all, log: log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log });
  }

  /** Fetches every hop after the last one held, page by page. */
  private async pullHops(): Promise<void> {
    for (;;) {
      const r = await this.source.hops(this.nextHop);
      this.addHops(r.hops);
      if (r.hops.length < HOP_PAGE) break;
    }
  }

  private onMessage(m: ServerMessage): void {
    if (m.type === 'hello') {
      // Whatever happened between the first fetches and this socket opening (or while it was down).
      void this.pullHops();
      void this.pullPackets();
      void this.pullLinks();
      void this.pullEvents();
    } else if (m.type === 'hops') {
      if (m.hops.length && m.hops[0]!.seq > this.nextHop) void this.pullHops(); // a gap: fetch instead
      else this.addHops(m.hops);
    } else if (m.type === 'packets') {
      void this.pullPackets();
    } else if (m.type === 'events') {
      void this.pullEvents();
    } else if (m.type === 'command') {
      void this.pullLinks();
      void this.pullTopology();
      void this.pullEvents(); // a lab without a scenario: Calico's events (sessions, routes) the command caused
      this.appendLog({ t: m.t, kind: 'command', node: m.node, text: `${m.node}$ ${m.command}  → exit ${m.code}`, bad: m.code !== 0 });
    }
  }

  /** Adds a line to the log. */
  appendLog(l: Omit<LogLine, 'id'>): void {
    const log = this.state.log.concat({ ...l, id: this.logId++ });
    this.set({ log: log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log });
  }

  /** Loads the topology; the view is rebuilt only when it (or its attached namespaces) changed. */
  private async pullTopology(): Promise<void> {
    const topology = await this.source.topology();
    const old = this.state.topology;
    if (old && JSON.stringify(old.namespaces) === JSON.stringify(topology.namespaces)) return;
    this.set({ topology, view: viewModel(topology.topology, topology.namespaces) });
  }

  /**
   * Fetches the events after the last one taken, page by page until a short page, then
   * publishes them once. Each page is folded as it arrives — route events into the compact
   * RouteLog, the rest into `events` and the timeline — so no task holds the whole stream,
   * and the browser gets a turn between pages. One pull at a time; a request during one
   * pulls again after it.
   */
  private async pullEvents(): Promise<void> {
    if (this.fetchingEvents) {
      this.wantEvents = true;
      return;
    }
    this.fetchingEvents = true;
    try {
      const fresh: PodlabEvent[] = [];
      const routesBefore = this.state.routes.size;
      for (let pages = 0; ; pages++) {
        const more = await this.source.events(this.eventCount, this.eventPage);
        for (const e of more) {
          this.timelineBuilder.add(e);
          if (e.type === 'calico.route') this.state.routes.add(e as unknown as BirdRouteEvent);
          else fresh.push(e);
          if (e.type === 'routes') this.routeTables = true;
        }
        this.eventCount += more.length;
        if (more.length < this.eventPage) {
          if (!this.wantEvents) break;
          this.wantEvents = false;
        } else if (pages % 20 === 19) {
          // A long load: show how far it got (the counts, not the overlays, which wait for the end).
          this.set({ eventsLoaded: this.eventCount });
        }
        await yieldToBrowser();
      }
      const grew = fresh.length > 0 || this.state.routes.size !== routesBefore;
      if (!grew && this.state.timeline) return;
      const routesGrew = this.state.routes.size !== routesBefore;
      this.set({
        events: fresh.length ? this.state.events.concat(fresh) : this.state.events,
        routeEvents: this.state.routes.size, eventsLoaded: this.eventCount,
        ...(this.eventCount ? { timeline: this.timelineBuilder.timeline() } : {}),
        ...(this.routeTables ? { routeTunnels: undefined } : routesGrew && !this.state.routeTunnels ? { routeTunnels: NO_TUNNELS } : {}),
      });
      performance.mark('podlab:events-caught-up');
      if (routesGrew && !this.routeTables) void this.computeRouteTunnels();
    } finally {
      this.fetchingEvents = false;
    }
  }

  /**
   * The tunnels the current routes imply, a slice at a time (a million routes at 1,000 nodes);
   * a newer change starts over and the older pass stops. The overlays keep the last result
   * until then.
   */
  private async computeRouteTunnels(): Promise<void> {
    const topo = this.state.topology?.topology;
    if (!topo) return;
    const run = ++this.tunnelRun;
    const pass = routeTunnelPass(this.state.routes.tables(), addressOwners(topo));
    let t0 = performance.now();
    while (!pass.next().done) {
      if (performance.now() - t0 < SLICE_MS) continue;
      await yieldToBrowser();
      if (run !== this.tunnelRun || this.routeTables) return;
      t0 = performance.now();
    }
    this.set({ routeTunnels: pass.result });
    performance.mark('podlab:route-tunnels');
  }

  private async pullLinks(): Promise<void> {
    const list = await this.source.links();
    this.set({ links: new Map(list.map((l) => [`${l.a}:${l.aIf}--${l.b}:${l.bIf}`, l])) });
  }

  private async pullPackets(): Promise<void> {
    if (this.fetchingPackets) {
      this.wantPackets = true;
      return;
    }
    this.fetchingPackets = true;
    try {
      // Ask after the last packet's number, not the list's length: a live server drops its oldest packets.
      // Rows are published at most every PUBLISH_MS while pages keep coming: each publish
      // re-renders the packet list (up to 50,000 rows), once per 5,000-packet page was ten renders.
      let pending: PacketRow[] = [];
      let published = performance.now();
      const last = (): number => pending.at(-1)?.rec.no ?? this.state.packets.at(-1)?.rec.no ?? 0;
      const publish = (): void => {
        if (!pending.length) return;
        const all = this.state.packets.concat(pending);
        pending = [];
        published = performance.now();
        this.set({ packets: all.length > MAX_PACKETS ? all.slice(all.length - MAX_PACKETS) : all });
        performance.mark('podlab:packets-page');
      };
      for (;;) {
        const r = await this.source.packets(last());
        if (r.packets.length) {
          pending = pending.concat(await decodeInSlices(r.packets));
          if (pending.length > MAX_PACKETS) pending = pending.slice(pending.length - MAX_PACKETS);
          if (performance.now() - published > PUBLISH_MS) publish();
        }
        if (last() >= r.total && !this.wantPackets) break;
        this.wantPackets = false;
        if (!r.packets.length) break;
      }
      publish();
    } finally {
      this.fetchingPackets = false;
    }
  }
}
