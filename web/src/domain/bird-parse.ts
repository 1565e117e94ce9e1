/**
 * Reads `birdc show protocols` (BIRD 1.6 and 2.x; what calico-node's BIRD prints) into rows
 * for the inspector's BGP section. The header decides nothing but where rows start; columns
 * are whitespace-separated except Info, which is the rest of the line.
 */

export interface BirdProtocol {
  readonly name: string;
  readonly proto: string;
  readonly table: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

/** Parses the protocol table; banner and header lines are skipped. */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  let started = false;
  for (const line of text.split('\n')) {
    if (!started) {
      started = /^name\s+proto\s+table\s+state\s+since\s+info/i.test(line.trim());
      continue;
    }
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+(?: \d\d:\d\d:\d\d(?:\.\d+)?)?)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ name: m[1]!, proto: m[2]!, table: m[3]!, state: m[4]!, since: m[5]!, info: m[6]!.trim() });
  }
  return out;
}

/** True for a BGP session that is up and Established. */
export function sessionUp(p: BirdProtocol): boolean {
  return p.state === 'up' && /^Established/.test(p.info);
}

/** One route of `birdc show route`. */
export interface BirdRoute {
  readonly prefix: string;
  /** `via 10.30.200.2 on eth0`, `dev eth0`, `blackhole`… as printed. */
  readonly nexthop: string;
  readonly protocol: string;
  readonly since: string;
  /** The route BIRD selected for the prefix (`*`). */
  readonly best: boolean;
  /** `(pref)` or `(pref/metric)`. */
  readonly pref: string;
  /** Trailing attributes such as `[i]` (origin IGP) or `[AS64512i]`. */
  readonly extra: string;
}

const ROUTE_LINE = /^(\S+)?\s+(.+?)\s+\[(\S+)\s+([^\]]*)\]\s*(\*)?\s*(?:\(([^)]*)\))?\s*(.*)$/;

/** Parses `birdc show route` (BIRD 1.6 layout; alternative paths on lines without a prefix, `all` attribute lines skipped). */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const out: BirdRoute[] = [];
  let prefix = '';
  for (const line of text.split('\n')) {
    if (!line.trim() || /^BIRD .* ready\.$/.test(line.trim()) || /^\t/.test(line) || /^\s+\w[\w.]*:/.test(line)) continue;
    const m = ROUTE_LINE.exec(line);
    if (!m) continue;
    if (m[1]) prefix = m[1];
    out.push({ prefix, nexthop: m[2]!, protocol: m[3]!, since: m[4]!.trim(), best: m[5] === '*', pref: m[6] ?? '', extra: m[7]!.trim() });
  }
  return out;
}

/** True for a route a BGP session brought (not the kernel, direct, device or static protocols). */
export function fromBgp(r: BirdRoute): boolean {
  return !/^(kernel|direct|device|static)\d*$/.test(r.protocol);
}
