/**
 * A podlab topology as a containerlab lab: the definition (what `<lab>.clab.yml` holds), the
 * per-node files it binds, and the notes naming what containerlab cannot express.
 *
 * How the pieces fit, and why:
 * - Every topology node is a `linux` node with `network-mode: none`. Docker would otherwise
 *   give each container an `eth0` on the management network, and podlab topologies use
 *   `eth0` as a data interface (the node IP Calico uses); without it the containers have
 *   exactly the interfaces the topology gives them, as in the simulator and under Mininet.
 *   `cmd: sleep infinity` keeps each container alive; `exec` then runs the node's
 *   `setupCommands` (addresses, routes, the switch bridge with its VLANs) and starts its
 *   daemons (BIRD on routers, `podlab agent` on k8s nodes).
 * - The lab's etcd is a node of its own, `podlab-etcd`. It keeps its Docker `eth0` on the
 *   lab's management network (a fixed, per-lab subnet, so it is reachable from the host at a
 *   known address) and carries a small in-lab management fabric: one cable per k8s node,
 *   `podlab-etcd:ethN` ↔ `<node>:mgmt0`, enslaved to a bridge in the etcd container. Agents
 *   reach etcd over that fabric. Being ordinary links, the cables survive clabernetes, which
 *   splits a lab into one pod per node and turns cross-pod links into VXLAN tunnels — a unix
 *   socket or the per-pod Docker network would not.
 * - The lab seeds itself: `podlab-etcd` binds the normalised topology (files/podlab-etcd/
 *   topology.json) and its last `exec` is `podlab seed`, which writes the Calico resources,
 *   policies, namespaces and Nodes once etcd answers; each agent starts behind
 *   `podlab seed --wait`. A `containerlab deploy` on a machine without podlab's checkout thus
 *   brings up the whole cluster from the images alone; the engine, when it drives the lab,
 *   only adds pods and scenario steps.
 * - Containerlab gives a veth 9500 bytes of MTU unless told otherwise; podlab's default is
 *   1500, so every link states its MTU.
 *
 * Pure: no I/O.
 */
import { formatIPv4, formatPrefix4, networkOf, parsePrefix4, prefixesOverlap } from '../../net/ip.ts';
import type { Prefix4 } from '../../net/ip.ts';
import type { Topology, TopoNode } from '../../model/types.ts';
import { renderRouterBird } from '../../calico/cluster/router-bird.ts';
import type { BirdDialect } from '../../calico/cluster/router-bird.ts';
import { setupCommands } from '../setup-commands.ts';
import { execString, shQuote } from './exec-string.ts';
import { NODE_IMAGE, PODLAB_COMMAND, ROUTER_IMAGE } from './images.ts';

/** The etcd node every generated lab has (when it has k8s nodes). */
export const ETCD_NODE = 'podlab-etcd';
/** etcd's client port. */
export const ETCD_PORT = 2379;
/** Where per-node files live, relative to the generated file (and to `/clabernetes/` in a launcher). */
export const FILES_DIR = 'files';

/** A containerlab node as podlab writes it (only the keys podlab uses). */
export interface ClabNode {
  readonly kind: 'linux';
  readonly image: string;
  readonly 'network-mode'?: 'none';
  readonly 'mgmt-ipv4'?: string;
  readonly cmd: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly binds?: readonly string[];
  readonly exec?: readonly string[];
}

/** A containerlab link in its brief form. */
export interface ClabLink {
  readonly endpoints: readonly [string, string];
  readonly mtu: number;
}

/** The containerlab definition podlab writes. */
export interface ClabDefinition {
  readonly name: string;
  readonly mgmt: { readonly network: string; readonly 'ipv4-subnet': string };
  readonly topology: {
    readonly nodes: Readonly<Record<string, ClabNode>>;
    readonly links?: readonly ClabLink[];
  };
}

/** A file a node binds: where it is written (relative to the output dir) and where the node sees it. */
export interface BoundFile {
  readonly node: string;
  /** Relative to the generated topology file, `/`-separated. */
  readonly path: string;
  /** Absolute path inside the container. */
  readonly target: string;
  readonly content: string;
}

/**
 * One command a node runs after boot, in order: a step (waited for), or a daemon that runs
 * for the node's lifetime. The one description of what runs after boot: the .clab.yml's
 * `exec` renders it (bootExec), podlab's Docker runtime runs the same steps and starts the
 * same daemon shell lines as its own children (daemonShell), so it holds their output and pid.
 */
export type BootCommand =
  | { readonly argv: readonly string[]; readonly daemon?: undefined }
  | {
      readonly argv: readonly string[];
      readonly daemon: 'agent' | 'bird';
      /** Appended to, under exec (the engine reads the output itself). */
      readonly log: string;
      /** Directories made first. */
      readonly dirs: readonly string[];
      /** A step that must succeed first (the agent waits for the seed). */
      readonly after?: readonly string[];
    };

/** The shell line starting a daemon: its directories, what it waits for, then the daemon in the shell's place. */
export function daemonShell(c: Extract<BootCommand, { daemon: string }>, background: boolean): string {
  const q = (argv: readonly string[]) => argv.map(shQuote).join(' ');
  const body = `{ ${c.after ? `${q(c.after)} && ` : ''}exec ${q(c.argv)}; }`;
  return `mkdir -p ${c.dirs.map(shQuote).join(' ')} && ${background ? `${body} >>${shQuote(c.log)} 2>&1 &` : body}`;
}

/** A boot command as containerlab's `exec` string (a daemon goes to the background: exec waits for its command). */
export function bootExec(c: BootCommand): string {
  return c.daemon ? execString(['sh', '-c', daemonShell(c, true)]) : execString(c.argv);
}

/** The agent's settings, written beside the node as `agent.json` (what `podlab agent` is started with). */
export interface AgentConfig {
  readonly node: string;
  readonly dir: string;
  readonly etcd: string;
  readonly bird: BirdDialect;
}

/** Everything one containerlab lab needs. */
export interface ClabLab {
  readonly name: string;
  /** The topology file's name: `<lab>.clab.yml`. */
  readonly fileName: string;
  readonly definition: ClabDefinition;
  readonly files: readonly BoundFile[];
  /** Features of the topology the generated lab does not carry; each is one line for a comment and a warning. */
  readonly notes: readonly string[];
  /** etcd as agents (in the lab) and the host (over the management network) reach it; absent without k8s nodes. */
  readonly etcd?: {
    readonly labUrl: string;
    readonly hostUrl: string;
    readonly nodeIface: string;
    /** podlab-etcd's address on the management network. */
    readonly hostAddress: string;
    /** etcd's argv, the container's main process. */
    readonly argv: readonly string[];
  };
  /** What each node (podlab-etcd included) runs after boot, in order; `definition`'s exec lists render it. */
  readonly boot: Readonly<Record<string, readonly BootCommand[]>>;
  /** The BIRD control socket inside each node that runs BIRD. */
  readonly birdSockets: Readonly<Record<string, string>>;
}

/** Options of planContainerlab. */
export interface ClabOptions {
  /** BIRD the k8s nodes' agents run (default bird1: BIRD 1.6, as Calico ships it). */
  readonly nodeBird?: BirdDialect;
}

/** A topology podlab cannot turn into a containerlab lab (exit 2 at the CLI). */
export class ClabGenerateError extends Error {
  override name = 'ClabGenerateError';
}

/** Docker network candidates for the management network: 172.29.0.0/16 cut into /24s. */
const MGMT_BASE = parsePrefix4('172.29.0.0/16');
/** In-lab management fabric candidates (RFC 2544's benchmarking range, then CGNAT space). */
const FABRIC_CANDIDATES = ['198.18.0.0/16', '198.19.0.0/16', '100.127.0.0/16'].map(parsePrefix4);
/** The k8s nodes' interface on the in-lab management fabric. */
const MGMT_IFACE_CANDIDATES = ['mgmt0', 'podlab0', 'plmgmt0'];
const BRIDGE = 'br-mgmt';

/** Builds the containerlab lab of a validated topology; throws ClabGenerateError when it cannot. */
export function planContainerlab(topology: Topology, o: ClabOptions = {}): ClabLab {
  const lab = topology.name;
  if (topology.nodes.some((n) => n.name === ETCD_NODE)) {
    throw new ClabGenerateError(`node name '${ETCD_NODE}' is reserved for the lab's etcd in a containerlab lab; rename the node`);
  }
  const used = usedPrefixes(topology);
  const k8s = topology.nodes.filter((n) => n.kind === 'k8s-node');
  const nodes: Record<string, ClabNode> = {};
  const links: ClabLink[] = [];
  const files: BoundFile[] = [];
  const notes: string[] = [];

  const mgmtSubnet = mgmtSubnetFor(lab, used);
  const mgmt = { network: `podlab-${lab}`, 'ipv4-subnet': formatPrefix4(mgmtSubnet) };

  let etcd: ClabLab['etcd'];
  const boot: Record<string, BootCommand[]> = {};
  const birdSockets: Record<string, string> = {};
  let agentOf: ((n: TopoNode, i: number) => { boot: BootCommand[]; file: BoundFile }) | undefined;
  // Calico (etcd, seed, agents) only where the topology asks for it, as the engine's drivers decide.
  if (k8s.length > 0 && topology.calico.length > 0) {
    const fabric = FABRIC_CANDIDATES.find((c) => !used.some((u) => prefixesOverlap(u, c)));
    if (!fabric) throw new ClabGenerateError(`the topology's addresses overlap every management range podlab can use (${FABRIC_CANDIDATES.map(formatPrefix4).join(', ')})`);
    if (k8s.length > 60_000) throw new ClabGenerateError(`${k8s.length} k8s nodes do not fit the /16 management fabric`);
    const mgmtIface = MGMT_IFACE_CANDIDATES.find((c) => k8s.every((n) => !n.interfaces.some((i) => i.name === c)));
    if (!mgmtIface) throw new ClabGenerateError(`every management interface name podlab can use (${MGMT_IFACE_CANDIDATES.join(', ')}) is taken by a k8s node`);
    const at = (i: number) => formatIPv4((fabric.addr + i) >>> 0);
    const etcdLab = at(1);
    const etcdHost = formatIPv4((mgmtSubnet.addr + 2) >>> 0);
    const etcdUrl = `http://${etcdLab}:${ETCD_PORT}`;
    etcd = { labUrl: etcdUrl, hostUrl: `http://${etcdHost}:${ETCD_PORT}`, nodeIface: mgmtIface, hostAddress: etcdHost, argv: etcdArgv(etcdUrl) };
    const bird = o.nodeBird ?? 'bird1';
    const labUrl = etcd.labUrl;
    const seedFile: BoundFile = { node: ETCD_NODE, path: `${FILES_DIR}/${ETCD_NODE}/topology.json`, target: SEED_TOPOLOGY, content: `${JSON.stringify(topology)}\n` };
    files.push(seedFile);
    boot[ETCD_NODE] = etcdBoot(k8s.length, `${etcdLab}/${fabric.len}`, seedFile);
    nodes[ETCD_NODE] = etcdNode(lab, etcdHost, labUrl, seedFile, boot[ETCD_NODE]);
    k8s.forEach((n, i) => links.push({ endpoints: [`${ETCD_NODE}:eth${i + 1}`, `${n.name}:${mgmtIface}`], mtu: 1500 }));
    agentOf = (n, i) => {
      const cfg: AgentConfig = { node: n.name, dir: `/var/lib/podlab/${n.name}`, etcd: labUrl, bird };
      const file: BoundFile = { node: n.name, path: `${FILES_DIR}/${n.name}/agent.json`, target: '/etc/podlab/agent.json', content: `${JSON.stringify(cfg, null, 2)}\n` };
      // The agent's BIRD socket (runtime/linux/agent.ts birdPaths: <dir>/bird.ctl).
      birdSockets[n.name] = `${cfg.dir}/bird.ctl`;
      return {
        boot: [
          { argv: ['ip', 'addr', 'add', `${at(10 + i)}/${fabric.len}`, 'dev', mgmtIface] },
          { argv: ['ip', 'link', 'set', mgmtIface, 'up'] },
          // Behind the seed, which podlab-etcd writes once etcd is up.
          {
            argv: [PODLAB_COMMAND, 'agent', '--node', cfg.node, '--dir', cfg.dir, '--etcd', cfg.etcd, '--bird', cfg.bird],
            daemon: 'agent', log: '/var/log/podlab/agent.log', dirs: [cfg.dir, '/var/log/podlab'],
            after: [PODLAB_COMMAND, 'seed', '--wait', '--etcd', cfg.etcd],
          },
        ],
        file,
      };
    };
  }

  let k8sIndex = 0;
  for (const n of topology.nodes) {
    const cmds: BootCommand[] = setupCommands(topology, n).map((c) => ({ argv: c.argv }));
    const binds: BoundFile[] = [];
    if (n.kind === 'router') {
      const conf = renderRouterBird(n, 'bird2');
      if (conf) {
        binds.push({ node: n.name, path: `${FILES_DIR}/${n.name}/bird.conf`, target: '/etc/bird/bird.conf', content: conf });
        // Debian's birdc looks for /run/bird/bird.ctl, BIRD's compiled-in socket.
        cmds.push({ argv: ['bird', '-f', '-c', '/etc/bird/bird.conf'], daemon: 'bird', log: '/var/log/podlab/bird.log', dirs: ['/run/bird', '/var/log/podlab'] });
        birdSockets[n.name] = '/run/bird/bird.ctl';
      }
    }
    if (n.kind === 'k8s-node' && agentOf) {
      const a = agentOf(n, k8sIndex++);
      binds.push(a.file);
      cmds.push(...a.boot);
    }
    boot[n.name] = cmds;
    const exec = cmds.map(bootExec);
    files.push(...binds);
    nodes[n.name] = {
      kind: 'linux',
      image: n.image ?? (n.kind === 'router' ? ROUTER_IMAGE : NODE_IMAGE),
      'network-mode': 'none',
      cmd: 'sleep infinity',
      labels: { 'podlab.lab': lab, 'podlab.node': n.name, 'podlab.role': n.kind },
      ...(binds.length > 0 ? { binds: binds.map((b) => `${b.path}:${b.target}:ro`) } : {}),
      ...(exec.length > 0 ? { exec } : {}),
    };
  }

  for (const l of topology.links) {
    const [a, b] = l.endpoints;
    links.push({ endpoints: [`${a.node}:${a.iface}`, `${b.node}:${b.iface}`], mtu: l.mtu });
    const name = `${a.node}:${a.iface} — ${b.node}:${b.iface}`;
    if (l.latencyMs > 0 || l.lossPercent > 0) {
      const what = [l.latencyMs > 0 ? `latency ${l.latencyMs}ms` : '', l.lossPercent > 0 ? `loss ${l.lossPercent}%` : ''].filter(Boolean).join(', ');
      const flags = [l.latencyMs > 0 ? `--delay ${l.latencyMs}ms` : '', l.lossPercent > 0 ? `--loss ${l.lossPercent}` : ''].filter(Boolean).join(' ');
      notes.push(
        `link ${name}: ${what} not applied — a containerlab topology file cannot declare impairments; after deploy run ` +
          `'containerlab tools netem set -n clab-${lab}-${a.node} -i ${a.iface} ${flags}' and the same for -n clab-${lab}-${b.node} -i ${b.iface}`,
      );
    }
  }
  if (topology.calico.length > 0 && !etcd) {
    notes.push(`calico: ${topology.calico.length} resource(s) not carried — the topology has no k8s node to run Calico on`);
  }
  for (const n of topology.nodes) {
    if (n.kind !== 'k8s-node' && Object.keys(n.labels).length > 0) {
      notes.push(`node ${n.name}: labels ${JSON.stringify(n.labels)} only matter to Calico selectors of k8s nodes; not carried`);
    }
  }

  const definition: ClabDefinition = { name: lab, mgmt, topology: { nodes, ...(links.length > 0 ? { links } : {}) } };
  return { name: lab, fileName: `${lab}.clab.yml`, definition, files, notes, boot, birdSockets, ...(etcd ? { etcd } : {}) };
}

/** Where podlab-etcd sees the normalised topology it seeds from. */
export const SEED_TOPOLOGY = '/etc/podlab/topology.json';

/** etcd as podlab-etcd's main process, listening on every address: the agents come over the bridge, the engine over eth0. */
function etcdArgv(labUrl: string): string[] {
  return ['etcd', '--name', ETCD_NODE, '--data-dir', '/var/lib/etcd/podlab', '--listen-client-urls', `http://0.0.0.0:${ETCD_PORT}`, '--advertise-client-urls', labUrl];
}

/** The etcd node's boot: a bridge joining the agents' cables, then the seed. */
function etcdBoot(cables: number, fabricAddr: string, seed: BoundFile): BootCommand[] {
  const out: BootCommand[] = [{ argv: ['ip', 'link', 'add', BRIDGE, 'type', 'bridge'] }];
  for (let i = 1; i <= cables; i++) out.push({ argv: ['ip', 'link', 'set', `eth${i}`, 'master', BRIDGE] }, { argv: ['ip', 'link', 'set', `eth${i}`, 'up'] });
  out.push({ argv: ['ip', 'addr', 'add', fabricAddr, 'dev', BRIDGE] }, { argv: ['ip', 'link', 'set', BRIDGE, 'up'] });
  // Last, and in the foreground: it waits for etcd (the container's main process) to answer.
  out.push({ argv: [PODLAB_COMMAND, 'seed', '--etcd', `http://127.0.0.1:${ETCD_PORT}`, '--topology', seed.target] });
  return out;
}

/** The etcd node: etcd as the container's main process, then its boot commands. */
function etcdNode(lab: string, hostAddr: string, labUrl: string, seed: BoundFile, boot: readonly BootCommand[]): ClabNode {
  const exec = boot.map(bootExec);
  return {
    kind: 'linux',
    image: NODE_IMAGE,
    'mgmt-ipv4': hostAddr,
    cmd: execString(etcdArgv(labUrl)),
    labels: { 'podlab.lab': lab, 'podlab.node': ETCD_NODE, 'podlab.role': 'etcd' },
    binds: [`${seed.path}:${seed.target}:ro`],
    exec,
  };
}

/** Every prefix the topology uses: interface subnets, VLAN subnets, static routes, IP pools. */
function usedPrefixes(t: Topology): Prefix4[] {
  const out: Prefix4[] = [];
  for (const n of t.nodes) {
    for (const i of n.interfaces) if (i.address) out.push(networkOf(i.address));
    for (const r of n.routes) if (r.to.len > 0) out.push(r.to);
  }
  for (const v of t.vlans) if (v.subnet) out.push(v.subnet);
  for (const m of t.calico) {
    const cidr = (m.manifest.spec as { cidr?: unknown } | undefined)?.cidr;
    if (m.kind === 'IPPool' && typeof cidr === 'string' && !cidr.includes(':')) {
      try {
        out.push(networkOf(parsePrefix4(cidr)));
      } catch {
        /* validation reported it */
      }
    }
  }
  return out;
}

/**
 * The lab's Docker management network: a /24 of 172.29.0.0/16 chosen from the lab name, so
 * two podlab labs rarely ask Docker for the same subnet (it refuses overlapping networks),
 * skipping any the topology itself uses.
 */
function mgmtSubnetFor(lab: string, used: readonly Prefix4[]): Prefix4 {
  let h = 2166136261;
  for (const ch of lab) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  for (let k = 0; k < 256; k++) {
    const third = (h + k) % 256;
    const p: Prefix4 = { addr: (MGMT_BASE.addr + third * 256) >>> 0, len: 24 };
    if (!used.some((u) => prefixesOverlap(u, p))) return p;
  }
  throw new ClabGenerateError('the topology uses all of 172.29.0.0/16; podlab has no management subnet left for Docker');
}
