/**
 * The fabric: nodes (one Kernel each), the physical Links between their NICs, one virtual
 * clock, one seeded RNG and one trace bus for all of them (Mininet's Mininet object, ns-3's
 * channel + simulator). Nothing here knows IP: a Link moves Ethernet frames from one NIC to
 * the other after its latency, losing some with its seeded loss rate, and reports carrier
 * (the far NIC is up and the cable is connected) the way a PHY does. There is no
 * serialisation delay (links have no bandwidth); the UI shows hops, not queueing.
 */
import type { EthernetFrame } from '../net/packet.ts';
import { Clock, Rng } from './clock.ts';
import { Kernel } from './kernel.ts';
import type { WireEnd } from './kernel.ts';
import { TraceBus } from './trace.ts';
import { drop, netifReceive } from './device.ts';
import type { NetDevice } from './types.ts';

/** Options of a World. */
export interface WorldOptions {
  /** Seed of every random choice (loss, neighbour timers, flow hashes). Default 1. */
  seed?: number;
}

/** Physical properties of a Link. */
export interface LinkOptions {
  /** MTU set on both NICs (default 1500). */
  mtu?: number;
  /** One-way propagation delay in ms (default 0.05). */
  latencyMs?: number;
  /** Loss probability in percent (default 0). */
  lossPct?: number;
}

interface End {
  kernel: Kernel;
  dev: NetDevice;
}

/** A cable between two NICs. */
export class Link {
  up = true;
  latencyMs: number;
  lossPct: number;
  readonly a: End;
  readonly b: End;
  private readonly rng: Rng;

  constructor(a: End, b: End, opts: LinkOptions, rng: Rng) {
    this.a = a;
    this.b = b;
    this.latencyMs = opts.latencyMs ?? 0.05;
    this.lossPct = opts.lossPct ?? 0;
    this.rng = rng;
  }

  /** The WireEnd the NIC at `side` transmits into. */
  end(side: 'a' | 'b'): WireEnd {
    const far = side === 'a' ? this.b : this.a;
    const near = side === 'a' ? this.a : this.b;
    return {
      transmit: (frame: EthernetFrame) => this.carry(near, far, frame),
      farEndUp: () => this.up && far.dev.adminUp && !far.kernel.stopped,
      stateChanged: () => far.kernel.recomputeCarrier(far.dev),
    };
  }

  private carry(near: End, far: End, frame: EthernetFrame): void {
    if (!this.up) {
      drop(near.kernel, 'link-down', near.dev, undefined, frame);
      return;
    }
    if (this.lossPct > 0 && this.rng.next() * 100 < this.lossPct) {
      drop(near.kernel, 'loss', near.dev, undefined, frame);
      return;
    }
    const k = far.kernel;
    const ifindex = far.dev.ifindex;
    near.kernel.clock.schedule(this.latencyMs, () => netifReceive(k, ifindex, frame));
  }

  /** Re-evaluates carrier on both NICs (after a cable or node state change). */
  refresh(): void {
    this.a.kernel.recomputeCarrier(this.a.dev);
    this.b.kernel.recomputeCarrier(this.b.dev);
  }
}

/** The simulated fabric: nodes, links, clock, RNG and trace bus. */
export class World {
  readonly clock = new Clock();
  readonly trace = new TraceBus();
  readonly rng: Rng;
  readonly links: Link[] = [];
  private readonly nodes = new Map<string, Kernel>();

  constructor(opts: WorldOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
  }

  /** Creates a node: a fresh network namespace, lo down (its setup brings it up, as a real runtime's does). */
  addNode(name: string): Kernel {
    if (this.nodes.has(name)) throw new Error(`node "${name}" already exists`);
    const k = new Kernel({ node: name, world: this });
    this.nodes.set(name, k);
    return k;
  }

  /** The kernel of a node, or undefined. */
  kernel(name: string): Kernel | undefined {
    return this.nodes.get(name);
  }

  /** The kernel of a node; throws naming the node when it does not exist. */
  node(name: string): Kernel {
    const k = this.nodes.get(name);
    if (!k) throw new Error(`no node "${name}" in this world`);
    return k;
  }

  /** All node names, in creation order. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Cables NIC `aIf` of node `a` to NIC `bIf` of node `b`, creating the NICs (down, like a fresh netns) if needed. */
  connect(a: string, aIf: string, b: string, bIf: string, opts: LinkOptions = {}): Link {
    const ka = this.node(a);
    const kb = this.node(b);
    const da = this.nic(ka, aIf, opts.mtu);
    const db = this.nic(kb, bIf, opts.mtu);
    const link = new Link({ kernel: ka, dev: da }, { kernel: kb, dev: db }, opts, this.rng.fork(`${a}:${aIf}-${b}:${bIf}`));
    ka.attachments.set(da.ifindex, { type: 'wire', wire: link.end('a') });
    kb.attachments.set(db.ifindex, { type: 'wire', wire: link.end('b') });
    this.links.push(link);
    link.refresh();
    return link;
  }

  private nic(k: Kernel, name: string, mtu: number | undefined): NetDevice {
    const d = k.findDevice(name) ?? k.addEther(name, mtu ?? 1500);
    if (d.kind !== 'ether') throw new Error(`${k.node}: ${name} is a ${d.kind} device, not a NIC`);
    if (k.attachments.has(d.ifindex)) throw new Error(`${k.node}: ${name} is already cabled`);
    if (mtu !== undefined) d.mtu = mtu;
    return d;
  }

  /** The Link cabled to a node's NIC. */
  linkAt(node: string, ifname: string): Link {
    const link = this.links.find((l) => (l.a.kernel.node === node && l.a.dev.name === ifname) || (l.b.kernel.node === node && l.b.dev.name === ifname));
    if (!link) throw new Error(`${node}: no link on ${ifname}`);
    return link;
  }

  /** Cuts or restores a cable, or changes its impairment. */
  setLink(node: string, ifname: string, state: 'up' | 'down' | { latencyMs?: number; lossPct?: number }): void {
    const link = this.linkAt(node, ifname);
    if (state === 'up' || state === 'down') {
      link.up = state === 'up';
      link.refresh();
      return;
    }
    if (state.latencyMs !== undefined) link.latencyMs = state.latencyMs;
    if (state.lossPct !== undefined) link.lossPct = state.lossPct;
  }

  /** Powers a node off: it drops everything and its neighbours lose carrier. */
  stopNode(name: string): void {
    this.setStopped(name, true);
  }

  /** Powers a stopped node back on (its configuration is kept). */
  startNode(name: string): void {
    this.setStopped(name, false);
  }

  private setStopped(name: string, stopped: boolean): void {
    const k = this.node(name);
    k.stopped = stopped;
    for (const l of this.links) if (l.a.kernel === k || l.b.kernel === k) l.refresh();
  }

  /** Advances virtual time by `ms`, running every event due. */
  run(ms: number): void {
    this.clock.runUntil(this.clock.nowMs() + ms);
  }
}
