/**
 * Reads what `ip route`, `ip addr` and `ip neigh` print back into rows, for the inspector's
 * structured view. The terminal text stays the source of truth (the UI runs the real-format
 * commands); these parsers only re-read it, and keep any line they do not understand.
 */

export interface RouteRow {
  readonly type: string;
  readonly dst: string;
  readonly via?: string;
  readonly dev?: string;
  /** As printed; `boot` when absent (what Linux stores for routes added without a protocol). */
  readonly proto: string;
  readonly scope?: string;
  readonly src?: string;
  readonly metric?: number;
  readonly table?: string;
  readonly flags: readonly string[];
  readonly line: string;
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'anycast']);
const KEYED = new Set(['via', 'dev', 'proto', 'scope', 'src', 'metric', 'table', 'mtu', 'advmss', 'pref', 'realm', 'weight', 'expires', 'error']);

/** Parses `ip route` output, one row per route line (nexthop continuation lines are attached as flags). */
export function parseRoutes(text: string): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (/^\s/.test(line) && rows.length) {
      const last = rows[rows.length - 1]!;
      rows[rows.length - 1] = { ...last, flags: [...last.flags, line.trim()] };
      continue;
    }
    const w = line.trim().split(/\s+/);
    let i = 0;
    const type = ROUTE_TYPES.has(w[0]!) ? w[i++]! : 'unicast';
    const dst = w[i++] ?? '';
    const kv: Record<string, string> = {};
    const flags: string[] = [];
    while (i < w.length) {
      const k = w[i]!;
      if (KEYED.has(k) && i + 1 < w.length) { kv[k] = w[i + 1]!; i += 2; } else { flags.push(k); i++; }
    }
    rows.push({
      type, dst, proto: kv.proto ?? 'boot', flags, line: line.trimEnd(),
      ...(kv.via ? { via: kv.via } : {}), ...(kv.dev ? { dev: kv.dev } : {}), ...(kv.scope ? { scope: kv.scope } : {}),
      ...(kv.src ? { src: kv.src } : {}), ...(kv.metric ? { metric: Number(kv.metric) } : {}), ...(kv.table ? { table: kv.table } : {}),
    });
  }
  return rows;
}

/** Routes grouped by protocol, in a stable order (kernel, boot, static, bird, then others by name). */
export function groupByProto(rows: readonly RouteRow[]): { proto: string; rows: RouteRow[] }[] {
  const order = ['kernel', 'boot', 'static', 'bird', 'bgp'];
  const m = new Map<string, RouteRow[]>();
  for (const r of rows) (m.get(r.proto) ?? m.set(r.proto, []).get(r.proto)!).push(r);
  const rank = (p: string): number => (order.includes(p) ? order.indexOf(p) : order.length);
  return [...m.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)).map(([proto, list]) => ({ proto, rows: list }));
}

export interface AddrRow {
  readonly index: number;
  readonly name: string;
  /** The peer after '@' (veth peer index, VLAN parent), when printed. */
  readonly link?: string;
  readonly flags: readonly string[];
  readonly mtu?: number;
  readonly state?: string;
  readonly mac?: string;
  readonly inet: readonly string[];
  readonly inet6: readonly string[];
}

/** Parses `ip addr` (or `ip link`) output into one row per interface. */
export function parseAddrs(text: string): AddrRow[] {
  const out: AddrRow[] = [];
  let cur: { -readonly [K in keyof AddrRow]: AddrRow[K] } | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\d+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>(.*)$/.exec(line);
    if (head) {
      const rest = head[5]!;
      const mtu = /\bmtu (\d+)/.exec(rest);
      const state = /\bstate (\S+)/.exec(rest);
      cur = {
        index: Number(head[1]), name: head[2]!, flags: head[4]!.split(',').filter(Boolean), inet: [], inet6: [],
        ...(head[3] ? { link: head[3] } : {}), ...(mtu ? { mtu: Number(mtu[1]) } : {}), ...(state ? { state: state[1] } : {}),
      };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const t = line.trim().split(/\s+/);
    if (t[0]?.startsWith('link/') && t[1]) cur.mac = t[1];
    else if (t[0] === 'inet' && t[1]) cur.inet = [...cur.inet, t[1]];
    else if (t[0] === 'inet6' && t[1]) cur.inet6 = [...cur.inet6, t[1]];
  }
  return out;
}

export interface NeighRow {
  readonly addr: string;
  readonly dev?: string;
  readonly lladdr?: string;
  readonly state: string;
  readonly flags: readonly string[];
}

/** Parses `ip neigh` output. */
export function parseNeighbours(text: string): NeighRow[] {
  const out: NeighRow[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/).filter(Boolean);
    if (!w.length) continue;
    let dev: string | undefined, lladdr: string | undefined;
    const rest: string[] = [];
    for (let i = 1; i < w.length; i++) {
      if (w[i] === 'dev') dev = w[++i];
      else if (w[i] === 'lladdr') lladdr = w[++i];
      else rest.push(w[i]!);
    }
    const state = rest.length ? rest[rest.length - 1]! : 'NONE';
    out.push({ addr: w[0]!, state, flags: rest.slice(0, -1), ...(dev ? { dev } : {}), ...(lladdr ? { lladdr } : {}) });
  }
  return out;
}
