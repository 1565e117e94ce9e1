/**
 * The cables of a real lab as the scenario sees them: each one up or down, with a delay and a
 * loss. A cable is carrier-less when it was pulled or when a node it plugs into is stopped;
 * how carrier and impairments reach the kernel is the runtime's (the Mininet helper, or the
 * host's iproute2 and tc), injected as two operations over the plan's realisation of a cable.
 */
import type { Topology } from '../../model/types.ts';
import { linkAt, type LinkRealisation, type MininetPlan } from '../mininet/plan.ts';
import type { RealLinkChange, RealLinkStatus } from '../real-lab.ts';

/** How a runtime acts on one cable's realisation. */
export interface CableOps {
  /** Sets the cable's carrier: the admin state of its root-namespace ends, so the nodes' own interfaces stay up, with NO-CARRIER, as when a cable is pulled. */
  carrier(l: LinkRealisation, down: boolean): Promise<void>;
  /** Sets the cable's delay and loss on its shaping ends (tc netem, or nftables loss without netem). */
  impair(l: LinkRealisation, latencyMs: number, lossPct: number): Promise<void>;
}

interface CableState {
  down: boolean;
  latencyMs: number;
  lossPct: number;
}

/** A lab's cables: their states, changed through the runtime's CableOps. */
export class Cabling {
  private readonly states: CableState[];

  /** `netem`: the kernel has tc netem (without it, delay is refused and loss is an nftables rule); `nodeStopped`: is this node powered off? */
  constructor(
    private readonly topology: Topology,
    private readonly plan: MininetPlan,
    private readonly netem: boolean,
    private readonly ops: CableOps,
    private readonly nodeStopped: (node: string) => boolean,
  ) {
    this.states = topology.links.map((l) => ({ down: false, latencyMs: l.latencyMs, lossPct: l.lossPercent }));
  }

  /** Applies the topology's own delays and losses at deploy; what this kernel cannot do is skipped and told in `notes`. */
  async applyInitialImpairments(notes: string[]): Promise<void> {
    const skipped: string[] = [];
    for (const l of this.plan.links) {
      const s = this.states[l.index]!;
      if (s.latencyMs === 0 && s.lossPct === 0) continue;
      if (s.latencyMs > 0 && !this.netem) {
        skipped.push(`${l.endpoints.join(' <-> ')} (${s.latencyMs} ms)`);
        s.latencyMs = 0;
      }
      await this.ops.impair(l, s.latencyMs, s.lossPct);
    }
    if (skipped.length) notes.push(`link latency not applied, this kernel has no tc netem (modprobe sch_netem): ${skipped.join(', ')}`);
    if (!this.netem && this.topology.links.some((l) => l.lossPercent > 0)) notes.push('link loss is an nftables netdev egress rule (numgen random), as this kernel has no tc netem');
  }

  /** Changes the cable at `node:iface` (either end, switches included): carrier and/or impairment. */
  async setLink(node: string, iface: string, change: RealLinkChange): Promise<RealLinkStatus> {
    const l = linkAt(this.plan, node, iface);
    const s = this.states[l.index]!;
    if (change.latencyMs !== undefined || change.lossPct !== undefined) {
      const latencyMs = change.latencyMs ?? s.latencyMs;
      const lossPct = change.lossPct ?? s.lossPct;
      if (!(latencyMs >= 0) || !(lossPct >= 0) || lossPct > 100) throw new Error(`invalid impairment for ${node}:${iface}: latency ${latencyMs} ms, loss ${lossPct}%`);
      if (latencyMs > 0 && !this.netem) {
        throw new Error(`cannot add ${latencyMs} ms latency to ${node}:${iface}: this kernel has no tc netem (modprobe sch_netem); loss alone works (nftables)`);
      }
      await this.ops.impair(l, latencyMs, lossPct);
      s.latencyMs = latencyMs;
      s.lossPct = lossPct;
    }
    if (change.state) {
      s.down = change.state === 'down';
      await this.applyCarrier(l);
    }
    const named = `${node}:${iface}`;
    const other = l.endpoints[0] === named ? l.endpoints[1] : l.endpoints[0];
    return { endpoints: [named, other], state: this.carrierDown(l) ? 'down' : 'up', latencyMs: s.latencyMs, lossPct: s.lossPct };
  }

  /** Re-applies the carrier of every cable plugged into `node`, after it stopped or started. */
  async nodeChanged(node: string): Promise<void> {
    for (const l of this.plan.links) if (l.endpoints.some((e) => e.startsWith(`${node}:`))) await this.applyCarrier(l);
  }

  private carrierDown(l: LinkRealisation): boolean {
    return this.states[l.index]!.down || l.endpoints.some((e) => this.nodeStopped(e.slice(0, e.lastIndexOf(':'))));
  }

  private async applyCarrier(l: LinkRealisation): Promise<void> {
    await this.ops.carrier(l, this.carrierDown(l));
  }
}
