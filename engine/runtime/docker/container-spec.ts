/**
 * What a topology node becomes as a Docker container, in containerlab's terms — pure.
 *
 * Names and labels follow containerlab's Docker runtime so that `containerlab inspect
 * --name <lab>` and `docker ps --filter label=containerlab=<lab>` find podlab's nodes:
 * the container is `clab-<lab>-<node>` (containerlab's default prefix) and carries
 * `containerlab`, `clab-node-name`, `clab-node-longname`, `clab-node-kind`, `clab-node-type`,
 * `clab-node-group`, `clab-node-lab-dir`, `clab-topo-file` and `clab-owner`, plus podlab's own
 * `podlab.lab`/`podlab.node`/`podlab.role` (as the generated .clab.yml writes them) and
 * `podlab.lab-id`, the lab's short id, which is what cleanup keys orphans on.
 *
 * Choices shared with lab-plan.ts (the generated .clab.yml): `network-mode: none`, because
 * podlab topologies use `eth0` as a data port (the node IP Calico uses) and Docker's own
 * eth0 would collide with it; `cmd: sleep infinity` to keep the node alive; privileged, as
 * containerlab runs `linux` nodes, so `ip`, `sysctl`, `iptables` and BIRD work inside.
 * Restart policy `no` where containerlab's linux kind says `always`: a restarted container has
 * a fresh namespace without its veths, and podlab's cleanup kills the lab's marked processes,
 * which must not bring a container back.
 */
import type { ContainerCreateOptions } from 'dockerode';

/** containerlab's default name prefix. */
export const CLAB_PREFIX = 'clab';

/** Label keys podlab (and containerlab) put on every node container. */
export const LABEL = {
  containerlab: 'containerlab',
  nodeName: 'clab-node-name',
  longName: 'clab-node-longname',
  kind: 'clab-node-kind',
  type: 'clab-node-type',
  group: 'clab-node-group',
  labDir: 'clab-node-lab-dir',
  topoFile: 'clab-topo-file',
  owner: 'clab-owner',
  podlabLab: 'podlab.lab',
  podlabNode: 'podlab.node',
  podlabRole: 'podlab.role',
  podlabId: 'podlab.lab-id',
} as const;

/** Docker's own rule for container names. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The container name of a node: `clab-<lab>-<node>`; throws when Docker would refuse it. */
export function containerName(lab: string, node: string): string {
  const name = `${CLAB_PREFIX}-${lab}-${node}`;
  if (!DOCKER_NAME.test(name) || name.length > 128) throw new Error(`node '${node}' of lab '${lab}' cannot name a container ('${name}'): use A-Z a-z 0-9 _ . -`);
  return name;
}

/** Turns a label key into the `CLAB_LABEL_*` environment name containerlab exports it as. */
export function labelEnvKey(key: string): string {
  return `CLAB_LABEL_${key.replace(/[-+./]/g, '_').replace(/[^a-zA-Z0-9_]+/g, '').toUpperCase()}`;
}

/** Everything deploy knows about one node's container. */
export interface NodeContainerInput {
  readonly lab: string;
  readonly id: string;
  /** The node: a topology node, or one the lab adds (podlab-etcd, kind `etcd`). */
  readonly node: { readonly name: string; readonly kind: string };
  readonly image: string;
  /** The node's own directory (containerlab's clab-node-lab-dir). */
  readonly nodeDir: string;
  /** The containerlab topology file describing the lab. */
  readonly topoFile: string;
  readonly owner: string;
  /** Number of cabled interfaces (containerlab's CLAB_INTFS). */
  readonly interfaces: number;
  /** Environment every process of the lab carries (labs.ts labEnv). */
  readonly env: Readonly<Record<string, string>>;
  /** Capabilities this engine lacks (capabilityGaps): empty means a plain privileged container. */
  readonly missingCaps: readonly string[];
  /** Host paths bind-mounted at the same path: [path, 'ro' | 'rw', propagation?]. */
  readonly binds: readonly (readonly [string, 'ro' | 'rw', ('rslave' | 'rshared')?])[];
  /** Files bound read-only at another path: [host path, path in the container]. */
  readonly files?: readonly (readonly [string, string])[];
  /** The main process (default `sleep infinity`). */
  readonly cmd?: readonly string[];
  /** A Docker network and the address the container gets on it, instead of network-mode none. */
  readonly network?: { readonly name: string; readonly ipv4: string };
}

/** The labels of a node container. */
export function nodeLabels(i: NodeContainerInput): Record<string, string> {
  const longName = containerName(i.lab, i.node.name);
  return {
    [LABEL.containerlab]: i.lab,
    [LABEL.nodeName]: i.node.name,
    [LABEL.longName]: longName,
    [LABEL.kind]: 'linux',
    [LABEL.type]: '',
    [LABEL.group]: '',
    [LABEL.labDir]: i.nodeDir,
    [LABEL.topoFile]: i.topoFile,
    [LABEL.owner]: i.owner,
    [LABEL.podlabLab]: i.lab,
    [LABEL.podlabNode]: i.node.name,
    [LABEL.podlabRole]: i.node.kind,
    [LABEL.podlabId]: i.id,
  };
}

/** The Docker Engine API create request of a node container. */
export function nodeContainerSpec(i: NodeContainerInput): ContainerCreateOptions {
  const labels = nodeLabels(i);
  const env: Record<string, string> = { ...i.env, CLAB_INTFS: String(i.interfaces) };
  for (const [k, v] of Object.entries(labels)) env[labelEnvKey(k)] = v;
  for (const p of [...i.binds.map(([b]) => b), ...(i.files ?? []).flat()]) if (!p.startsWith('/') || p.includes(':') || p.includes(',')) throw new Error(`cannot bind-mount '${p}': absolute paths without ':' or ','`);
  return {
    name: containerName(i.lab, i.node.name),
    Image: i.image,
    Cmd: [...(i.cmd ?? ['sleep', 'infinity'])],
    Hostname: i.node.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    // containerlab allocates a TTY and keeps stdin open for its nodes (`docker attach` works).
    Tty: true,
    OpenStdin: true,
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: i.network?.name ?? 'none',
      ...privilege(i.missingCaps),
      RestartPolicy: { Name: 'no' },
      Binds: [...i.binds.map(([p, mode, prop]) => `${p}:${p}:${mode}${prop ? `,${prop}` : ''}`), ...(i.files ?? []).map(([src, dst]) => `${src}:${dst}:ro`)],
      // containerlab's linux kind keeps IPv6 on (Docker disables it in `none` namespaces).
      Sysctls: { 'net.ipv6.conf.all.disable_ipv6': '0' },
    },
    ...(i.network ? { NetworkingConfig: { EndpointsConfig: { [i.network.name]: { IPAMConfig: { IPv4Address: i.network.ipv4 } } } } } : {}),
  };
}

/** Linux capability names by bit number (linux/capability.h), as Docker spells them. */
const CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

/** The capabilities Docker grants a privileged container that a bounding set (`CapBnd:` of /proc/PID/status, hex) lacks. */
export function capabilityGaps(capBndHex: string): string[] {
  const bnd = BigInt(`0x${capBndHex.trim() || '0'}`);
  return CAPS.filter((_, bit) => ((bnd >> BigInt(bit)) & 1n) === 0n);
}

/**
 * Privileged, as containerlab runs linux nodes — unless the engine itself lacks capabilities
 * (inside another container or a sandbox), where runc refuses `--privileged` ("unable to apply
 * caps"). Then: every capability the engine has, and the rest of what privileged means for a
 * network node (no seccomp/AppArmor filter, writable /proc/sys for `sysctl -w`).
 */
function privilege(missing: readonly string[]): NonNullable<ContainerCreateOptions['HostConfig']> {
  if (missing.length === 0) return { Privileged: true };
  // Empty MaskedPaths/ReadonlyPaths is what the CLI's `--security-opt systempaths=unconfined` sends.
  return { CapAdd: ['ALL'], CapDrop: [...missing], SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'], MaskedPaths: [], ReadonlyPaths: [] } as NonNullable<ContainerCreateOptions['HostConfig']>;
}
