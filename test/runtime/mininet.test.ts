/**
 * The Mininet runtime on the real kernel: deploy, reachability, link and node control,
 * captures, per-VLAN bridges, two labs side by side, and total cleanup — also after the
 * engine is SIGKILLed mid-deploy. No Calico here: hosts, routers, switches, links and the
 * setup commands only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import type { Topology } from '../../engine/model/types.ts';
import { decodeFrame } from '../../engine/net/codec/index.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import type { Ipv4Packet, IcmpMessage } from '../../engine/net/packet.ts';
import { detectKernel, type KernelCapabilities } from '../../engine/runtime/linux/capabilities.ts';
import { destroyAll, labIdIsLive, listLabs, markedPids, readLabState } from '../../engine/runtime/labs.ts';
import { MininetLab } from '../../engine/runtime/mininet/lab.ts';
import { haveCommands, haveLinkKind, haveRoot, haveMininet } from '../support/system.ts';

const ok = haveRoot() && haveCommands('ip', 'tc', 'nft', 'tcpdump', 'nsenter', 'mnexec', 'ping') && haveMininet();
const repo = join(import.meta.dirname, '..', '..');
const home = mkdtempSync(join(tmpdir(), 'pl-mininet-'));
process.env.PODLAB_HOME = home;
/** Lab-name prefix of this run: another run of this suite may be going on at the same time. */
const P = `mn${process.pid}`;

const rootLinks = () => readdirSync('/sys/class/net').sort();
const uptimeSec = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
/** Seconds since boot at which a process started (/proc/PID/stat field 22, in USER_HZ = 100 ticks). */
const startedAt = (pid: string) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
};
/**
 * `pid cmdline (state)` of every process that started before `since` (uptime seconds) and is
 * inside one of the given network namespaces. Namespace inode numbers are reused once freed,
 * so a process another suite started later may show a freed namespace's number: not ours.
 */
const netnsHolders = (nss: Set<string>, since: number) =>
  readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      if (!nss.has(readlinkSync(`/proc/${p}/ns/net`)) || startedAt(p) > since) return [];
      const state = /^State:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      return [`${p} ${readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()} (${state})`];
    } catch {
      return [];
    }
  });
const netnsList = () => (existsSync('/run/netns') ? readdirSync('/run/netns').sort() : []);
const podlabName = (n: string) => /^pl[0-9a-z]{3}[bwpt][0-9]/.test(n);
/** Root links that appeared since `before`, except those of other live labs (someone may be running one). */
const newLinks = (before: string[]) => rootLinks().filter((l) => !before.includes(l) && !(podlabName(l) && labIdIsLive(l.slice(0, 5))));
/** Mininet node shells of this suite's labs (other suites may run labs of their own meanwhile). */
const mininetShells = () =>
  readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('mininet:')
        && readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').some((v) => v.startsWith(`PODLAB_LAB=${P}-`));
    } catch {
      return false;
    }
  }).length;

async function topology(name: string): Promise<Topology> {
  const r = await loadTopology(join(repo, 'topologies', `${name}.yaml`));
  if (!r.topology) throw new Error(`${name}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.topology;
}

async function ping(lab: MininetLab, from: string, to: string, count = 1): Promise<boolean> {
  return (await lab.exec(from)(['ping', '-c', String(count), '-W', '1', '-i', '0.2', to])).code === 0;
}

/** Pings until one answers (carrier and ARP settle in well under a second). */
async function pingSoon(lab: MininetLab, from: string, to: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) if (await ping(lab, from, to)) return true;
  return false;
}

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe.runIf(ok)('detectKernel', () => {
  it('agrees with the link-kind probes and names the module of what is missing', async () => {
    const caps = await detectKernel();
    expect(caps.root).toBe(true);
    expect(caps.vxlan).toBe(haveLinkKind('vxlan'));
    expect(caps.ipip).toBe(haveLinkKind('ipip'));
    expect(caps.vlan8021q).toBe(haveLinkKind('vlan'));
    const missing = caps.missing('ipip', 'vxlan', '8021q');
    expect(missing.some((m) => m.includes('modprobe ipip'))).toBe(!caps.ipip);
    expect(missing.some((m) => m.includes('modprobe vxlan'))).toBe(!caps.vxlan);
    expect(netnsList().filter((n) => n.startsWith('podlab-caps-'))).toEqual([]);
  });
});

describe.runIf(ok)('mininet runtime: two-nodes', () => {
  let lab: MininetLab;
  let caps: KernelCapabilities;
  let linksBefore: string[];
  let netnsBefore: string[];
  const progress: string[] = [];

  beforeAll(async () => {
    caps = await detectKernel();
    linksBefore = rootLinks();
    netnsBefore = netnsList();
    lab = await MininetLab.deploy(await topology('two-nodes'), { lab: `${P}-two`, dir: join(home, 'logs-two'), onProgress: (m) => progress.push(m) });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('deploys every non-switch node with its addresses and records the setup', async () => {
    expect([...lab.nodes()].sort()).toEqual(['gw', 'master-01', 'outside', 'worker-01']);
    expect(progress.some((p) => p.startsWith('setting up master-01'))).toBe(true);
    const addrs = JSON.parse((await lab.exec('master-01')(['ip', '-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as { addr_info: { family: string; local: string; prefixlen: number }[] }[];
    expect(addrs[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.30.200.1/24']);
    const gw = JSON.parse((await lab.exec('gw')(['ip', '-j', '-4', 'addr'])).stdout) as { ifname: string; addr_info: { local: string }[] }[];
    expect(gw.filter((i) => i.ifname !== 'lo').map((i) => `${i.ifname}=${i.addr_info[0]?.local}`).sort()).toEqual(['eth1=10.30.200.254', 'eth2=198.51.100.1']);
    const records = lab.setupRecords();
    expect(records.length).toBeGreaterThan(8);
    expect(records.every((r) => r.result.code === 0)).toBe(true);
    expect(records.some((r) => r.node === 'gw' && r.argv.join(' ') === 'sysctl -w net.ipv4.ip_forward=1')).toBe(true);
    // The record names the lab's id and every root-namespace object before cleanup needs it.
    const state = readLabState(`${P}-two`)!;
    expect(state.id).toBe(lab.id);
    expect(state.bridges.length).toBeGreaterThan(0);
    expect(state.links.every((l) => l.startsWith(lab.id))).toBe(true);
  });

  it('pings across the switch and through the gw router', async () => {
    expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
    expect(await pingSoon(lab, 'outside', '10.30.200.1')).toBe(true);
  });

  it('setLink down removes carrier at both ends and stops ping; up restores it', async () => {
    const down = await lab.setLink('master-01', 'eth0', { state: 'down' });
    expect(down).toEqual({ endpoints: ['master-01:eth0', 'sw1:eth1'], state: 'down', latencyMs: 0, lossPct: 0 });
    const link = JSON.parse((await lab.exec('master-01')(['ip', '-j', 'link', 'show', 'dev', 'eth0'])).stdout)[0] as { flags: string[] };
    expect(link.flags).toContain('NO-CARRIER');
    expect(link.flags).toContain('UP'); // administratively still up: routes survive the pulled cable
    expect(await ping(lab, 'master-01', '10.30.200.2')).toBe(false);
    // The host-host cable (gw <-> outside) goes down through its wire bridge: both ends lose carrier.
    await lab.setLink('outside', 'eth0', { state: 'down' });
    for (const [n, i] of [['gw', 'eth2'], ['outside', 'eth0']] as const) {
      const l = JSON.parse((await lab.exec(n)(['ip', '-j', 'link', 'show', 'dev', i])).stdout)[0] as { flags: string[] };
      expect(l.flags).toContain('NO-CARRIER');
    }
    const up = await lab.setLink('sw1', 'eth1', { state: 'up' });
    expect(up.endpoints).toEqual(['sw1:eth1', 'master-01:eth0']);
    expect(up.state).toBe('up');
    await lab.setLink('gw', 'eth2', { state: 'up' });
    expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
    expect(await pingSoon(lab, 'outside', '10.30.200.1')).toBe(true);
  });

  it('impairs a link: loss shows in the node (tc netem, or nftables where the kernel has no netem)', async () => {
    const s = await lab.setLink('gw', 'eth2', { lossPct: 30 });
    expect(s.lossPct).toBe(30);
    const shown = caps.netem
      ? (await lab.exec('gw')(['tc', 'qdisc', 'show', 'dev', 'eth2'])).stdout
      : (await lab.exec('gw')(['nft', 'list', 'ruleset'])).stdout;
    expect(shown).toMatch(caps.netem ? /netem .*loss 30%/ : /egress device "eth2"[\s\S]*numgen random mod 10000 < 3000/);
    if (caps.netem) {
      const l = await lab.setLink('gw', 'eth2', { latencyMs: 20 });
      expect(l.latencyMs).toBe(20);
      expect((await lab.exec('outside')(['tc', 'qdisc', 'show', 'dev', 'eth0'])).stdout).toMatch(/delay 20/);
    } else {
      await expect(lab.setLink('gw', 'eth2', { latencyMs: 20 })).rejects.toThrow(/sch_netem/);
    }
    const cleared = await lab.setLink('gw', 'eth2', { latencyMs: 0, lossPct: 0 });
    expect(cleared).toMatchObject({ latencyMs: 0, lossPct: 0 });
    expect(await pingSoon(lab, 'outside', '10.30.200.1')).toBe(true);
  });

  it('captures ICMP frames with the real tcpdump, decoded by our codec', async () => {
    const frames: Uint8Array[] = [];
    const stop = await lab.capture('worker-01', 'eth0', (p) => frames.push(p.data));
    expect(await ping(lab, 'master-01', '10.30.200.2', 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await stop();
    const icmp = frames.map((f) => decodeFrame(f)).filter((f) => f.etherType === 0x0800)
      .map((f) => f.payload as Ipv4Packet).filter((p) => p.protocol === 1);
    const types = icmp.map((p) => (p.payload as IcmpMessage).type);
    expect(types.filter((t) => t === 8).length).toBeGreaterThanOrEqual(2);
    expect(types.filter((t) => t === 0).length).toBeGreaterThanOrEqual(2);
  });

  it('setNode stopped freezes the node processes and cuts its cables; started restores both', async () => {
    const child = lab.spawn('worker-01', ['sleep', '600']);
    await new Promise((r) => setTimeout(r, 100));
    const state = () => /^State:\s+(\S)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1];
    expect(markedPids(lab.id)).toContain(child.pid);
    await lab.setNode('worker-01', 'stopped');
    expect(state()).toBe('T');
    expect(await ping(lab, 'master-01', '10.30.200.2')).toBe(false);
    await lab.setNode('worker-01', 'started');
    expect(state()).not.toBe('T');
    expect(await pingSoon(lab, 'master-01', '10.30.200.2')).toBe(true);
  });

  it('destroy leaves no link, netns, process or record of the lab', async () => {
    const labNetns = new Set(lab.nodes().map((n) => readlinkSync(`/proc/${lab.pid(n)}/ns/net`)));
    expect(labNetns.size).toBe(4);
    const before = uptimeSec();
    await lab.destroy();
    // The nodes' namespaces are unnamed (held by their shells): none may still be held by anyone.
    expect(netnsHolders(labNetns, before)).toEqual([]);
    expect(newLinks(linksBefore)).toEqual([]);
    expect(rootLinks().filter((l) => l.startsWith(lab.id))).toEqual([]);
    // Other suites add and remove their own named namespaces meanwhile: no podlab one may be new.
    expect(netnsList().filter((n) => !netnsBefore.includes(n) && n.startsWith('plab-') && !labIdIsLive(n.slice(5, 10)))).toEqual([]);
    expect(markedPids(lab.id)).toEqual([]);
    expect(readLabState(`${P}-two`)).toBeUndefined();
    const rules = spawnText('iptables', ['-w', '-S', 'FORWARD']);
    expect(await rules).not.toContain(`podlab:${lab.id}:`);
  });
});

function spawnText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out));
    c.on('error', () => resolve(''));
  });
}

const VLAN_LAB = `
name: vlans
vlans:
  red: { id: 10, subnet: 10.40.10.0/24 }
  blue: { id: 20, subnet: 10.40.20.0/24 }
nodes:
  sw1: { kind: switch, ports: { eth1: { mode: access, vlan: 10 }, eth2: { mode: access, vlan: 20 }, eth9: { mode: trunk, vlans: [10, 20] } } }
  sw2: { kind: switch, ports: { eth1: { mode: access, vlan: 10 }, eth2: { mode: access, vlan: 20 }, eth9: { mode: trunk, vlans: [10, 20] } } }
  a1: { kind: host, interfaces: { eth0: { address: 10.40.10.1/24 } } }
  b1: { kind: host, interfaces: { eth0: { address: 10.40.20.1/24 } } }
  a2: { kind: host, interfaces: { eth0: { address: 10.40.10.2/24 } } }
  b2: { kind: host, interfaces: { eth0: { address: 10.40.20.2/24 } } }
links:
  - endpoints: ["a1:eth0", "sw1:eth1"]
  - endpoints: ["b1:eth0", "sw1:eth2"]
  - endpoints: ["a2:eth0", "sw2:eth1"]
  - endpoints: ["b2:eth0", "sw2:eth2"]
  - endpoints: ["sw1:eth9", "sw2:eth9"]
`;

describe.runIf(ok)('mininet runtime: VLANs as per-VLAN bridges', () => {
  it('floors: a trunk joins the VLAN across switches, routers join the floors', async () => {
    const lab = await MininetLab.deploy(await topology('floors'), { lab: `${P}-floors`, dir: join(home, 'logs-floors') });
    try {
      expect(lab.notes.join('\n')).toMatch(/each VLAN of a switch is its own Linux bridge/);
      expect(lab.notes.join('\n')).toMatch(/floor1-sw:eth9 <-> floor1-sw2:eth9: trunk realised as 1 veth pair/);
      const trunk = (await spawnText('ip', ['-d', 'link', 'show', `${lab.id}t3v10a`]));
      expect(trunk).toContain(`alias podlab ${P}-floors: floor1-sw:eth9 vlan 10 <-> floor1-sw2:eth9 vlan 10`);
      expect(await pingSoon(lab, 'master-01', '10.30.1.100')).toBe(true); // across the trunk
      expect(await pingSoon(lab, 'master-01', '10.30.2.11')).toBe(true); // floor 1 -> floor 2 via the ToRs
    } finally {
      await lab.destroy();
    }
  });

  it('frames stay in their VLAN: same VLAN across the trunk answers, the other VLAN does not', async () => {
    const r = parseTopology(VLAN_LAB, 'vlans.yaml');
    if (!r.topology) throw new Error(r.problems.map((p) => `${p.loc.line}: ${p.message}`).join('; '));
    const lab = await MininetLab.deploy(r.topology, { lab: `${P}-vlans`, dir: join(home, 'logs-vlans') });
    try {
      expect(lab.notes.join('\n')).toMatch(/sw1:eth9 <-> sw2:eth9: trunk realised as 2 veth pair\(s\), one per VLAN \(10, 20\)/);
      expect(await pingSoon(lab, 'a1', '10.40.10.2')).toBe(true);
      expect(await pingSoon(lab, 'b1', '10.40.20.2')).toBe(true);
      // Give a1 an address in blue's subnet: it still cannot reach blue hosts, whose
      // broadcasts and frames never enter VLAN 10.
      await lab.exec('a1')(['ip', 'addr', 'add', '10.40.20.9/24', 'dev', 'eth0']);
      expect(await ping(lab, 'a1', '10.40.20.1')).toBe(false);
      expect(await ping(lab, 'a1', '10.40.20.2')).toBe(false);
      // Cutting the trunk cuts both VLANs.
      await lab.setLink('sw1', 'eth9', { state: 'down' });
      expect(await ping(lab, 'a1', '10.40.10.2')).toBe(false);
      expect(await ping(lab, 'b1', '10.40.20.2')).toBe(false);
    } finally {
      await lab.destroy();
    }
  });
});

describe.runIf(ok)('mininet runtime: labs side by side and crash cleanup', () => {
  it('two labs of the same topology run at once without colliding', async () => {
    const t = await topology('two-nodes');
    const [a, b] = await Promise.all([
      MininetLab.deploy(t, { lab: `${P}-side-a`, dir: join(home, 'logs-a') }),
      MininetLab.deploy(t, { lab: `${P}-side-b`, dir: join(home, 'logs-b') }),
    ]);
    try {
      expect(a.id).not.toBe(b.id);
      expect(a.pid('master-01')).not.toBe(b.pid('master-01'));
      expect(await pingSoon(a, 'master-01', '10.30.200.2')).toBe(true);
      expect(await pingSoon(b, 'master-01', '10.30.200.2')).toBe(true);
      await a.destroy();
      expect(rootLinks().filter((l) => l.startsWith(a.id))).toEqual([]);
      expect(rootLinks().filter((l) => l.startsWith(b.id)).length).toBeGreaterThan(0);
      expect(await pingSoon(b, 'outside', '10.30.200.1')).toBe(true);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('a failing setup command aborts the deploy with node and command, and leaves nothing behind', async () => {
    const t = await topology('two-nodes');
    // An unreachable next hop (validation would refuse it in a file): `ip route add` fails.
    const broken: Topology = {
      ...t,
      nodes: t.nodes.map((n) => (n.name === 'outside' ? { ...n, routes: n.routes.map((r) => ({ ...r, via: parseIPv4('10.70.0.1') })) } : n)),
    };
    const linksBefore = rootLinks();
    const shellsBefore = mininetShells();
    const err = await MininetLab.deploy(broken, { lab: `${P}-broken`, dir: join(home, 'logs-broken') }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^outside: setup command 'ip route add default via 10\.70\.0\.1' failed \(exit 2\): /);
    expect(readLabState(`${P}-broken`)).toBeUndefined();
    expect(newLinks(linksBefore)).toEqual([]);
    expect(mininetShells()).toBe(shellsBefore);
  });

  it('destroyAll removes everything of an engine SIGKILLed mid-deploy', async () => {
    const linksBefore = rootLinks();
    const shellsBefore = mininetShells();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'mininet', 'deploy-child.ts'), join(repo, 'topologies', 'floors.yaml'), `${P}-killed`, join(home, 'logs-killed')], {
      cwd: repo, env: { ...process.env, PODLAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // Kill once the cables are being made: namespaces, bridges and veths all partly exist.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (/progress cable .*\n.*progress cable/s.test(out)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`child exited before it was killed: ${out}${err}`)));
    });
    const killedId = readLabState(`${P}-killed`)!.id;
    expect(rootLinks().some(podlabName) || mininetShells() > shellsBefore).toBe(true);
    const removed = await destroyAll();
    expect(removed.labs).toContain(`${P}-killed`);
    expect(listLabs()).toEqual([]);
    expect(rootLinks().filter((l) => l.startsWith(killedId))).toEqual([]);
    expect(newLinks(linksBefore)).toEqual([]);
    expect(mininetShells()).toBe(shellsBefore);
    expect(markedPids().filter((p) => readFileSync(`/proc/${p}/environ`, 'latin1').includes(`PODLAB_LAB=${P}-killed`))).toEqual([]);
  });
});
