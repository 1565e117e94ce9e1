/**
 * `podlab generate containerlab|clabernetes` for every shipped topology: the file meets the
 * rules of containerlab's JSON schema (containerlab-schema-rules.ts), holds every node (switch
 * containers included) and every cable, binds files that exist, and its router BIRD configs
 * pass real `bird -p`; the clabernetes Topology embeds the identical definition and mounts
 * every bound file where the bind expects it. containerlab itself is not installable here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadTopology } from '../../engine/model/load.ts';
import type { Topology } from '../../engine/model/types.ts';
import { generateContainerlab } from '../../engine/runtime/containerlab/clab-file.ts';
import { generateClabernetes, CLABERNETES_API_VERSION } from '../../engine/runtime/containerlab/clabernetes.ts';
import { execString } from '../../engine/runtime/containerlab/exec-string.ts';
import { ClabGenerateError, ETCD_NODE } from '../../engine/runtime/containerlab/lab-plan.ts';
import { NODE_IMAGE, ROUTER_IMAGE } from '../../engine/runtime/containerlab/images.ts';
import { renderRouterBird } from '../../engine/calico/cluster/router-bird.ts';
import { setupCommands } from '../../engine/runtime/setup-commands.ts';
import { run } from '../../engine/cli/generate.ts';
import { haveCommands } from '../support/system.ts';
import { clabSchemaProblems } from './containerlab-schema-rules.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TOPOLOGIES = [
  ...readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml')).map((f) => join('topologies', f)),
  ...readdirSync(join(ROOT, 'scenarios', 'topologies')).filter((f) => f.endsWith('.yaml')).map((f) => join('scenarios', 'topologies', f)),
];
const tmp = mkdtempSync(join(tmpdir(), 'pl-clab-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const haveBird = haveCommands('bird');

async function load(file: string): Promise<Topology> {
  const r = await loadTopology(join(ROOT, file));
  if (!r.topology) throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.topology;
}

/** google/shlex as containerlab uses it (after `$$` → `$`): quotes, backslash, # comments. */
function shlexSplit(text: string): string[] {
  const s = text.replaceAll('$$', '$');
  const out: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/\s/.test(c)) { if (cur !== undefined) out.push(cur); cur = undefined; continue; }
    if (c === '#' && cur === undefined) break;
    cur ??= '';
    if (c === "'") { const j = s.indexOf("'", i + 1); if (j < 0) throw new Error('unclosed quote'); cur += s.slice(i + 1, j); i = j; }
    else if (c === '"') { i++; while (s[i] !== '"') { if (i >= s.length) throw new Error('unclosed quote'); if (s[i] === '\\') i++; cur += s[i]; i++; } }
    else if (c === '\\') { cur += s[++i] ?? ''; }
    else cur += c;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

describe('execString', () => {
  it('round-trips through containerlab\'s $$ expansion and shlex', () => {
    for (const argv of [
      ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0'],
      ['sh', '-c', "echo 'it''s' $HOME > /tmp/x # not a comment"],
      ['#start', 'a b', '', 'x"y', 'back\\slash', '${VAR:=1}'],
    ]) {
      expect(shlexSplit(execString(argv))).toEqual(argv);
    }
    expect(execString(['echo', '$X'])).toBe("echo '$$X'");
  });
});

describe.each(TOPOLOGIES)('generate %s', (file) => {
  it('containerlab: schema rules, every node and cable, bound files, images and labels', async () => {
    const t = await load(file);
    const out = generateContainerlab(t);
    const doc = parse(out.clabText) as { name: string; topology: { nodes: Record<string, Record<string, unknown>>; links: { endpoints: string[]; mtu: number }[] } };
    expect(clabSchemaProblems(doc)).toEqual([]);
    expect(doc.name).toBe(t.name);
    expect(out.files[0]!.path).toBe(`${t.name}.clab.yml`);

    const nodes = doc.topology.nodes;
    for (const n of t.nodes) {
      const c = nodes[n.name];
      expect(c, n.name).toBeDefined();
      expect(c!.labels).toEqual({ 'podlab.lab': t.name, 'podlab.node': n.name, 'podlab.role': n.kind });
      expect(c!.image).toBe(n.image ?? (n.kind === 'router' ? ROUTER_IMAGE : NODE_IMAGE));
      expect(c!['network-mode']).toBe('none');
      // The node's setup commands, in order, come first in its exec list.
      const setup = setupCommands(t, n).map((s) => s.argv);
      expect(((c!.exec as string[] | undefined) ?? []).slice(0, setup.length).map(shlexSplit)).toEqual(setup);
    }
    const switches = t.nodes.filter((n) => n.kind === 'switch');
    for (const s of switches) expect((nodes[s.name]!.exec as string[])[0]).toMatch(/^ip link add br0 type bridge vlan_filtering 1$/);

    const cables = new Set(doc.topology.links.map((l) => [...l.endpoints].sort().join(' ')));
    for (const l of t.links) {
      const key = l.endpoints.map((e) => `${e.node}:${e.iface}`).sort().join(' ');
      expect(cables.has(key), key).toBe(true);
      const written = doc.topology.links.find((w) => [...w.endpoints].sort().join(' ') === key)!;
      expect(written.mtu).toBe(l.mtu);
    }
    // Beyond the topology's cables: only the k8s nodes' management cables to the etcd node.
    const k8s = t.nodes.filter((n) => n.kind === 'k8s-node');
    expect(doc.topology.links.length).toBe(t.links.length + k8s.length);
    expect(Object.keys(nodes).length).toBe(t.nodes.length + (k8s.length > 0 ? 1 : 0));

    // Every bind names a generated file; every generated file is bound.
    const generated = new Map(out.files.map((f) => [f.path, f.content]));
    const bound = new Set<string>();
    for (const [name, c] of Object.entries(nodes)) {
      for (const b of (c.binds as string[] | undefined) ?? []) {
        const src = b.split(':')[0]!;
        expect(generated.has(src), `${name}: ${src}`).toBe(true);
        bound.add(src);
      }
    }
    expect([...generated.keys()].filter((p) => p !== out.files[0]!.path).sort()).toEqual([...bound].sort());
    for (const r of t.nodes.filter((n) => n.kind === 'router' && n.peers.length > 0 && n.asn !== undefined)) {
      expect(generated.has(`files/${r.name}/bird.conf`), r.name).toBe(true);
    }
    for (const n of k8s) {
      const agent = JSON.parse(generated.get(`files/${n.name}/agent.json`)!) as { node: string; dir: string; etcd: string; bird: string };
      expect(agent).toMatchObject({ node: n.name, etcd: out.lab.etcd!.labUrl, bird: 'bird1' });
      // The last exec starts the agent with exactly the settings of agent.json, in the background.
      const last = shlexSplit((nodes[n.name]!.exec as string[]).at(-1)!);
      expect(last.slice(0, 2)).toEqual(['sh', '-c']);
      // …behind the seed: podlab seed --wait, then the agent in its place (exec).
      expect(last[2]).toContain(`{ podlab seed --wait --etcd ${agent.etcd} && exec podlab agent --node ${n.name} --dir ${agent.dir} --etcd ${agent.etcd} --bird ${agent.bird}; }`);
      expect(last[2]!.trimEnd().endsWith('&')).toBe(true);
    }

    // The lab seeds itself: podlab-etcd's last exec seeds from the bound, normalised topology.
    if (k8s.length > 0) {
      const etcdNode = nodes['podlab-etcd']!;
      expect(shlexSplit((etcdNode.exec as string[]).at(-1)!)).toEqual(['podlab', 'seed', '--etcd', 'http://127.0.0.1:2379', '--topology', '/etc/podlab/topology.json']);
      expect(etcdNode.binds).toEqual(['files/podlab-etcd/topology.json:/etc/podlab/topology.json:ro']);
      const seeded = JSON.parse(generated.get('files/podlab-etcd/topology.json')!) as { nodes: { name: string }[]; calico: unknown[] };
      expect(seeded.nodes.map((x) => x.name)).toEqual(t.nodes.map((x) => x.name));
      expect(seeded.calico.length).toBe(t.calico.length);
    }

    // Impairments are named, never dropped silently.
    const impaired = t.links.filter((l) => l.latencyMs > 0 || l.lossPercent > 0);
    for (const l of impaired) {
      const name = `${l.endpoints[0].node}:${l.endpoints[0].iface} — ${l.endpoints[1].node}:${l.endpoints[1].iface}`;
      expect(out.warnings.some((w) => w.includes(name))).toBe(true);
      expect(out.clabText).toContain(`# podlab: link ${name}`);
    }
  });

  it.skipIf(!haveBird)('containerlab: every router BIRD config passes bird -p', async () => {
    const t = await load(file);
    const out = generateContainerlab(t);
    const confs = out.files.filter((f) => f.path.endsWith('/bird.conf'));
    expect(confs.length).toBe(t.nodes.filter((n) => n.kind === 'router' && renderRouterBird(n, 'bird2')).length);
    for (const f of confs) {
      const path = join(tmp, t.name, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
      execFileSync('bird', ['-p', '-c', path], { stdio: 'pipe' });
    }
  });

  it('clabernetes: the Topology embeds the identical definition and mounts every bound file', async () => {
    const t = await load(file);
    const clab = generateContainerlab(t);
    const c9s = generateClabernetes(clab, { namespace: 'labs' });
    const docs = parseAllDocuments(c9s.content).map((d) => d.toJS() as Record<string, any>);
    const topo = docs.find((d) => d.kind === 'Topology')!;
    expect(topo.apiVersion).toBe(CLABERNETES_API_VERSION);
    expect(topo.metadata).toEqual({ name: t.name, namespace: 'labs' });
    const embedded = topo.spec.definition.containerlab as string;
    // The body of the .clab.yml (after its comment header) is the embedded string, byte for byte.
    expect(clab.clabText.endsWith(`\n${embedded}`)).toBe(true);
    expect(parse(embedded)).toEqual(parse(clab.clabText));
    expect(Object.keys(topo.spec.definition)).toEqual(['containerlab']);
    expect(['prefixed', 'non-prefixed', 'global']).toContain(topo.spec.naming);

    const maps = new Map(docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name as string, d]));
    for (const m of maps.values()) expect(m.metadata.namespace).toBe('labs');
    const def = parse(embedded) as { topology: { nodes: Record<string, { binds?: string[] }> } };
    for (const [node, n] of Object.entries(def.topology.nodes)) {
      const mounts = (topo.spec.deployment?.filesFromConfigMap?.[node] ?? []) as { filePath: string; configMapName: string; configMapPath: string; mode: string }[];
      const sources = (n.binds ?? []).map((b) => b.split(':')[0]!);
      // Relative filePaths land under /clabernetes/, beside the launcher's topo.clab.yaml: where the relative bind looks.
      expect(mounts.map((m) => m.filePath).sort()).toEqual(sources.sort());
      for (const m of mounts) {
        expect(m.filePath.startsWith('/')).toBe(false);
        expect(m.configMapPath).toMatch(/^[-._a-zA-Z0-9]+$/);
        expect(maps.get(m.configMapName)?.data[m.configMapPath]).toBe(clab.files.find((f) => f.path === m.filePath)!.content);
      }
    }
  });
});

describe('the encoded schema rules', () => {
  it('reject what containerlab would reject', () => {
    const doc = {
      name: '-bad',
      extra: 1,
      mgmt: { network: 'n', 'ipv4-subnet': '10.0.0.0/24', colour: 'red' },
      topology: {
        nodes: {
          a: { kind: 'linux', image: 'x', labels: { k: '' }, exec: [], 'mgmt-ipv4': '10.9.0.2', startup: 'x' },
          b: { kind: 'srl', 'network-mode': 'bridge' },
        },
        links: [{ endpoints: ['a:eth0', 'c:eth1'], mtu: 0 }, { endpoints: ['a:eth0', 'b:averyveryverylongname'], latency: '1ms' }],
      },
    };
    const problems = clabSchemaProblems(doc).join('\n');
    for (const want of [
      "/: key 'extra'", '/name:', "/mgmt: key 'colour'", "nodes/a: key 'startup'", 'labels/k', 'a/exec: must be a non-empty array',
      'a/mgmt-ipv4: not inside', 'b/kind:', 'b/network-mode', "'c:eth1' names no node", 'eth0 is the management interface',
      'links/0/mtu', "links/1: key 'latency'", 'at most 15 characters', "'a:eth0' is used by two links",
    ]) expect(problems).toContain(want);
  });
});

describe('planContainerlab refuses what it cannot build', () => {
  it('a node named like the etcd node', async () => {
    const t = await load('topologies/two-nodes.yaml');
    const renamed = { ...t, nodes: t.nodes.map((n, i) => (i === 0 ? { ...n, name: ETCD_NODE } : n)) };
    expect(() => generateContainerlab(renamed)).toThrow(ClabGenerateError);
  });
});

describe('podlab generate (CLI run)', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err, done: () => vi.restoreAllMocks() };
  };

  it('writes leaf-spine for containerlab and names every file', async () => {
    const dir = join(tmp, 'cli-clab');
    const c = capture();
    const code = await run(['containerlab', join(ROOT, 'topologies/leaf-spine.yaml'), '-o', dir]);
    c.done();
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'leaf-spine.clab.yml'))).toBe(true);
    const written = c.out.filter((l) => l.startsWith('wrote ')).length;
    expect(written).toBe(1 + 5 + 6 + 1); // the lab file, 5 routers' bird.conf, 6 agents' agent.json, the seed's topology.json
    expect(readFileSync(join(dir, 'files/leaf1/bird.conf'), 'utf8')).toContain('protocol bgp');
    expect(c.out.join('')).toContain(`containerlab deploy -t ${join(dir, 'leaf-spine.clab.yml')}`);
  });

  it('writes the clabernetes resource, warns about what it cannot carry', async () => {
    const dir = join(tmp, 'cli-c9s');
    const c = capture();
    const code = await run(['clabernetes', join(ROOT, 'topologies/floors.yaml'), '-o', dir, '--namespace', 'podlab']);
    c.done();
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'floors.clabernetes.yaml'))).toBe(true);
    expect(c.err.join('')).toMatch(/warning: link floor1-tor:eth2 — core:eth1: latency 1ms/);
  });

  it('exit 2 on usage errors, exit 1 with file:line:col on an invalid topology, nothing written', async () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nnodes:\n  a: { kind: k8s-node }\nlinks:\n  - endpoints: ["a:eth0", "ghost:eth0"]\n');
    const dir = join(tmp, 'cli-bad');
    const c = capture();
    const usage = [await run([]), await run(['kathara', bad, '-o', dir]), await run(['containerlab', bad]), await run(['containerlab', join(tmp, 'missing.yaml'), '-o', dir])];
    const invalid = await run(['containerlab', bad, '-o', dir]);
    const help = await run(['--help']);
    c.done();
    expect(usage).toEqual([2, 2, 2, 2]);
    expect(invalid).toBe(1);
    expect(help).toBe(0);
    expect(c.err.join('')).toMatch(/bad\.yaml:5:\d+: error/);
    expect(existsSync(dir)).toBe(false);
    expect(c.out.join('')).toContain('examples:');
  });
});
