/**
 * A generated leaf-spine fabric of any size, as topology YAML: `spines` spines, `racks`
 * racks of one ToR (leaf) + one L2 switch + `perRack` Kubernetes nodes. 4 × 40 × 23 gives
 * 1,004 nodes — the UI's size target. Deterministic: same arguments, same text.
 */
import { parseTopology } from '../../engine/model/validate.ts';
import type { Topology } from '../../engine/model/types.ts';

/** Sizes of a generated fabric. */
export interface FabricSize {
  readonly spines: number;
  readonly racks: number;
  readonly perRack: number;
}

/** The YAML text of a generated fabric. */
export function fabricYaml(s: FabricSize): string {
  const out: string[] = [`name: gen-${s.spines}x${s.racks}x${s.perRack}`, 'description: generated leaf-spine fabric for the UI bench', 'nodes:'];
  const links: string[] = [];
  for (let p = 1; p <= s.spines; p++) {
    out.push(`  spine${p}:`, '    kind: router', '    interfaces:');
    for (let r = 1; r <= s.racks; r++) out.push(`      eth${r}: { address: 10.0.${p}.${2 * r}/31 }`);
  }
  for (let r = 1; r <= s.racks; r++) {
    out.push(`  leaf${r}:`, '    kind: router', `    rack: rack${r}`, `    floor: "${Math.ceil(r / 10)}"`, '    interfaces:');
    for (let p = 1; p <= s.spines; p++) {
      out.push(`      eth${p}: { address: 10.0.${p}.${2 * r + 1}/31 }`);
      links.push(`  - endpoints: ["spine${p}:eth${r}", "leaf${r}:eth${p}"]`);
    }
    out.push(`      eth0: { address: 10.1.${r}.1/24 }`);
    out.push(`  rack${r}-sw: { kind: switch, rack: rack${r}, floor: "${Math.ceil(r / 10)}" }`);
    links.push(`  - endpoints: ["leaf${r}:eth0", "rack${r}-sw:eth0"]`);
    for (let i = 1; i <= s.perRack; i++) {
      const n = `node-${r}-${i}`;
      out.push(`  ${n}:`, '    kind: k8s-node', `    rack: rack${r}`, `    floor: "${Math.ceil(r / 10)}"`, `    gateway: 10.1.${r}.1`, '    interfaces:', `      eth0: { address: 10.1.${r}.${10 + i}/24 }`);
      links.push(`  - endpoints: ["${n}:eth0", "rack${r}-sw:eth${i}"]`);
    }
  }
  return [...out, 'links:', ...links, ''].join('\n');
}

/** The generated fabric as a validated Topology; throws with the problems if it is not valid. */
export function generateFabric(s: FabricSize): Topology {
  const r = parseTopology(fabricYaml(s), `generated-${s.spines}x${s.racks}x${s.perRack}.yaml`);
  if (!r.topology) throw new Error(`generated topology is invalid:\n${r.problems.slice(0, 5).map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`).join('\n')}`);
  return r.topology;
}

// `npx tsx bench/ui/generate.ts SPINES RACKS PER_RACK > fabric.yaml` writes one for `podlab up`.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [spines, racks, perRack] = process.argv.slice(2).map(Number);
  if (!spines || !racks || !perRack || racks > 127 || perRack > 240) {
    process.stderr.write('usage: generate.ts SPINES RACKS PER_RACK (racks 1-127, nodes per rack 1-240)\n');
    process.exit(2);
  }
  process.stdout.write(fabricYaml({ spines, racks, perRack }));
}
