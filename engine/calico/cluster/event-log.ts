/**
 * The cluster's event log, kept compact. BIRD's kernel-route events are most of it — every node
 * installs a route for every other node's block, so a cluster of N nodes logs N × N of them —
 * and each repeats texts every other node logs too (the same block via the same host). They
 * are stored as columns of numbers: node, time, action, and the route and reason texts as
 * indexes into a table of distinct texts (about 22 bytes an event instead of an object of six
 * fields). Other events (sessions, confd, errors: a few per node) are kept as they came.
 *
 * Reading gives back equal events, field for field and in the same key order as the agent
 * emitted them, so a recording or the UI's replay built from the log is unchanged.
 */
import { KernelRouteEvent } from '../node/kernel-routes.ts';
import type { KernelRouteChange } from '../node/kernel-routes.ts';
import type { NodeAgentEvent } from '../node/agent.ts';

type RouteEvent = Extract<NodeAgentEvent, { type: 'route' }>;

const ACTIONS: readonly KernelRouteChange['action'][] = ['add', 'replace', 'delete', 'error'];
/** Marks an event kept as an object (the others are route events). */
const OBJECT = 255;

const ROUTE_KEYS = ['type', 'node', 't', 'action', 'route', 'reason'];

/** True when `e`'s own keys are exactly ROUTE_KEYS in that order (for-in: no array of keys per event). */
function routeShape(e: object): boolean {
  let i = 0;
  for (const k in e) {
    if (!Object.hasOwn(e, k) || k !== ROUTE_KEYS[i]) return false;
    i++;
  }
  return i === ROUTE_KEYS.length;
}

/** A table of distinct texts, each with a number. */
class TextTable {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [];

  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.texts.length;
      this.ids.set(s, i);
      this.texts.push(s);
    }
    return i;
  }
}

/** An append-only log of calico-node and router events. */
export class ClusterEventLog implements Iterable<NodeAgentEvent> {
  private n = 0;
  private cap = 0;
  /** Per event: the action index of a route event, or OBJECT. */
  private kind = new Uint8Array(0);
  private node = new Uint32Array(0);
  private time = new Float64Array(0);
  private route = new Uint32Array(0);
  private reason = new Uint32Array(0);
  private readonly objects = new Map<number, NodeAgentEvent>();
  private readonly nodes = new TextTable();
  private readonly texts = new TextTable();
  // A kernel pass logs its routes in a row: one node, and mostly one reason (the pool's), so
  // the last of each is remembered and only the route text is looked up per event.
  private lastNode: string | undefined;
  private lastNodeId = 0;
  private lastReason: string | undefined;
  private lastReasonId = 0;

  /** Number of events logged. */
  get length(): number {
    return this.n;
  }

  /** Appends an event. */
  push(e: NodeAgentEvent): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const action = e.type === 'route' ? ACTIONS.indexOf(e.action) : -1;
    // A route event with other fields than the six the columns hold, in another order, or with
    // an unknown action stays an object: reading it back must give it as it came.
    // calico-node's own events are KernelRouteEvents: their keys are known without a look.
    if (action < 0 || !(e instanceof KernelRouteEvent || routeShape(e))) {
      this.kind[i] = OBJECT;
      this.objects.set(i, e);
      return;
    }
    const r = e as RouteEvent;
    this.kind[i] = action;
    if (r.node !== this.lastNode) this.lastNodeId = this.nodes.id((this.lastNode = r.node));
    this.node[i] = this.lastNodeId;
    this.time[i] = r.t;
    this.route[i] = this.texts.id(r.route);
    if (r.reason !== this.lastReason) this.lastReasonId = this.texts.id((this.lastReason = r.reason));
    this.reason[i] = this.lastReasonId;
  }

  /** The event at index `i` (a new object for a route event), undefined past the end. */
  at(i: number): NodeAgentEvent | undefined {
    if (i < 0 || i >= this.n) return undefined;
    const k = this.kind[i]!;
    if (k === OBJECT) return this.objects.get(i);
    const t = this.texts.texts;
    return { type: 'route', node: this.nodes.texts[this.node[i]!]!, t: this.time[i]!, action: ACTIONS[k]!, route: t[this.route[i]!]!, reason: t[this.reason[i]!]! };
  }

  /** Events from index `from` on, as an array. */
  slice(from = 0): NodeAgentEvent[] {
    const out: NodeAgentEvent[] = [];
    for (let i = Math.max(0, from); i < this.n; i++) out.push(this.at(i)!);
    return out;
  }

  *[Symbol.iterator](): Iterator<NodeAgentEvent> {
    for (let i = 0; i < this.n; i++) yield this.at(i)!;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const more = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind, (c) => new Uint8Array(c));
    this.node = more(this.node, (c) => new Uint32Array(c));
    this.time = more(this.time, (c) => new Float64Array(c));
    this.route = more(this.route, (c) => new Uint32Array(c));
    this.reason = more(this.reason, (c) => new Uint32Array(c));
    this.cap = cap;
  }
}
