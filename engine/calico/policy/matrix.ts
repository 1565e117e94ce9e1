/**
 * Reachability truth tables in the shape of the Kubernetes netpol e2e suite: rows are
 * sources, columns destinations (`x/a` …), `.` reachable, `X` blocked, `?` unset.
 */
import type { PacketVerdict } from './evaluate.ts';
import { evaluatePacket } from './evaluate.ts';
import type { CompiledWorld } from './world.ts';

/** A from × to table of booleans. */
export interface TruthTable {
  readonly froms: readonly string[];
  readonly tos: readonly string[];
  /** values[i][j]: froms[i] → tos[j]; undefined = unset. */
  readonly values: (boolean | undefined)[][];
}

/** A table with every cell set to `value`. */
export function newTruthTable(froms: readonly string[], tos: readonly string[] = froms, value?: boolean): TruthTable {
  return { froms, tos, values: froms.map(() => tos.map(() => value)) };
}

/** Prints the table as the upstream suite does (tab-separated, `.`/`X`/`?`). */
export function prettyPrint(t: TruthTable, indent = ''): string {
  const lines = [indent + ['-', ...t.tos].join('\t')];
  t.froms.forEach((f, i) => {
    lines.push(indent + [f, ...t.tos.map((_, j) => (t.values[i]![j] === undefined ? '?' : t.values[i]![j] ? '.' : 'X'))].join('\t'));
  });
  return lines.join('\n');
}

/** Cell-wise equality table (`.` equal, `X` different) and the number of differences. */
export function compareTables(a: TruthTable, b: TruthTable, ignore?: (from: string, to: string) => boolean): { table: TruthTable; wrong: number } {
  if (a.froms.join() !== b.froms.join() || a.tos.join() !== b.tos.join()) throw new Error('cannot compare tables with different rows/columns');
  let wrong = 0;
  const values = a.froms.map((f, i) =>
    a.tos.map((t, j) => {
      if (ignore?.(f, t)) return true;
      const same = a.values[i]![j] === b.values[i]![j];
      if (!same) wrong++;
      return same;
    }),
  );
  return { table: { froms: a.froms, tos: a.tos, values }, wrong };
}

/** A probe: destination port and protocol (the e2e suite's ToPort/Protocol). */
export interface Probe {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** The evaluator's truth table for `probe` over the given workload endpoints (by id), plus every verdict. */
export function reachability(world: CompiledWorld, ids: readonly string[], probe: Probe): { table: TruthTable; verdicts: PacketVerdict[][] } {
  const table = newTruthTable(ids);
  const verdicts: PacketVerdict[][] = [];
  ids.forEach((from, i) => {
    const src = world.byId.get(from);
    if (!src) throw new Error(`unknown endpoint '${from}'`);
    verdicts.push([]);
    ids.forEach((to, j) => {
      const dst = world.byId.get(to);
      if (!dst) throw new Error(`unknown endpoint '${to}'`);
      const v = evaluatePacket(world, {
        src: src.endpoint.ips[0]!, dst: dst.endpoint.ips[0]!, srcEndpoint: from, dstEndpoint: to,
        protocol: probe.protocol, dstPort: probe.port, srcPort: 40000,
      });
      table.values[i]![j] = v.allowed;
      verdicts[i]!.push(v);
    });
  });
  return { table, verdicts };
}
