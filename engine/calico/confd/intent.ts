/**
 * The BGP intent of one node: the decisions Calico's bird*.cfg templates make (v3.30.7
 * confd/etc/calico/confd/templates), taken out of the text so both renderers share them.
 *
 * - Mesh: every other node with an address, unless this node is a route reflector (it
 *   ignores the mesh) or the other one is (it is skipped). `passive on` when the peer's
 *   address is greater AS A STRING (Go template `gt` on strings): 10.0.0.10 < 10.0.0.9.
 * - Global / node-specific peers from BGPPeers (peerings.ts); global peers that are Calico
 *   nodes get the same passive rule, node-specific ones never do.
 * - `rr client` toward iBGP peers that do not share this node's cluster id.
 */
import { formatIPv4, maskOf, parsePrefix4 } from '../../net/ip.ts';
import { computePeerings, nodeIP, nodeListenPort, peerKey } from './peerings.ts';
import type { Peerings, V1Peer } from './peerings.ts';
import type { AffineBlock, BgpIntent, ConfdInput, ConfdNode, KernelRule, MeshEntry, PeerEntry, PeerIntent, PeerKind } from './types.ts';

/** `10.0.0.1` → `10_0_0_1` (IPv6 `:` → `_` too), plus `_port_<n>` for an explicit port. */
export function protocolName(kind: PeerKind, ip: string, port = 0): string {
  const id = ip.replace(/[.:]/g, '_');
  return `${kind}_${id}${kind !== 'Mesh' && port ? `_port_${port}` : ''}`;
}

/** confd's key order: `ls` of `a.b.c.d-len` names, i.e. plain string order. */
export function keyOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cidrKey(cidr: string): string {
  return cidr.replace('/', '-');
}

function networkText(address: string): string | undefined {
  if (!address.includes('/')) return undefined;
  const p = parsePrefix4(address);
  return `${formatIPv4((p.addr & maskOf(p.len)) >>> 0)}/${p.len}`;
}

/** Computes every node's intent (peerings are computed once for the cluster). */
export function computeAllIntents(input: ConfdInput): Map<string, BgpIntent> {
  const peerings = computePeerings(input);
  return new Map(input.nodes.map((n) => [n.name, computeBgpIntent(input, n.name, peerings)]));
}

/** Computes the intent of node `name`. */
export function computeBgpIntent(input: ConfdInput, name: string, peerings: Peerings = computePeerings(input)): BgpIntent {
  const me = input.nodes.find((n) => n.name === name);
  if (!me) throw new Error(`confd: no node named '${name}'`);
  const ip = nodeIP(me) ?? '';
  const localAS = me.asNumber ?? input.global.asNumber;
  const over = input.perNode[name] ?? {};
  const listenPort = over.listenPort ?? input.global.listenPort;
  const bindMode = over.bindMode ?? input.global.bindMode;
  const rrClusterId = me.rrClusterId;
  const network = me.ipv4Address ? networkText(me.ipv4Address) : undefined;

  const mesh: MeshEntry[] = [];
  if (!rrClusterId && input.global.nodeToNodeMeshEnabled) {
    for (const other of sortedNodes(input)) mesh.push(meshEntry(input, me, ip, other));
  }
  const section = (kind: 'Global' | 'Node', entries: ReadonlyMap<string, V1Peer> | undefined, prefix: string): PeerEntry[] =>
    [...(entries ?? new Map<string, V1Peer>())].sort(([a], [b]) => keyOrder(a, b)).map(([k, p]) => {
      const key = `${prefix}/${k}`;
      if (p.ip === ip) return { type: 'self', key, ip: p.ip };
      return { type: 'peer', peer: explicitPeer(kind, key, p, ip, localAS, rrClusterId) };
    });
  const globalPeers = section('Global', peerings.global, '/bgp/v1/global/peer_v4');
  const nodePeers = section('Node', peerings.byNode.get(name), `/bgp/v1/host/${name}/peer_v4`);
  const peers = [
    ...mesh.flatMap((e) => (e.type === 'peer' ? [e.peer] : [])),
    ...[...globalPeers, ...nodePeers].flatMap((e) => (e.type === 'peer' ? [e.peer] : [])),
  ];

  const blocks = [...(input.blocks[name] ?? [])].sort((a, b) => keyOrder(cidrKey(a.cidr), cidrKey(b.cidr)));
  const g = input.global;
  const staticRoutes = [...new Set([...g.serviceClusterIPs, ...g.serviceExternalIPs, ...g.serviceLoadBalancerIPs, ...(input.serviceRoutes?.[name] ?? [])])]
    .sort((a, b) => keyOrder(cidrKey(a), cidrKey(b)));
  const pools = [...input.pools].filter((p) => p.spec.family === 4)
    .sort((a, b) => keyOrder(cidrKey(a.spec.cidr), cidrKey(b.spec.cidr)));
  const kernelRules: KernelRule[] = staticRoutes.map((cidr) => ({ cidr, action: 'reject-static' as const }));
  if (network !== undefined || me.ipv4Address !== undefined) {
    for (const p of pools) {
      const s = p.spec;
      const tunnel = s.ipipMode !== 'Never' ? 'tunl0' : '';
      if (s.vxlanMode !== 'Never') kernelRules.push({ cidr: s.cidr, action: 'reject-vxlan' });
      else if (s.ipipMode === 'CrossSubnet') kernelRules.push({ cidr: s.cidr, action: 'cross-subnet', network: network ?? `${ip}/32`, tunnel });
      else kernelRules.push({ cidr: s.cidr, action: 'tunnel', tunnel });
    }
  }
  const reachableBy = [...globalPeers, ...nodePeers].flatMap((e) => {
    if (e.type !== 'peer') return [];
    const v = findV1(peerings, name, e.peer);
    return v?.reachableBy ? [{ dest: `${e.peer.ip}/32`, via: v.reachableBy }] : [];
  });
  return {
    node: name,
    ipv4Enabled: ip !== '',
    routerId: ip,
    address: ip,
    ...(network !== undefined ? { network } : {}),
    localAS,
    ...(listenPort !== undefined ? { listenPort, listenPortScope: over.listenPort !== undefined ? 'node' as const : 'global' as const } : {}),
    ...(bindMode === 'NodeIP' && ip ? { listenAddress: ip } : {}),
    ...((over.logLevel ?? g.logLevel) !== undefined ? { logLevel: over.logLevel ?? g.logLevel } : {}),
    ignoredInterfaces: g.ignoredInterfaces ?? [],
    ...(rrClusterId ? { rrClusterId } : {}),
    meshEnabled: g.nodeToNodeMeshEnabled,
    mesh,
    globalPeers,
    nodePeers,
    peers,
    blocks,
    blackholes: blocks.filter((b) => !b.cidr.endsWith('/32')).map((b) => b.cidr),
    staticRoutes,
    reachableBy,
    borrowed: [...(input.borrowed?.[name] ?? [])],
    pools: pools.map((p) => ({ cidr: p.spec.cidr, disableBGPExport: p.spec.disableBGPExport })),
    kernelRules,
    communities: over.prefixAdvertisements ?? g.prefixAdvertisements,
    rrLoadBalancerIPs: rrClusterId ? g.serviceLoadBalancerIPs : [],
  };
}

const SORTED = new WeakMap<ConfdInput, readonly ConfdNode[]>();

/** Nodes in `lsdir /bgp/v1/host` order, sorted once per input (every node's mesh walks them). */
function sortedNodes(input: ConfdInput): readonly ConfdNode[] {
  let s = SORTED.get(input);
  if (!s) SORTED.set(input, (s = [...input.nodes].sort((a, b) => keyOrder(a.name, b.name))));
  return s;
}

function findV1(peerings: Peerings, node: string, p: PeerIntent): V1Peer | undefined {
  const k = peerKey(p.ip, p.port ?? 0);
  return p.kind === 'Global' ? peerings.global.get(k) : peerings.byNode.get(node)?.get(k);
}

function meshEntry(input: ConfdInput, me: ConfdNode, ip: string, other: ConfdNode): MeshEntry {
  const oip = nodeIP(other);
  if (oip === undefined) return { type: 'no-address', node: other.name };
  if (oip === ip) return { type: 'self', node: other.name, ip: oip };
  if (other.rrClusterId) return { type: 'route-reflector', node: other.name, ip: oip, clusterId: other.rrClusterId };
  const port = nodeListenPort(input, other.name);
  const rt = input.global.nodeMeshRestartTime;
  const peer: PeerIntent = {
    name: protocolName('Mesh', oip),
    kind: 'Mesh',
    key: `/bgp/v1/host/${other.name}/ip_addr_v4`,
    ip: oip,
    ...(port ? { port } : {}),
    asNumber: other.asNumber ?? input.global.asNumber,
    internal: (other.asNumber ?? input.global.asNumber) === (me.asNumber ?? input.global.asNumber),
    // Go template `gt` on two strings: byte-wise comparison, not numeric.
    passive: oip > ip,
    sourceAddress: ip,
    rrClient: false,
    nextHopKeep: false,
    nextHopSelf: false,
    ...(rt !== undefined ? { gracefulRestartTime: rt } : {}),
    peerNode: other.name,
    origin: 'node-to-node mesh',
  };
  return { type: 'peer', node: other.name, peer };
}

function explicitPeer(kind: 'Global' | 'Node', key: string, p: V1Peer, ip: string, localAS: number, rrClusterId?: string): PeerIntent {
  const internal = p.asNumber === localAS;
  const rrClient = internal && !!rrClusterId && p.rrClusterId !== rrClusterId;
  return {
    name: protocolName(kind, p.ip, p.port),
    kind,
    key,
    ip: p.ip,
    ...(p.port ? { port: p.port } : {}),
    asNumber: p.asNumber,
    internal,
    // Only global peers that are Calico nodes get the mesh's unidirectional rule.
    passive: kind === 'Global' && p.calicoNode && p.ip > ip,
    ...(p.sourceAddr === 'UseNodeIP' ? { sourceAddress: ip } : {}),
    rrClient,
    ...(rrClient ? { rrClusterId } : {}),
    nextHopKeep: (!internal && p.keepNextHop) || p.nextHopMode === 'Keep',
    nextHopSelf: p.nextHopMode === 'Self',
    ...(p.numAllowLocalAs ? { allowLocalAs: p.numAllowLocalAs } : {}),
    ...(p.ttlSecurity ? { ttlSecurity: p.ttlSecurity } : {}),
    ...(p.restartTime !== undefined ? { gracefulRestartTime: p.restartTime } : {}),
    ...(p.peerNode ? { peerNode: p.peerNode } : {}),
    origin: p.origin,
  };
}

/** Blocks as `calico_aggr()` sees them: confirmed or implicitly confirmed ones aggregate. */
export function aggregatingBlocks(blocks: readonly AffineBlock[]): AffineBlock[] {
  return blocks.filter((b) => b.state === undefined || b.state === 'confirmed');
}
