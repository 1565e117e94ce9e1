/**
 * Real BIRD on a real kernel, configured the way podlab's real runtimes will configure it,
 * must end up where the simulator ends up for the same inputs.
 *
 * A small AS-per-rack fabric (one spine, two leaves, three Calico nodes, rack 1 on a bridge)
 * is deployed twice: in the simulator with Calico and a pod per node (which gives each node
 * its block), and by hand in network namespaces (veth, a bridge for the rack switch,
 * addresses and gateways from the topology). In the namespaces, routers run BIRD with
 * renderRouterBird's config and Calico nodes run BIRD with confd's files rendered from the
 * simulator's own BGP intents. Checked, for BIRD 1.6 and for bird2: every session is
 * Established under the simulator's protocol names, and the `proto bird` routes each kernel
 * holds (blackholes for own blocks, learned blocks with recursively resolved gateways) are
 * the ones the simulator installed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopology } from '../../engine/model/validate.ts';
import type { Topology } from '../../engine/model/types.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { renderRouterBird } from '../../engine/calico/cluster/index.ts';
import { parseShowProtocols, renderBirdFilesFor } from '../../engine/calico/confd/index.ts';
import type { BgpIntent } from '../../engine/calico/confd/index.ts';
import { localExec, mustRun } from '../../engine/runtime/linux/exec.ts';
import { birdArgv, birdConfigure, birdProtocols, findBird } from '../../engine/runtime/linux/bird.ts';
import type { BirdInstall } from '../../engine/runtime/linux/bird.ts';
import { haveCommands, haveRoot } from '../support/system.ts';
import { bird16 } from '../support/bird16.ts';

const TOPOLOGY = `name: bird-fabric
nodes:
  spine1:
    kind: router
    asn: 65100
    routerId: 10.255.0.1
    interfaces: { eth1: { address: 10.0.1.0/31 }, eth2: { address: 10.0.1.2/31 } }
    peers:
      - { address: 10.0.1.1, asn: 65001, description: leaf1 }
      - { address: 10.0.1.3, asn: 65002, description: leaf2 }
  leaf1:
    kind: router
    asn: 65001
    routerId: 10.255.1.1
    interfaces: { eth1: { address: 10.0.1.1/31 }, eth3: { address: 10.1.1.1/24 } }
    peers:
      - { address: 10.0.1.0, asn: 65100, description: spine1 }
      - { address: 10.1.1.11, asn: 65001, rrClient: true, description: node-1a }
      - { address: 10.1.1.12, asn: 65001, rrClient: true, description: node-1b }
  leaf2:
    kind: router
    asn: 65002
    routerId: 10.255.1.2
    interfaces: { eth1: { address: 10.0.1.3/31 }, eth3: { address: 10.1.2.1/24 } }
    peers:
      - { address: 10.0.1.2, asn: 65100, description: spine1 }
      - { address: 10.1.2.11, asn: 65002, rrClient: true, description: node-2a }
  rack1-sw: { kind: switch }
  node-1a: { kind: k8s-node, asn: 65001, labels: { rack: rack1 }, interfaces: { eth0: { address: 10.1.1.11/24 } }, gateway: 10.1.1.1 }
  node-1b: { kind: k8s-node, asn: 65001, labels: { rack: rack1 }, interfaces: { eth0: { address: 10.1.1.12/24 } }, gateway: 10.1.1.1 }
  node-2a: { kind: k8s-node, asn: 65002, labels: { rack: rack2 }, interfaces: { eth0: { address: 10.1.2.11/24 } }, gateway: 10.1.2.1 }
links:
  - endpoints: ["spine1:eth1", "leaf1:eth1"]
  - endpoints: ["spine1:eth2", "leaf2:eth1"]
  - endpoints: ["leaf1:eth3", "rack1-sw:eth1"]
  - endpoints: ["node-1a:eth0", "rack1-sw:eth2"]
  - endpoints: ["node-1b:eth0", "rack1-sw:eth3"]
  - endpoints: ["leaf2:eth3", "node-2a:eth0"]
calico:
  - { apiVersion: projectcalico.org/v3, kind: BGPConfiguration, metadata: { name: default }, spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } }
  - { apiVersion: projectcalico.org/v3, kind: BGPPeer, metadata: { name: rack1-tor }, spec: { nodeSelector: "rack == 'rack1'", peerIP: 10.1.1.1, asNumber: 65001 } }
  - { apiVersion: projectcalico.org/v3, kind: BGPPeer, metadata: { name: rack2-tor }, spec: { nodeSelector: "rack == 'rack2'", peerIP: 10.1.2.1, asNumber: 65002 } }
  - { apiVersion: projectcalico.org/v3, kind: IPPool, metadata: { name: pods }, spec: { cidr: 10.5.0.0/16, blockSize: 26, ipipMode: Never, vxlanMode: Never } }
`;

const ok = haveRoot() && haveCommands('ip', 'bird', 'apt-get', 'dpkg');
const run = (argv: readonly string[]) => mustRun(localExec, argv);

function topology(): Topology {
  const r = parseTopology(TOPOLOGY, 'bird-fabric.yaml');
  if (!r.topology) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.topology;
}

/** A `proto bird` route in one canonical text, from `ip route` text (simulator) or `ip -j route` (kernel). */
function canonical(r: { dst: string; type?: string; gateway?: string; dev?: string; onlink?: boolean }): string {
  if (r.type === 'blackhole') return `blackhole ${r.dst}`;
  return `${r.dst} via ${r.gateway} dev ${r.dev}${r.onlink ? ' onlink' : ''}`;
}

function simBirdRoutes(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^(blackhole )?(\S+)(?: via (\S+))?(?: dev (\S+))? proto bird( onlink)?/.exec(l.trim());
    if (m) out.push(canonical({ dst: m[2]!, ...(m[1] ? { type: 'blackhole' } : {}), ...(m[3] ? { gateway: m[3] } : {}), ...(m[4] ? { dev: m[4] } : {}), onlink: !!m[5] }));
  }
  return out.sort();
}

async function kernelBirdRoutes(ns: string): Promise<string[]> {
  const rows = JSON.parse(await run(['ip', '-n', ns, '-j', 'route', 'show', 'proto', 'bird'])) as { dst: string; type?: string; gateway?: string; dev?: string; flags?: string[] }[];
  return rows.map((r) => canonical({ ...r, onlink: (r.flags ?? []).includes('onlink') })).sort();
}

/** What the simulator computed: per node, its proto-bird routes, BGP protocol names, and (k8s nodes) the BGP intent. */
interface Expected {
  readonly routes: Map<string, string[]>;
  readonly protocols: Map<string, string[]>;
  readonly intents: Map<string, BgpIntent>;
}

async function simulate(t: Topology): Promise<Expected> {
  const lab = SimLab.deploy(t);
  const c = await startCalico(lab);
  for (const n of ['node-1a', 'node-1b', 'node-2a']) await c.addPod(n, 'default', `pod-${n}`, { app: n });
  if (!c.converge(120_000).converged) throw new Error('simulator did not converge');
  const exp: Expected = { routes: new Map(), protocols: new Map(), intents: new Map() };
  for (const n of t.nodes) {
    if (n.kind === 'switch') continue;
    exp.routes.set(n.name, simBirdRoutes(lab.exec(n.name, 'ip route').stdout));
    const rows = parseShowProtocols(lab.exec(n.name, 'birdc show protocols').stdout);
    exp.protocols.set(n.name, rows.filter((r) => r.proto === 'BGP').map((r) => r.name).sort());
    const intent = c.agents.get(n.name)?.intent;
    if (intent) exp.intents.set(n.name, intent);
  }
  return exp;
}

/** The lab in namespaces: one per node, veth per link, a bridge per switch, addresses and static routes. */
async function buildNamespaces(t: Topology, prefix: string, created: string[]): Promise<Map<string, string>> {
  const ns = new Map<string, string>();
  for (const n of t.nodes) {
    const name = `${prefix}-${n.name}`;
    await run(['ip', 'netns', 'add', name]);
    created.push(name);
    ns.set(n.name, name);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    if (n.kind === 'switch') await run(['ip', '-n', name, 'link', 'add', 'br0', 'up', 'type', 'bridge']);
  }
  for (const l of t.links) {
    const [a, b] = l.endpoints;
    await run(['ip', 'link', 'add', a.iface, 'netns', ns.get(a.node)!, 'type', 'veth', 'peer', 'name', b.iface, 'netns', ns.get(b.node)!]);
  }
  for (const n of t.nodes) {
    const name = ns.get(n.name)!;
    for (const l of t.links) {
      for (const e of l.endpoints) {
        if (e.node !== n.name) continue;
        if (n.kind === 'switch') await run(['ip', '-n', name, 'link', 'set', e.iface, 'master', 'br0']);
        await run(['ip', '-n', name, 'link', 'set', e.iface, 'up']);
      }
    }
    for (const i of n.interfaces) if (i.address) await run(['ip', '-n', name, 'addr', 'add', `${formatIPv4(i.address.addr)}/${i.address.len}`, 'dev', i.name]);
    for (const r of n.routes) await run(['ip', '-n', name, 'route', 'add', `${formatIPv4(r.to.addr)}/${r.to.len}`, 'via', formatIPv4(r.via)]);
  }
  return ns;
}

interface Running {
  readonly node: string;
  readonly ns: string;
  readonly socket: string;
  readonly child: ChildProcess;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function stopBird(r: Running): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const gone = new Promise<void>((res) => r.child.once('exit', () => res()));
  r.child.kill('SIGTERM');
  await Promise.race([gone, sleep(3000)]);
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

const dialects = ['bird1', 'bird2'] as const;

describe.skipIf(!ok)('real BIRD in network namespaces matches the simulator', () => {
  let t: Topology;
  let exp: Expected;
  const base = mkdtempSync(join(tmpdir(), 'pl-bird-fabric-'));
  beforeAll(async () => {
    bird16(); // unpack BIRD 1.6 if this machine has not yet
    t = topology();
    exp = await simulate(t);
  }, 60_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('the simulator reference is what the fabric should do', () => {
    expect(exp.protocols.get('leaf1')).toEqual(['node_1a', 'node_1b', 'spine1']);
    expect(exp.protocols.get('node-1a')).toEqual(['Node_10_1_1_1']);
    // node-2a's block reaches rack 1 through the spine: the reflected next hop (spine1's
    // address) resolves through the node's default gateway.
    expect(exp.routes.get('node-1a')!.some((r) => / via 10\.1\.1\.1 dev eth0$/.test(r))).toBe(true);
    expect(exp.routes.get('node-1a')!.some((r) => / via 10\.1\.1\.12 dev eth0$/.test(r))).toBe(true);
    expect(exp.routes.get('spine1')).toHaveLength(3);
  });

  for (const dialect of dialects) {
    describe(dialect, () => {
      const prefix = `plbf${process.pid % 10000}${dialect === 'bird1' ? 'a' : 'b'}`;
      const created: string[] = [];
      const running: Running[] = [];
      let install: BirdInstall;
      let converged = false;
      let lastDiff = '';

      beforeAll(async () => {
        const found = findBird(dialect);
        if (!found || found.dialect !== dialect) throw new Error(`no ${dialect} found (findBird gave ${found?.bird ?? 'nothing'})`);
        install = found;
        const ns = await buildNamespaces(t, prefix, created);
        for (const n of t.nodes) {
          if (n.kind === 'switch') continue;
          const dir = join(base, dialect, n.name);
          mkdirSync(dir, { recursive: true });
          const config = join(dir, 'bird.cfg');
          const intent = exp.intents.get(n.name);
          if (intent) {
            for (const [f, text] of Object.entries(renderBirdFilesFor(intent, { dialect, includeDir: dir }))) writeFileSync(join(dir, f), text);
          } else {
            const text = renderRouterBird(n, dialect);
            if (!text) continue;
            writeFileSync(config, text);
          }
          // confd's check_cmd before BIRD ever sees the file.
          await run([install.bird, '-p', '-c', config]);
          const out = openSync(join(dir, 'stderr.log'), 'a');
          const argv = birdArgv(install, { config, socket: join(dir, 'bird.ctl'), pidFile: join(dir, 'bird.pid'), logFile: join(dir, 'bird.log') });
          const child = spawn('ip', ['netns', 'exec', ns.get(n.name)!, ...argv], { stdio: ['ignore', out, out] });
          closeSync(out);
          running.push({ node: n.name, ns: ns.get(n.name)!, socket: join(dir, 'bird.ctl'), child });
        }
        // Converged = every session Established and every kernel holds the simulator's routes.
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && !converged) {
          await sleep(1000);
          try {
            const diffs: string[] = [];
            for (const r of running) {
              const rows = (await birdProtocols(localExec, install, r.socket)).filter((x) => x.proto === 'BGP');
              for (const x of rows) if (!x.info.startsWith('Established')) diffs.push(`${r.node} ${x.name}: ${x.info}`);
              const got = await kernelBirdRoutes(r.ns);
              if (JSON.stringify(got) !== JSON.stringify(exp.routes.get(r.node))) diffs.push(`${r.node} routes: ${got.join(', ')}`);
            }
            lastDiff = diffs.join('; ');
            converged = diffs.length === 0;
          } catch (e) {
            lastDiff = (e as Error).message; // a socket not there yet
          }
        }
      }, 120_000);

      afterAll(async () => {
        await Promise.all(running.map(stopBird));
        for (const name of created) await localExec(['ip', 'netns', 'del', name]);
      });

      it('every BIRD runs from its per-node directory with the chosen dialect', () => {
        expect(install.dialect).toBe(dialect);
        expect(install.version).toMatch(dialect === 'bird1' ? /^1\.6/ : /^2\./);
        expect(running.map((r) => r.node).sort()).toEqual(['leaf1', 'leaf2', 'node-1a', 'node-1b', 'node-2a', 'spine1']);
        for (const r of running) expect(r.child.exitCode, `${r.node}: ${readFileSync(join(base, dialect, r.node, 'stderr.log'), 'utf8')}`).toBeNull();
      });

      it('sessions are Established under the simulator\'s protocol names', async () => {
        for (const r of running) {
          const rows = (await birdProtocols(localExec, install, r.socket)).filter((x) => x.proto === 'BGP');
          expect(rows.map((x) => x.name).sort(), r.node).toEqual(exp.protocols.get(r.node));
          for (const x of rows) expect(x.info, `${r.node} ${x.name}`).toMatch(/^Established/);
        }
      });

      it('the kernels hold the proto bird routes the simulator installed', async () => {
        expect(converged, lastDiff).toBe(true);
        for (const r of running) expect(await kernelBirdRoutes(r.ns), r.node).toEqual(exp.routes.get(r.node));
      });

      it('configure re-reads the file, and a broken file is refused with BIRD\'s message', async () => {
        const leaf = running.find((r) => r.node === 'leaf1')!;
        await birdConfigure(localExec, install, leaf.socket);
        const config = join(base, dialect, 'leaf1', 'bird.cfg');
        const good = readFileSync(config, 'utf8');
        writeFileSync(config, good.replace('local as 65001;', 'local as 65001 65002;'));
        await expect(birdConfigure(localExec, install, leaf.socket)).rejects.toThrow(/bird\.cfg:\d+:\d+/);
        writeFileSync(config, good);
        await birdConfigure(localExec, install, leaf.socket);
      });
    });
  }
});
