// The topologies podlab ships must validate cleanly and say what their comments promise.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatIPv4, formatPrefix4, networkOf, parseIPv4 } from '../../engine/net/ip.ts';
import { loadTopology, TopologyReadError } from '../../engine/model/load.ts';
import { ifaceOf, nodeByName } from '../../engine/model/topology.ts';
import type { Topology } from '../../engine/model/types.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const shipped = readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml')).sort();

async function load(name: string): Promise<Topology> {
  const r = await loadTopology(join(ROOT, 'topologies', name));
  expect(r.problems).toEqual([]);
  return r.topology!;
}
const addr = (t: Topology, n: string, i: string) => formatPrefix4(ifaceOf(t, n, i)!.address!);

describe('shipped topologies', () => {
  it('ships the three documented fabrics', () => {
    expect(shipped).toEqual(expect.arrayContaining(['two-nodes.yaml', 'floors.yaml', 'leaf-spine.yaml']));
  });

  it('two-nodes: master-01 and worker-01 share one segment; the IPIP pool is carried verbatim', async () => {
    const t = await load('two-nodes.yaml');
    expect(addr(t, 'master-01', 'eth0')).toBe('10.30.200.1/24');
    expect(addr(t, 'worker-01', 'eth0')).toBe('10.30.200.2/24');
    expect(ifaceOf(t, 'master-01', 'eth0')!.segment).toBe(ifaceOf(t, 'worker-01', 'eth0')!.segment);
    const pool = t.calico.find((m) => m.kind === 'IPPool')!;
    expect(pool.manifest['spec']).toMatchObject({ cidr: '10.5.0.0/16', ipipMode: 'Always' });
    expect(pool.loc.line).toBeGreaterThan(1);
  });

  it("floors: one segment per floor, every k8s node's gateway is its floor's ToR", async () => {
    const t = await load('floors.yaml');
    const k8s = t.nodes.filter((n) => n.kind === 'k8s-node');
    expect(new Set(k8s.map((n) => n.floor)).size).toBeGreaterThanOrEqual(2);
    expect(t.nodes.some((n) => n.kind === 'host')).toBe(true);
    for (const n of k8s) {
      const tor = t.nodes.find((r) => r.kind === 'router' && r.floor === n.floor)!;
      const torIface = tor.interfaces.find((i) => i.segment === n.interfaces[0]!.segment)!;
      expect(formatIPv4(n.gateway!), n.name).toBe(formatIPv4(torIface.address!.addr));
    }
    // Every floor's subnet is reachable from every other floor's ToR (directly or by a route).
    const tors = t.nodes.filter((n) => n.kind === 'router');
    for (const a of tors) {
      for (const b of tors) {
        const floorNet = networkOf(b.interfaces.find((i) => i.segment !== undefined && t.segments[i.segment]!.vlan !== 100)!.address!);
        const direct = a.interfaces.some((i) => formatPrefix4(networkOf(i.address!)) === formatPrefix4(floorNet));
        const routed = a.routes.some((r) => formatPrefix4(r.to) === formatPrefix4(floorNet));
        expect(direct || routed, `${a.name} → ${formatPrefix4(floorNet)}`).toBe(true);
      }
    }
  });

  it('leaf-spine: /31 leaf↔spine links, AS per rack, spines with their own ASNs', async () => {
    const t = await load('leaf-spine.yaml');
    const spines = t.nodes.filter((n) => n.name.startsWith('spine'));
    const leaves = t.nodes.filter((n) => n.name.startsWith('leaf'));
    expect(spines).toHaveLength(2);
    expect(leaves.length).toBeGreaterThanOrEqual(2);
    expect(new Set([...spines, ...leaves].map((n) => n.asn)).size).toBe(spines.length + leaves.length);
    for (const l of t.links) {
      const [a, b] = l.endpoints;
      if (!(a.node.startsWith('spine') || b.node.startsWith('spine'))) continue;
      const ia = ifaceOf(t, a.node, a.iface)!.address!;
      const ib = ifaceOf(t, b.node, b.iface)!.address!;
      expect([ia.len, ib.len]).toEqual([31, 31]);
      expect(formatPrefix4(networkOf(ia))).toBe(formatPrefix4(networkOf(ib)));
    }
    for (const leaf of leaves) {
      const rackNodes = t.nodes.filter((n) => n.kind === 'k8s-node' && n.rack === leaf.rack);
      expect(rackNodes.length).toBeGreaterThan(0);
      for (const n of rackNodes) {
        expect(n.asn).toBe(leaf.asn);
        // The leaf peers with each of its servers, and each spine peers with the leaf.
        expect(leaf.peers.some((p) => p.address === n.interfaces[0]!.address!.addr)).toBe(true);
      }
      for (const s of spines) expect(s.peers.some((p) => p.asn === leaf.asn)).toBe(true);
    }
  });
});

describe('podlab validate (CLI)', () => {
  const cli = (args: string[]) =>
    run('node', ['bin/podlab.js', 'validate', ...args], { cwd: ROOT }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('exits 0 on every shipped topology', async () => {
    const r = await cli(shipped.map((f) => `topologies/${f}`));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${shipped.length} files checked: 0 errors, 0 warnings\n`);
  });

  it('prints warnings and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podlab-validate-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'warn.yaml');
    writeFileSync(f, 'name: warn\nnodes:\n  a: { kind: host, colour: red }\n');
    const r = await cli([f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${f}:3:20: warning: unknown field 'colour'`);
  });

  it('exits 2 with a clear message for a missing file or no arguments', async () => {
    const missing = await cli(['topologies/two-nodes.yaml', 'no/such/file.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read no/such/file.yaml: no such file');
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('podlab validate: no FILE given (podlab validate --help)\n');
  });

  it('loadTopology throws TopologyReadError for an unreadable path', async () => {
    await expect(loadTopology(join(ROOT, 'topologies'))).rejects.toBeInstanceOf(TopologyReadError);
  });

  it('parses node IPs the way ip.ts does', async () => {
    const t = await load('two-nodes.yaml');
    expect(ifaceOf(t, 'master-01', 'eth0')!.address!.addr).toBe(parseIPv4('10.30.200.1'));
    expect(nodeByName(t, 'sw1')!.ports.map((p) => p.name)).toEqual(['eth1', 'eth2', 'eth3']);
  });
});
