/**
 * The fabrics the UI bench and the UI's scale tests draw: bench/scale/fabric.ts's generated
 * leaf-spine (or route-reflector) fabric of N Kubernetes nodes, with its racks gathered into
 * floors of ten, as a data-centre hall groups them — the drawing's third level of boxes,
 * which the generator (written for the control plane, where floors mean nothing) leaves out.
 * Deterministic: same arguments, same fabric.
 */
import { generateFabric, leafSpineYaml, rrFabricYaml, type FabricKind } from '../scale/fabric.ts';
import type { Topology } from '../../engine/model/types.ts';

/** Racks per floor. */
export const RACKS_PER_FLOOR = 10;

/** The floor of a node in rack `rackN` (racks 1–10 on floor 1, …); undefined outside racks. */
export function floorOf(rack: string | undefined): string | undefined {
  const m = rack !== undefined ? /(\d+)$/.exec(rack) : null;
  return m ? String(Math.ceil(Number(m[1]) / RACKS_PER_FLOOR)) : undefined;
}

/** A generated fabric of `n` Kubernetes nodes (`kind` as bench/scale/fabric.ts makes them), racks on floors. */
export function uiFabric(n: number, kind: FabricKind = 'leaf-spine'): Topology {
  const t = generateFabric(kind, n);
  return { ...t, nodes: t.nodes.map((node) => {
    const floor = floorOf(node.rack);
    return floor === undefined ? node : { ...node, floor };
  }) };
}

/** The same fabric as topology YAML for `podlab up` (each rack's `rack:` line followed by its floor). */
export function uiFabricYaml(n: number, kind: FabricKind = 'leaf-spine'): string {
  const yaml = kind === 'rr' ? rrFabricYaml(n) : leafSpineYaml(n);
  return yaml.replace(/^(\s+)rack: (rack\d+)$/gm, (_, indent: string, rack: string) => `${indent}rack: ${rack}\n${indent}floor: "${floorOf(rack)}"`)
    .replace(/^( {2}rack\d+-sw: \{ kind: switch, rack: (rack\d+))( \})$/gm, (_, head: string, rack: string, tail: string) => `${head}, floor: "${floorOf(rack)}"${tail}`);
}

// `npx tsx bench/ui/generate.ts N [leaf-spine|rr] > fabric.yaml` writes one for `podlab up`.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [count, kind = 'leaf-spine'] = process.argv.slice(2);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || (kind !== 'leaf-spine' && kind !== 'rr')) {
    process.stderr.write('usage: generate.ts N [leaf-spine|rr]   (N Kubernetes nodes; leaf-spine holds up to 6,350)\n');
    process.exit(2);
  }
  try {
    process.stdout.write(uiFabricYaml(n, kind));
  } catch (e) {
    process.stderr.write(`generate.ts: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
