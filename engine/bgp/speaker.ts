/**
 * The BGP speaker: owns the sessions, the RIBs and the listener; originates configured
 * routes; runs import (loop checks, policy) and export (RR rules, batching, End-of-RIB);
 * emits typed events. Everything external (clock, transport, codec) is injected.
 */
import { formatPrefix, ipNetworkOf, parseIPv4, parsePrefix } from '../net/ip.ts';
import type { Clock } from './clock.ts';
import type { PathAttribute, RouteRefreshMessage, UpdateMessage } from './codec/types.ts';
import type { AnnounceConfig, PeerConfig, SpeakerConfig } from './config.ts';
import type { Reason, State } from './fsm.ts';
import { describeNotification, notification } from './open.ts';
import type { Negotiated } from './open.ts';
import { AdjRibOut, memberBatches } from './rib/adj-rib-out.ts';
import type { GroupFlush, UpdateBatch } from './rib/adj-rib-out.ts';
import { asPathContains, internAttrs, ORIGIN_IGP, parseCommunity } from './rib/attrs.ts';
import type { PathAttrs } from './rib/attrs.ts';
import type { BestPathReason, DecisionContext } from './rib/decision.ts';
import { ExportCache, mayAdvertise } from './rib/export.ts';
import type { ExportSpeaker, ExportTarget } from './rib/export.ts';
import { LocRib } from './rib/loc-rib.ts';
import { sharedPeerRef } from './rib/route.ts';
import type { PeerRef, Route } from './rib/route.ts';
import { Session } from './session.ts';
import type { WireCodec } from './session.ts';
import type { ByteStream, Listener, Transport } from './transport.ts';
import { endOfRib, fromWireUpdate, toWireUpdates } from './wire-map.ts';

/** Events the speaker emits. `time` is the speaker clock's now(). */
export type SpeakerEvent =
  | { type: 'session'; time: number; peer: string; name: string; from: State; to: State; reason: Reason }
  | { type: 'prefix-received'; time: number; peer: string; prefix: string; action: 'announce' | 'withdraw'; attrs?: PathAttrs }
  | { type: 'end-of-rib'; time: number; peer: string; afi: 'ipv4' | 'ipv6'; direction: 'in' | 'out' }
  | { type: 'update-received'; time: number; peer: string; announced: number; withdrawn: number; treatAsWithdraw: boolean }
  | { type: 'update-sent'; time: number; peer: string; messages: number; announced: number; withdrawn: number }
  | { type: 'route'; time: number; prefix: string; action: 'added' | 'changed' | 'withdrawn'; best?: Route; reason?: BestPathReason }
  | { type: 'error'; time: number; message: string };

/** Options beyond the config: injected I/O and event volume. */
export interface SpeakerDeps {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly codec: WireCodec;
  /** Emit per-prefix events (prefix-received, route); off for bulk benchmarks. */
  readonly prefixEvents?: boolean;
  /**
   * Emit what crossed the wire (update-received, prefix-received, update-sent); off where
   * nobody reads them (calico-node's speaker: its agent and the cluster read sessions and
   * best paths), which saves an event object per UPDATE and per prefix.
   */
  readonly wireEvents?: boolean;
  readonly decision?: DecisionContext;
}

/** One configured peer at runtime. */
export interface PeerState {
  readonly config: PeerConfig;
  readonly name: string;
  readonly session: Session;
  ref: PeerRef | undefined;
  target: ExportTarget | undefined;
  /** The update group of an Established session. */
  group: UpdateGroup | undefined;
  /** Prefixes accepted from this peer (after import policy). */
  received: number;
  endOfRibReceived: boolean;
}

/**
 * Established peers the speaker exports to alike — the same export class (what exportAttrs
 * reads of the target), route-reflector client flag, export policy, families and AS4 mode —
 * share one Adj-RIB-Out: a best-path change is exported, batched and encoded once for all of
 * them (a reflector's clients are one group).
 */
interface UpdateGroup {
  readonly key: string;
  /** A member's target under a key no peer has: split horizon is the Adj-RIB-Out's `source`. */
  readonly target: ExportTarget;
  readonly families: readonly ('ipv4' | 'ipv6')[];
  readonly as4: boolean;
  readonly policy: PeerConfig['exportPolicy'];
  readonly exportCache: ExportCache;
  readonly out: AdjRibOut;
  readonly members: Map<string, PeerState>;
}

function cleanAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** One batch's UPDATEs as wire bytes. */
interface EncodedBatch {
  readonly bytes: Uint8Array;
  readonly messages: number;
}

/** A flush's batches as wire bytes: batch i is bytes[starts[i], starts[i + 1]), batchMessages[i] UPDATEs. */
interface EncodedFlush {
  readonly bytes: Uint8Array;
  readonly messages: number;
  readonly announced: number;
  readonly withdrawn: number;
  readonly starts: readonly number[];
  readonly batchMessages: readonly number[];
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Encoded size of an attribute list, per list and AS4 mode (lists are immutable). */
const ATTR_SIZES = new WeakMap<PathAttribute[], [as2?: number, as4?: number]>();

/** The BGP speaker. */
export class Speaker {
  readonly rib: LocRib;
  readonly peers = new Map<string, PeerState>();
  readonly routerId: number;
  readonly localAs: number;
  private readonly listeners = new Set<(e: SpeakerEvent) => void>();
  private readonly local: PeerRef;
  private readonly sp: ExportSpeaker;
  private listener: Listener | undefined;
  private flushScheduled = false;
  private readonly exportCaches = new Map<string, ExportCache>();
  private readonly groups = new Map<string, UpdateGroup>();
  /** A number per export policy function, for update group keys. */
  private readonly policyIds = new WeakMap<NonNullable<PeerConfig['exportPolicy']>, number>();
  private nextPolicyId = 1;
  private encoded: { at: number; byAttrs: Map<PathAttrs | null, Map<string, EncodedBatch>>; single: [as2: Map<PathAttrs, Map<string, EncodedBatch>>, as4: Map<PathAttrs, Map<string, EncodedBatch>>] } = { at: Number.NaN, byAttrs: new Map(), single: [new Map(), new Map()] };
  private lastJoined: { parts: readonly Uint8Array[]; bytes: Uint8Array } | undefined;
  private running = false;
  /** Clock time of start() (the "since" of originated routes in views). */
  startedAt = 0;

  constructor(readonly config: SpeakerConfig, private readonly deps: SpeakerDeps) {
    this.routerId = parseIPv4(config.routerId);
    this.localAs = config.localAS >>> 0;
    this.local = { key: 'local', address: '0.0.0.0', routerId: this.routerId, asn: this.localAs, ibgp: false, rrClient: false, local: true };
    this.sp = {
      localAs: this.localAs,
      routerId: this.routerId,
      clusterId: parseIPv4(config.clusterId ?? config.routerId),
      isReflector: config.peers.some((p) => p.routeReflectorClient),
    };
    this.rib = new LocRib((prefix, best, prev, reason) => this.bestChanged(prefix, best, prev, reason), deps.decision ?? {});
    for (const pc of config.peers) this.addPeer(pc);
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(fn: (e: SpeakerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: SpeakerEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  /** Starts listening, originates the configured routes and starts every session. */
  start(): void {
    this.running = true;
    this.startedAt = this.deps.clock.now();
    if (this.config.listen !== false) {
      this.listener = this.deps.transport.listen(
        { address: this.config.localAddress ?? '0.0.0.0', port: this.config.listenPort ?? 179 },
        (s) => this.incoming(s),
        (err) => this.emit({ type: 'error', time: this.deps.clock.now(), message: `listen: ${err.message}` }),
      );
    }
    for (const a of this.config.announce ?? []) this.announce(a);
    for (const p of this.peers.values()) p.session.start();
  }

  /** Sends Cease (default 6/2 administrative shutdown) to every peer and stops listening. */
  stop(subcode = 2): void {
    this.running = false;
    this.listener?.close();
    this.listener = undefined;
    for (const p of this.peers.values()) p.session.stop(notification(6, subcode));
  }

  /** Originates (or replaces) a local route. */
  announce(a: AnnounceConfig): void {
    const attrs: PathAttrs = {
      origin: ORIGIN_IGP,
      asPath: [],
      nextHop: a.nextHop ?? '',
      ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
      ...(a.med !== undefined ? { med: a.med } : {}),
      ...(a.communities?.length ? { communities: a.communities.map(parseCommunity) } : {}),
    };
    this.rib.update(this.local, canonicalPrefix(a.prefix), internAttrs(attrs));
    this.scheduleFlush();
  }

  /** Withdraws a locally originated route. */
  withdrawLocal(prefix: string): void {
    this.rib.withdraw(this.local, canonicalPrefix(prefix));
    this.scheduleFlush();
  }

  /** Adds a peer at runtime (started at once if the speaker runs). */
  addPeer(pc: PeerConfig): PeerState {
    const address = cleanAddress(pc.address);
    const name = pc.name ?? `bgp_${address.replace(/[.:]/g, '_')}`;
    const c = this.config;
    const session: Session = new Session(
      {
        localAs: this.localAs,
        routerId: this.routerId,
        holdTime: pc.holdTime ?? c.holdTime ?? 90,
        peerAs: pc.as >>> 0,
        families: address.includes(':') ? ['ipv6', 'ipv4'] : ['ipv4', 'ipv6'],
        connectRetry: pc.connectRetry ?? c.connectRetry ?? 120,
        passive: pc.passive ?? false,
        peerAddress: address,
        peerPort: pc.port ?? 179,
        localAddress: c.localAddress,
        idleHold: c.idleHold ?? 5,
      },
      this.deps.clock,
      this.deps.transport,
      this.deps.codec,
      {
        state: (from, to, reason) => this.emit({ type: 'session', time: this.deps.clock.now(), peer: address, name, from, to, reason }),
        established: (n, s) => this.established(state, n, s),
        down: () => this.down(state),
        update: (msg, taw) => this.received(state, msg, taw),
        routeRefresh: (msg) => this.refresh(state, msg),
      },
    );
    const state: PeerState = { config: pc, name, session, ref: undefined, target: undefined, group: undefined, received: 0, endOfRibReceived: false };
    this.peers.set(address, state);
    if (this.running) session.start();
    return state;
  }

  private incoming(s: ByteStream): void {
    const p = this.peers.get(cleanAddress(s.remote.address));
    if (!p) {
      // Unknown neighbour: refuse like BIRD (connection rejected).
      s.write(this.deps.codec.encode(notification(6, 5), { as4: false }));
      s.close();
      return;
    }
    p.session.accept(s);
  }

  private established(p: PeerState, n: Negotiated, s: ByteStream): void {
    const ibgp = n.peerAs === this.localAs;
    // One object per distinct peer value in the process: the routes learned from it are then shared too (rib/route.ts).
    p.ref = sharedPeerRef({ key: cleanAddress(p.config.address), address: cleanAddress(p.config.address), routerId: n.peerId, asn: n.peerAs, ibgp, rrClient: !!p.config.routeReflectorClient, local: false });
    // A session over IPv6 still needs an IPv4 next hop for IPv4 routes: fall back to the
    // configured local address, then the router id.
    const local = cleanAddress(s.local.address);
    const v4 = local.includes(':') ? (this.config.localAddress && !this.config.localAddress.includes(':') ? this.config.localAddress : this.config.routerId) : local;
    const v6 = local.includes(':') ? local : this.config.localAddress6;
    p.target = {
      key: p.ref.key, ibgp, rrClient: p.ref.rrClient, localAddress: v4, nextHopSelf: !!p.config.nextHopSelf,
      ...(v6 ? { localAddress6: v6 } : {}), ...(p.config.nextHopKeep ? { nextHopKeep: true } : {}),
    };
    p.received = 0;
    p.endOfRibReceived = false;
    if (p.group) this.leaveGroup(p);
    const g = this.groupOf(p.target, p.config.exportPolicy, n);
    // The table as the members have been sent it; the group's pending changes reach the newcomer
    // with everyone's at the next flush (flushing them now would cost every member a write).
    g.members.set(p.ref.key, p);
    p.group = g;
    // Initial table transfer, then End-of-RIB per family (RFC 4724).
    this.sendBatches(p, g.out.tableFor(p.ref.key, this.ribOrder));
    for (const f of n.families) {
      p.session.send(endOfRib(f));
      this.emit({ type: 'end-of-rib', time: this.deps.clock.now(), peer: p.ref.key, afi: f, direction: 'out' });
    }
  }

  /** One ExportCache per class of target: exportAttrs reads only these fields of it. */
  private sharedExportCache(cls: string): ExportCache {
    let c = this.exportCaches.get(cls);
    if (!c) this.exportCaches.set(cls, (c = new ExportCache()));
    return c;
  }

  /** The update group a session exports in; a new group starts with the Loc-RIB's best paths as advertised. */
  private groupOf(t: ExportTarget, policy: PeerConfig['exportPolicy'], n: Negotiated): UpdateGroup {
    const cls = `${t.ibgp ? 'i' : 'e'}|${t.localAddress}|${t.localAddress6 ?? ''}|${t.nextHopSelf ? 1 : 0}|${t.nextHopKeep ? 1 : 0}`;
    let policyId = 0;
    if (policy) {
      policyId = this.policyIds.get(policy) ?? 0;
      if (!policyId) this.policyIds.set(policy, (policyId = this.nextPolicyId++));
    }
    const key = `${cls}|${t.rrClient ? 1 : 0}|${n.families.join(',')}|${n.as4 ? 4 : 2}|${policyId}`;
    let g = this.groups.get(key);
    if (g) return g;
    g = { key, target: { ...t, key: '\0group' }, families: [...n.families], as4: n.as4, policy, exportCache: this.sharedExportCache(cls), out: new AdjRibOut(), members: new Map() };
    this.groups.set(key, g);
    for (const d of this.rib.destinations()) if (d.best) this.exportTo(g, d.prefix, d.best);
    g.out.flush(g.members);
    return g;
  }

  private leaveGroup(p: PeerState): void {
    const g = p.group!;
    g.members.delete(p.ref?.key ?? cleanAddress(p.config.address));
    if (g.members.size === 0) this.groups.delete(g.key);
    p.group = undefined;
  }

  /** The Loc-RIB's destinations, in its order (a new walk per call). */
  private readonly ribOrder = (): Iterable<{ readonly prefix: string }> => this.rib.destinations();

  private down(p: PeerState): void {
    const key = p.ref?.key ?? cleanAddress(p.config.address);
    if (p.group) this.leaveGroup(p);
    p.ref = undefined;
    p.target = undefined;
    p.received = 0;
    this.rib.dropPeer(key);
    this.scheduleFlush();
  }

  private refresh(p: PeerState, _msg: RouteRefreshMessage): void {
    // Re-advertise everything the peer has been sent, as it is now.
    const g = p.group;
    if (!g || !p.ref) return;
    this.sendBatches(p, g.out.tableFor(p.ref.key, this.ribOrder));
  }

  private received(p: PeerState, msg: UpdateMessage, treatAsWithdraw: boolean): void {
    const ref = p.ref;
    if (!ref) return;
    const u = fromWireUpdate(msg, p.session.negotiated?.as4 ?? false);
    const now = this.deps.clock.now();
    if (u.endOfRib) {
      p.endOfRibReceived = true;
      this.emit({ type: 'end-of-rib', time: now, peer: ref.key, afi: u.endOfRib, direction: 'in' });
      return;
    }
    const wire = this.deps.wireEvents ?? true;
    const events = wire && (this.deps.prefixEvents ?? true);
    if (wire) {
      let nAnn = 0;
      for (const g of u.announced) nAnn += g.prefixes.length;
      this.emit({ type: 'update-received', time: now, peer: ref.key, announced: nAnn, withdrawn: u.withdrawn.length, treatAsWithdraw });
    }
    // Indexed loops: the decoded UPDATE's lists are frozen (shared by every client that
    // receives the same bytes), and for-of over a frozen array allocates a result per element.
    const withdrawn = u.withdrawn;
    for (let i = 0; i < withdrawn.length; i++) {
      const prefix = withdrawn[i]!;
      if (this.rib.withdraw(ref, prefix)) p.received--;
      if (events) this.emit({ type: 'prefix-received', time: now, peer: ref.key, prefix, action: 'withdraw' });
    }
    const announced = u.announced;
    for (let j = 0; j < announced.length; j++) {
      const g = announced[j]!;
      const attrs = u.interned ? g.attrs : internAttrs(g.attrs);
      // Loop prevention: own AS in the path (§9.1.2), our id as originator or our cluster id in
      // the cluster list (RFC 4456 §8); a treat-as-withdraw UPDATE also lands here.
      const loop = treatAsWithdraw
        || (!ref.ibgp && asPathContains(attrs.asPath, this.localAs))
        || attrs.originatorId === this.routerId
        || (attrs.clusterList?.includes(this.sp.clusterId) ?? false);
      const policy = p.config.importPolicy;
      const prefixes = g.prefixes;
      for (let i = 0; i < prefixes.length; i++) {
        const prefix = prefixes[i]!;
        let a: PathAttrs | null = loop ? null : attrs;
        if (a && policy) {
          a = policy(prefix, a);
          if (a) a = internAttrs(a);
        }
        if (a) {
          if (this.rib.update(ref, prefix, a, u.interned)) p.received++;
        } else if (this.rib.withdraw(ref, prefix)) {
          p.received--;
        }
        if (events) this.emit({ type: 'prefix-received', time: now, peer: ref.key, prefix, action: a ? 'announce' : 'withdraw', ...(a ? { attrs: a } : {}) });
      }
    }
    this.scheduleFlush();
  }

  private bestChanged(prefix: string, best: Route | undefined, prev: Route | undefined, reason: BestPathReason | undefined): void {
    if (this.deps.prefixEvents ?? true) {
      // Two literals rather than a spread of an optional part: one object per best-path change.
      const time = this.deps.clock.now();
      this.emit(best ? { type: 'route', time, prefix, action: prev ? 'changed' : 'added', best, reason } : { type: 'route', time, prefix, action: 'withdrawn' });
    }
    const v6 = prefix.includes(':');
    for (const g of this.groups.values()) {
      if (best) this.exportTo(g, prefix, best, v6);
      else g.out.set(prefix, null);
    }
  }

  /** Exports a best path to an update group: every member but the peer it came from. */
  private exportTo(g: UpdateGroup, prefix: string, best: Route, v6 = prefix.includes(':')): void {
    const t = g.target;
    if (!mayAdvertise(best, t, this.sp)) {
      g.out.set(prefix, null);
      return;
    }
    if (!g.families.includes(v6 ? 'ipv6' : 'ipv4')) return;
    let a: PathAttrs | null = g.exportCache.get(best, t, this.sp, internAttrs);
    if (g.policy) {
      a = g.policy(prefix, a);
      if (a) a = internAttrs(a);
    }
    g.out.set(prefix, a, best.from.local ? undefined : best.from.key);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.deps.clock.setTimer(0, this.flushPending);
  }

  /**
   * One callback for the speaker's life: an arrow written inside scheduleFlush made V8 allocate
   * its context on every call, also when a flush was already scheduled (every received UPDATE).
   */
  private readonly flushPending = (): void => {
    this.flushScheduled = false;
    for (const g of this.groups.values()) if (g.out.hasPending) this.flushGroup(g);
  };

  /** Sends a group's pending changes: the group's bytes, encoded once, to each member they fit. */
  private flushGroup(g: UpdateGroup): void {
    const f: GroupFlush = g.out.flush(g.members);
    if (f.batches.length === 0 && f.own.size === 0) return;
    const shared = f.batches.length ? this.encodedBatches(f.batches, g.as4) : undefined;
    for (const [key, p] of g.members) {
      const own = f.own.get(key);
      const skip = own ? undefined : f.less.get(key);
      if (own) this.sendBatches(p, own);
      else if (skip) this.sendLess(p, f, key, skip, shared);
      else this.sendBatches(p, f.batches, shared);
    }
  }

  /** A flush's batches as one buffer, where each batch starts in it (and where the last ends), and its counts. */
  private encodedBatches(batches: readonly UpdateBatch[], as4: boolean): EncodedFlush | undefined {
    if (!this.deps.codec.encodeMany) return undefined;
    const parts: Uint8Array[] = [];
    const starts: number[] = [0];
    const messages: number[] = [];
    let total = 0;
    let announced = 0;
    let withdrawn = 0;
    for (const b of batches) {
      const e = this.encodedBatch(b, as4);
      parts.push(e.bytes);
      starts.push(starts[starts.length - 1]! + e.bytes.length);
      messages.push(e.messages);
      total += e.messages;
      announced += b.nlri.length;
      withdrawn += b.withdrawn.length;
    }
    return { bytes: parts.length === 1 ? parts[0]! : this.joined(parts), messages: total, announced, withdrawn, starts, batchMessages: messages };
  }

  /**
   * Sends a member the group's batches less some (the prefixes it is the source of) as the
   * pieces of the group's bytes between them: no batches, encoding or copy of its own.
   */
  private sendLess(p: PeerState, f: GroupFlush, key: string, skip: readonly number[], shared: EncodedFlush | undefined): void {
    if (!shared || p.session.tracesMessages) {
      this.sendBatches(p, memberBatches(f, key));
      return;
    }
    let { messages, announced, withdrawn } = shared;
    let from = 0;
    for (const i of skip) {
      if (shared.starts[i]! > from) p.session.sendEncoded(shared.bytes.subarray(from, shared.starts[i]));
      from = shared.starts[i + 1]!;
      messages -= shared.batchMessages[i]!;
      announced -= f.batches[i]!.nlri.length;
      withdrawn -= f.batches[i]!.withdrawn.length;
    }
    if (from < shared.bytes.length) p.session.sendEncoded(shared.bytes.subarray(from));
    if (messages > 0 && (this.deps.wireEvents ?? true)) {
      this.emit({ type: 'update-sent', time: this.deps.clock.now(), peer: p.ref?.key ?? p.config.address, messages, announced, withdrawn });
    }
  }

  /** Sends batches to one peer: as shared bytes (one write), or message by message where a trace hook reads each. */
  private sendBatches(p: PeerState, batches: readonly UpdateBatch[], shared?: EncodedFlush): void {
    if (batches.length === 0) return;
    const wire = this.deps.wireEvents ?? true;
    const as4 = p.session.negotiated?.as4 ?? false;
    const encoded = p.session.tracesMessages ? undefined : (shared ?? this.encodedBatches(batches, as4));
    if (encoded) {
      p.session.sendEncoded(encoded.bytes);
      if (wire) this.emit({ type: 'update-sent', time: this.deps.clock.now(), peer: p.ref?.key ?? p.config.address, messages: encoded.messages, announced: encoded.announced, withdrawn: encoded.withdrawn });
      return;
    }
    const msgs: UpdateMessage[] = [];
    let announced = 0;
    let withdrawn = 0;
    for (const b of batches) {
      msgs.push(...toWireUpdates(b, as4, this.attrSize(as4)));
      announced += b.nlri.length;
      withdrawn += b.withdrawn.length;
    }
    p.session.sendMany(msgs);
    if (wire) this.emit({ type: 'update-sent', time: this.deps.clock.now(), peer: p.ref?.key ?? p.config.address, messages: msgs.length, announced, withdrawn });
  }

  /** Encoded size of an attribute section without NLRI (IPv4 lists are shared per attribute set: measured once). */
  private attrSize(as4: boolean): (attrs: PathAttribute[]) => number {
    const codec = this.deps.codec;
    return (attrs) => {
      let memo = ATTR_SIZES.get(attrs);
      if (!memo) ATTR_SIZES.set(attrs, (memo = []));
      return (memo[as4 ? 1 : 0] ??= codec.encode({ type: 'update', withdrawn: [], attributes: attrs, nlri: [] }, { as4 }).length - 23);
    };
  }

  /**
   * The wire bytes of one batch (its UPDATEs, split as toWireUpdates does), encoded once per
   * clock instant for every peer that is sent the same batch: a reflector sends each client
   * the same UPDATE for a best-path change (interned attributes, same prefixes), and the same
   * table to clients coming up together. Bytes depend only on the batch and the AS4 mode; the
   * instant only bounds what is kept.
   */
  private encodedBatch(b: UpdateBatch, as4: boolean): EncodedBatch {
    const c = this.encoded;
    const now = this.deps.clock.now();
    if (c.at !== now) {
      c.at = now;
      c.byAttrs = new Map();
      c.single = [new Map(), new Map()];
    }
    // The common batch, one prefix announced, is found by its prefix text (no key text built).
    const single = b.attrs && b.withdrawn.length === 0 && b.nlri.length === 1 ? c.single[as4 ? 1 : 0] : undefined;
    let m = single ? single.get(b.attrs!) : c.byAttrs.get(b.attrs ?? null);
    if (!m) {
      m = new Map();
      if (single) single.set(b.attrs!, m);
      else c.byAttrs.set(b.attrs ?? null, m);
    }
    const key = single ? b.nlri[0]! : `${as4 ? 4 : 2}${b.afi}|${b.withdrawn.join(' ')}|${b.nlri.join(' ')}`;
    let e = m.get(key);
    if (!e) {
      const msgs = toWireUpdates(b, as4, this.attrSize(as4));
      m.set(key, (e = { bytes: this.deps.codec.encodeMany!(msgs, { as4 }), messages: msgs.length }));
    }
    return e;
  }

  /**
   * The parts as one buffer (one write per flush). Peers flushed one after the other are
   * usually sent the same encoded batches (the same objects, from encodedBatch): the last
   * joined buffer is reused when its parts are the very same.
   */
  private joined(parts: readonly Uint8Array[]): Uint8Array {
    const last = this.lastJoined;
    if (last && last.parts.length === parts.length) {
      let same = true;
      for (let i = 0; i < parts.length && same; i++) same = last.parts[i] === parts[i];
      if (same) return last.bytes;
    }
    const bytes = concatBytes(parts);
    this.lastJoined = { parts, bytes };
    return bytes;
  }

  /** Peer runtime state by address. */
  peer(address: string): PeerState | undefined {
    return this.peers.get(cleanAddress(address));
  }

  /** Describes a session's Info column the way BIRD does. */
  static describeReason(r: Reason): string {
    if (r.notification) return `${r.notification.sent ? 'Error' : 'Received'}: ${describeNotification(r.notification)}`;
    return r.text;
  }
}

/**
 * Canonical prefix key ("10.0.0.0/24", host bits cleared; IPv6 per RFC 5952) of a prefix a
 * user typed; throws AddressError saying what is wrong before anything reaches the RIB.
 */
export function canonicalPrefix(text: string): string {
  return formatPrefix(ipNetworkOf(parsePrefix(text)));
}
