/**
 * Policy analysis over the lab's own pods: for each policy, which flows between the pods it
 * allows or denies (the rules that decide them), and which rules can never match any of that
 * traffic or are shadowed — they match, but an earlier rule (or an earlier tier's Pass/verdict)
 * always decides first.
 *
 * The traffic is every ordered pair of pods × a packet set built from the rules themselves:
 * ICMP echo (and every ICMP type a rule names), and for TCP/UDP/SCTP each port range's edges
 * and the ports just outside them, the pods' named ports, and one port no rule names. Within
 * that set two packets that differ only inside a range behave the same, so the sample is exact
 * for the port dimension. Matching is engine/calico/policy's own (`ruleMatches`, the compiled
 * world's tier and policy order); verdicts are checked against `evaluateDirection`, so this
 * walk and the evaluator cannot drift apart unnoticed. Pure.
 */
import { ipPrefixContains, parseIp } from '../net/ip.ts';
import { compileWorld, evaluateDirection, policyEndpointSelector, protocolName, ruleMatches, scopedSelector } from '../calico/policy/index.ts';
import type { CompiledEndpoint, CompiledWorld, Direction, Policy, PolicyWorld, PortMatch, Rule, RulePacket } from '../calico/policy/index.ts';
import { matchSelector } from '../calico/selector/index.ts';

/** What the analysis says of one rule. */
export interface RuleFinding {
  readonly direction: Direction;
  readonly index: number;
  /** The manifest field it came from (`spec.ingress[1]`). */
  readonly origin: string;
  readonly action: string;
  /** used: it decides some flow; never: no flow of the lab matches it; shadowed: it matches, but earlier rules always decide. */
  readonly status: 'used' | 'never' | 'shadowed';
  /** One line: what it decides, or why it never does. */
  readonly text: string;
}

/** What the analysis says of one policy. */
export interface PolicyFinding {
  /** `ns/name` for namespaced policies, the name for global ones. */
  readonly policy: string;
  readonly tier: string;
  /** The pods it applies to. */
  readonly selects: readonly string[];
  /** What it allows between the lab's pods, one line per deciding rule. */
  readonly allows: readonly string[];
  /** What it denies (its Deny rules and, for the last policy of a tier, the end of tier). */
  readonly denies: readonly string[];
  readonly rules: readonly RuleFinding[];
}

/** The analysis of every policy. */
export interface PolicyAnalysis {
  readonly policies: readonly PolicyFinding[];
  /** Rules that never match or are shadowed, one line each (also inside `policies`). */
  readonly warnings: readonly string[];
  /** Pods × packets evaluated. */
  readonly flows: number;
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const SCTP = 132;

interface Sample {
  readonly protocol: number;
  readonly dstPort?: number;
  readonly srcPort?: number;
  readonly icmpType?: number;
  readonly text: string;
}

/** The packet set the rules make distinguishable (see the module comment). */
export function packetSamples(policies: readonly Policy[], world: CompiledWorld): Sample[] {
  const rules = policies.flatMap((p) => [...p.ingress, ...p.egress]);
  const protocols = new Set<number>([TCP, UDP]);
  const icmpTypes = new Set<number>([8]);
  const dst = new Set<number>();
  const src = new Set<number>([40000]);
  const ranges: { first: number; last: number }[] = [];
  const edges = (list: readonly PortMatch[] | undefined, into: Set<number>): void => {
    for (const m of list ?? []) {
      if (m.kind !== 'range') continue;
      ranges.push(m);
      for (const p of [m.first - 1, m.first, m.last, m.last + 1]) if (p >= 1 && p <= 65535) into.add(p);
    }
  };
  for (const r of rules) {
    if (r.protocol !== undefined && r.protocol !== ICMP) protocols.add(r.protocol);
    if (r.icmp?.type !== undefined) icmpTypes.add(r.icmp.type);
    if (r.notICMP?.type !== undefined) icmpTypes.add(r.notICMP.type);
    edges(r.destination.ports, dst);
    edges(r.destination.notPorts, dst);
    edges(r.source.ports, src);
    edges(r.source.notPorts, src);
  }
  for (const e of world.endpoints) for (const np of e.namedPorts) dst.add(np.port);
  // One port no rule names, so "everything else" is in the sample too.
  let other = 1024;
  while (ranges.some((r) => other >= r.first - 1 && other <= r.last + 1) || dst.has(other)) other++;
  dst.add(other);
  const out: Sample[] = [...icmpTypes].sort((a, b) => a - b).map((t) => ({ protocol: ICMP, icmpType: t, text: t === 8 ? 'ICMP' : `ICMP type ${t}` }));
  for (const proto of [...protocols].sort((a, b) => a - b)) {
    if (proto !== TCP && proto !== UDP && proto !== SCTP) {
      out.push({ protocol: proto, text: protocolName(proto) });
      continue;
    }
    for (const d of [...dst].sort((a, b) => a - b)) for (const s of [...src].sort((a, b) => a - b)) {
      out.push({ protocol: proto, dstPort: d, srcPort: s, text: `${protocolName(proto)}/${d}${src.size > 1 ? ` from port ${s}` : ''}` });
    }
  }
  return out;
}

const ruleKey = (p: Policy, dir: Direction, i: number): string => `${policyId(p)}|${dir}|${i}`;
const policyId = (p: Policy): string => (p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name);

interface RuleStats {
  matched: number;
  reached: number;
  /** Who decided first when this rule matched but was not reached. */
  by: Map<string, number>;
  flows: Map<string, { froms: Set<string>; tos: Set<string> }>;
}

/**
 * Walks one direction at `ep` the way evaluateDirection does (tiers, then the selecting
 * policies, then their rules, in the compiled world's order), counting every rule that
 * matches and whether the walk reached it; returns the deciding rule's key (undefined: end of
 * tier or profile). Matches after the decision are counted as shadowed by the decider.
 */
function walk(world: CompiledWorld, ep: CompiledEndpoint, dir: Direction, pkt: RulePacket, stats: Map<string, RuleStats>): string | undefined {
  let decider: string | undefined;
  let done: string | undefined;
  const notReached: string[] = [];
  for (const { tier, policies } of world.tiers) {
    const selecting = policies.filter((p) => p.types.includes(dir) && matchSelector(policyEndpointSelector(p), ep.labels));
    if (selecting.length === 0) continue;
    let passedBy: string | undefined;
    for (const p of selecting) {
      const rules = dir === 'ingress' ? p.ingress : p.egress;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i]!;
        if (!ruleMatches(r, p, pkt)) continue;
        const k = ruleKey(p, dir, i);
        const s = stats.get(k)!;
        s.matched++;
        if (done !== undefined || passedBy !== undefined) {
          notReached.push(k);
          if (done === undefined) s.by.set(passedBy!, (s.by.get(passedBy!) ?? 0) + 1);
          continue;
        }
        s.reached++;
        if (r.action === 'Log') continue;
        if (r.action === 'Pass') passedBy = k;
        else done = decider = k;
      }
    }
    if (done === undefined && passedBy === undefined && tier.defaultAction === 'Deny') done = `the end of tier ${tier.name}`;
  }
  for (const k of notReached) {
    const s = stats.get(k)!;
    if (done !== undefined) s.by.set(done, (s.by.get(done) ?? 0) + 1);
  }
  return decider;
}

function summary(froms: ReadonlySet<string>, tos: ReadonlySet<string>, pkts: readonly string[], allPods: number): string {
  const names = (s: ReadonlySet<string>): string => (s.size === allPods && allPods > 2 ? 'every pod' : [...s].sort().join(', '));
  const p = pkts.length > 6 ? `${pkts.slice(0, 6).join(', ')}, …` : pkts.join(', ');
  return `${names(froms)} → ${names(tos)} on ${p}`;
}

function whyNever(r: Rule, p: Policy, dir: Direction, world: CompiledWorld): string {
  const peer = dir === 'ingress' ? r.source : r.destination;
  const sel = scopedSelector(peer, p);
  if (sel && !world.endpoints.some((e) => matchSelector(sel, e.labels))) return `its ${dir === 'ingress' ? 'source' : 'destination'} selector matches no pod of the lab`;
  const nets = peer.nets;
  if (nets && !world.endpoints.some((e) => e.ips.some((ip) => nets.some((n) => ipPrefixContains(n, ip))))) return `its ${dir === 'ingress' ? 'source' : 'destination'} nets hold no pod of the lab`;
  return 'no flow between the lab\'s pods matches all its fields';
}

/** Analyses every policy of `world` over its workload endpoints. */
export function analysePolicies(input: PolicyWorld): PolicyAnalysis {
  const world = compileWorld(input);
  const pods = world.endpoints.filter((e) => e.endpoint.kind === 'workload');
  const policies = world.tiers.flatMap((t) => t.policies);
  const stats = new Map<string, RuleStats>();
  for (const p of policies) for (const dir of ['ingress', 'egress'] as const) {
    (dir === 'ingress' ? p.ingress : p.egress).forEach((_, i) => stats.set(ruleKey(p, dir, i), { matched: 0, reached: 0, by: new Map(), flows: new Map() }));
  }
  const endOfTier = new Map<string, { froms: Set<string>; tos: Set<string>; pkts: Set<string> }>();
  const samples = packetSamples(policies, world);
  let flows = 0;
  for (const a of pods) for (const b of pods) {
    if (a === b) continue;
    for (const s of samples) {
      flows++;
      const pkt: RulePacket = {
        protocol: s.protocol,
        src: { ip: a.ips[0]!, ...(s.srcPort !== undefined ? { port: s.srcPort } : {}), endpoint: a },
        dst: { ip: b.ips[0]!, ...(s.dstPort !== undefined ? { port: s.dstPort } : {}), endpoint: b },
        ...(s.icmpType !== undefined ? { icmpType: s.icmpType, icmpCode: 0 } : {}),
      };
      for (const [dir, ep] of [['egress', a], ['ingress', b]] as const) {
        const k = walk(world, ep, dir, pkt, stats);
        const v = evaluateDirection(world, ep, dir, pkt, ep.ips[0] ?? parseIp('0.0.0.0'));
        const hit = v.decision.kind === 'rule' ? v.decision.hit : undefined;
        const expected = hit ? `${hit.namespace !== undefined ? `${hit.namespace}/` : ''}${hit.policy}|${dir}|${hit.ruleIndex}` : undefined;
        if (expected !== k) throw new Error(`policy analysis walked to ${k ?? 'no rule'} where the evaluator decided by ${expected ?? v.decision.kind} (${v.text})`);
        if (k) {
          const f = stats.get(k)!.flows;
          const e = f.get(s.text) ?? { froms: new Set<string>(), tos: new Set<string>() };
          e.froms.add(a.id);
          e.tos.add(b.id);
          f.set(s.text, e);
        } else if (v.decision.kind === 'end-of-tier') {
          for (const name of v.decision.policies) {
            const pol = policies.find((p) => p.name === name && matchSelector(policyEndpointSelector(p), ep.labels));
            const key = pol ? policyId(pol) : name;
            const e = endOfTier.get(key) ?? { froms: new Set<string>(), tos: new Set<string>(), pkts: new Set<string>() };
            e.froms.add(a.id);
            e.tos.add(b.id);
            e.pkts.add(s.text);
            endOfTier.set(key, e);
          }
        }
      }
    }
  }
  const warnings: string[] = [];
  const findings: PolicyFinding[] = [];
  for (const { tier, policies: ps } of world.tiers) for (const p of ps) {
    const id = policyId(p);
    const selects = pods.filter((e) => matchSelector(policyEndpointSelector(p), e.labels)).map((e) => e.id).sort();
    const allows: string[] = [];
    const denies: string[] = [];
    const rules: RuleFinding[] = [];
    for (const dir of ['ingress', 'egress'] as const) {
      if (!p.types.includes(dir)) continue;
      (dir === 'ingress' ? p.ingress : p.egress).forEach((r, i) => {
        const s = stats.get(ruleKey(p, dir, i))!;
        const where = `${id} ${dir} rule ${i} (${r.origin}, ${r.action})`;
        let status: RuleFinding['status'];
        let text: string;
        if (selects.length === 0 || s.matched === 0) {
          status = 'never';
          text = selects.length === 0 ? `${where} never matches: the policy selects no pod of the lab` : `${where} never matches: ${whyNever(r, p, dir, world)}`;
          warnings.push(text);
        } else if (s.reached === 0) {
          status = 'shadowed';
          const by = [...s.by].sort((x, y) => y[1] - x[1])[0]?.[0] ?? 'an earlier rule';
          text = `${where} is shadowed: every flow it matches is decided first by ${by.replace(/\|(ingress|egress)\|(\d+)$/, ' $1 rule $2')}`;
          warnings.push(text);
        } else {
          status = 'used';
          const froms = new Set<string>();
          const tos = new Set<string>();
          for (const f of s.flows.values()) { for (const x of f.froms) froms.add(x); for (const x of f.tos) tos.add(x); }
          text = s.flows.size ? `${r.action} ${dir}: ${summary(froms, tos, [...s.flows.keys()], pods.length)}` : `${r.action} ${dir} (Log/Pass: decides nothing itself)`;
          if (r.action === 'Allow' && s.flows.size) allows.push(`rule ${i} (${r.origin}): ${summary(froms, tos, [...s.flows.keys()], pods.length)}`);
          if (r.action === 'Deny' && s.flows.size) denies.push(`rule ${i} (${r.origin}): ${summary(froms, tos, [...s.flows.keys()], pods.length)}`);
        }
        rules.push({ direction: dir, index: i, origin: r.origin, action: r.action, status, text });
      });
    }
    const eot = endOfTier.get(id);
    if (eot) denies.push(`end of tier ${tier.name}: ${summary(eot.froms, eot.tos, [...eot.pkts], pods.length)}`);
    if (selects.length === 0) warnings.push(`${id} selects no pod of the lab`);
    findings.push({ policy: id, tier: tier.name, selects, allows, denies, rules });
  }
  return { policies: findings, warnings: [...new Set(warnings)], flows };
}
