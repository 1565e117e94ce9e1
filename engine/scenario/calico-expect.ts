/**
 * Calico expectations: `bgp` (a session's state read from the speaker, not from text),
 * `policy` (the policy evaluator's verdict and who decided, confirmed by a real probe through
 * the simulated dataplane: TCP SYN → SYN-ACK, or nothing/RST), and `error` (the text of the
 * error a step's action is expected to fail with, e.g. CNI's IPAM message).
 */
import type { Json } from '../events.ts';
import type { Located } from '../model/types.ts';
import type { State } from '../bgp/fsm.ts';
import { evaluate } from '../calico/policy/index.ts';
import type { Decision, DirectionVerdict, Endpoint } from '../calico/policy/index.ts';
import { registerExpectation } from './registry.ts';
import { clusterOf, podKey } from './calico-steps.ts';
import { reachProbe } from './expectations.ts';
import { needString, optInt, optString, strictMap } from './values.ts';

const STATES: readonly State[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** `bgp: {node, peer, state}`: `state` is one state or a list (any of them passes). */
export interface BgpParams { node: Located<string>; peer: Located<string>; states: State[] }

registerExpectation<BgpParams>({
  key: 'bgp',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'bgp', ['node', 'peer', 'state']);
    if (!m) return undefined;
    const node = needString(src, m, 'node', e.keyLoc, 'bgp');
    const peer = needString(src, m, 'peer', e.keyLoc, 'bgp');
    const se = m.get('state');
    const states: State[] = [];
    if (!se) src.problems.error(e.keyLoc, `bgp has no 'state'`, `add \`state: Established\` (or one of ${STATES.join(', ')})`);
    else {
      const list = Array.isArray(src.toJS(se.value)) ? (src.toJS(se.value) as unknown[]) : [src.toJS(se.value)];
      for (const v of list) {
        if (STATES.includes(v as State)) states.push(v as State);
        else src.problems.error(se.valueLoc, `bgp: state must be one of ${STATES.join(', ')}, not '${String(v)}'`);
      }
    }
    return node && peer && states.length ? { node, peer, states } : undefined;
  },
  check(p, ctx) {
    ctx.node(p.node.value, p.node.loc);
    ctx.target(p.peer.value, p.peer.loc);
  },
  async evaluate(p, ctx) {
    const c = clusterOf(ctx.driver);
    const node = p.node.value;
    const sessions = await c.bgpSessions(node);
    const want = p.states.length === 1 ? p.states[0]! : p.states;
    const text = `${node}'s BGP session with ${p.peer.value} is ${p.states.join(' or ')}`;
    if (!sessions) return { text, expected: want, observed: `${node} runs no BGP speaker`, pass: false };
    // A node name may have several addresses: the one the speaker peers with counts.
    const candidates = ctx.driver.topology.nodes.some((n) => n.name === p.peer.value)
      ? ctx.driver.addresses(p.peer.value).map((a) => a.addr)
      : [ctx.resolveAddress(p.peer.value)];
    const peer = candidates.map((a) => sessions.find((s) => s.peer === a)).find((x) => x !== undefined);
    if (!peer) return { text, expected: want, observed: `no peer ${candidates.join(' or ')} configured on ${node} (peers: ${sessions.map((s) => s.peer).join(', ') || 'none'})`, pass: false };
    const state = peer.state;
    return { text, expected: want, observed: state, pass: p.states.includes(state) };
  },
});

/** `policy: {from, to, port?, protocol?, verdict, decidedBy?}`. */
export interface PolicyParams {
  from: Located<string>;
  to: Located<string>;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ICMP';
  port?: number;
  verdict: 'allow' | 'deny';
  decidedBy?: string;
}

registerExpectation<PolicyParams>({
  key: 'policy',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'policy', ['from', 'to', 'port', 'protocol', 'verdict', 'decidedBy']);
    if (!m) return undefined;
    const from = needString(src, m, 'from', e.keyLoc, 'policy');
    const to = needString(src, m, 'to', e.keyLoc, 'policy');
    const port = optInt(src, m, 'port', 'policy', 1, 65535);
    const pr = optString(src, m, 'protocol', 'policy');
    const protocol = (pr?.value.toUpperCase() ?? (port !== undefined ? 'TCP' : 'ICMP')) as PolicyParams['protocol'];
    if (!['TCP', 'UDP', 'SCTP', 'ICMP'].includes(protocol)) src.problems.error(pr!.loc, `policy: protocol must be TCP, UDP, SCTP or ICMP, not '${pr!.value}'`);
    if (protocol !== 'ICMP' && port === undefined) src.problems.error(e.keyLoc, `policy: ${protocol} needs a 'port'`);
    if (protocol === 'ICMP' && port !== undefined) src.problems.error(pr?.loc ?? e.keyLoc, 'policy: ICMP has no port');
    const v = needString(src, m, 'verdict', e.keyLoc, 'policy');
    if (v && v.value !== 'allow' && v.value !== 'deny') src.problems.error(v.loc, `policy: verdict must be allow or deny, not '${v.value}'`);
    const by = optString(src, m, 'decidedBy', 'policy');
    if (!from || !to || !v) return undefined;
    return { from, to, protocol, ...(port !== undefined ? { port } : {}), verdict: v.value as 'allow' | 'deny', ...(by ? { decidedBy: by.value } : {}) };
  },
  check(p, ctx) {
    ctx.node(p.from.value, p.from.loc);
    ctx.target(p.to.value, p.to.loc);
  },
  async evaluate(p, ctx) {
    const c = clusterOf(ctx.driver);
    const src = ctx.resolveAddress(p.from.value);
    const dst = ctx.resolveAddress(p.to.value);
    const pods = c.pods();
    const endpoints: Endpoint[] = [...pods.values()].map((x) => ({
      kind: 'workload', namespace: x.namespace, name: x.name, labels: { ...x.labels }, ips: [x.ip],
      ...(x.serviceAccount ? { serviceAccount: x.serviceAccount } : {}), ...(x.ports ? { ports: x.ports } : {}),
    }));
    const id = (name: string): string | undefined => (pods.has(podKey(name)) ? podKey(name) : undefined);
    const model = c.policyModel();
    const srcId = id(p.from.value);
    const dstId = id(p.to.value);
    const verdict = evaluate({
      namespaces: [...model.namespaces], endpoints, policies: [...model.policies], tiers: [...model.tiers],
      ...(model.serviceAccounts ? { serviceAccounts: model.serviceAccounts } : {}), ...(model.services ? { services: model.services } : {}),
    }, {
      src, dst, protocol: p.protocol, ...(p.port !== undefined ? { dstPort: p.port } : {}),
      ...(p.protocol === 'ICMP' ? { icmpType: 8, icmpCode: 0 } : {}),
      ...(srcId ? { srcEndpoint: srcId } : {}), ...(dstId ? { dstEndpoint: dstId } : {}),
    });
    // Who decided: the direction that denied, else ingress at the destination (egress when it is not policed).
    const deciding: DirectionVerdict = !verdict.egress.allowed ? verdict.egress : verdict.ingress.policed || !verdict.egress.policed ? verdict.ingress : verdict.egress;
    const decider = deciderNames(deciding.decision);
    const probe = await ctx.exec(p.from.value, p.protocol === 'ICMP' ? reachProbe(dst) : reachProbe(dst, { protocol: p.protocol === 'UDP' ? 'udp' : p.protocol === 'SCTP' ? 'sctp' : 'tcp', port: p.port! }), 'probe');
    const wire = probeWords(p.protocol, probe.code, probe.stderr + probe.stdout);
    const want = p.verdict === 'allow';
    const byOk = p.decidedBy === undefined || decider.some((n) => n === p.decidedBy || n.endsWith(`.${p.decidedBy}`));
    const what = `${p.from.value} → ${p.to.value} ${p.protocol}${p.port !== undefined ? `/${p.port}` : ''}`;
    const expected: { [k: string]: Json } = { verdict: p.verdict };
    if (p.decidedBy) expected.decidedBy = p.decidedBy;
    return {
      text: `${what} is ${p.verdict === 'allow' ? 'allowed' : 'denied'}${p.decidedBy ? ` by ${p.decidedBy}` : ''} (evaluator and dataplane)`,
      expected,
      observed: { evaluator: verdict.allowed ? 'allow' : 'deny', decidedBy: decider.join(', '), dataplane: wire, explanation: deciding.text },
      pass: verdict.allowed === want && (probe.code === 0) === want && byOk,
    };
  },
});

function deciderNames(d: Decision): string[] {
  switch (d.kind) {
    case 'rule': return [d.hit.policy];
    case 'end-of-tier': return [...d.policies];
    case 'profile': return [d.profile];
    case 'not-policed': return ['not policed'];
  }
}

/** What the probe saw on the wire, in packet words. */
function probeWords(protocol: string, code: number, out: string): string {
  if (protocol === 'ICMP') return code === 0 ? 'echo reply' : 'no echo reply';
  if (protocol === 'TCP') return code === 0 ? 'SYN → SYN-ACK' : /refused/.test(out) ? 'SYN → RST' : 'SYN → nothing';
  if (protocol === 'SCTP') return code === 0 ? 'INIT → INIT ACK … COOKIE ACK' : /refused/.test(out) ? 'INIT → ABORT' : 'INIT → nothing';
  return code === 0 ? 'datagram echoed' : /refused/.test(out) ? 'ICMP port unreachable' : 'no answer';
}

/** `error: {contains|matches}`: the step's action failed with this text. */
export interface ErrorParams { mode: 'contains' | 'matches'; value: string; re?: RegExp }

registerExpectation<ErrorParams>({
  key: 'error',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'error', ['contains', 'matches']);
    if (!m) return undefined;
    const c = optString(src, m, 'contains', 'error');
    const r = optString(src, m, 'matches', 'error');
    if (!c === !r) {
      src.problems.error(e.keyLoc, 'error takes exactly one of contains or matches');
      return undefined;
    }
    if (c) return { mode: 'contains', value: c.value };
    try {
      return { mode: 'matches', value: r!.value, re: new RegExp(r!.value) };
    } catch (err) {
      src.problems.error(r!.loc, `error: matches: ${(err as Error).message}`);
      return undefined;
    }
  },
  async evaluate(p, ctx) {
    const got = ctx.stepError;
    const text = `the step fails with an error that ${p.mode} ${JSON.stringify(p.value)}`;
    if (got === undefined) return { text, expected: { [p.mode]: p.value }, observed: 'the step succeeded', pass: false };
    return { text, expected: { [p.mode]: p.value }, observed: got, pass: p.mode === 'contains' ? got.includes(p.value) : p.re!.test(got) };
  },
});
