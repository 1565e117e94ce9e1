/**
 * Dispatch of policy manifests (plain objects, as `kubectl apply` / `calicoctl apply` receive
 * them) to the right parser by apiVersion and kind.
 */
import type { Policy, PolicyProblem, Tier } from './model.ts';
import { parseCalicoPolicy, parseTier } from './calico.ts';
import { parseK8sNetworkPolicy } from './k8s.ts';
import { isObject, PolicyProblems } from './problems.ts';

/** What one manifest parsed into, with its problems (paths inside that manifest). */
export interface ParsedManifest {
  readonly policy?: Policy;
  readonly tier?: Tier;
  readonly problems: readonly PolicyProblem[];
}

/** True when the object is a policy-related manifest this module understands. */
export function isPolicyManifest(obj: unknown): boolean {
  if (!isObject(obj)) return false;
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  return (
    key === 'networking.k8s.io/v1/NetworkPolicy' ||
    key === 'projectcalico.org/v3/NetworkPolicy' ||
    key === 'projectcalico.org/v3/GlobalNetworkPolicy' ||
    key === 'projectcalico.org/v3/Tier'
  );
}

/** Parses one manifest; errors leave `policy`/`tier` undefined. */
export function parsePolicyManifest(obj: unknown): ParsedManifest {
  const ps = new PolicyProblems();
  if (!isObject(obj)) {
    ps.error('', 'a manifest must be an object with apiVersion, kind, metadata and spec');
    return { problems: ps.list };
  }
  const { apiVersion, kind } = obj;
  if (apiVersion === 'networking.k8s.io/v1' && kind === 'NetworkPolicy') {
    const policy = parseK8sNetworkPolicy(obj, ps);
    return policy ? { policy, problems: ps.list } : { problems: ps.list };
  }
  if (apiVersion === 'projectcalico.org/v3' && (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy')) {
    const policy = parseCalicoPolicy(obj, ps);
    return policy ? { policy, problems: ps.list } : { problems: ps.list };
  }
  if (apiVersion === 'projectcalico.org/v3' && kind === 'Tier') {
    const tier = parseTier(obj, ps);
    return tier ? { tier, problems: ps.list } : { problems: ps.list };
  }
  if (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy' || kind === 'Tier') {
    ps.error('apiVersion', `unsupported apiVersion ${JSON.stringify(apiVersion)} for kind ${String(kind)}`,
      kind === 'NetworkPolicy' ? 'use networking.k8s.io/v1 (Kubernetes) or projectcalico.org/v3 (Calico)' : 'use projectcalico.org/v3');
  } else {
    ps.error('kind', `${JSON.stringify(kind)} is not a policy kind`, 'expected NetworkPolicy, GlobalNetworkPolicy or Tier');
  }
  return { problems: ps.list };
}

/** Everything the evaluator needs from a set of manifests, plus all problems per manifest index. */
export interface PolicySetInput {
  readonly policies: Policy[];
  readonly tiers: Tier[];
  readonly problems: { readonly index: number; readonly problem: PolicyProblem }[];
}

/** Parses many manifests; non-policy manifests are skipped; problems keep the manifest index. */
export function parsePolicyManifests(objs: readonly unknown[]): PolicySetInput {
  const out: PolicySetInput = { policies: [], tiers: [], problems: [] };
  objs.forEach((o, index) => {
    if (!isPolicyManifest(o)) return;
    const r = parsePolicyManifest(o);
    if (r.policy) out.policies.push(r.policy);
    if (r.tier) out.tiers.push(r.tier);
    for (const problem of r.problems) out.problems.push({ index, problem });
  });
  // A policy naming a tier that is neither built in nor declared is refused by Calico.
  const known = new Set(['default', 'adminnetworkpolicy', 'baselineadminnetworkpolicy', ...out.tiers.map((t) => t.name)]);
  objs.forEach((o, index) => {
    if (!isPolicyManifest(o)) return;
    const spec = isObject(o) && isObject(o.spec) ? o.spec : undefined;
    if (spec && typeof spec.tier === 'string' && !known.has(spec.tier)) {
      out.problems.push({ index, problem: { severity: 'error', path: 'spec.tier', message: `tier '${spec.tier}' does not exist`, hint: `declare a projectcalico.org/v3 Tier named '${spec.tier}' (or drop spec.tier to use 'default')` } });
    }
  });
  return out;
}
