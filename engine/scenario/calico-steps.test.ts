/**
 * The Calico scenario kinds beyond what the shipped scenarios show: parse and name-check
 * errors with positions, `nc -z` outcomes on the simulator (open / refused / timed out, TCP
 * and UDP), the `error` expectation failing when the step succeeds, `patch` deleting a field
 * with null, and a clear step error on a lab without Calico.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../model/load.ts';
import { formatProblem } from '../model/problems.ts';
import { checkScenario, parseScenario } from './format.ts';
import { runScenario } from './run.ts';

const TWO_NODES = resolve('topologies/two-nodes.yaml');
const MTU = resolve('test/fixtures/scenarios/topologies/mtu.yaml');

async function problems(text: string, topo = TWO_NODES): Promise<string[]> {
  const p = parseScenario(text, '/virtual/s.yaml');
  const out = p.problems.map(formatProblem);
  if (p.scenario) {
    const t = await loadTopology(topo);
    out.push(...checkScenario(p.scenario, t.topology!).map(formatProblem));
  }
  return out;
}

async function run(text: string, topo = TWO_NODES) {
  const p = parseScenario(text, '/virtual/s.yaml');
  expect(p.problems.map(formatProblem)).toEqual([]);
  const t = await loadTopology(topo);
  return runScenario(p.scenario!, t.topology!);
}

describe('Calico step and expectation parsing', () => {
  it('reports shape errors with line and column', async () => {
    const out = await problems(`name: x
topology: ${TWO_NODES}
steps:
  - title: a pod without a node
    pod: { name: p1 }
  - title: bad
    expect:
      - bgp: { node: master-01, peer: worker-01, state: Up }
      - policy: { from: p2, to: p2, protocol: ICMP, port: 80, verdict: allow }
  - title: p2
    pod: { name: p2, node: master-01, listen: [80, "53/udp", "http"] }
  - title: apply nonsense
    apply: { foo: 1 }
`);
    expect(out).toEqual([
      "/virtual/s.yaml:5:5: error: pod has no 'node' — add `node: worker-01` (podlab has no scheduler)",
      "/virtual/s.yaml:8:57: error: bgp: state must be one of Idle, Connect, Active, OpenSent, OpenConfirm, Established, not 'Up'",
      '/virtual/s.yaml:9:47: error: policy: ICMP has no port',
      "/virtual/s.yaml:11:62: error: pod: listen entries are ports like 80, \"53/udp\", \"7777/sctp\" or named \"http=8080\", not 'http'",
      '/virtual/s.yaml:13:12: error: apply: each manifest needs apiVersion and kind, not a map — paste the manifest as `calicoctl apply` / `kubectl apply` takes it',
    ]);
  });

  it('pods declared by pod steps or the topology are names; unknown pods are not', async () => {
    const out = await problems(`name: x
topology: ${TWO_NODES}
steps:
  - title: pod
    pod: { name: pod-a, node: master-01 }
  - title: ping
    ping: { from: pod-a, to: pod-zz }
`);
    expect(out).toEqual(["/virtual/s.yaml:7:30: error: no node 'pod-zz' in topology 'two-nodes' — nodes: sw1, master-01, worker-01, gw, outside"]);
  });
});

describe('nc -z on the simulator', () => {
  it('TCP: refused without a server, timed out behind a DROP; UDP: refused, then silence', async () => {
    const r = await run(`name: nc
topology: ${MTU}
steps:
  - title: nothing listens on b
    exec: { node: a, command: "nc -z -v -w 1 10.2.0.2 80" }
    expect:
      - exitCode: 1
      - output: { equals: "nc: connect to 10.2.0.2 port 80 (tcp) failed: Connection refused" }
  - title: UDP refused by ICMP port unreachable
    exec: { node: a, command: "nc -u -z -w 1 10.2.0.2 53" }
    expect:
      - output: { equals: "nc: connect to 10.2.0.2 port 53 (udp) failed: Connection refused" }
  - title: r1 drops everything to b
    exec: { node: r1, command: "iptables -A FORWARD -d 10.2.0.2 -j DROP" }
  - title: SYN into the void
    exec: { node: a, command: "nc -z -w 2 10.2.0.2 80" }
    expect:
      - exitCode: 1
      - output: { equals: "nc: connect to 10.2.0.2 port 80 (tcp) timed out: Operation now in progress" }
      - reachable: { from: a, to: 10.2.0.2, port: 80, protocol: TCP, expect: false }
      - reachable: { from: a, to: 10.2.0.2, port: 53, protocol: UDP, expect: false }
`, MTU);
    expect(r.steps.flatMap((s) => s.expectations.filter((x) => !x.pass).map((x) => `${s.title}: ${x.text} → ${JSON.stringify(x.observed)}`))).toEqual([]);
    expect(r.passed).toBe(true);
    // Virtual time: the timed-out probe waited its -w 2 seconds on the simulated clock.
    const probe = r.events.find((e) => e.type === 'command' && e.argv.join(' ') === 'nc -z -w 2 10.2.0.2 80');
    if (probe?.type !== 'command') throw new Error('no nc command event');
    expect(probe.t - probe.start).toBe(2000);
  });

  it('TCP and UDP succeed against a pod test server', async () => {
    const r = await run(`name: nc-ok
topology: ${TWO_NODES}
steps:
  - title: server
    pod: { name: srv, node: worker-01, listen: [8080, "5353/udp"] }
  - title: client
    pod: { name: cli, node: master-01 }
  - title: converge
    converge: { max: "30s" }
  - title: TCP
    exec: { node: cli, command: "nc -z -v -w 1 10.5.119.129 8080" }
    expect:
      - exitCode: 0
      - output: { equals: "Connection to 10.5.119.129 8080 port [tcp/*] succeeded!" }
      - reachable: { from: cli, to: srv, port: 5353, protocol: UDP }
      - reachable: { from: cli, to: srv, port: 9, protocol: TCP, expect: false }
`);
    expect(r.steps.flatMap((s) => [...(s.error ? [s.error] : []), ...s.expectations.filter((x) => !x.pass).map((x) => `${x.text} → ${JSON.stringify(x.observed)}`)])).toEqual([]);
  });
});

describe('error, patch and a lab without Calico', () => {
  it('an error expectation fails when the step succeeds; patch with null deletes a field', async () => {
    const r = await run(`name: e
topology: ${TWO_NODES}
steps:
  - title: a pod that fits
    pod: { name: p, node: master-01 }
    expect:
      - error: { contains: "No IPs available" }
  - title: AS number on master-01
    patch: { kind: Node, name: master-01, patch: { spec: { bgp: { asNumber: 65001 } } } }
    expect:
      - output: { node: master-01, command: "calicoctl get nodes -o wide", matches: "master-01 +65001 " }
  - title: and back to the default
    patch: { kind: Node, name: master-01, patch: { spec: { bgp: { asNumber: null } } } }
    expect:
      - output: { node: master-01, command: "calicoctl get nodes -o wide", matches: "master-01 +\\\\(64512\\\\) " }
`);
    expect(r.steps.map((s) => s.expectations.map((x) => x.pass))).toEqual([[false], [true], [true]]);
    expect(r.steps[0]!.expectations[0]!.observed).toBe('the step succeeded');
  });

  it('Calico steps on a topology without Calico are step errors that say why', async () => {
    const r = await run(`name: none
topology: ${MTU}
steps:
  - title: converge
    converge: {}
`, MTU);
    expect(r.steps[0]!.error).toBe("this lab runs no Calico (the topology 'mtu' needs a `calico:` section and k8s nodes)");
    expect(r.passed).toBe(false);
  });
});
