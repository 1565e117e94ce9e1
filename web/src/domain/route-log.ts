/**
 * The routes BIRD programmed (`calico.route` events), held compactly: a converged N-node
 * Calico fabric reports N×(N−1) of them (every node installs every other node's block), a
 * million at 1,000 nodes. As objects in an array that was hundreds of MB in the browser;
 * here each event is one row of four numbers in typed arrays, and a route's text — the same
 * on every node that installs it (`<block> via <owner> dev tunl0 proto bird onlink`) — is
 * parsed and stored once. Each node's current table is kept up to date as events arrive
 * (what the live overlays ask for); a cursor before the last event replays the rows.
 */
import type { RouteEntry } from '../../../engine/events.ts';
import { parseRoutes } from './iproute-parse.ts';

/** A `calico.route` event's fields this log reads. */
export interface BirdRouteEvent {
  readonly seq: number;
  readonly node: string;
  readonly action: string;
  readonly route: string;
}

const ADD = 1;
const DELETE = 2;

/** The route entry for one `ip route` line, as the overlays read it (undefined when it does not parse). */
function entryOf(text: string): RouteEntry | undefined {
  const r = parseRoutes(text)[0];
  if (!r) return undefined;
  return Object.freeze({
    table: 254, type: r.type, dst: r.dst, proto: r.proto, scope: r.scope ?? 'global', metric: r.metric ?? 0, text,
    onlink: r.flags.includes('onlink'), ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}),
  });
}

/** Every `calico.route` event, as rows, and each node's table after the last one. */
export class RouteLog {
  private readonly nodeNames: string[] = [];
  private readonly nodeIds = new Map<string, number>();
  private readonly entries: RouteEntry[] = [];
  private readonly entryIds = new Map<string, number>();
  private seqs = new Float64Array(1024);
  private nodes = new Int32Array(1024);
  private routes = new Int32Array(1024);
  private actions = new Uint8Array(1024);
  private rows = 0;
  /** Per node id: destination → route entry (BIRD replaces a route in place, by destination). */
  private readonly current: Map<string, RouteEntry>[] = [];

  /** How many events the log holds. */
  get size(): number {
    return this.rows;
  }

  /** The seq of the last event held (−1: none). */
  get lastSeq(): number {
    return this.rows ? this.seqs[this.rows - 1]! : -1;
  }

  /** Takes one `calico.route` event (in seq order); a route that does not parse is ignored, as before. */
  add(e: BirdRouteEvent): void {
    const action = e.action === 'add' || e.action === 'replace' ? ADD : e.action === 'delete' ? DELETE : 0;
    if (!action) return;
    let rid = this.entryIds.get(e.route);
    if (rid === undefined) {
      const entry = entryOf(e.route);
      if (!entry) return;
      rid = this.entries.push(entry) - 1;
      this.entryIds.set(e.route, rid);
    }
    let nid = this.nodeIds.get(e.node);
    if (nid === undefined) {
      nid = this.nodeNames.push(e.node) - 1;
      this.nodeIds.set(e.node, nid);
      this.current.push(new Map());
    }
    if (this.rows === this.seqs.length) this.grow();
    const i = this.rows++;
    this.seqs[i] = e.seq;
    this.nodes[i] = nid;
    this.routes[i] = rid;
    this.actions[i] = action;
    apply(this.current[nid]!, action, this.entries[rid]!);
  }

  private grow(): void {
    const n = this.seqs.length * 2;
    const seqs = new Float64Array(n); seqs.set(this.seqs); this.seqs = seqs;
    const nodes = new Int32Array(n); nodes.set(this.nodes); this.nodes = nodes;
    const routes = new Int32Array(n); routes.set(this.routes); this.routes = routes;
    const actions = new Uint8Array(n); actions.set(this.actions); this.actions = actions;
  }

  /** Each node's table after the last event, as a view that follows the log (iterate it again for the current routes). */
  tables(): Map<string, Iterable<RouteEntry>> {
    return new Map(this.nodeNames.map((n, i) => [n, { [Symbol.iterator]: () => this.current[i]!.values() }]));
  }

  /** How many routes `node` holds after the last event. */
  countOf(node: string): number {
    const id = this.nodeIds.get(node);
    return id === undefined ? 0 : this.current[id]!.size;
  }

  /** Every node's routes after every event up to `seq` (nodes with no event are absent). */
  routesAt(seq: number): Map<string, RouteEntry[]> {
    if (seq >= this.lastSeq) return new Map(this.nodeNames.map((n, i) => [n, [...this.current[i]!.values()]]));
    const tables = this.nodeNames.map(() => new Map<string, RouteEntry>());
    const seen = new Set<number>();
    for (let i = 0; i < this.rows && this.seqs[i]! <= seq; i++) {
      seen.add(this.nodes[i]!);
      apply(tables[this.nodes[i]!]!, this.actions[i]!, this.entries[this.routes[i]!]!);
    }
    return new Map([...seen].sort((a, b) => a - b).map((i) => [this.nodeNames[i]!, [...tables[i]!.values()]]));
  }
}

function apply(table: Map<string, RouteEntry>, action: number, r: RouteEntry): void {
  if (action === ADD) table.set(r.dst, r);
  else table.delete(r.dst);
}
