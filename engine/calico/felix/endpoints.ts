/**
 * Workload endpoint chains (felix/rules/endpoints.go, dispatch.go, v3.29): the per-interface
 * `cali-tw-`/`cali-fw-` chains walking tiers → policies (or policy groups) → profiles, and
 * the `cali-from-wl-dispatch`/`cali-to-wl-dispatch` chains (split into prefix sub-chains when
 * several interfaces share the next character, as Felix does).
 */
import type { IptRule } from '../../dataplane/iptables.ts';
import { MARK } from '../../dataplane/iptables.ts';
import type { IptChain } from '../../dataplane/types.ts';
import { PFX, endpointChainName, policyChainName, policyGroupChainName, profileChainName } from './names.ts';

/** One tier's policies for one endpoint and direction, in evaluation order. */
export interface TierPolicies {
  readonly tier: string;
  readonly defaultAction: 'Deny' | 'Pass';
  /** Felix policy names with the selector text each applies to (for grouping). */
  readonly policies: readonly { readonly name: string; readonly selector: string }[];
}

/** What the endpoint chains of one interface need. */
export interface EndpointPolicy {
  readonly iface: string;
  readonly ingress: readonly TierPolicies[];
  readonly egress: readonly TierPolicies[];
  readonly profiles: readonly string[];
  /** FelixConfiguration vxlanPort: what the workload VXLAN guard drops. */
  readonly vxlanPort: number;
}

/** A group of consecutive policies with one selector (its own chain when more than one). */
export interface PolicyGroup {
  readonly dir: 'inbound' | 'outbound';
  readonly tier: string;
  readonly selector: string;
  readonly names: readonly string[];
}

/** Felix's endpointManager.groupPolicies. */
export function groupPolicies(dir: PolicyGroup['dir'], t: TierPolicies): PolicyGroup[] {
  const out: { dir: PolicyGroup['dir']; tier: string; selector: string; names: string[] }[] = [];
  for (const p of t.policies) {
    const last = out[out.length - 1];
    if (last && last.selector === p.selector) last.names.push(p.name);
    else out.push({ dir, tier: t.tier, selector: p.selector, names: [p.name] });
  }
  return out;
}

/** The chain of a policy group with more than one policy (PolicyGroupToIptablesChains). */
export function groupChain(g: PolicyGroup): IptChain {
  const prefix = g.dir === 'inbound' ? PFX.policyIn : PFX.policyOut;
  const rules: IptRule[] = [];
  const either = MARK.pass | MARK.accept;
  g.names.forEach((n, i) => {
    if (i !== 0 && i % 5 === 0) rules.push({ match: [{ m: 'mark', value: 0, mask: either, neg: true }], action: { a: 'RETURN' }, comment: ['Return on verdict'] });
    const match = i % 5 === 0 ? [] : [{ m: 'mark' as const, value: 0, mask: either }];
    rules.push({ match, action: { a: 'jump', chain: policyChainName(prefix, g.tier, n) } });
  });
  return { name: policyGroupChainName(g.dir, g.tier, g.selector, g.names), rules };
}

/** A rule frozen to its leaves: shared by every endpoint chain that holds it. */
function frozen(r: IptRule): IptRule {
  return deepFreeze(r);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * The rules every endpoint chain repeats, one frozen object each for the whole process: a
 * pod's chains are then mostly shared rules, which the drivers render once (ruleBody) rather
 * than once per pod.
 */
const EP = {
  established: frozen({ match: [{ m: 'ctstate', states: ['RELATED', 'ESTABLISHED'] }], action: { a: 'ACCEPT' } }),
  invalid: frozen({ match: [{ m: 'ctstate', states: ['INVALID'] }], action: { a: 'DROP' } }),
  clearMarks: frozen({ match: [], action: { a: 'mark', value: 0, mask: MARK.accept | MARK.pass } }),
  ipipDrop: frozen({ match: [{ m: 'proto', proto: 4 }], action: { a: 'DROP' }, comment: ['Drop IPinIP encapped packets originating in workloads'] }),
  policyReturn: frozen({ match: [{ m: 'mark', value: MARK.accept, mask: MARK.accept }], action: { a: 'RETURN' }, comment: ['Return if policy accepted'] }),
  noPolicyDrop: frozen({ match: [{ m: 'mark', value: 0, mask: MARK.pass }], action: { a: 'DROP' }, comment: ['Drop if no policies passed packet'] }),
  profileReturn: frozen({ match: [{ m: 'mark', value: MARK.accept, mask: MARK.accept }], action: { a: 'RETURN' }, comment: ['Return if profile accepted'] }),
  noProfileDrop: frozen({ match: [], action: { a: 'DROP' }, comment: ['Drop if no profiles matched'] }),
} as const;

/**
 * Shared frozen rules that differ by one text (a jump's target, a tier's name, the VXLAN port),
 * per kind and text. Bounded by clearing: sharing is only a saving.
 */
const KEYED = new Map<string, IptRule>();

function keyed(kind: string, text: string, build: () => IptRule): IptRule {
  const key = `${kind}\u0000${text}`;
  let r = KEYED.get(key);
  if (!r) {
    if (KEYED.size >= 4096) KEYED.clear();
    KEYED.set(key, (r = frozen(build())));
  }
  return r;
}

const vxlanDrop = (port: number): IptRule => keyed('vxlan', String(port), () => ({
  match: [{ m: 'proto', proto: 17 }, { m: 'ports', dir: 'dst', ports: [String(port)] }], action: { a: 'DROP' }, comment: ['Drop VXLAN encapped packets originating in workloads'],
}));
const tierStart = (tier: string): IptRule => keyed('tier', tier, () => ({ match: [], action: { a: 'mark', value: 0, mask: MARK.pass }, comment: [`Start of tier ${tier}`] }));
const policyJump = (target: string): IptRule => keyed('policy', target, () => ({ match: [{ m: 'mark', value: 0, mask: MARK.pass }], action: { a: 'jump', chain: target } }));
const profileJump = (target: string): IptRule => keyed('profile', target, () => ({ match: [], action: { a: 'jump', chain: target } }));

function endpointChain(ep: EndpointPolicy, dir: 'to' | 'from', groupsOut: PolicyGroup[]): IptChain {
  const ingress = dir === 'to';
  const tiers = ingress ? ep.ingress : ep.egress;
  const polPfx = ingress ? PFX.policyIn : PFX.policyOut;
  const r: IptRule[] = [EP.established, EP.invalid, EP.clearMarks];
  if (!ingress) {
    // Encapsulated packets from a pod could bypass egress policy (static.go: alwaysAllow… only for ingress).
    r.push(vxlanDrop(ep.vxlanPort));
    r.push(EP.ipipDrop);
  }
  for (const t of tiers) {
    if (!t.policies.length) continue;
    r.push(tierStart(t.tier));
    for (const g of groupPolicies(ingress ? 'inbound' : 'outbound', t)) {
      let targets: string[];
      if (g.names.length <= 1) targets = g.names.map((n) => policyChainName(polPfx, t.tier, n));
      else {
        groupsOut.push(g);
        targets = [policyGroupChainName(g.dir, g.tier, g.selector, g.names)];
      }
      for (const target of targets) {
        r.push(policyJump(target));
        r.push(EP.policyReturn);
      }
    }
    if (t.defaultAction !== 'Pass') r.push(EP.noPolicyDrop);
  }
  for (const p of ep.profiles) {
    r.push(profileJump(profileChainName(ingress ? PFX.profileIn : PFX.profileOut, p)));
    r.push(EP.profileReturn);
  }
  r.push(EP.noProfileDrop);
  return { name: endpointChainName(ingress ? PFX.toWl : PFX.fromWl, ep.iface), rules: r };
}

/** The `cali-tw-`/`cali-fw-` chains of an endpoint, plus the group chains they jump to. */
export function endpointChains(ep: EndpointPolicy): { chains: IptChain[]; groups: PolicyGroup[] } {
  const groups: PolicyGroup[] = [];
  const chains = [endpointChain(ep, 'to', groups), endpointChain(ep, 'from', groups)];
  return { chains, groups };
}

function commonPrefix(names: readonly string[]): string {
  if (!names.length) return '';
  let p = names[0]!;
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** One dispatch tree (buildSingleDispatchChains): root chain + sub-chains per shared next character. */
function dispatchTree(root: string, ifaces: readonly string[], dir: 'in' | 'out', endpointPfx: string): IptChain[] {
  const names = [...new Set(ifaces)].sort();
  const common = commonPrefix(names);
  const byPrefix = new Map<string, string[]>();
  for (const n of names) {
    const p = n.length > common.length ? n.slice(0, common.length + 1) : common;
    if (!byPrefix.has(p)) byPrefix.set(p, []);
    byPrefix.get(p)!.push(n);
  }
  const end: IptRule = { match: [], action: { a: 'DROP' }, comment: ['Unknown interface'] };
  const children: IptChain[] = [];
  const rootRules: IptRule[] = [];
  const toEp = (n: string): IptRule => ({ match: [{ m: 'iface', dir, name: n }], action: { a: 'goto', chain: endpointChainName(endpointPfx, n) } });
  for (const [p, group] of byPrefix) {
    if (group.length > 1) {
      const child = `${root}-${p.slice(common.length)}`;
      rootRules.push({ match: [{ m: 'iface', dir, name: `${p}+` }], action: { a: 'goto', chain: child } });
      children.push({ name: child, rules: [...group.map(toEp), end] });
    } else rootRules.push(toEp(group[0]!));
  }
  return [...children, { name: root, rules: [...rootRules, end] }];
}

/** `cali-from-wl-dispatch` and `cali-to-wl-dispatch` (with sub-chains) for the local interfaces. */
export function dispatchChains(ifaces: readonly string[]): IptChain[] {
  return [
    ...dispatchTree('cali-from-wl-dispatch', ifaces, 'in', PFX.fromWl),
    ...dispatchTree('cali-to-wl-dispatch', ifaces, 'out', PFX.toWl),
  ];
}
