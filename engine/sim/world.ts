/**
 * The fabric: nodes (one Kernel each), the Links between their NICs, one virtual clock, one
 * seeded RNG and one trace bus for all of them (Mininet's Mininet object, ns-3's channel +
 * simulator). Nothing here knows IP: a Link moves Ethernet frames from one NIC to the other
 * after its latency, losing some with its seeded loss rate, and reports carrier (the far NIC
 * is up and the cable is connected). There is no serialisation delay (links have no
 * bandwidth); the UI shows hops, not queueing.
 *
 * A cable's two NICs are a veth pair across the two namespaces, as containerlab and Mininet
 * cable nodes: `ip link` shows `eth1@if2 … link-netnsid 0`, `ip -d link` shows `veth`, and
 * deleting one end deletes the pair. The Link adds what a bare veth lacks: latency, loss
 * and a cable that can be cut.
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

  /** The WireEnd the NIC at `side` transmits into; `onGone` hears when the pair is deleted. */
  end(side: 'a' | 'b', onGone: (link: Link) => void): WireEnd {
    const far = side === 'a' ? this.b : this.a;
    const near = side === 'a' ? this.a : this.b;
    // The far NIC's receive, made once: each frame rides the clock as the argument (no closure per hop).
    const k = far.kernel;
    const ifindex = far.dev.ifindex;
    const receive = (frame: EthernetFrame): void => netifReceive(k, ifindex, frame);
    return {
      transmit: (frame: EthernetFrame) => this.carry(near, receive, frame),
      farEndUp: () => this.up && far.dev.adminUp && !far.kernel.stopped,
      stateChanged: () => far.kernel.recomputeCarrier(far.dev),
      unplug: () => this.unplug(onGone, side),
    };
  }

  private carry(near: End, receive: (frame: EthernetFrame) => void, frame: EthernetFrame): void {
    if (!this.up) {
      drop(near.kernel, 'link-down', near.dev, undefined, frame);
      return;
    }
    if (this.lossPct > 0 && this.rng.next() * 100 < this.lossPct) {
      drop(near.kernel, 'loss', near.dev, undefined, frame);
      return;
    }
    near.kernel.clock.schedule(this.latencyMs, receive, frame);
  }

  /** Deleting one end of a veth deletes the pair: the far NIC goes and the cable leaves the World. */
  unplug(onGone: (link: Link) => void, side: 'a' | 'b'): void {
    const far = side === 'a' ? this.b : this.a;
    onGone(this);
    far.kernel.removeDevice(far.dev.ifindex);
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
  private readonly named = new Set<string>();

  constructor(opts: WorldOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
  }

  /**
   * Creates a node: a fresh network namespace, lo down (its setup brings it up, as a real
   * runtime's does). `named` makes it a namespace with a /var/run/netns entry (what
   * `ip netns add` or containerd's `cni-…` namespaces have): other nodes' tools then print
   * `link-netns NAME` for veths into it instead of `link-netnsid N`.
   */
  addNode(name: string, opts: { named?: boolean } = {}): Kernel {
    if (this.nodes.has(name)) throw new Error(`node "${name}" already exists`);
    const k = new Kernel({ node: name, world: this });
    this.nodes.set(name, k);
    if (opts.named) this.named.add(name);
    return k;
  }

  /** True when the node's namespace has a name iproute2 can print (see addNode). */
  isNamedNetns(name: string): boolean {
    return this.named.has(name);
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

  /**
   * Cables NIC `aIf` of node `a` to NIC `bIf` of node `b`: a veth pair across the two
   * namespaces, both ends down (like a fresh netns), each end numbered in its own namespace.
   */
  connect(a: string, aIf: string, b: string, bIf: string, opts: LinkOptions = {}): Link {
    const ka = this.node(a);
    const kb = this.node(b);
    const da = this.nic(ka, aIf, opts.mtu);
    const db = this.nic(kb, bIf, opts.mtu);
    da.peerIfindex = db.ifindex;
    db.peerIfindex = da.ifindex;
    if (ka !== kb) {
      da.peerNode = b;
      db.peerNode = a;
      // As `ip link add aIf type veth peer name bIf netns b` run in a: a numbers b's namespace
      // now; b numbers a's when it first lists its links (Kernel.peernetId).
      ka.peernetId(b);
    }
    const link = new Link({ kernel: ka, dev: da }, { kernel: kb, dev: db }, opts, this.rng.fork(`${a}:${aIf}-${b}:${bIf}`));
    const gone = (l: Link): void => {
      const i = this.links.indexOf(l);
      if (i >= 0) this.links.splice(i, 1);
    };
    ka.attachments.set(da.ifindex, { type: 'wire', wire: link.end('a', gone) });
    kb.attachments.set(db.ifindex, { type: 'wire', wire: link.end('b', gone) });
    this.links.push(link);
    link.refresh();
    return link;
  }

  private nic(k: Kernel, name: string, mtu: number | undefined): NetDevice {
    if (k.findDevice(name)) throw new Error(`${k.node}: ${name} already exists (a cable creates its NICs)`);
    return k.createDevice(name, 'veth', undefined, mtu ?? 1500);
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
