/**
 * Bench: a 20-node Calico fabric on Mininet — 2 spines, 3 leaves, 15 k8s nodes in three
 * racks (AS per rack, nodes peer with their ToR, no encapsulation: what every kernel runs) —
 * deployed by podlab with real BIRD, etcd and agents, then converged with one pod per node;
 * against, in the same run:
 *   - bare Mininet: the same hosts, bridges and veths built by a Python script through
 *     Mininet's own API (what a user would write by hand), torn down;
 *   - podlab's Mininet layer without Calico (hosts, links, setup commands).
 * Each measurement runs ROUNDS times (default 3, alternating) and prints one JSON line; the
 * summary gives medians and the ratios podlab/bare. Root only.
 *
 * Run: sudo npx tsx bench/mininet/deploy.ts [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadTopology } from '../../engine/model/load.ts';
import type { Topology } from '../../engine/model/types.ts';
import { MininetLab } from '../../engine/runtime/mininet/lab.ts';
import { mininetDeploy } from '../../engine/scenario/real-driver.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const RACKS = 3;
const PER_RACK = 5;

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** The fabric as topology YAML (the same shape as topologies/leaf-spine.yaml, wider racks). */
function fabricYaml(): string {
  const lines = ['name: bench20', 'nodes:'];
  const links: string[] = [];
  for (const s of [1, 2]) {
    lines.push(`  spine${s}:`, '    kind: router', `    asn: ${65100 + s - 1}`, `    routerId: 10.255.0.${s}`, '    interfaces:');
    for (let r = 1; r <= RACKS; r++) lines.push(`      eth${r}: { address: 10.0.${s}.${(r - 1) * 2}/31 }`);
    lines.push('    peers:');
    for (let r = 1; r <= RACKS; r++) lines.push(`      - { address: 10.0.${s}.${(r - 1) * 2 + 1}, asn: ${65000 + r}, description: leaf${r} }`);
  }
  for (let r = 1; r <= RACKS; r++) {
    lines.push(`  leaf${r}:`, '    kind: router', `    asn: ${65000 + r}`, `    routerId: 10.255.1.${r}`, '    interfaces:',
      `      eth1: { address: 10.0.1.${(r - 1) * 2 + 1}/31 }`, `      eth2: { address: 10.0.2.${(r - 1) * 2 + 1}/31 }`, `      eth3: { address: 10.1.${r}.1/24 }`, '    peers:',
      `      - { address: 10.0.1.${(r - 1) * 2}, asn: 65100, description: spine1 }`, `      - { address: 10.0.2.${(r - 1) * 2}, asn: 65101, description: spine2 }`);
    for (let n = 1; n <= PER_RACK; n++) lines.push(`      - { address: 10.1.${r}.${10 + n}, asn: ${65000 + r}, rrClient: true, description: n${r}-${n} }`);
    lines.push(`  rack${r}-sw: { kind: switch }`);
    links.push(`  - endpoints: ["spine1:eth${r}", "leaf${r}:eth1"]`, `  - endpoints: ["spine2:eth${r}", "leaf${r}:eth2"]`, `  - endpoints: ["leaf${r}:eth3", "rack${r}-sw:eth1"]`);
    for (let n = 1; n <= PER_RACK; n++) {
      lines.push(`  n${r}-${n}:`, '    kind: k8s-node', `    asn: ${65000 + r}`, `    labels: { rack: rack${r} }`,
        `    interfaces: { eth0: { address: 10.1.${r}.${10 + n}/24 } }`, `    gateway: 10.1.${r}.1`);
      links.push(`  - endpoints: ["n${r}-${n}:eth0", "rack${r}-sw:eth${n + 1}"]`);
    }
  }
  lines.push('links:', ...links, 'calico:',
    '  - { apiVersion: projectcalico.org/v3, kind: BGPConfiguration, metadata: { name: default }, spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } }',
    '  - { apiVersion: projectcalico.org/v3, kind: IPPool, metadata: { name: default-ipv4-ippool }, spec: { cidr: 10.5.0.0/16, blockSize: 26, ipipMode: Never, vxlanMode: Never, natOutgoing: true } }');
  for (let r = 1; r <= RACKS; r++) {
    lines.push(`  - { apiVersion: projectcalico.org/v3, kind: BGPPeer, metadata: { name: rack${r}-tor }, spec: { nodeSelector: "rack == 'rack${r}'", peerIP: 10.1.${r}.1, asNumber: ${65000 + r} } }`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same hosts, bridges and links through Mininet's API only, as a user's script would build them. */
function barePython(t: Topology): string {
  const hosts = t.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name);
  const switches = t.nodes.filter((n) => n.kind === 'switch').map((n, i) => [n.name, `bsw${i + 1}`] as const);
  const sw = new Map(switches);
  const py = [
    'from mininet.net import Mininet', 'from mininet.nodelib import LinuxBridge', 'from mininet.log import setLogLevel',
    "setLogLevel('error')",
    'net = Mininet(controller=None, switch=LinuxBridge, build=False, autoSetMacs=False, waitConnected=False)',
    'h = {}',
    ...hosts.map((h) => `h['${h}'] = net.addHost('${h}', ip=None)`),
    ...switches.map(([n, b]) => `h['${n}'] = net.addSwitch('${b}', stp=False)`),
  ];
  let port = 0;
  for (const l of t.links) {
    const [a, b] = l.endpoints;
    const name = (e: typeof a) => (sw.has(e.node) ? `${sw.get(e.node)}p${++port}` : e.iface);
    py.push(`net.addLink(h['${a.node}'], h['${b.node}'], intfName1='${name(a)}', intfName2='${name(b)}')`);
  }
  py.push('net.build()', 'net.start()');
  // The same addresses and routes, the way such a script sets them.
  for (const n of t.nodes) {
    if (n.kind === 'switch') continue;
    for (const i of n.interfaces) if (i.address) py.push(`h['${n.name}'].cmd('ip addr add ${formatCidr(i.address)} dev ${i.name}')`);
  }
  py.push('net.stop()');
  return py.join('\n');
}

function formatCidr(a: { addr: number; len: number }): string {
  return `${a.addr >>> 24}.${(a.addr >>> 16) & 255}.${(a.addr >>> 8) & 255}.${a.addr & 255}/${a.len}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/mininet/deploy.ts needs root');
  process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-bench-mn-'));
  const dir = mkdtempSync(join(tmpdir(), 'pl-bench-fabric-'));
  const file = join(dir, 'bench20.yaml');
  writeFileSync(file, fabricYaml());
  const loaded = await loadTopology(file);
  if (!loaded.topology) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const t = loaded.topology;
  const script = join(dir, 'bare.py');
  writeFileSync(script, barePython(t));
  const nodes = t.nodes.filter((n) => n.kind !== 'switch').length;
  const k8s = t.nodes.filter((n) => n.kind === 'k8s-node').map((n) => n.name);
  const bare: number[] = [];
  const layer: number[] = [];
  const full: number[] = [];
  const converge: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    execFileSync('/usr/bin/python3', [script], { stdio: 'ignore' });
    bare.push(performance.now() - t0);
    emit({ bench: 'mininet-bare', round, nodes, ms: Math.round(bare[round]!) });

    t0 = performance.now();
    const lab = await MininetLab.deploy(t, { lab: `bench-layer-${round}`, dir: join(dir, `layer-${round}`) });
    layer.push(performance.now() - t0);
    await lab.destroy();
    emit({ bench: 'podlab-mininet-layer', round, nodes, ms: Math.round(layer[round]!) });

    t0 = performance.now();
    const d = await mininetDeploy(t, { lab: `bench-full-${round}` });
    const tDeployed = performance.now();
    const c = d.calico()!;
    // Kubelets start pods on their nodes at the same time.
    await Promise.all(k8s.map((n) => c.addPod(n, 'default', `p-${n}`, { labels: {} })));
    const t1 = performance.now();
    const r = await c.converge(300_000);
    const t2 = performance.now();
    full.push(t2 - t0);
    converge.push(t2 - t1);
    await d.destroy();
    emit({ bench: 'podlab-calico', round, nodes, pods: k8s.length, converged: r.converged, ms: Math.round(t2 - t0), deployMs: Math.round(tDeployed - t0), podsMs: Math.round(t1 - tDeployed), convergeMs: Math.round(t2 - t1), pending: r.pending.slice(0, 3) });
  }
  emit({
    bench: 'summary', nodes, rounds: ROUNDS,
    bareMs: Math.round(median(bare)), layerMs: Math.round(median(layer)), calicoMs: Math.round(median(full)), convergeAfterPodsMs: Math.round(median(converge)),
    layerVsBare: +(median(layer) / median(bare)).toFixed(2), calicoVsBare: +(median(full) / median(bare)).toFixed(2),
  });
  rmSync(dir, { recursive: true, force: true });
}

await main();
