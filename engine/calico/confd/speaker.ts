/**
 * The same intent as configuration of podlab's built-in speaker (engine/bgp), with the
 * protocol names BIRD would use, so `birdc show protocols` and `calicoctl node status`
 * views read the same whichever speaker runs.
 *
 * What BIRD learns from the kernel and exports (blocks' blackholes, borrowed /32s, service
 * CIDRs) becomes `announce` entries; calico_export_to_bgp_peers becomes each peer's export
 * policy. Knobs the built-in speaker lacks are listed in `caveats` rather than dropped
 * silently.
 */
import type { AnnounceConfig, PeerConfig, SpeakerConfig } from '../../bgp/config.ts';
import { parseCommunity } from '../../bgp/rib/attrs.ts';
import type { PathAttrs } from '../../bgp/rib/attrs.ts';
import type { PolicyStep } from '../../bgp/rib/policy.ts';
import { exportDecision } from './filters.ts';
import type { BgpIntent, PeerIntent } from './types.ts';

/** Built-in speaker configuration plus what it cannot express of the intent. */
export interface BuiltinSpeakerPlan {
  readonly config: SpeakerConfig;
  readonly caveats: readonly string[];
}

function withCommunities(attrs: PathAttrs, values: readonly string[]): PathAttrs {
  let out = attrs;
  for (const v of values) {
    const parts = v.split(':').map(Number);
    if (parts.length === 2) {
      const c = parseCommunity(v);
      if (!out.communities?.includes(c)) out = { ...out, communities: [...(out.communities ?? []), c] };
    } else {
      const lc = [parts[0]! >>> 0, parts[1]! >>> 0, parts[2]! >>> 0] as const;
      if (!out.largeCommunities?.some((x) => x[0] === lc[0] && x[1] === lc[1] && x[2] === lc[2])) {
        out = { ...out, largeCommunities: [...(out.largeCommunities ?? []), lc] };
      }
    }
  }
  return out;
}

/** calico_export_to_bgp_peers + `reject;` as a policy step (IPv6 prefixes are rejected: v4 config only). */
export function calicoExportPolicy(i: BgpIntent): PolicyStep {
  return (prefix, attrs) => {
    if (prefix.includes(':')) return null;
    const d = exportDecision(i, prefix);
    return d.accept ? withCommunities(attrs, d.communities) : null;
  };
}

function peerConfig(i: BgpIntent, p: PeerIntent, exportPolicy: PolicyStep, caveats: string[]): PeerConfig {
  if (p.nextHopKeep) caveats.push(`${p.name}: 'next hop keep' is not supported by the built-in speaker (eBGP rewrites the next hop)`);
  if (p.allowLocalAs) caveats.push(`${p.name}: 'allow local as ${p.allowLocalAs}' is not supported by the built-in speaker`);
  if (p.ttlSecurity) caveats.push(`${p.name}: ttl security is not modelled`);
  if (p.gracefulRestartTime !== undefined) caveats.push(`${p.name}: graceful restart is not modelled`);
  if (p.sourceAddress === undefined && i.address) caveats.push(`${p.name}: sourceAddress None is not modelled; the node address is used`);
  return {
    address: p.ip,
    as: p.asNumber,
    name: p.name,
    passive: p.passive,
    ...(p.port ? { port: p.port } : {}),
    routeReflectorClient: p.rrClient,
    nextHopSelf: p.nextHopSelf,
    // bgp_template: connect retry time 5.
    connectRetry: 5,
    exportPolicy,
  };
}

/** Builds the built-in speaker's configuration for one node's intent. */
export function speakerConfigFromIntent(i: BgpIntent): BuiltinSpeakerPlan {
  const caveats: string[] = [];
  const exportPolicy = calicoExportPolicy(i);
  const announce: AnnounceConfig[] = [
    ...i.blackholes.map((prefix) => ({ prefix })),
    ...i.staticRoutes.map((prefix) => ({ prefix })),
    ...i.borrowed.map((a) => ({ prefix: a.includes('/') ? a : `${a}/32` })),
  ];
  const config: SpeakerConfig = {
    routerId: i.routerId,
    localAS: i.localAS,
    // BIRD sends from `source address` (the node IP) on every Calico-rendered session.
    ...(i.listenAddress ?? (i.peers.some((p) => p.sourceAddress !== undefined) ? i.address : undefined)
      ? { localAddress: i.listenAddress ?? i.address } : {}),
    ...(i.listenPort !== undefined ? { listenPort: i.listenPort } : {}),
    ...(i.rrClusterId ? { clusterId: i.rrClusterId } : {}),
    peers: i.peers.map((p) => peerConfig(i, p, exportPolicy, caveats)),
    announce,
    connectRetry: 5,
    // bgp_template: error wait time 5,30 — the first wait is 5 s.
    idleHold: 5,
  };
  return { config, caveats };
}
