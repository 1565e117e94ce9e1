/**
 * Calico on real nodes, judged against the simulator: the leaf-spine fabric (AS per rack,
 * no encapsulation — what this kernel can run) deployed on Mininet with real BIRD, etcd and
 * `podlab agent`s, and on the simulator, with the same pods. The normalised observations
 * must be identical:
 *   - every node's and pod's IPv4 route table (every table but local);
 *   - every BGP session and its state;
 *   - the pod-to-pod reachability matrix;
 *   - the header sequence of a pod-to-pod ping where it crosses a spine.
 * Normalisations, and nothing else: interface indexes and MAC addresses are not compared
 * (the kernel chooses them); route texts are compared field by field, not as text (`ip route`
 * prints the same fields; `src` hints aside); BGP timers and `since` columns are dropped;
 * IP ids and checksums of the captured packets are not compared.
 *
 * The same lab then proves the agent restarts cleanly: SIGKILL a node's agent, start it
 * again, and the node's `ip route` and `iptables-save` are what they were, with no rule,
 * route or device twice.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import type { Topology } from '../../engine/model/types.ts';
import type { Ipv4Packet, IcmpMessage } from '../../engine/net/packet.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { simDeploy } from '../../engine/scenario/sim-driver.ts';
import { mininetDeploy, realClusterOf } from '../../engine/scenario/real-driver.ts';
import { followDriver } from '../../engine/server/lab-events.ts';
import type { PodlabEvent } from '../../engine/events.ts';
import type { RouteEntry } from '../../engine/events.ts';
import { haveCommands, haveRoot, haveMininet, haveBird } from '../support/system.ts';

const ok = haveRoot() && haveCommands('ip', 'tcpdump', 'nsenter', 'mnexec', 'etcd', 'ping', 'iptables-save') && haveMininet() && haveBird();
process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-mncalico-'));

const PODS: readonly [string, string][] = [['pod-1a', 'node-1a'], ['pod-1b', 'node-1b'], ['pod-2a', 'node-2a'], ['pod-3b', 'node-3b']];

/** A route as compared: its fields, not its text. */
function routeKey(r: RouteEntry): string {
  return [r.table, r.type, r.dst, r.via ?? '-', r.dev ?? '-', r.proto, r.scope, r.onlink ? 'onlink' : ''].join(' ').trim();
}

interface Observations {
  routes: Record<string, string[]>;
  sessions: Record<string, string[]>;
  reach: string[];
  headers: string[];
}

async function observe(d: LabDriver): Promise<Observations> {
  const c = d.calico()!;
  const pods = c.pods();
  const routes: Record<string, string[]> = {};
  const names = [...d.topology.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name), ...[...pods.values()].map((p) => p.podNode)];
  for (const n of names) routes[n] = (await d.routes(n)).map(routeKey).sort();
  const sessions: Record<string, string[]> = {};
  for (const n of d.topology.nodes) {
    const s = await c.bgpSessions(n.name);
    if (s) sessions[n.name] = s.map((x) => `${x.name} ${x.peer} ${x.state}`).sort();
  }
  const reach: string[] = [];
  for (const [from] of PODS) {
    let row = '';
    for (const [to] of PODS) {
      const ip = pods.get(`default/${to}`)!.ip;
      const r = await d.exec(pods.get(`default/${from}`)!.podNode, ['ping', '-c', '1', '-W', '2', ip]);
      row += r.code === 0 ? '.' : 'x';
    }
    reach.push(row);
  }
  const mark = d.frames('spine1', 'eth3').length;
  const dst = pods.get('default/pod-3b')!.ip;
  const r = await d.exec(pods.get('default/pod-1a')!.podNode, ['ping', '-c', '1', '-W', '2', dst]);
  expect(r.code).toBe(0);
  const headers = d.frames('spine1', 'eth3').slice(mark).flatMap((f) => {
    const ip = f.frame.payload as Ipv4Packet;
    if (ip instanceof Uint8Array || ip.kind !== 'ipv4' || ip.payload instanceof Uint8Array || ip.payload.kind !== 'icmp') return [];
    const icmp = ip.payload as IcmpMessage;
    return [`${f.dir} ${formatIPv4(ip.src)}>${formatIPv4(ip.dst)} proto ${ip.protocol} ttl ${ip.ttl} df ${ip.df} type ${icmp.type}`];
  });
  return { routes, sessions, reach, headers };
}

async function bringUp(d: LabDriver): Promise<void> {
  const c = d.calico()!;
  for (const [pod, node] of PODS) await c.addPod(node, 'default', pod, { labels: {} });
  const r = await c.converge(90_000);
  expect(r.pending).toEqual([]);
}

describe.runIf(ok)('Calico on Mininet against the simulator (leaf-spine)', () => {
  let topology: Topology;
  let real: LabDriver;
  let sim: LabDriver;
  const realEvents: PodlabEvent[] = [];

  beforeAll(async () => {
    const t = await loadTopology(join(import.meta.dirname, '..', '..', 'topologies', 'leaf-spine.yaml'));
    topology = t.topology!;
    sim = await simDeploy(topology, { seed: 1 });
    await bringUp(sim);
    real = await mininetDeploy(topology, { lab: `diff-${process.pid}` });
    followDriver(real, realEvents); // as `podlab up --runtime mininet TOPOLOGY` does, for the UI
    await bringUp(real);
  }, 240_000);

  afterAll(async () => {
    await real?.destroy();
    await sim?.destroy();
  }, 60_000);

  it('relays every node\'s BGP sessions as events with no scenario running (what the UI draws)', async () => {
    const k8s = topology.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name);
    const missing = (): string[] => {
      const up = new Set(realEvents.filter((e) => e.type === 'calico.bgp-session' && (e as unknown as { to: string }).to === 'Established').map((e) => (e as unknown as { node: string }).node));
      return k8s.filter((n) => !up.has(n));
    };
    // Each agent polls its BIRD (every second) and relays a change when it sees it: routes may converge before the last poll.
    for (const deadline = Date.now() + 10_000; missing().length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
    expect(missing()).toEqual([]);
  });

  it('gives the simulator\'s observations: routes, sessions, reachability, ping headers', async () => {
    const [a, b] = [await observe(sim), await observe(real)];
    expect(b.sessions).toEqual(a.sessions);
    expect(b.reach).toEqual(a.reach);
    expect(b.reach.every((row) => !row.includes('x'))).toBe(true);
    for (const node of Object.keys(a.routes)) expect({ node, routes: b.routes[node] }).toEqual({ node, routes: a.routes[node] });
    expect(b.headers).toEqual(a.headers);
    expect(b.headers.length).toBeGreaterThan(0);
  }, 120_000);

  it('restarting a node\'s agent changes nothing: same routes and rules, none twice', async () => {
    const cluster = realClusterOf(real)!;
    const node = 'node-1a';
    const exec = (argv: string[]) => real.exec(node, argv);
    const snapshot = async () => ({
      routes: (await exec(['ip', 'route', 'show', 'table', 'all'])).stdout,
      rules: (await exec(['iptables-save'])).stdout.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n'),
      links: (await exec(['ip', '-o', 'link', 'show'])).stdout.split('\n').map((l) => l.replace(/^\d+: /, '').split(':')[0]).sort().join(','),
    });
    const before = await snapshot();
    const proc = cluster.agentProcess(node)!;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
    cluster.startAgent(node);
    await cluster.waitInSync(60_000);
    const after = await snapshot();
    expect(after.routes).toBe(before.routes);
    expect(after.rules).toBe(before.rules);
    expect(after.links).toBe(before.links);
    // No rule twice within a table (the same text may appear in two tables).
    let table = '';
    const lines = after.rules.split('\n').flatMap((l) => {
      if (l.startsWith('*')) table = l;
      return l.startsWith('-A') ? [`${table} ${l}`] : [];
    });
    expect(lines.filter((l, i) => lines.indexOf(l) !== i)).toEqual([]);
    // BGP was not dropped: BIRD outlived the agent and the new agent took it over.
    const s = await cluster.bgpSessions(node);
    expect(s?.map((x) => x.state)).toEqual(['Established']);
  }, 120_000);
});
