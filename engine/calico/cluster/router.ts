/**
 * A ToR or spine of the topology (kind router with an `asn` and `peers`) running podlab's
 * built-in speaker, configured from the topology the way podlab configures BIRD on a real
 * router: one protocol per peer, rr client where the topology says so, export all, and a
 * kernel protocol that installs learned routes (next hops resolved recursively, as BIRD's
 * `gateway recursive` would for the iBGP routes a ToR reflects).
 */
import { Speaker, wireCodec } from '../../bgp/index.ts';
import type { Clock as BgpClock, SpeakerConfig, SpeakerEvent, Transport } from '../../bgp/index.ts';
import { formatIPv4 } from '../../net/ip.ts';
import type { TopoNode } from '../../model/types.ts';
import { birdRouteText } from '../node/kernel-routes.ts';
import type { BirdKernelRoute, KernelRouteChange, RouteKernel } from '../node/kernel-routes.ts';
import { BirdKernelProtocol } from '../node/bird-kernel.ts';
import type { NodeAgentEvent } from '../node/agent.ts';

/** What a router's BGP needs from where it runs. */
export interface RouterHost {
  readonly kernel: RouteKernel;
  readonly clock: BgpClock;
  readonly transport: Transport;
}

/** BIRD protocol names are identifiers: the peer's description if it is one, else bgp_<ip>. */
function protocolName(description: string | undefined, ip: string): string {
  return description && /^[A-Za-z][A-Za-z0-9_]*$/.test(description.replace(/-/g, '_')) ? description.replace(/-/g, '_') : `bgp_${ip.replace(/\./g, '_')}`;
}

/** The speaker configuration of a topology router; undefined when it has no asn or no peers. */
export function routerSpeakerConfig(n: TopoNode): SpeakerConfig | undefined {
  if (n.asn === undefined || n.peers.length === 0) return undefined;
  const firstAddr = n.interfaces.find((i) => i.address)?.address;
  const routerId = n.routerId !== undefined ? formatIPv4(n.routerId) : firstAddr ? formatIPv4(firstAddr.addr) : undefined;
  if (!routerId) return undefined;
  return {
    routerId,
    localAS: n.asn,
    peers: n.peers.map((p) => {
      const ip = formatIPv4(p.address);
      return { address: ip, as: p.asn, name: protocolName(p.description, ip), passive: p.passive, routeReflectorClient: p.rrClient, connectRetry: 5 };
    }),
    connectRetry: 5,
    idleHold: 5,
  };
}

/** A topology router's BGP daemon with its kernel protocol. */
export class FabricRouter {
  readonly speaker: Speaker;
  readonly startedAt: number;
  private pending = false;
  /** BIRD's kernel protocol, incremental as calico-node's is: a pass redoes the prefixes whose best path changed. */
  private readonly kernelProtocol: BirdKernelProtocol;

  constructor(readonly name: string, config: SpeakerConfig, private readonly host: RouterHost, private readonly onEvent?: (e: NodeAgentEvent) => void) {
    this.speaker = new Speaker(config, { clock: host.clock, transport: host.transport, codec: wireCodec });
    this.kernelProtocol = new BirdKernelProtocol(host.kernel);
    this.speaker.on((e) => this.event(e));
    this.startedAt = host.clock.now();
  }

  /** Starts listening and dialing. */
  start(): void {
    this.speaker.start();
  }

  /** Stops the daemon (Cease to every peer). */
  stop(): void {
    this.speaker.stop();
  }

  private event(e: SpeakerEvent): void {
    if (e.type === 'session') {
      this.onEvent?.({ type: 'bgp-session', node: this.name, t: e.time, peer: e.peer, name: e.name, from: e.from, to: e.to, reason: Speaker.describeReason(e.reason) });
    }
    if (e.type === 'route') this.kernelProtocol.routeChanged(e.prefix);
    if ((e.type === 'route' || e.type === 'session') && !this.pending) {
      this.pending = true;
      this.host.clock.setTimer(0, () => {
        this.pending = false;
        this.syncKernel();
      });
    }
  }

  /** proto-bird routes this router's BIRD installed, by prefix. */
  get birdRoutes(): ReadonlyMap<string, BirdKernelRoute> {
    return this.kernelProtocol.installed;
  }

  /** Installs the Loc-RIB's best routes into the router's kernel (no intent: its own routes stay out, every learned best path goes in). */
  syncKernel(): KernelRouteChange[] {
    const changes = this.kernelProtocol.sync(undefined, this.speaker.rib);
    const t = this.host.clock.now();
    for (const c of changes) this.onEvent?.({ type: 'route', node: this.name, t, action: c.action, route: birdRouteText(c.route), reason: c.error ?? c.route.reason });
    return changes;
  }
}
