/**
 * Policy THROUGH the simulated dataplane: Kubernetes/Calico policies parsed by the policy
 * model, rendered by Felix into iptables chains and IP sets, enforced by the simulator's
 * netfilter on real TCP SYN / UDP probes between pods on two nodes (VXLAN, so Felix programs
 * every route). The netpol e2e cases come from the policy suite with their hand-written
 * expected matrices; the dataplane must agree with them cell by cell.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareTables, newTruthTable, parsePolicyManifests, prettyPrint } from '../../../engine/calico/policy/index.ts';
import type { Probe } from '../../../engine/calico/policy/index.ts';
import { NETPOL_CASES } from '../policy/netpol-cases.ts';
import { FIXTURE_NAMESPACES, NAMESPACES, PODS, POD_IDS, PORTS, isLoopback, podIp } from '../policy/netpol-fixture.ts';
import { serve, tcpProbe, udpProbe } from '../../dataplane/probe.ts';
import { cluster } from './cluster.ts';
import { parseIPv4 } from '../../../engine/net/ip.ts';
import { tcpStack } from '../../../engine/sim/tcp/stack.ts';
import type { Cluster } from './cluster.ts';

function knp(name: string, namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function applyPolicies(c: Cluster, manifests: readonly Record<string, unknown>[], flushConntrack = true): Promise<unknown> {
  const parsed = parsePolicyManifests(manifests);
  const errors = parsed.problems.filter((p) => p.problem.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.problem.message).join('; '));
  c.policies = parsed.policies;
  c.tiers = parsed.tiers;
  // Each case starts from clean conntrack, or flows of the previous case would ride on ESTABLISHED.
  if (flushConntrack) for (const n of ['master-01', 'worker-01']) c.lab.exec(n, 'conntrack -F');
  return c.felix();
}

describe('k8s NetworkPolicy default-deny, then allow-by-label, through the sim dataplane', () => {
  let c: Cluster;
  const ip: Record<string, string> = {};
  beforeAll(async () => {
    c = await cluster({ vxlanMode: 'Always' });
    for (const [node, pod, labels] of [['master-01', 'web', { app: 'web' }], ['worker-01', 'client', { role: 'client' }], ['worker-01', 'other', {}], ['master-01', 'neighbour', { role: 'client' }]] as const) {
      const r = await c.addPod(node, 'default', pod, labels);
      ip[pod] = r.ip;
      serve(c.lab.world, r.podNode, [80, 81]);
    }
  });
  const probe = (from: string, to: string, port: number): string => tcpProbe(c.lab.world, c.pods.get(`default/${from}`)!.podNode, ip[to]!, port);

  it('without policy every pod reaches every other; a closed port answers RST', () => {
    expect(probe('client', 'web', 80)).toBe('SYN-ACK');
    expect(probe('other', 'web', 81)).toBe('SYN-ACK');
    expect(probe('client', 'web', 82)).toBe('RST');
  });

  it('default-deny ingress drops everything into the namespace (no RST: the SYN never arrives)', async () => {
    await applyPolicies(c, [knp('default-deny', 'default', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(probe('client', 'web', 80)).toBe('nothing');
    expect(probe('client', 'web', 82)).toBe('nothing');
    expect(probe('neighbour', 'web', 80)).toBe('nothing');
    expect(c.podExec('default/client', `ping -c 1 -W 1 ${ip.web}`).stdout).toContain('0 received');
    const tw = c.lab.exec('master-01', `iptables -S cali-tw-${c.pods.get('default/web')!.hostIface}`).stdout;
    expect(tw).toContain('-m comment --comment "Start of tier default"');
    expect(tw).toMatch(/-m mark --mark 0x0\/0x20000 -j cali-pi-_[\w-]{19}\n/);
    expect(tw).toContain('-m comment --comment "Drop if no policies passed packet" -m mark --mark 0x0/0x20000 -j DROP');
  });

  it('allow-by-label opens TCP 80 to web from role=client pods only, on both nodes', async () => {
    await applyPolicies(c, [
      knp('default-deny', 'default', { podSelector: {}, policyTypes: ['Ingress'] }),
      knp('allow-clients', 'default', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] }),
    ]);
    expect(probe('client', 'web', 80)).toBe('SYN-ACK');
    expect(probe('neighbour', 'web', 80)).toBe('SYN-ACK');
    expect(probe('client', 'web', 81)).toBe('nothing');
    expect(probe('other', 'web', 80)).toBe('nothing');
    expect(probe('web', 'client', 80)).toBe('nothing'); // default-deny still isolates the client
    // The rule's source selector became an IP set holding exactly the role=client pods.
    const save = c.lab.exec('master-01', 'iptables-save -t filter').stdout;
    const set = /-m set --match-set (cali40s:[\w-]{23}) src -m multiport --dports 80 -j MARK --set-xmark 0x10000\/0x10000/.exec(save)?.[1];
    expect(set).toBeDefined();
    const members = c.lab.exec('master-01', `ipset list ${set}`).stdout;
    expect(members).toContain(`${ip.client}/32`);
    expect(members).toContain(`${ip.neighbour}/32`);
    expect(members).not.toContain(`${ip.other}/32`);
  });

  it('an established connection survives a new deny (the endpoint chain accepts ESTABLISHED first); new ones are dropped', async () => {
    await applyPolicies(c, []);
    const world = c.lab.world;
    const received: number[] = [];
    tcpStack(world.node(c.pods.get('default/web')!.podNode)).listen({ port: 90 }, (s) => s.setHandlers({ onData: (d) => received.push(d.length) }));
    let connected = false;
    const sock = tcpStack(world.node(c.pods.get('default/client')!.podNode)).connect({ dst: parseIPv4(ip.web!), port: 90 }, { onConnect: () => { connected = true; } });
    world.run(50);
    expect(connected).toBe(true);
    await applyPolicies(c, [knp('default-deny', 'default', { podSelector: {}, policyTypes: ['Ingress'] })], false);
    sock.write(new Uint8Array(10));
    world.run(50);
    expect(received).toEqual([10]);
    expect(probe('client', 'web', 90)).toBe('nothing');
  });
});

/** Runs one probe for every (from, to) pair and returns the observed truth table. */
function observed(c: Cluster, probe: Probe, servers: Map<string, ReturnType<typeof serve>>): ReturnType<typeof newTruthTable> {
  const t = newTruthTable(POD_IDS);
  POD_IDS.forEach((from, i) => POD_IDS.forEach((to, j) => {
    if (isLoopback(from, to)) return;
    const [ns, pod] = to.split('/') as [string, string];
    const node = c.pods.get(from)!.podNode;
    t.values[i]![j] = probe.protocol === 'TCP'
      ? tcpProbe(c.lab.world, node, podIp(ns, pod), probe.port, 50) === 'SYN-ACK'
      : udpProbe(c.lab.world, node, podIp(ns, pod), probe.port, servers.get(to)!, 50);
  }));
  return t;
}

// The e2e pods' named container ports (serve-<port>-<proto>), as the upstream suite declares them.
const NAMED_PORTS = PORTS.flatMap((port) => (['TCP', 'UDP'] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, protocol, port })));

describe('netpol e2e cases as real probes through Felix + the simulated dataplane', () => {
  let c: Cluster;
  const servers = new Map<string, ReturnType<typeof serve>>();
  beforeAll(async () => {
    c = await cluster({ vxlanMode: 'Always', cidr: '10.244.0.0/16', blockSize: 26 });
    c.namespaces = [...FIXTURE_NAMESPACES];
    // x and z on master-01, y on worker-01: same-node and cross-node pairs both occur.
    for (const ns of NAMESPACES) {
      for (const pod of PODS) {
        const r = await c.addPod(ns === 'y' ? 'worker-01' : 'master-01', ns, pod, { pod }, podIp(ns, pod), false, NAMED_PORTS);
        servers.set(`${ns}/${pod}`, serve(c.lab.world, r.podNode, [...PORTS]));
      }
    }
    await c.felix();
  });

  const probes: Probe[] = [{ port: 80, protocol: 'TCP' }, { port: 81, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }];
  for (const k of NETPOL_CASES) {
    it(`${k.id}: ${k.description}`, async () => {
      await applyPolicies(c, k.manifests);
      for (const p of probes) {
        const got = observed(c, p, servers);
        const want = k.expected(p).table;
        const { table, wrong } = compareTables(got, want, isLoopback);
        expect(wrong, `${p.protocol}/${p.port}\nobserved:\n${prettyPrint(got)}\nexpected:\n${prettyPrint(want)}\ndiff:\n${prettyPrint(table)}`).toBe(0);
      }
    });
  }

  it('named ports show on the node as Felix programs them: a dst,dst set match and (IP, tcp:port) members', async () => {
    await applyPolicies(c, NETPOL_CASES.find((k) => k.id === 'named-port-81')!.manifests);
    const save = c.lab.exec('master-01', 'iptables-save -t filter').stdout;
    const m = /^-A cali-pi-\S+ -p tcp .*-m set --match-set (cali40n:[\w-]{23}) dst,dst -j MARK --set-xmark 0x10000\/0x10000$/m.exec(save);
    expect(m, save).not.toBeNull();
    const list = c.lab.exec('master-01', `ipset list ${m![1]}`).stdout;
    expect(list).toContain('Type: hash:ip,port\n');
    // Every pod of the cluster declares serve-81-tcp (the selector is all()), remote ones too.
    const members = list.slice(list.indexOf('Members:\n') + 9).trim().split('\n').sort();
    expect(members).toEqual(POD_IDS.map((id) => `${podIp(...(id.split('/') as [string, string]))},tcp:81`).sort());
  });
});
