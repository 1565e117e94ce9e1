/**
 * Which best paths go to which peer, and with what attributes: iBGP split horizon and route
 * reflection (RFC 4456), eBGP AS prepend / NEXT_HOP / LOCAL_PREF / MED rules (RFC 4271 §5.1),
 * never back to the sender. Pure; the transform is cached per source attribute set so 100k
 * prefixes sharing attributes cost one transform.
 */
import { prependAs } from './attrs.ts';
import type { PathAttrs } from './attrs.ts';
import type { PeerRef, Route } from './route.ts';

/** What the export rules need to know about the receiving peer's session. */
export interface ExportTarget {
  readonly key: string;
  readonly ibgp: boolean;
  readonly rrClient: boolean;
  /** Our address on this session: NEXT_HOP toward eBGP and for next-hop-self. */
  readonly localAddress: string;
  /** Our IPv6 address on this session, for IPv6 routes toward eBGP (if any). */
  readonly localAddress6?: string;
  readonly nextHopSelf: boolean;
  /** Toward eBGP, keep the received NEXT_HOP instead of setting our own (BIRD `next hop keep`). */
  readonly nextHopKeep?: boolean;
}

/** Speaker-wide facts used by the export rules. */
export interface ExportSpeaker {
  readonly localAs: number;
  readonly routerId: number;
  readonly clusterId: number;
  /** True when any peer is a route-reflector client (this speaker is a reflector). */
  readonly isReflector: boolean;
}

/** Our IPv6 next hop on a session: the configured one, or the IPv4-mapped session address. */
function selfV6(to: ExportTarget): string {
  if (to.localAddress6) return to.localAddress6;
  return to.localAddress.includes(':') ? to.localAddress : `::ffff:${to.localAddress}`;
}

/** True when the best path may be advertised to the target at all (split horizon, RR rules). */
export function mayAdvertise(route: Route, to: ExportTarget, sp: ExportSpeaker): boolean {
  const from = route.from;
  if (from.key === to.key) return false;
  if (from.local || !from.ibgp || !to.ibgp) return true;
  // iBGP-learned to iBGP: only a reflector passes it on (RFC 4456 §6).
  if (!sp.isReflector) return false;
  return from.rrClient || to.rrClient;
}

/** The attributes sent to `to` for the best path (before per-peer policy). */
export function exportAttrs(route: Route, to: ExportTarget, sp: ExportSpeaker): PathAttrs {
  const a = route.attrs;
  const from = route.from;
  const v6 = route.prefix.includes(':');
  const self = v6 ? selfV6(to) : to.localAddress;
  if (!to.ibgp) {
    // eBGP: prepend our AS, we are the next hop, no LOCAL_PREF, no RR attributes, and MED
    // only for routes we originate (MED never crosses a second AS boundary).
    const out: { -readonly [K in keyof PathAttrs]: PathAttrs[K] } = {
      ...a,
      asPath: prependAs(a.asPath, sp.localAs),
      nextHop: to.nextHopKeep && !from.local && a.nextHop ? a.nextHop : self,
    };
    delete out.localPref;
    delete out.originatorId;
    delete out.clusterList;
    if (!from.local) delete out.med;
    return out;
  }
  const out: { -readonly [K in keyof PathAttrs]: PathAttrs[K] } = { ...a };
  out.localPref = from.ibgp || from.local ? (a.localPref ?? 100) : 100;
  if (from.local) {
    if (!a.nextHop || a.nextHop === '0.0.0.0' || a.nextHop === '::') out.nextHop = self;
  } else if (to.nextHopSelf) {
    out.nextHop = self;
  }
  if (from.ibgp && !from.local) {
    // Reflection: stamp the originator once, prepend our cluster id (RFC 4456 §8).
    out.originatorId = a.originatorId ?? from.routerId;
    out.clusterList = [sp.clusterId >>> 0, ...(a.clusterList ?? [])];
  } else {
    delete out.originatorId;
    delete out.clusterList;
  }
  return out;
}

/** Caches exportAttrs per (source attribute set, source class) for one target peer. */
export class ExportCache {
  private cache = new Map<string, WeakMap<PathAttrs, PathAttrs>>();
  /** The per-class map of each source peer (a PeerRef lives as long as its session), looked up once per peer instead of a class text built per route. */
  private byFrom = new WeakMap<PeerRef, [v4?: WeakMap<PathAttrs, PathAttrs>, v6?: WeakMap<PathAttrs, PathAttrs>]>();
  /** The last answer: a best-path change is exported to every peer sharing this cache in a row. */
  private last: { from: PeerRef | undefined; attrs: PathAttrs | undefined; v6: boolean; out: PathAttrs | undefined } = { from: undefined, attrs: undefined, v6: false, out: undefined };

  /** Returns the cached or freshly computed exported attributes. */
  get(route: Route, to: ExportTarget, sp: ExportSpeaker, intern: (a: PathAttrs) => PathAttrs): PathAttrs {
    const f = route.from;
    const v6 = route.prefix.includes(':');
    const last = this.last;
    if (last.from === f && last.attrs === route.attrs && last.v6 === v6) return last.out!;
    let perFrom = this.byFrom.get(f);
    if (!perFrom) this.byFrom.set(f, (perFrom = []));
    let m = perFrom[v6 ? 1 : 0];
    if (!m) {
      const cls = `${f.local ? 'l' : f.ibgp ? 'i' : 'e'}${f.routerId}${v6 ? '6' : '4'}`;
      m = this.cache.get(cls);
      if (!m) this.cache.set(cls, (m = new WeakMap()));
      perFrom[v6 ? 1 : 0] = m;
    }
    let out = m.get(route.attrs);
    if (!out) {
      out = intern(exportAttrs(route, to, sp));
      m.set(route.attrs, out);
    }
    last.from = f;
    last.attrs = route.attrs;
    last.v6 = v6;
    last.out = out;
    return out;
  }

  /** Forgets everything (the session's local address or peer settings changed). */
  clear(): void {
    this.cache.clear();
    this.byFrom = new WeakMap();
    this.last = { from: undefined, attrs: undefined, v6: false, out: undefined };
  }
}
