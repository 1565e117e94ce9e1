/**
 * Explicit BGP peerings: what confd's updatePeersV1 (v3.30.7 confd/pkg/backends/calico/
 * client.go) derives from BGPPeer resources, as `/bgp/v1/global/peer_v4/<key>` and
 * `/bgp/v1/host/<node>/peer_v4/<key>` entries.
 *
 * The order of the passes matters and is kept: global peers first, then node-specific ones
 * (skipped when a global peering to the same ip:port exists), then the automatic reverse
 * peerings, which never overwrite an explicit one ("first emitted wins").
 */
import type { BGPPeer } from '../resources/index.ts';
import type { ConfdInput, ConfdNode } from './types.ts';

/** One peering as confd stores it (the JSON of its bgpPeer struct). */
export interface V1Peer {
  readonly ip: string;
  /** 0 = default port. */
  readonly port: number;
  readonly asNumber: number;
  readonly sourceAddr: 'UseNodeIP' | 'None';
  readonly keepNextHop: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  /** The peer IP belongs to a Calico node (only set for peerIP peers, as in confd). */
  readonly calicoNode: boolean;
  readonly ttlSecurity: number;
  readonly numAllowLocalAs: number;
  readonly reachableBy?: string;
  /** The remote node's RR cluster id ('' for non-nodes and plain nodes). */
  readonly rrClusterId: string;
  readonly restartTime?: number;
  /** The Calico node at the other end, when known. */
  readonly peerNode?: string;
  readonly origin: string;
}

/** Global and per-node peerings, keyed by `<ip>` or `<ip>-<port>`. */
export interface Peerings {
  readonly global: ReadonlyMap<string, V1Peer>;
  readonly byNode: ReadonlyMap<string, ReadonlyMap<string, V1Peer>>;
}

/** The key suffix confd uses: `10.0.0.1` or `10.0.0.1-1790`. */
export function peerKey(ip: string, port: number): string {
  return port ? `${ip}-${port}` : ip;
}

/** The node's IPv4 address without its prefix length. */
export function nodeIP(n: ConfdNode): string | undefined {
  return n.ipv4Address?.split('/')[0];
}

/** The port other nodes use to reach `node`: its listenPort override, else the global one, else 0. */
export function nodeListenPort(input: ConfdInput, node: string): number {
  return input.perNode[node]?.listenPort ?? input.global.listenPort ?? 0;
}

function byName(nodes: readonly ConfdNode[]): ConfdNode[] {
  return [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Computes every explicit and reverse peering of the cluster. */
export function computePeerings(input: ConfdInput): Peerings {
  const nodes = byName(input.nodes);
  const matching = (selector: string) => nodes.filter((n) => input.match(selector, n.labels));
  const nodeAS = (n: ConfdNode) => n.asNumber ?? input.global.asNumber;
  const nodeIPs = new Set(nodes.map(nodeIP).filter((x): x is string => x !== undefined));
  // confd iterates a Go map of BGPPeers; podlab sorts by name so results are deterministic.
  const resources = [...input.peers].filter((p) => p.spec.localWorkloadSelector === undefined)
    .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));

  const global = new Map<string, V1Peer>();
  const byNode = new Map<string, Map<string, V1Peer>>();
  const emitNode = (node: string, p: V1Peer) => {
    const k = peerKey(p.ip, p.port);
    let m = byNode.get(node);
    if (!m) byNode.set(node, (m = new Map()));
    if (m.has(k) || global.has(k)) return;
    m.set(k, p);
  };

  const common = (r: BGPPeer) => ({
    sourceAddr: r.spec.sourceAddress,
    keepNextHop: r.spec.nextHopMode === undefined && r.spec.keepOriginalNextHop,
    ...(r.spec.nextHopMode !== undefined ? { nextHopMode: r.spec.nextHopMode } : {}),
    ttlSecurity: r.spec.ttlSecurity ?? 0,
    ...(r.spec.maxRestartTime !== undefined ? { restartTime: Math.round(r.spec.maxRestartTime) } : {}),
  });
  const asNodePeer = (n: ConfdNode, r: BGPPeer, origin: string): V1Peer | undefined => {
    const ip = nodeIP(n);
    if (ip === undefined) return undefined;
    return {
      ...common(r),
      ip,
      port: nodeListenPort(input, n.name),
      asNumber: nodeAS(n),
      calicoNode: false,
      numAllowLocalAs: 0,
      ...(r.spec.reachableBy !== undefined ? { reachableBy: r.spec.reachableBy } : {}),
      rrClusterId: n.rrClusterId ?? '',
      peerNode: n.name,
      origin,
    };
  };
  const nodesWithIP = (ip: string, as: number | undefined, port: number) => nodes.filter((n) => {
    if (nodeIP(n) !== ip || nodeAS(n) !== (as ?? input.global.asNumber)) return false;
    if (port === 0) return true;
    // confd's quirk kept: a matching per-node port still falls through to the global check.
    const own = input.perNode[n.name]?.listenPort;
    if (own !== undefined && own !== port) return false;
    const g = input.global.listenPort ?? 0;
    return !(g !== 0 && g !== port);
  });

  for (const globalPass of [true, false]) {
    for (const r of resources) {
      const isGlobal = r.spec.node === undefined && r.spec.nodeSelector === undefined;
      if (globalPass !== isGlobal) continue;
      const locals = r.spec.nodeSelector !== undefined ? matching(r.spec.nodeSelector).map((n) => n.name)
        : r.spec.node !== undefined ? [r.spec.node] : [];
      const origin = `BGPPeer ${r.meta.name}`;
      let peers: V1Peer[] = [];
      if (r.spec.peerSelector !== undefined) {
        peers = matching(r.spec.peerSelector).map((n) => asNodePeer(n, r, origin)).filter((p): p is V1Peer => !!p);
      } else if (r.spec.peerAddress !== undefined && !r.spec.peerAddress.includes(':')) {
        let port = r.spec.peerPort ?? 0;
        const owners = nodesWithIP(r.spec.peerAddress, r.spec.asNumber, port);
        if (port === 0 && owners.length > 0) port = nodeListenPort(input, owners[0]!.name);
        peers = [{
          ...common(r),
          ip: r.spec.peerAddress,
          port,
          asNumber: r.spec.asNumber ?? input.global.asNumber,
          calicoNode: nodeIPs.has(r.spec.peerAddress),
          numAllowLocalAs: r.spec.numAllowedLocalASNumbers ?? 0,
          ...(r.spec.reachableBy !== undefined ? { reachableBy: r.spec.reachableBy } : {}),
          rrClusterId: '',
          ...(owners[0] ? { peerNode: owners[0].name } : {}),
          origin,
        }];
      }
      for (const p of peers) {
        if (globalPass) {
          const k = peerKey(p.ip, p.port);
          if (!global.has(k)) global.set(k, p);
        } else {
          for (const l of locals) emitNode(l, p);
        }
      }
    }
  }

  // Reverse peerings: the nodes a BGPPeer points at peer back with the nodes it applies to.
  for (const r of resources) {
    if (r.spec.reversePeering === 'Manual') continue;
    let locals: ConfdNode[];
    if (r.spec.peerSelector !== undefined) locals = matching(r.spec.peerSelector);
    else if (r.spec.peerAddress !== undefined && !r.spec.peerAddress.includes(':')) {
      locals = nodesWithIP(r.spec.peerAddress, r.spec.asNumber, r.spec.peerPort ?? 0);
    } else continue;
    if (locals.length === 0) continue;
    const remotes = r.spec.nodeSelector !== undefined ? matching(r.spec.nodeSelector)
      : r.spec.node !== undefined ? nodes.filter((n) => n.name === r.spec.node) : nodes;
    const origin = `reverse of BGPPeer ${r.meta.name}`;
    const peers = remotes.map((n) => asNodePeer(n, r, origin)).filter((p): p is V1Peer => !!p);
    for (const p of peers) for (const l of locals) emitNode(l.name, p);
  }
  return { global, byNode };
}
