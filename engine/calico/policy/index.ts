/**
 * The pure Calico policy evaluator: manifests → model → verdicts with explanations.
 * See evaluate.ts for the semantics and model.ts for how k8s policies and namespace labels
 * are represented.
 */
export type { Action, Direction, EntityRule, IcmpMatch, Policy, PolicyProblem, PortMatch, Rule, Tier } from './model.ts';
export { BUILTIN_TIERS, PROTOCOL_NUMBERS, protocolName } from './model.ts';
export { formatPolicyProblem, PolicyProblems } from './problems.ts';
export { K8S_POLICY_ORDER, parseK8sNetworkPolicy } from './k8s.ts';
export { parseCalicoPolicy, parseTier } from './calico.ts';
export type { ParsedManifest, PolicySetInput } from './manifests.ts';
export { isPolicyManifest, parsePolicyManifest, parsePolicyManifests } from './manifests.ts';
export type { CompiledEndpoint, CompiledTier, CompiledWorld, Endpoint, HostEndpoint, NamedPort, Namespace, PolicyWorld, WorkloadEndpoint } from './world.ts';
export { byOrderThenName, compileWorld, effectiveLabels, endpointId } from './world.ts';
export type { PacketSide, RulePacket } from './rule-match.ts';
export { namespaceSelectorForEndpoints, policyEndpointSelector, ruleMatches, scopedSelector } from './rule-match.ts';
export type { Decision, DirectionVerdict, PacketSpec, PacketVerdict, RuleHit, TierStep } from './evaluate.ts';
export { evaluate, evaluateDirection, evaluatePacket, isReplyAllowed } from './evaluate.ts';
export type { Probe, TruthTable } from './matrix.ts';
export { compareTables, newTruthTable, prettyPrint, reachability } from './matrix.ts';
