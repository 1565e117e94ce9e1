/**
 * The pure Calico policy evaluator: manifests → model → verdicts with explanations.
 * See evaluate.ts for the semantics and model.ts for how k8s policies and namespace labels
 * are represented.
 */
export type { Action, Direction, EntityRule, IcmpMatch, Policy, PolicyProblem, PortMatch, Rule, ServiceRef, Tier } from './model.ts';
export { BUILTIN_TIERS, PROTOCOL_NUMBERS, protocolName } from './model.ts';
export { formatPolicyProblem, PolicyProblems } from './problems.ts';
export { K8S_POLICY_ORDER, parseK8sNetworkPolicy } from './k8s.ts';
export { parseCalicoPolicy, parseTier, SERVICE_ACCOUNT_LABEL_PREFIX } from './calico.ts';
export type { ParsedManifest, PolicySetInput } from './manifests.ts';
export { isPolicyManifest, parsePolicyManifest, parsePolicyManifests } from './manifests.ts';
export type { CompiledEndpoint, CompiledService, CompiledTier, CompiledWorld, Endpoint, HostEndpoint, NamedPort, Namespace, PolicyWorld, ServiceAccount, ServiceEndpointPort, ServiceEndpoints, WorkloadEndpoint } from './world.ts';
export { byOrderThenName, compileWorld, effectiveLabels, endpointId, protoNumber, serviceAccountOf, servicePortKey } from './world.ts';
export type { MatchContext, PacketSide, RulePacket } from './rule-match.ts';
export { namespaceSelectorForEndpoints, policyEndpointSelector, ruleMatches, scopedSelector } from './rule-match.ts';
export type { Decision, DirectionVerdict, PacketSpec, PacketVerdict, RuleHit, TierStep } from './evaluate.ts';
export { evaluate, evaluateDirection, evaluatePacket, isReplyAllowed } from './evaluate.ts';
export type { Probe, TruthTable } from './matrix.ts';
export { compareTables, newTruthTable, prettyPrint, reachability } from './matrix.ts';
export { namedContainerPorts, podServiceAccount } from './pod.ts';
