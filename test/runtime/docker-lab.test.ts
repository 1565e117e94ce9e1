/**
 * The Docker runtime (`--runtime containerlab` without containerlab) on this machine's
 * dockerd: containers named and labelled as containerlab names them, cables as veths moved
 * into them, switches as host bridges; reachability across the switch and through a router,
 * cable and node control, captures inside a container and on a switch port, and total
 * cleanup — after destroy, and after the engine is SIGKILLed mid-deploy. Then Calico: the
 * leaf-spine fabric through the real LabDriver, pods on two racks pinging each other.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import type { Topology } from '../../engine/model/types.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { DockerLab } from '../../engine/runtime/docker/lab.ts';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import { destroyAll, destroyLab, labDir, listLabs, markedPids, readLabState } from '../../engine/runtime/labs.ts';
import { containerlabDeploy, realLabOf } from '../../engine/scenario/real-driver.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { haveCommands, haveRoot, haveDocker } from '../support/system.ts';

const ok = haveRoot() && haveCommands('dockerd', 'ip', 'nsenter', 'iptables', 'tcpdump') && haveDocker();
const repo = join(import.meta.dirname, '..', '..');
const home = mkdtempSync(join(tmpdir(), 'pl-docker-'));
process.env.PODLAB_HOME = home;
/** Lab-name prefix of this run: another run of this suite may be going on at the same time. */
const P = `dk${process.pid}`;
const docker = new Docker();

async function topology(name: string): Promise<Topology> {
  const r = await loadTopology(join(repo, 'topologies', `${name}.yaml`));
  if (!r.topology) throw new Error(`${name}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.topology;
}

/** Containers of a lab as `docker ps -a --filter label=podlab.lab=LAB` lists them. */
async function labContainers(lab: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`podlab.lab=${lab}`] } });
}

const rootLinks = () => readdirSync('/sys/class/net');

async function ping(lab: DockerLab, from: string, to: string): Promise<boolean> {
  return (await lab.exec(from)(['ping', '-c', '1', '-W', '1', to])).code === 0;
}

/** Pings until one answers (carrier and ARP settle in well under a second). */
async function pingSoon(lab: DockerLab, from: string, to: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) if (await ping(lab, from, to)) return true;
  return false;
}

/** True for an Ethernet frame carrying IPv4 ICMP. */
const isIcmp = (f: Uint8Array) => f[12] === 0x08 && f[13] === 0x00 && f[23] === 1;

/** Everything of lab `id` still on the machine (empty when the lab is gone). */
async function leftovers(lab: string, id: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of await labContainers(lab)) out.push(`container ${c.Names[0]}`);
  for (const c of await docker.listContainers({ all: true, filters: { label: [`podlab.lab-id=${id}`] } })) out.push(`container ${c.Names[0]}`);
  for (const l of rootLinks()) if (l.startsWith(id)) out.push(`link ${l}`);
  for (const n of existsSync('/run/netns') ? readdirSync('/run/netns') : []) if (n.startsWith(`clab-${lab}-`) || n.startsWith(`plab-${id}-`)) out.push(`netns ${n}`);
  const rules = await new Promise<string>((resolve) => {
    const c = spawn('iptables', ['-w', '-S'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let s = '';
    c.stdout.on('data', (d) => (s += d));
    c.on('exit', () => resolve(s));
  });
  for (const r of rules.split('\n')) if (r.includes(`podlab:${id}:`)) out.push(`rule ${r}`);
  for (const p of markedPids()) {
    const env = existsSync(`/proc/${p}/environ`) ? readFileSync(`/proc/${p}/environ`, 'latin1') : '';
    if (env.includes(`PODLAB_LAB_ID=${id}`)) out.push(`process ${p}`);
  }
  return out;
}

describe.runIf(ok)('Docker runtime', () => {
  let images: { node: string; router: string };

  beforeAll(async () => {
    const r = await ensureImages({});
    images = { node: r.node, router: r.router };
  }, 900_000);

  afterAll(async () => {
    for (const l of listLabs()) await destroyLab(l);
  }, 120_000);

  describe('two-nodes without Calico', () => {
    const name = `${P}-two`;
    let lab: DockerLab;
    let id: string;

    beforeAll(async () => {
      const t = await topology('two-nodes');
      lab = await DockerLab.deploy({ ...t, calico: [] }, { lab: name, dir: labDir(name), images });
      id = lab.id;
    }, 300_000);

    afterAll(async () => {
      await lab?.destroy();
    }, 120_000);

    it('names, labels and isolates containers as containerlab does', async () => {
      const cs = await labContainers(name);
      expect(cs.map((c) => c.Names[0]).sort()).toEqual(['gw', 'master-01', 'outside', 'worker-01'].map((n) => `/clab-${name}-${n}`));
      for (const c of cs) {
        const node = c.Labels['clab-node-name']!;
        expect(c.Labels).toMatchObject({
          containerlab: name, 'clab-node-longname': `clab-${name}-${node}`, 'clab-node-kind': 'linux',
          'podlab.lab': name, 'podlab.node': node, 'podlab.lab-id': id,
        });
        expect(c.Labels['podlab.role']).toBe(node === 'gw' ? 'router' : node === 'outside' ? 'host' : 'k8s-node');
        expect(c.Labels['clab-topo-file']).toBe(join(labDir(name), `${name}.clab.yml`));
        expect(c.HostConfig.NetworkMode).toBe('none');
      }
      // The topology's interfaces only: lo and the cabled eth0 (no Docker eth0).
      const links = JSON.parse((await lab.exec('master-01')(['ip', '-j', 'link', 'show'])).stdout) as { ifname: string }[];
      expect(links.map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
      expect(lab.setupRecords().every((r) => r.result.code === 0)).toBe(true);
      // containerlab's netns link: `ip netns exec clab-<lab>-<node>` reaches the container.
      expect(existsSync(`/run/netns/clab-${name}-gw`)).toBe(true);
    });

    it('pings across the switch and through the router', async () => {
      expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
      expect(await pingSoon(lab, 'master-01', '198.51.100.10')).toBe(true);
      expect(await pingSoon(lab, 'outside', '10.30.200.2')).toBe(true);
    });

    it('exec passes stdin and reports exit codes like a shell', async () => {
      const e = lab.exec('worker-01');
      expect(await e(['cat'], { stdin: 'hello\n' })).toEqual({ stdout: 'hello\n', stderr: '', code: 0 });
      expect((await e(['sh', '-c', 'exit 3'])).code).toBe(3);
      expect((await e(['no-such-program'])).code).toBe(127);
    });

    it('pulls and reconnects a cable', async () => {
      const s = await lab.setLink('master-01', 'eth0', { state: 'down' });
      expect(s).toMatchObject({ endpoints: ['master-01:eth0', 'sw1:eth1'], state: 'down' });
      expect(await ping(lab, 'master-01', '10.30.200.2')).toBe(false);
      // The node's own interface stays administratively up, without carrier, as with a pulled cable.
      expect((await lab.exec('master-01')(['ip', 'link', 'show', 'eth0'])).stdout).toContain('NO-CARRIER');
      expect((await lab.setLink('sw1', 'eth1', { state: 'up' })).state).toBe('up');
      expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
    });

    it('captures inside a container and on a switch port', async () => {
      const inNode: Uint8Array[] = [];
      const onSwitch: Uint8Array[] = [];
      const stop1 = await lab.capture('worker-01', 'eth0', (p) => inNode.push(p.data));
      const stop2 = await lab.capture('sw1', 'eth2', (p) => onSwitch.push(p.data));
      expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      await stop1();
      await stop2();
      expect(inNode.filter(isIcmp).length).toBeGreaterThanOrEqual(2);
      expect(onSwitch.filter(isIcmp).length).toBeGreaterThanOrEqual(2);
    });

    it('powers a node off (docker pause) and on', async () => {
      await lab.setNode('gw', 'stopped');
      expect((await docker.getContainer(`clab-${name}-gw`).inspect()).State.Paused).toBe(true);
      expect(await ping(lab, 'master-01', '198.51.100.10')).toBe(false);
      await lab.setNode('gw', 'started');
      expect((await docker.getContainer(`clab-${name}-gw`).inspect()).State.Paused).toBe(false);
      expect(await pingSoon(lab, 'master-01', '198.51.100.10')).toBe(true);
    });

    it('destroy leaves no container, veth, bridge, rule, netns link or process', async () => {
      await lab.destroy();
      expect(await leftovers(name, id)).toEqual([]);
      expect(readLabState(name)).toBeUndefined();
    }, 120_000);
  });

  it('a failed deploy leaves nothing', async () => {
    const t = await topology('two-nodes');
    const name = `${P}-bad`;
    // An image that does not exist is refused before anything is created.
    await expect(DockerLab.deploy({ ...t, calico: [] }, { lab: name, dir: labDir(name), images: { node: images.node, router: 'podlab-no/such:image' } })).rejects.toThrow(/not on this machine/);
    expect(readLabState(name)).toBeUndefined();
    // A setup command failing half-way (a gateway off every subnet) removes what was made.
    const broken: Topology = { ...t, calico: [], nodes: t.nodes.map((n) => (n.name === 'outside' ? { ...n, routes: n.routes.map((r) => ({ ...r, via: parseIPv4('10.70.0.1') })) } : n)) };
    await expect(DockerLab.deploy(broken, { lab: name, dir: labDir(name), images })).rejects.toThrow(/^outside: setup command 'ip route add default via 10\.70\.0\.1' failed/);
    expect(readLabState(name)).toBeUndefined();
    expect(await labContainers(name)).toEqual([]);
  }, 300_000);

  it('destroyAll removes everything of an engine SIGKILLed mid-deploy', async () => {
    const name = `${P}-killed`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'docker', 'deploy-child.ts'), join(repo, 'topologies', 'leaf-spine.yaml'), name, labDir(name), images.node, images.router], {
      cwd: repo, env: { ...process.env, PODLAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // Kill while cables are being made: containers running, bridges and veths partly there.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('progress cabling')) {
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 400);
        }
      });
      child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`child exited (${code}) before it was killed: ${out}${err}`)); });
    });
    await new Promise((r) => setTimeout(r, 200));
    const id = readLabState(name)!.id;
    expect((await labContainers(name)).length).toBeGreaterThan(0);
    const removed = await destroyAll();
    expect(removed.labs).toContain(name);
    expect(await leftovers(name, id)).toEqual([]);
  }, 300_000);

  describe('Calico on leaf-spine through the real driver', () => {
    const name = `${P}-calico`;
    let d: LabDriver | undefined;

    afterAll(async () => {
      await d?.destroy();
    }, 120_000);

    it('converges, gives pods addresses and pings across racks', async () => {
      const t = await topology('leaf-spine');
      d = await containerlabDeploy(t, { lab: name, images });
      expect(d.runtime).toBe('containerlab');
      const c = d.calico()!;
      await c.addPod('node-1a', 'default', 'pod-1a', { labels: {} });
      await c.addPod('node-3b', 'default', 'pod-3b', { labels: {} });
      const conv = await c.converge(180_000);
      expect(conv.pending).toEqual([]);
      for (const n of ['node-1a', 'leaf1', 'spine1']) {
        const s = await c.bgpSessions(n);
        expect(s?.length).toBeGreaterThan(0);
        expect(s!.every((x) => x.state === 'Established')).toBe(true);
      }
      const pods = c.pods();
      const a = pods.get('default/pod-1a')!;
      const b = pods.get('default/pod-3b')!;
      expect(a.ip).toMatch(/^10\.5\./);
      const r = await d.exec(a.podNode, ['ping', '-c', '2', '-W', '2', b.ip]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      // The agent and BIRD run inside the node's container: its routes carry BIRD's protocol.
      const routes = (await d.exec('node-1a', ['ip', 'route'])).stdout;
      expect(routes).toMatch(/proto bird/);
      const id = realLabOf(d)!.id;
      await d.destroy();
      d = undefined;
      expect(await leftovers(name, id)).toEqual([]);
    }, 600_000);
  });
});
