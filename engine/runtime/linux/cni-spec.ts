/**
 * The CNI protocol as the Calico plugin sees it, without any I/O: the `CNI_*` environment,
 * the netconf on stdin (an entry of Calico's 10-calico.conflist as the runtime hands it to
 * one plugin), the result and error documents it prints, and the rules every name must pass
 * before it reaches the kernel or a datastore key.
 *
 * Versions: netconfs of CNI 0.3.1, 0.4.0 and 1.0.0 are accepted; the result is rendered in
 * the netconf's version (0.3.x/0.4.0 results carry `"version": "4"` on each IP, 1.0.0 does not).
 * Error codes are the spec's well-known ones; everything Calico itself reports (IPAM,
 * datastore, netlink failures) is 999, as libcni's skel wraps plugin errors.
 */
import { dnsLabelProblem, ifaceNameProblem } from '../../model/names.ts';

/** The CNI versions this plugin accepts in a netconf (and lists for VERSION). */
export const SUPPORTED_VERSIONS = ['0.3.1', '0.4.0', '1.0.0'] as const;
/** The version VERSION answers with and errors use when the netconf gave none. */
export const CURRENT_VERSION = '1.0.0';

/** The spec's well-known error codes. */
export const CNI_ERR = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnv: 4,
  io: 5,
  decode: 6,
  invalidConfig: 7,
  tryAgain: 11,
  internal: 999,
} as const;

/** A failure the plugin reports as the CNI error document (msg + details, with a code). */
export class CniFailure extends Error {
  override name = 'CniFailure';
  constructor(readonly code: number, msg: string, readonly details = '') {
    super(msg);
  }
}

/** The netconf fields the plugin uses (the rest is passed over, as Calico ignores it). */
export interface NetConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  /** `etcd_endpoints`, split at commas. */
  readonly etcdEndpoints: string[];
  readonly nodename?: string;
  /** The veth MTU; Calico's `mtu` (0 or absent means the default, 1500). */
  readonly mtu: number;
  readonly ipamType: string;
  /** CHECK's (and 0.4.0+ DEL's) previous result, as given. */
  readonly prevResult?: unknown;
}

/** A parsed ADD, DEL or CHECK. */
export interface CniRequest {
  readonly command: 'ADD' | 'DEL' | 'CHECK';
  readonly containerId: string;
  /** The pod's network namespace path; may be empty on DEL (the sandbox is already gone). */
  readonly netns: string;
  readonly ifname: string;
  readonly namespace: string;
  readonly pod: string;
  readonly conf: NetConf;
}

/** Why `id` cannot be a CNI container ID (spec: alphanumerics, `-`, `_`, `.`), or undefined. */
export function containerIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > 256) return `is ${id.length} characters long (at most 256)`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) return 'may contain only letters, digits, "-", "_" and "."';
  return undefined;
}

/** Why `path` cannot be a netns path handed to nsenter/ip, or undefined. */
export function netnsPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'is not an absolute path';
  if (path.length > 4096) return 'is too long';
  if (!/^[A-Za-z0-9_.:@/+-]+$/.test(path)) return 'contains characters outside letters, digits and "_.:@/+-"';
  if (path.split('/').some((seg) => seg === '..')) return 'contains ".."';
  return undefined;
}

/** Why `name` cannot be the pod's interface name, or undefined. */
export function podIfaceProblem(name: string): string | undefined {
  const p = ifaceNameProblem(name);
  if (p) return p;
  // ip -batch splits on whitespace and treats '#' as a comment: keep to a plain alphabet.
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'may contain only letters, digits, "-", "_" and "."';
  return undefined;
}

/** Why `name` is not a Kubernetes object name (a DNS subdomain), or undefined. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return `is ${name.length} characters long (at most 253)`;
  for (const label of name.split('.')) {
    const p = dnsLabelProblem(label);
    if (p) return `is not a DNS subdomain (label '${label}' ${p})`;
  }
  return undefined;
}

/** Parses CNI_ARGS (`K=V;K=V`); malformed pairs are an invalid-environment failure. */
export function parseCniArgs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniFailure(CNI_ERR.invalidEnv, `ARGS: invalid pair "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The cniVersion a stdin document declares, if it is readable at all (for error documents). */
export function declaredVersion(stdin: string): string | undefined {
  try {
    const v: unknown = JSON.parse(stdin);
    return isObject(v) && typeof v.cniVersion === 'string' ? v.cniVersion : undefined;
  } catch {
    return undefined;
  }
}

/** Rejects a cniVersion this plugin does not speak, in libcni's words. */
export function checkVersion(v: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(v)) {
    throw new CniFailure(CNI_ERR.incompatibleVersion, 'incompatible CNI versions',
      `config is "${v}", plugin supports [${SUPPORTED_VERSIONS.map((x) => `"${x}"`).join(' ')}]`);
  }
}

/** Parses and validates the netconf on stdin. */
export function parseNetConf(stdin: string): NetConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniFailure(CNI_ERR.decode, 'failed to load netconf', (e as Error).message);
  }
  if (!isObject(raw)) throw new CniFailure(CNI_ERR.decode, 'failed to load netconf', 'stdin is not a JSON object');
  const bad = (field: string, why: string): CniFailure => new CniFailure(CNI_ERR.invalidConfig, `invalid network config: ${field} ${why}`);
  if (typeof raw.cniVersion !== 'string') throw bad('cniVersion', 'is missing');
  checkVersion(raw.cniVersion);
  if (typeof raw.name !== 'string' || raw.name === '') throw bad('name', 'is missing');
  if (raw.type !== 'calico') throw bad('type', `is ${JSON.stringify(raw.type)}, this plugin is "calico"`);
  if (raw.datastore_type !== undefined && raw.datastore_type !== 'etcdv3') {
    throw new CniFailure(CNI_ERR.unsupportedField, `unsupported datastore_type ${JSON.stringify(raw.datastore_type)}: podlab's plugin speaks etcdv3 only`);
  }
  const ipam = isObject(raw.ipam) ? raw.ipam : {};
  if (ipam.type !== 'calico-ipam') {
    throw new CniFailure(CNI_ERR.unsupportedField, `unsupported IPAM type ${JSON.stringify(ipam.type)}: podlab's plugin uses calico-ipam`);
  }
  if (typeof raw.etcd_endpoints !== 'string' || raw.etcd_endpoints.trim() === '') throw bad('etcd_endpoints', 'is missing');
  const etcdEndpoints = raw.etcd_endpoints.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const e of etcdEndpoints) {
    if (!/^(unix:\/\/\/|https?:\/\/)[^\s]+$/.test(e)) throw bad('etcd_endpoints', `entry "${e}" is not a unix:///… or http(s):// URL`);
  }
  const mtu = raw.mtu === undefined || raw.mtu === 0 ? 1500 : raw.mtu;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw bad('mtu', `${JSON.stringify(raw.mtu)} is not an MTU (68-65535)`);
  let nodename: string | undefined;
  if (raw.nodename !== undefined) {
    if (typeof raw.nodename !== 'string') throw bad('nodename', 'is not a string');
    const p = dnsSubdomainProblem(raw.nodename);
    if (p) throw bad('nodename', `'${raw.nodename}' ${p}`);
    nodename = raw.nodename;
  }
  return {
    cniVersion: raw.cniVersion, name: raw.name, type: raw.type, etcdEndpoints, mtu, ipamType: ipam.type,
    ...(nodename !== undefined ? { nodename } : {}),
    ...(raw.prevResult !== undefined ? { prevResult: raw.prevResult } : {}),
  };
}

/** Reads and validates the CNI_* environment and the netconf of ADD, DEL or CHECK. */
export function parseRequest(env: Record<string, string | undefined>, stdin: string): CniRequest {
  const command = env.CNI_COMMAND;
  if (command !== 'ADD' && command !== 'DEL' && command !== 'CHECK') {
    throw new CniFailure(CNI_ERR.invalidEnv, `unknown CNI_COMMAND: ${command ?? '(unset)'}`);
  }
  const conf = parseNetConf(stdin);
  if (command === 'CHECK' && conf.cniVersion === '0.3.1') {
    throw new CniFailure(CNI_ERR.incompatibleVersion, 'config version does not allow CHECK');
  }
  const need = (name: string, problem: (v: string) => string | undefined, optional = false): string => {
    const v = env[name] ?? '';
    if (v === '' && optional) return '';
    if (v === '') throw new CniFailure(CNI_ERR.invalidEnv, `required env variables [${name}] missing`);
    const p = problem(v);
    if (p) throw new CniFailure(CNI_ERR.invalidEnv, `${name} '${v}' ${p}`);
    return v;
  };
  const containerId = need('CNI_CONTAINERID', containerIdProblem);
  // The spec lets DEL come after the sandbox is gone, with no namespace to name.
  const netns = need('CNI_NETNS', netnsPathProblem, command === 'DEL');
  const ifname = need('CNI_IFNAME', podIfaceProblem);
  const args = parseCniArgs(env.CNI_ARGS ?? '');
  const namespace = args.K8S_POD_NAMESPACE ?? '';
  const pod = args.K8S_POD_NAME ?? '';
  if (namespace === '' || pod === '') {
    throw new CniFailure(CNI_ERR.invalidEnv, 'CNI_ARGS lacks K8S_POD_NAMESPACE and K8S_POD_NAME: podlab\'s plugin serves Kubernetes pods only');
  }
  const nsProblem = dnsLabelProblem(namespace);
  if (nsProblem) throw new CniFailure(CNI_ERR.invalidEnv, `K8S_POD_NAMESPACE '${namespace}' ${nsProblem}`);
  const podProblem = dnsSubdomainProblem(pod);
  if (podProblem) throw new CniFailure(CNI_ERR.invalidEnv, `K8S_POD_NAME '${pod}' ${podProblem}`);
  return { command, containerId, netns, ifname, namespace, pod, conf };
}

/** What ADD built, for the result document. */
export interface AddOutcome {
  readonly hostIface: string;
  readonly hostMac: string;
  readonly ifname: string;
  readonly podMac: string;
  readonly sandbox: string;
  /** The pod's IPv4 address (no prefix length). */
  readonly ip: string;
}

/**
 * The ADD result: the host veth (index 0) and the pod interface (index 1, in its sandbox),
 * the /32 on the pod interface, no routes (calico-ipam returns none: the pod's routes are
 * Calico's fixed 169.254.1.1 pair), and `dns: {}` as Calico's Go struct prints it.
 */
export function addResult(version: string, o: AddOutcome): Record<string, unknown> {
  const ip = version === '1.0.0' ? { address: `${o.ip}/32`, interface: 1 } : { version: '4', address: `${o.ip}/32`, interface: 1 };
  return {
    cniVersion: version,
    interfaces: [{ name: o.hostIface, mac: o.hostMac }, { name: o.ifname, mac: o.podMac, sandbox: o.sandbox }],
    ips: [ip],
    dns: {},
  };
}

/** The error document of the CNI spec. */
export function errorResult(version: string, f: CniFailure): Record<string, unknown> {
  return { cniVersion: version, code: f.code, msg: f.message, details: f.details };
}

/** VERSION's answer. */
export function versionResult(): Record<string, unknown> {
  return { cniVersion: CURRENT_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}
