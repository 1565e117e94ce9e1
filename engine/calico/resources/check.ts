/**
 * The Calico resource checks as validation problems: what `buildResourceSet` finds in a
 * topology's `calico:` list (invalid values, overlapping pools, duplicate names…), each
 * placed at the field it is about when the manifest was read from a file. `podlab validate`
 * and every scenario load run it, so a value the cluster would refuse at deploy
 * (`ipipMode: Sometimes`, `blockSize: 0`) is reported before anything runs.
 */
import { manifestFieldLoc } from '../../model/read.ts';
import type { CalicoManifest, Problem, TopologyDraft } from '../../model/types.ts';
import { buildResourceSet } from './resource-set.ts';
import type { ResourceProblem } from './types.ts';

/**
 * Every problem of a topology's Calico manifests, located at the field (or the manifest) it
 * is about. Takes a valid Topology or the draft of an invalid one (validate reports both).
 */
export function checkCalicoManifests(topology: TopologyDraft): Problem[] {
  const manifests = topology.calico;
  // The topology's k8s-nodes are Calico Nodes too (calico-node's startup writes them), as
  // CalicoCluster.start counts them: a reference to one is not a missing Node.
  const k8sNames = new Set(topology.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name));
  let problems: ResourceProblem[];
  try {
    ({ problems } = buildResourceSet(manifests));
    problems = problems.filter((p) => !k8sNames.has(/no Node named '([^']+)'/.exec(p.message)?.[1] ?? ''));
  } catch (e) {
    // The checks must never be what crashes validation: report it on the first manifest.
    const loc = manifests[0]?.loc ?? { file: '?', line: 1, col: 1 };
    return [{ severity: 'error', loc, message: `the Calico resources could not be checked: ${(e as Error).message}` }];
  }
  const byResource = new Map<string, CalicoManifest>();
  for (const m of manifests) byResource.set(`${m.kind}/${m.name ?? ''}`, m);
  return problems.map((p) => {
    const m = manifests.find((x) => x.loc === p.loc) ?? byResource.get(p.resource);
    const at = m && p.path ? fieldOrParent(m, p.path) : undefined;
    const out: Problem = { severity: p.severity, loc: at ?? p.loc, message: p.message };
    return p.hint === undefined ? out : { ...out, hint: p.hint };
  });
}

// `spec.ipipMode` when it is written; else its nearest written parent (`spec` for a missing field).
function fieldOrParent(m: CalicoManifest, path: string) {
  for (let p = path; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const loc = manifestFieldLoc(m, p);
    if (loc) return loc;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(p)) break;
  }
  return undefined;
}
