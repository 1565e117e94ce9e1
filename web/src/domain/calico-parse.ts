/**
 * Reads calicoctl's boxed tables (`+---+` borders, `|` columns) back into rows, and tells
 * which IPAM blocks are affine to a node the way an operator does without calicoctl: Calico
 * installs a `blackhole <block> proto bird` route on the node that owns each block.
 */
import { parseRoutes } from './iproute-parse.ts';

/** One row of a calicoctl table, keyed by the header's column names (upper case, as printed). */
export type TableRow = Readonly<Record<string, string>>;

/** Parses the first boxed table in `text`; lines outside the box are ignored. */
export function parseBoxTable(text: string): TableRow[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('|'));
  if (!lines.length) return [];
  const cells = (l: string): string[] => l.slice(1, l.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
  const head = cells(lines[0]!);
  return lines.slice(1).map((l) => {
    const c = cells(l);
    return Object.fromEntries(head.map((k, i) => [k, c[i] ?? '']));
  });
}

/** One line of `calicoctl ipam show --show-blocks`. */
export interface IpamRow {
  readonly grouping: string;
  readonly cidr: string;
  readonly total: number;
  readonly inUse: string;
  readonly free: string;
}

/** Parses `calicoctl ipam show [--show-blocks]`. */
export function parseIpamShow(text: string): IpamRow[] {
  return parseBoxTable(text).map((r) => ({
    grouping: r.GROUPING ?? '', cidr: r.CIDR ?? '', total: Number(r['IPS TOTAL'] ?? NaN), inUse: r['IPS IN USE'] ?? '', free: r['IPS FREE'] ?? '',
  }));
}

/** The blocks a node owns, from its `ip route` text: its `blackhole <block>` routes from BIRD (`proto bird`) or, in VXLAN mode, Felix (`proto 80`). */
export function affineBlocks(ipRouteText: string): Set<string> {
  return new Set(parseRoutes(ipRouteText).filter((r) => r.type === 'blackhole' && (r.proto === 'bird' || r.proto === '80')).map((r) => r.dst));
}
