/**
 * The Docker runtime's pure parts: container names, labels and create requests as
 * containerlab makes them, capability gaps, and the veth wiring order (temporary names that
 * carry the lab id, move before rename, root ends into bridges before bridges come up).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { capabilityGaps, containerName, labelEnvKey, nodeContainerSpec } from '../../engine/runtime/docker/container-spec.ts';
import { impairCommands, planWiring } from '../../engine/runtime/docker/wiring.ts';
import { planMininet } from '../../engine/runtime/mininet/plan.ts';

const topo = async () => (await loadTopology(join(import.meta.dirname, '..', '..', 'topologies', 'two-nodes.yaml'))).topology!;

describe('container spec', () => {
  it('names and labels a node as containerlab does', async () => {
    const t = await topo();
    const node = t.nodes.find((n) => n.name === 'master-01')!;
    const spec = nodeContainerSpec({
      lab: 'lab1', id: 'plabc', node, image: 'podlab/node:x', nodeDir: '/l/nodes/master-01', topoFile: '/l/two-nodes.clab.yml', owner: 'root',
      interfaces: 1, env: { PODLAB_LAB: 'lab1', PODLAB_LAB_ID: 'plabc' }, missingCaps: [], binds: [['/l', 'rw'], ['/run/netns', 'rw', 'rslave']],
    });
    expect(spec.name).toBe('clab-lab1-master-01');
    expect(spec.Labels).toMatchObject({ containerlab: 'lab1', 'clab-node-name': 'master-01', 'clab-node-longname': 'clab-lab1-master-01', 'clab-node-kind': 'linux', 'clab-topo-file': '/l/two-nodes.clab.yml', 'podlab.role': 'k8s-node', 'podlab.lab-id': 'plabc' });
    expect(spec.Env).toContain('PODLAB_LAB_ID=plabc');
    expect(spec.Env).toContain('CLAB_INTFS=1');
    expect(spec.Env).toContain('CLAB_LABEL_CLAB_NODE_NAME=master-01');
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'none', Privileged: true, Binds: ['/l:/l:rw', '/run/netns:/run/netns:rw,rslave'] });
    const reduced = nodeContainerSpec({ ...{ lab: 'lab1', id: 'plabc', node, image: 'i', nodeDir: '/d', topoFile: '', owner: 'r', interfaces: 1, env: {}, binds: [] }, missingCaps: ['SYS_RESOURCE'] });
    expect(reduced.HostConfig).toMatchObject({ CapAdd: ['ALL'], CapDrop: ['SYS_RESOURCE'] });
    expect(reduced.HostConfig?.Privileged).toBeUndefined();
  });

  it('refuses names Docker would refuse and bind paths it would misread', async () => {
    expect(() => containerName('lab', 'a b')).toThrow(/cannot name a container/);
    const t = await topo();
    expect(() => nodeContainerSpec({ lab: 'l', id: 'plabc', node: t.nodes[1]!, image: 'i', nodeDir: '/d', topoFile: '', owner: 'r', interfaces: 0, env: {}, missingCaps: [], binds: [['/a:b', 'ro']] })).toThrow(/cannot bind-mount/);
  });

  it('turns labels into CLAB_LABEL_ keys and bounding sets into missing capabilities', () => {
    expect(labelEnvKey('podlab.lab-id')).toBe('CLAB_LABEL_PODLAB_LAB_ID');
    expect(capabilityGaps('000001ffffffffff')).toEqual([]);
    expect(capabilityGaps('000001fffeffffff')).toEqual(['SYS_RESOURCE']);
  });
});

describe('wiring', () => {
  it('makes each veth on the host, moves the container end by pid and renames it there', async () => {
    const t = await topo();
    const plan = planMininet(t, 'plabc');
    const w = planWiring(plan, 'lab1');
    expect(w.tempNames.every((n) => /^plabcp\d+h\d$/.test(n))).toBe(true);
    const i = w.steps.findIndex((s) => s.op === 'move' && s.node === 'master-01');
    const move = w.steps[i]!;
    expect(w.steps[i - 1]).toMatchObject({ op: 'root' });
    expect(w.steps.slice(0, i).some((s) => s.op === 'root' && s.argv.includes('veth') && move.op === 'move' && s.argv.includes(move.ifname))).toBe(true);
    expect(w.steps[i + 1]).toEqual({ op: 'node', node: 'master-01', argv: ['ip', 'link', 'set', 'dev', move.op === 'move' ? move.ifname : '', 'name', 'eth0'] });
    // Bridges are made first and brought up last, once every port is in.
    const firstVeth = w.steps.findIndex((s) => s.op === 'root' && s.argv.includes('veth'));
    const lastAdd = w.steps.map((s, k) => (s.op === 'root' && s.argv.includes('bridge') && s.argv[2] === 'add' ? k : -1)).reduce((a, b) => Math.max(a, b));
    expect(lastAdd).toBeLessThan(firstVeth);
    expect(w.steps.at(-1)).toMatchObject({ op: 'root', argv: ['ip', 'link', 'set', 'dev', plan.bridges.at(-1)!.name, 'up'] });
  });

  it('impairs with netem, or loss alone with an nftables egress chain', () => {
    const root = { bridge: 'plabcb0v1', ifname: 'plabcp0' };
    expect(impairCommands(root, 'plabc', 20, 1, 'netem')).toEqual([{ argv: ['tc', 'qdisc', 'replace', 'dev', 'plabcp0', 'root', 'handle', '10:', 'netem', 'delay', '20ms', 'loss', '1%'] }]);
    const nft = impairCommands({ host: 'gw', ifname: 'eth1' }, 'plabc', 0, 5, 'nft');
    expect(nft[0]!.stdin).toContain('add table netdev podlab\n');
    expect(nft[0]!.stdin).toContain('numgen random mod 10000 < 500');
    expect(impairCommands(root, 'plabc', 0, 5, 'nft')[0]!.stdin).toContain('podlab_plabc');
    expect(() => impairCommands(root, 'plabc', 10, 0, 'nft')).toThrow(/netem/);
  });
});
