/**
 * The Docker runtime (`--runtime containerlab` without the containerlab CLI): the lab
 * containerlab would deploy, built by podlab itself through the Docker Engine API (dockerode).
 *
 * - One container per non-switch node, `clab-<lab>-<node>` with containerlab's labels
 *   (container-spec.ts), `network-mode: none`, privileged, `sleep infinity`, the lab's
 *   process markers in its environment. Nodes run their image's own programs — `podlab`
 *   (agent, CNI plugin), BIRD 1.6 and 2, probed inside the containers (node-programs.ts) —
 *   never the engine's. The lab directory is bind-mounted at the same path into every node
 *   (the lab's own files: BIRD's configs and sockets, etcd's unix socket), so paths the
 *   engine writes mean the same inside; k8s nodes also get the host's /run/netns (pods'
 *   namespaces, rslave so namespaces made after start appear inside). Each container's
 *   namespace is linked as /run/netns/clab-<lab>-<node>, as containerlab does.
 * - Switches are root-namespace Linux bridges and cables are veths, planned exactly as for
 *   Mininet (mininet/plan.ts), wired as containerlab wires veths (wiring.ts). FORWARD accept
 *   rules are added for the lab's bridges when br_netfilter sends bridged frames through
 *   iptables (dockerd sets FORWARD's policy to DROP); the policy itself is never touched.
 * - Record first: every name (containers, bridges, veth ends, temporary names, rules,
 *   netns links) goes into the lab record (labs.ts) before it exists, and a failure at any
 *   step removes the lab before the error reaches the caller.
 *
 * Where commands run, by purpose:
 * - `exec` (setup commands, scenario commands, the CNI plugin, birdc): Docker's exec API,
 *   i.e. the container's own programs, filesystem, namespaces and cgroup — what `docker exec`
 *   and containerlab's `exec:` run.
 * - `spawn` (agents, BIRD): `nsenter --target <pid> --net --mount --uts --ipc` as a child of
 *   the engine. The process sees the container's filesystem and network like a docker-exec'd
 *   one, but it is a real ChildProcess (pid, stdio pipes, signals, exit) that dockerode's exec
 *   cannot give (the API has no kill and no process handle). It stays in the host's pid
 *   namespace and cgroup, so `docker top` does not list it; it carries the lab's markers.
 * - Kernel plumbing from outside (moving and renaming veths, carrier, netem): the host's
 *   iproute2/tc through `nsenter --net`, as containerlab does it with netlink from the host —
 *   it must not depend on the image's tools.
 *
 * Stopping a node is `docker pause` (cgroup freezer: every process of the container stops
 * with its state) plus SIGSTOP of the processes spawned into it, and its cables lose carrier;
 * starting is the reverse. A paused container keeps its namespace, so its veths and
 * addresses survive and nothing needs re-creating (a `docker stop` would destroy the
 * namespace, and with it the veths containerlab's `tools veth create` would have to re-add).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import type { Topology } from '../../model/types.ts';
import { cabledIfaces } from '../setup-commands.ts';
import { localExec, mustRun, pidExec, type Exec } from '../linux/exec.ts';
import { detectKernel, type KernelCapabilities } from '../linux/capabilities.ts';
import { checkIfName, createLab, destroyLab, labEnv, recordResources, validLabName, type LabState } from '../labs.ts';
import { isRootEnd, planMininet, type LinkRealisation, type MininetPlan, type VethEnd } from '../mininet/plan.ts';
import type { LabServices, NodePrograms, RealLab, RealLinkChange, RealLinkStatus } from '../real-lab.ts';
import { imagePrograms } from './node-programs.ts';
import { RealLabBase } from '../real/lab-base.ts';
import { childTcpdump, streamTcpdump, tcpdumpArgv } from '../real/tcpdump-stream.ts';
import { forwardAcceptRules, insertForwardAccepts } from '../real/forward-accept.ts';
import { runSetupCommands, type SetupRecord } from '../real/node-setup.ts';
import { renderClabFile } from '../containerlab/clab-file.ts';
import { daemonShell, ETCD_NODE, planContainerlab, type ClabLab } from '../containerlab/lab-plan.ts';
import { capabilityGaps, containerName, LABEL, nodeContainerSpec } from './container-spec.ts';
import { containerExec, streamExec } from './docker-exec.ts';
import { dockerReachable, removeLabContainers } from './cleanup.ts';
import { impairCommands, planWiring, type WiringStep } from './wiring.ts';
import { ensureImages } from './images.ts';

/** The images nodes run: k8s nodes, hosts (and any other kind) on `node`, routers on `router`. */
export interface DockerImages {
  readonly node: string;
  readonly router: string;
}

/** Options of a Docker deployment. */
export interface DockerDeployOptions {
  /** Lab name: the registry key, the `clab-<lab>-` prefix and the marker every process carries. */
  lab: string;
  /** The lab's directory (labs.ts labDir): logs, the .clab.yml, etcd and per-node files. */
  dir: string;
  onProgress?: (msg: string) => void;
  /** Images to run; default: the images module's `ensureImages()` (built when missing). */
  images?: DockerImages;
  /** A Docker client (default: the local daemon through DOCKER_HOST or /var/run/docker.sock). */
  docker?: Docker;
}

/** A setup command as it ran on a node. */
export type DockerSetupRecord = SetupRecord;

/** Raised when deploying fails; the lab has already been removed. */
export class DockerDeployError extends Error {
  override name = 'DockerDeployError';
}

/** podlab's images, built when missing (images.ts), with their progress as lines. */
async function defaultImages(onProgress: (msg: string) => void, docker: Docker): Promise<DockerImages> {
  onProgress('checking podlab/node and podlab/router (built when missing)');
  const r = await ensureImages({ docker, onProgress: (p) => onProgress(`images: ${p.image} ${p.step} (${p.elapsedS} s)`) });
  if (r.built) onProgress(`images built (log ${r.logFile ?? 'none'})`);
  return { node: r.node, router: r.router };
}

/** A topology running in Docker containers. */
export class DockerLab extends RealLabBase implements RealLab {
  readonly runtime = 'containerlab';
  /** Each container's environment (its image's ENV and ours): processes spawned into it get it too. */
  private readonly envs = new Map<string, readonly string[]>();

  private constructor(
    topology: Topology,
    plan: MininetPlan,
    /** The containerlab lab this deployment realises: its etcd node, files and boot commands. */
    private readonly clab: ClabLab | undefined,
    state: LabState,
    private readonly docker: Docker,
    caps: KernelCapabilities,
    readonly dir: string,
    notes: string[],
  ) {
    super(topology, plan, state, caps, notes, 'container');
  }

  /** Deploys a validated topology; throws DockerDeployError and leaves nothing behind on failure. */
  static async deploy(topology: Topology, opts: DockerDeployOptions): Promise<DockerLab> {
    if (!validLabName(opts.lab)) throw new DockerDeployError(`invalid lab name '${opts.lab}': 1-40 characters of A-Z a-z 0-9 _ . -`);
    const progress = opts.onProgress ?? (() => undefined);
    if (process.getuid?.() !== 0) throw new DockerDeployError('the containerlab runtime needs root (veths moved into containers, bridges): run as root or use --runtime sim');
    if (!dockerReachable()) throw new DockerDeployError('no Docker daemon: install docker.io and start dockerd (no socket at /var/run/docker.sock or DOCKER_HOST)');
    const docker = opts.docker ?? new Docker();
    try {
      await docker.ping();
    } catch (e) {
      throw new DockerDeployError(`the Docker daemon does not answer: ${(e as Error).message}`);
    }
    const hosts = topology.nodes.filter((n) => n.kind !== 'switch');
    // The lab as containerlab would run it, named as this lab: its boot commands, files, etcd node.
    const clab = planLab(topology, opts.lab);
    const names = [...hosts.map((n) => containerName(opts.lab, n.name)), ...(clab?.etcd ? [containerName(opts.lab, ETCD_NODE)] : [])];
    const clash = (await docker.listContainers({ all: true, filters: { name: names.map((n) => `^/${n}$`) } })).map((c) => c.Names[0]?.replace(/^\//, ''));
    if (clash.length) throw new DockerDeployError(`container(s) ${clash.join(', ')} already exist: remove them (podlab destroy ${opts.lab}, or docker rm -f) first`);
    const images = opts.images ?? (await defaultImages(progress, docker));
    for (const img of new Set([images.node, images.router, ...hosts.map((n) => n.image).filter((x): x is string => !!x)])) {
      try {
        await docker.getImage(img).inspect();
      } catch {
        throw new DockerDeployError(`image '${img}' is not on this machine: build it (podlab images build) — no registry is pulled from`);
      }
    }
    const caps = await detectKernel();
    mkdirSync(opts.dir, { recursive: true });
    const state = createLab(opts.lab, 'containerlab');
    try {
      const plan = planMininet(topology, state.id, { vlanFiltering: caps.vlanFiltering });
      const wiring = planWiring(plan, opts.lab);
      const notes = [...plan.notes];
      const rules = await forwardAcceptRules(plan.bridges.map((b) => b.name), state);
      const nsLinks = names.filter((n) => /^[A-Za-z0-9_.-]{1,200}$/.test(n));
      const mgmtCables = clab?.etcd ? mgmtWiring(clab, state.id) : { steps: [], tempNames: [] };
      recordResources(opts.lab, {
        bridges: plan.bridges.map((b) => b.name),
        links: [...plan.rootLinks, ...wiring.tempNames, ...mgmtCables.tempNames],
        iptables: rules,
        netns: nsLinks,
        extra: { notes, containers: names },
      });
      const topoFile = writeClabFiles(clab, opts.dir, notes);
      const lab = new DockerLab(topology, plan, clab, state, docker, caps, opts.dir, notes);
      const missingCaps = capabilityGaps(/^CapBnd:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '');
      if (missingCaps.length) notes.push(`containers are not --privileged (this engine lacks CAP_${missingCaps.join(', CAP_')}, which runc would refuse to grant): they get every other capability, no seccomp/AppArmor filter and a writable /proc/sys`);
      if (hosts.some((n) => n.kind === 'k8s-node')) await sharedNetnsDir(state);
      progress(`creating ${hosts.length} containers (lab ${opts.lab}, id ${state.id})`);
      for (const n of hosts) {
        const k8s = n.kind === 'k8s-node';
        const spec = nodeContainerSpec({
          lab: opts.lab, id: state.id, node: n,
          image: n.image ?? (n.kind === 'router' ? images.router : images.node),
          nodeDir: join(opts.dir, 'nodes', n.name), topoFile, owner: process.env.SUDO_USER ?? process.env.USER ?? 'root',
          interfaces: cabledIfaces(topology, n.name).length,
          env: labEnv(state),
          missingCaps,
          binds: [[opts.dir, 'rw'], ...(k8s ? [['/run/netns', 'rw', 'rslave'] as const] : [])],
          files: boundFiles(clab, n.name, opts.dir),
        });
        await docker.createContainer(spec);
      }
      const members = [...hosts];
      if (clab?.etcd) {
        progress(`creating ${ETCD_NODE} (etcd on the management network ${clab.definition.mgmt.network}, ${clab.definition.mgmt['ipv4-subnet']})`);
        await createMgmtNetwork(docker, clab, state);
        await docker.createContainer(nodeContainerSpec({
          lab: opts.lab, id: state.id, node: { name: ETCD_NODE, kind: 'etcd' }, image: images.node,
          nodeDir: join(opts.dir, 'nodes', ETCD_NODE), topoFile, owner: process.env.SUDO_USER ?? process.env.USER ?? 'root',
          interfaces: clab.boot[ETCD_NODE]!.length, env: labEnv(state), missingCaps, binds: [],
          files: boundFiles(clab, ETCD_NODE, opts.dir), cmd: clab.etcd.argv,
          network: { name: clab.definition.mgmt.network, ipv4: clab.etcd.hostAddress },
        }));
        members.push({ ...hosts[0]!, name: ETCD_NODE });
      }
      for (const n of members) {
        const ctr = docker.getContainer(containerName(opts.lab, n.name));
        await ctr.start();
        const info = await ctr.inspect();
        const pid = info.State.Pid;
        if (!pid) throw new DockerDeployError(`container ${containerName(opts.lab, n.name)} has no process after start`);
        lab.pids.set(n.name, pid);
        lab.envs.set(n.name, info.Config.Env ?? []);
        linkNetns(containerName(opts.lab, n.name), pid);
      }
      recordResources(opts.lab, { pids: [...lab.pids.values()] });
      progress(`cabling: ${plan.bridges.length} bridges, ${plan.links.length} cables`);
      await insertForwardAccepts(rules, state, notes);
      for (const s of [...wiring.steps, ...mgmtCables.steps]) await lab.runStep(s);
      await lab.cabling.applyInitialImpairments(notes);
      // What runs after boot is the plan's: every step of each node's containerlab `exec`
      // (setup commands, management addresses; podlab-etcd's bridge, then the seed). Its
      // daemons (agents, BIRD) are started by RealCluster with the same shell lines (services()).
      const steps = (n: { name: string }) => (clab?.boot[n.name] ?? []).filter((c) => !c.daemon).map((c) => c.argv);
      await runSetupCommands(topology, members, (n) => lab.exec(n), lab.setup, progress, (msg) => new DockerDeployError(msg), clab ? steps : undefined);
      progress(`lab ${opts.lab} is up: ${hosts.length} containers, ${plan.bridges.length} bridges, ${plan.rootLinks.length} root-namespace veth ends`);
      return lab;
    } catch (e) {
      progress(`deploy failed, removing lab ${opts.lab}`);
      await destroyLab(opts.lab);
      if (e instanceof DockerDeployError) throw e;
      throw new DockerDeployError(`deploying lab '${opts.lab}' on Docker failed: ${(e as Error).message}`);
    }
  }

  /** The container name of a node. */
  container(node: string): string {
    this.pid(node);
    return containerName(this.lab, node);
  }

  /** Runs argv in the node's container through Docker's exec API (its own programs and filesystem). */
  exec(node: string): Exec {
    const run = containerExec(this.docker, this.container(node));
    // Docker refuses exec in a paused container; answer as `docker exec` would, with a code.
    return async (argv, opts) => {
      try {
        return await run(argv, opts);
      } catch (e) {
        return { stdout: '', stderr: `Error response from daemon: ${(e as Error).message}\n`, code: 126 };
      }
    };
  }

  /** Starts a long-running process in the node's network, mount, UTS and IPC namespaces, marked with the lab; destroy kills it. */
  spawn(node: string, argv: readonly string[], opts: { logFile?: string; env?: Record<string, string> } = {}): ChildProcess {
    const pid = this.pid(node);
    if (argv.length === 0) throw new Error('spawn: empty argv');
    const env = { ...Object.fromEntries((this.envs.get(node) ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])), ...opts.env };
    return this.procs.spawn(node, ['nsenter', `--target=${pid}`, '--net', '--mount', '--uts', '--ipc', '--', ...argv], { ...opts, env });
  }

  /** The lab's own etcd (podlab-etcd), its seed and the plan's daemon lines (undefined without k8s nodes). */
  services(): LabServices | undefined {
    const clab = this.clab;
    if (!clab?.etcd) return undefined;
    return {
      etcd: { engine: clab.etcd.hostUrl, nodes: clab.etcd.labUrl },
      seeds: true,
      daemonArgv: (node) => {
        const d = clab.boot[node]?.find((c) => c.daemon);
        // The very shell line the .clab.yml's exec runs, in the foreground: the engine holds its output and pid.
        return d?.daemon ? ['sh', '-c', daemonShell(d, false)] : undefined;
      },
      birdSocket: (node) => clab.birdSockets[node],
    };
  }

  /** The image's own podlab and BIRD, probed in a k8s node's container and a router's. */
  async nodePrograms(): Promise<NodePrograms> {
    const of = (kind: string) => {
      const n = this.topology.nodes.find((x) => x.kind === kind && this.pids.has(x.name));
      return n ? { exec: this.exec(n.name), env: this.envs.get(n.name) ?? [], image: `${this.container(n.name)}'s image` } : undefined;
    };
    const node = of('k8s-node');
    if (!node) throw new Error(`lab ${this.lab} has no k8s node to run Calico on`);
    try {
      return await imagePrograms(node, of('router'));
    } catch (e) {
      throw new DockerDeployError((e as Error).message);
    }
  }

  /** Powers a node off (docker pause, spawned processes SIGSTOP, cables lose carrier) or back on. */
  async setNode(node: string, state: 'stopped' | 'started'): Promise<void> {
    const ctr = this.docker.getContainer(this.container(node));
    const paused = (await ctr.inspect()).State.Paused;
    await this.power(node, state, async () => {
      if (state === 'stopped' && !paused) await ctr.pause();
      if (state === 'started' && paused) await ctr.unpause();
    });
  }

  /**
   * Captures on a node's interface with tcpdump inside its container (Docker exec, pcap on
   * stdout), or on a switch port's root-namespace veth with the host's tcpdump. Resolves
   * once tcpdump listens; the returned function stops it.
   */
  async capture(node: string, iface: string, onPacket: (p: { tsMs: number; data: Uint8Array }) => void): Promise<() => Promise<void>> {
    const argv = tcpdumpArgv(iface);
    const tcpdump = this.pids.has(node)
      ? await streamExec(this.docker, this.container(node), argv)
      : childTcpdump(this.switchTcpdump(node, iface));
    return streamTcpdump(tcpdump, `${node}:${iface}`, onPacket);
  }

  /** Teardown (RealLabBase.destroy): the lab's containers go after its processes; images stay. */
  protected async release(): Promise<void> {
    await removeLabContainers((c) => c.labels['podlab.lab-id'] === this.id, this.docker);
  }

  // ---- wiring and links -----------------------------------------------------------------

  /** Runs one wiring step: root-namespace argv, or argv in a container's namespace with the host's tools. */
  private async runStep(s: WiringStep): Promise<void> {
    switch (s.op) {
      case 'root':
        await mustRun(localExec, s.argv);
        return;
      case 'quiet-ipv6':
        // The fabric's own ports would otherwise send router solicitations and MLD into the lab.
        try {
          writeFileSync(`/proc/sys/net/ipv6/conf/${s.ifname}/disable_ipv6`, '1');
        } catch { /* no IPv6 in this kernel */ }
        return;
      case 'move':
        await mustRun(localExec, ['ip', 'link', 'set', 'dev', s.ifname, 'netns', String(this.pid(s.node))]);
        return;
      case 'node':
        await mustRun(pidExec(this.pid(s.node)), s.argv);
        return;
    }
  }

  /** Cabling's carrier operation: the host's iproute2 sets the admin state of the cable's root ends. */
  protected async applyCarrier(l: LinkRealisation, down: boolean): Promise<void> {
    for (const ifname of l.carrier) await mustRun(localExec, ['ip', 'link', 'set', 'dev', ifname, down ? 'down' : 'up']);
  }

  /** Where a cable end's commands run: the root namespace, or its container's network namespace (host tools). */
  private endExec(e: VethEnd): Exec {
    return isRootEnd(e) ? localExec : pidExec(this.pid(e.host));
  }

  /** Cabling's impairment operation: the host's tc/nft in each shaping end's namespace. */
  protected async impair(l: LinkRealisation, latencyMs: number, lossPct: number): Promise<void> {
    for (const e of l.shaping) {
      for (const c of impairCommands(e, this.id, latencyMs, lossPct, this.caps.netem ? 'netem' : 'nft')) {
        const r = await this.endExec(e)(c.argv, c.stdin !== undefined ? { stdin: c.stdin } : undefined);
        if (r.code !== 0 && !c.mayFail) throw new Error(`${c.argv.join(' ')} on ${e.ifname} failed: ${(r.stderr || r.stdout).trim()}`);
      }
    }
  }
}

/** The containerlab lab of `topology` named `lab` (containers clab-<lab>-<node>), or undefined when containerlab cannot express it. */
function planLab(topology: Topology, lab: string): ClabLab | undefined {
  try {
    return planContainerlab({ ...topology, name: lab });
  } catch {
    return undefined;
  }
}

/**
 * Writes `<dir>/<lab>.clab.yml` and every file it binds (what `podlab generate containerlab`
 * writes), for the `clab-topo-file` label and the nodes' binds; returns the file's path, or ''
 * with a note when the topology cannot be expressed as one.
 */
function writeClabFiles(clab: ClabLab | undefined, dir: string, notes: string[]): string {
  if (!clab) {
    notes.push('no .clab.yml for this lab: containerlab cannot express this topology (podlab generate containerlab says why)');
    return '';
  }
  const path = join(dir, clab.fileName);
  writeFileSync(path, renderClabFile(clab));
  for (const f of clab.files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  notes.push(`${path} describes this lab for containerlab; podlab's own deployment realises switches as host bridges (capture and carrier control from the host) instead of bridge containers`);
  return path;
}

/** A node's files from the plan, as [host path under the lab dir, path in the container]. */
function boundFiles(clab: ClabLab | undefined, node: string, dir: string): [string, string][] {
  return (clab?.files ?? []).filter((f) => f.node === node).map((f) => [join(dir, f.path), f.target]);
}

/** The lab's management network, as containerlab makes it: a Docker bridge network on the plan's subnet, labelled with the lab id for cleanup. */
async function createMgmtNetwork(docker: Docker, clab: ClabLab, state: LabState): Promise<void> {
  const { network, 'ipv4-subnet': subnet } = clab.definition.mgmt;
  try {
    await docker.createNetwork({
      Name: network, Driver: 'bridge', CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      Labels: { containerlab: state.lab, [LABEL.podlabLab]: state.lab, [LABEL.podlabId]: state.id },
    });
  } catch (e) {
    throw new DockerDeployError(`cannot create the management network ${network} (${subnet}): ${(e as Error).message} — remove a leftover with podlab destroy ${state.lab}, or docker network rm ${network}`);
  }
}

/**
 * The management fabric's cables (the plan's `podlab-etcd:ethN` ↔ `<node>:mgmt0` links) as
 * containerlab makes a container-to-container veth: made in the root namespace under
 * temporary names carrying the lab id, each end moved into its container and renamed there.
 */
function mgmtWiring(clab: ClabLab, id: string): { steps: WiringStep[]; tempNames: string[] } {
  const steps: WiringStep[] = [];
  const tempNames: string[] = [];
  const cables = (clab.definition.topology.links ?? []).filter((l) => l.endpoints[0].startsWith(`${ETCD_NODE}:`));
  cables.forEach((l, i) => {
    const ends = l.endpoints.map((e) => ({ node: e.slice(0, e.indexOf(':')), iface: e.slice(e.indexOf(':') + 1) }));
    const tmp = [checkIfName(`${id}m${i}a`), checkIfName(`${id}m${i}b`)];
    tempNames.push(...tmp);
    steps.push({ op: 'root', argv: ['ip', 'link', 'add', 'name', tmp[0]!, 'type', 'veth', 'peer', 'name', tmp[1]!] });
    ends.forEach((e, k) => {
      steps.push({ op: 'move', ifname: tmp[k]!, node: e.node });
      steps.push({ op: 'node', node: e.node, argv: ['ip', 'link', 'set', 'dev', tmp[k]!, 'name', checkIfName(e.iface)] });
    });
  });
  return { steps, tempNames };
}

/**
 * Makes /run/netns a shared mount point, as `ip netns add` does the first time, BEFORE the
 * k8s-node containers bind it: a pod namespace mounted there later then propagates into them.
 * A scratch namespace of the lab (recorded first) is the portable way to get iproute2 to do it.
 */
async function sharedNetnsDir(state: LabState): Promise<void> {
  const scratch = `plab-${state.id}-init`;
  recordResources(state.lab, { netns: [scratch] });
  await mustRun(localExec, ['ip', 'netns', 'add', scratch]);
  await localExec(['ip', 'netns', 'del', scratch]);
}

/** containerlab's `LinkContainerNS`: /run/netns/<container> → the container's namespace, so `ip netns exec` reaches it. */
function linkNetns(name: string, pid: number): void {
  mkdirSync('/run/netns', { recursive: true });
  const link = join('/run/netns', name);
  rmSync(link, { force: true });
  symlinkSync(`/proc/${pid}/ns/net`, link);
}
