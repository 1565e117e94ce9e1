/**
 * The policy evaluator: the verdict of egress at the source endpoint and of ingress at the
 * destination endpoint, with Calico's semantics and an explanation of who decided.
 *
 * Per direction, for a workload endpoint:
 * 1. Tiers in order (lower order first, missing = +∞, ties by name). Within a tier, the
 *    policies that select the endpoint and whose types include the direction, by order
 *    (missing = +∞, ties by name); each policy's rules in order.
 *    - Allow / Deny decide. Log records a `calico-packet` log line and continues.
 *    - Pass skips the rest of the tier and goes to the next tier.
 * 2. A tier in which some policy selected the endpoint but no rule decided or passed ends
 *    with the tier's defaultAction: Deny drops ("end of tier"), Pass goes on.
 *    A tier where no policy selected the endpoint is skipped.
 * 3. When no tier decided — no policy selected the endpoint in this direction, or a Pass
 *    reached the end — the endpoint's profiles apply: `kns.<namespace>` allows everything.
 *
 * Endpoints that are not workloads (host endpoints, addresses outside the cluster) are not
 * policed here: as peers they match rules by nets (and by selector if they are known host
 * endpoints); their own host-endpoint policy is out of scope and reported as "not policed".
 *
 * Replies: Felix's endpoint chains accept ESTABLISHED/RELATED first, so a reply to an
 * allowed flow is allowed without consulting policy (see isReplyAllowed); that is the
 * dataplane's conntrack, not this module.
 */
import type { IpAddress } from '../../net/ip.ts';
import { formatIp, parseIp } from '../../net/ip.ts';
import { matchSelector } from '../selector/index.ts';
import type { Action, Direction, Policy } from './model.ts';
import { PROTOCOL_NUMBERS, protocolName } from './model.ts';
import type { PacketSide, RulePacket } from './rule-match.ts';
import { policyEndpointSelector, ruleMatches } from './rule-match.ts';
import type { CompiledEndpoint, CompiledWorld, PolicyWorld } from './world.ts';
import { compileWorld } from './world.ts';

/** A packet to judge. Endpoints are found by IP unless named (`ns/pod`, `hep:name`). */
export interface PacketSpec {
  readonly src: string;
  readonly dst: string;
  /** 'TCP' | 'UDP' | 'SCTP' | 'ICMP' | … or the IANA number. */
  readonly protocol: string | number;
  readonly dstPort?: number;
  readonly srcPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly srcEndpoint?: string;
  readonly dstEndpoint?: string;
}

/** A rule hit recorded on the way (Log lines, the Pass that left a tier, the decider). */
export interface RuleHit {
  readonly tier: string;
  readonly policy: string;
  readonly namespace?: string;
  readonly ruleIndex: number;
  readonly origin: string;
  readonly action: Action;
}

/** What decided one direction. */
export type Decision =
  | { readonly kind: 'rule'; readonly hit: RuleHit }
  | { readonly kind: 'end-of-tier'; readonly tier: string; readonly policies: readonly string[] }
  | { readonly kind: 'profile'; readonly profile: string; readonly reason: 'no-policy' | 'passed' }
  | { readonly kind: 'not-policed'; readonly reason: string };

/** One step of the walk through tiers, for the UI's step-by-step view. */
export interface TierStep {
  readonly tier: string;
  /** Policies of this tier that selected the endpoint, in evaluation order. */
  readonly policies: readonly string[];
  readonly outcome: 'allow' | 'deny' | 'pass' | 'end-of-tier-deny' | 'end-of-tier-pass';
}

/** The verdict of one direction at one endpoint. */
export interface DirectionVerdict {
  readonly direction: Direction;
  /** Endpoint id (`ns/pod`) or the address when it is not a known endpoint. */
  readonly at: string;
  readonly policed: boolean;
  readonly allowed: boolean;
  readonly decision: Decision;
  readonly tiers: readonly TierStep[];
  /** Log rules hit before the decision (each is one `calico-packet` LOG line). */
  readonly logs: readonly RuleHit[];
  /** One sentence for learners. */
  readonly text: string;
}

/** The verdict of a packet: both directions and the overall result. */
export interface PacketVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  readonly text: string;
}

function protocolNumber(p: string | number): number {
  if (typeof p === 'number') return p;
  for (const [k, v] of Object.entries(PROTOCOL_NUMBERS)) if (k.toLowerCase() === p.toLowerCase()) return v;
  const n = Number(p);
  if (!Number.isInteger(n)) throw new Error(`unknown protocol '${p}' (use TCP, UDP, SCTP, ICMP or a number)`);
  return n;
}

function selects(p: Policy, ep: CompiledEndpoint, dir: Direction): boolean {
  return p.types.includes(dir) && matchSelector(policyEndpointSelector(p), ep.labels);
}

function hitOf(tier: string, p: Policy, ruleIndex: number, action: Action, origin: string): RuleHit {
  return { tier, policy: p.name, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), ruleIndex, origin, action };
}

function describePacket(pkt: RulePacket): string {
  const proto = protocolName(pkt.protocol);
  return pkt.dst.port !== undefined ? `${proto}/${pkt.dst.port}` : proto;
}

/** Evaluates one direction at `ep` (the local endpoint) for the packet. */
export function evaluateDirection(world: CompiledWorld, ep: CompiledEndpoint | undefined, dir: Direction, pkt: RulePacket, localIp: IpAddress): DirectionVerdict {
  const at = ep?.id ?? formatIp(localIp);
  if (!ep || ep.endpoint.kind !== 'workload') {
    const reason = ep ? 'host endpoint policy is not evaluated by podlab' : 'not a workload endpoint (outside the cluster or a host address)';
    return { direction: dir, at, policed: false, allowed: true, decision: { kind: 'not-policed', reason }, tiers: [], logs: [], text: `${dir} at ${at}: not policed — ${reason}` };
  }
  const logs: RuleHit[] = [];
  const steps: TierStep[] = [];
  let passed = false;
  const finish = (allowed: boolean, decision: Decision, text: string): DirectionVerdict => ({ direction: dir, at, policed: true, allowed, decision, tiers: steps, logs, text: `${dir} at ${at}: ${allowed ? 'allowed' : 'denied'} — ${text}` });

  for (const { tier, policies } of world.tiers) {
    const selecting = policies.filter((p) => selects(p, ep, dir));
    if (selecting.length === 0) continue;
    const names = selecting.map((p) => p.name);
    let leftTier = false;
    for (const p of selecting) {
      const rules = dir === 'ingress' ? p.ingress : p.egress;
      for (let i = 0; i < rules.length && !leftTier; i++) {
        const r = rules[i]!;
        if (!ruleMatches(r, p, pkt, world)) continue;
        const hit = hitOf(tier.name, p, i, r.action, r.origin);
        if (r.action === 'Log') {
          logs.push(hit);
          continue;
        }
        if (r.action === 'Pass') {
          steps.push({ tier: tier.name, policies: names, outcome: 'pass' });
          passed = true;
          leftTier = true;
          break;
        }
        const allowed = r.action === 'Allow';
        steps.push({ tier: tier.name, policies: names, outcome: allowed ? 'allow' : 'deny' });
        const after = steps.length > 1 ? ` (after ${steps.slice(0, -1).map((s) => `tier ${s.tier} passed`).join(', ')})` : '';
        return finish(allowed, { kind: 'rule', hit }, `rule ${i} (${r.origin}) of policy ${p.name} in tier ${tier.name}: ${r.action}${after}`);
      }
      if (leftTier) break;
    }
    if (leftTier) continue;
    if (tier.defaultAction === 'Pass') {
      steps.push({ tier: tier.name, policies: names, outcome: 'end-of-tier-pass' });
      passed = true;
      continue;
    }
    steps.push({ tier: tier.name, policies: names, outcome: 'end-of-tier-deny' });
    const who = names.length === 1 ? `policy ${names[0]}` : `policies ${names.join(', ')}`;
    return finish(false, { kind: 'end-of-tier', tier: tier.name, policies: names }, `${who} in tier ${tier.name} ${names.length === 1 ? 'selects' : 'select'} ${at} and no rule matched ${describePacket(pkt)} (end of tier)`);
  }
  const ns = ep.endpoint.namespace;
  const profile = `kns.${ns}`;
  const why = passed ? 'a Pass reached the end of the tiers' : `no policy selects ${at} for ${dir}`;
  return finish(true, { kind: 'profile', profile, reason: passed ? 'passed' : 'no-policy' }, `${why}; profile ${profile} allows`);
}

function side(world: CompiledWorld, ip: string, port: number | undefined, id: string | undefined): PacketSide {
  const addr = parseIp(ip);
  let endpoint: CompiledEndpoint | undefined;
  if (id !== undefined) {
    endpoint = world.byId.get(id);
    if (!endpoint) throw new Error(`unknown endpoint '${id}' (expected ns/pod or hep:name)`);
  } else endpoint = world.byIp.get(ip);
  return { ip: addr, ...(port !== undefined ? { port } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** Judges a packet against a compiled world: egress at the source, ingress at the destination. */
export function evaluatePacket(world: CompiledWorld, spec: PacketSpec): PacketVerdict {
  const pkt: RulePacket = {
    protocol: protocolNumber(spec.protocol),
    src: side(world, spec.src, spec.srcPort, spec.srcEndpoint),
    dst: side(world, spec.dst, spec.dstPort, spec.dstEndpoint),
    ...(spec.icmpType !== undefined ? { icmpType: spec.icmpType } : {}),
    ...(spec.icmpCode !== undefined ? { icmpCode: spec.icmpCode } : {}),
  };
  const egress = evaluateDirection(world, pkt.src.endpoint, 'egress', pkt, pkt.src.ip);
  const ingress = evaluateDirection(world, pkt.dst.endpoint, 'ingress', pkt, pkt.dst.ip);
  const allowed = egress.allowed && ingress.allowed;
  const from = pkt.src.endpoint?.id ?? spec.src;
  const to = pkt.dst.endpoint?.id ?? spec.dst;
  const text = `${from} → ${to} ${describePacket(pkt)}: ${allowed ? 'allowed' : 'denied'}; ${egress.text}; ${ingress.text}`;
  return { allowed, egress, ingress, text };
}

/** Convenience: compiles `world` and judges one packet (compile once when judging many). */
export function evaluate(world: PolicyWorld, spec: PacketSpec): PacketVerdict {
  return evaluatePacket(compileWorld(world), spec);
}

/**
 * Whether the reply of a flow passes policy: exactly when the original packet was allowed.
 * Felix's endpoint chains accept conntrack ESTABLISHED/RELATED before any policy, so the
 * reply is never evaluated against the (reversed) rules; the dataplane must track the flow.
 */
export function isReplyAllowed(original: PacketVerdict): boolean {
  return original.allowed;
}
