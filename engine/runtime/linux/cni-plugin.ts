/**
 * The Calico CNI plugin for real kernels (`podlab cni`), run by whoever plays kubelet with
 * the CNI contract: `CNI_*` environment, the netconf on stdin, one JSON document on stdout,
 * exit 0 or 1. It runs in the node's network namespace, as calico's binary does under
 * kubelet, and talks to the lab's etcd, never to the engine.
 *
 * - ADD: calico-ipam assigns one IPv4 address under handle `k8s-pod-network.<containerID>`
 *   (or exactly the `cni.projectcalico.org/ipAddrs` one), the veth is built (cni-netns.ts),
 *   the WorkloadEndpoint is written exactly as the simulator's plugin writes it. Any failure
 *   after the assignment releases the handle and deletes the veth: nothing is half-built.
 * - DEL: veth gone, handle released, WorkloadEndpoint deleted; each missing piece is fine,
 *   so DEL is idempotent. A DEL for an older sandbox of a pod whose WorkloadEndpoint now
 *   names another container releases only that sandbox's address (Calico does the same, so
 *   a late DEL never tears down the pod's new network).
 * - CHECK: the WorkloadEndpoint, both veth ends, the pod's /32 and routes, the host route.
 * - VERSION: the supported versions.
 *
 * Pod labels, service account and the ipAddrs annotation come from the Pod manifest at
 * `podManifestKey(ns, name)` in the datastore: in podlab the datastore plays the API server
 * that Calico's plugin would ask.
 */
import type { NamedPort } from '../../calico/policy/index.ts';
import { namedContainerPorts, podServiceAccount } from '../../calico/policy/index.ts';
import { hostname as osHostname } from 'node:os';
import { HOST_VETH_MAC, vethName, workloadEndpointName, workloadEndpointResource } from '../../calico/cni/index.ts';
import type { CniAddArgs } from '../../calico/cni/index.ts';
import { NotFound, resourceKey } from '../../calico/datastore/index.ts';
import type { Datastore, JsonValue } from '../../calico/datastore/index.ts';
import { IpamClient, IpamError, assignPodAddress, podAttributes, podHandle } from '../../calico/ipam/index.ts';
import { calicoCompileSelector } from '../../calico/node/allocateip.ts';
import { parseIPv4 } from '../../net/ip.ts';
import { buildPodNetwork, deleteLink, netnsProblem, readPodNetwork } from './cni-netns.ts';
import {
  CNI_ERR, CURRENT_VERSION, CniFailure, SUPPORTED_VERSIONS, addResult, declaredVersion, dnsSubdomainProblem,
  errorResult, parseRequest, versionResult,
} from './cni-spec.ts';
import type { CniRequest } from './cni-spec.ts';
import type { Exec } from './exec.ts';

/** What the plugin needs from where it runs. */
export interface CniDeps {
  /** Runs `ip`, `sysctl`, `nsenter` in the node's network namespace. */
  readonly exec: Exec;
  /** The datastore to use; when absent, `openDatastore` connects to the netconf's etcd_endpoints. */
  readonly ds?: Datastore;
  /** Opens (and cniMain closes) a datastore on the netconf's `etcd_endpoints`. */
  readonly openDatastore?: (endpoints: string[]) => Datastore;
  /** The node name when the netconf has no `nodename` (default: the host name). */
  readonly hostname?: () => string;
  /** Wall clock for IPAM timestamps and sequence numbers. */
  readonly now?: () => Date;
}

/** What cniMain prints and exits with. */
export interface CniOutput {
  readonly stdout: string;
  readonly code: number;
}

/** The datastore key of a Pod's v1 manifest: where the plugin reads labels and annotations. */
export function podManifestKey(namespace: string, name: string): string {
  return `/podlab/k8s/pods/${namespace}/${name}`;
}

/** The annotation that pins a pod's address (a JSON list of IPs). */
export const IP_ADDRS_ANNOTATION = 'cni.projectcalico.org/ipAddrs';

/** What the plugin takes from a Pod manifest. */
export interface PodInfo {
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  /** Named container ports (the endpoint's spec.ports). */
  readonly ports: NamedPort[];
  /** From the ipAddrs annotation; empty when absent. */
  readonly ipAddrs: string[];
}

function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Labels, service account and pinned addresses of a Pod manifest (absent → none, `default`). */
export function podInfo(manifest: JsonValue | undefined): PodInfo {
  const m = (typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? manifest : {}) as Record<string, unknown>;
  const meta = (m.metadata ?? {}) as Record<string, unknown>;
  const spec = (m.spec ?? {}) as Record<string, unknown>;
  const annotations = stringMap(meta.annotations);
  const sa = podServiceAccount(spec);
  const raw = annotations[IP_ADDRS_ANNOTATION];
  let ipAddrs: string[] = [];
  if (raw !== undefined) {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch (e) {
      throw new CniFailure(CNI_ERR.internal, `failed to parse '${raw}' as JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new CniFailure(CNI_ERR.internal, `failed to parse '${raw}' as JSON: expected a list of IP addresses`);
    }
    for (const ip of list) {
      try {
        parseIPv4(ip);
      } catch {
        throw new CniFailure(CNI_ERR.internal, `invalid IP address '${ip}' in annotation ${IP_ADDRS_ANNOTATION} (podlab assigns IPv4 only)`);
      }
    }
    if (list.length > 1) throw new CniFailure(CNI_ERR.internal, `cannot have more than one IPv4 address for "${IP_ADDRS_ANNOTATION}" annotation`);
    ipAddrs = list;
  }
  return { labels: stringMap(meta.labels), serviceAccount: sa, ports: namedContainerPorts(spec), ipAddrs };
}

interface Ctx {
  readonly req: CniRequest;
  readonly node: string;
  readonly ds: Datastore;
  readonly exec: Exec;
  readonly now: () => Date;
}

function ipamOf(c: Ctx): IpamClient {
  return new IpamClient(c.ds, { clock: c.now, compileSelector: calicoCompileSelector() });
}

function wepKey(c: Ctx): string {
  return resourceKey('WorkloadEndpoint', workloadEndpointName(c.node, c.req.pod), c.req.namespace);
}

async function requireNetns(c: Ctx): Promise<void> {
  const why = await netnsProblem(c.exec, c.req.netns);
  if (why) throw new CniFailure(CNI_ERR.unknownContainer, `failed to open netns "${c.req.netns}"`, why);
}

async function add(c: Ctx): Promise<Record<string, unknown>> {
  const { req } = c;
  await requireNetns(c);
  const info = podInfo((await c.ds.get(podManifestKey(req.namespace, req.pod)))?.value);
  const ipam = ipamOf(c);
  const handle = podHandle(req.containerId);
  let ip: string;
  try {
    if (info.ipAddrs[0] !== undefined) {
      ip = info.ipAddrs[0];
      await ipam.assignIP({ ip, hostname: c.node, handleId: handle, attrs: podAttributes({ namespace: req.namespace, pod: req.pod, node: c.node, now: c.now() }) });
    } else {
      ip = await assignPodAddress(ipam, { containerId: req.containerId, namespace: req.namespace, pod: req.pod, node: c.node, now: c.now() });
    }
  } catch (e) {
    const msg = (e as Error).message.trim();
    throw new CniFailure(CNI_ERR.internal, msg.startsWith('failed to request') ? msg : `failed to request IPv4 addresses: ${msg}`);
  }
  const hostIface = vethName(req.namespace, req.pod);
  try {
    // A veth left by an earlier sandbox of this pod (kubelet lost its DEL) would block the
    // name; Calico removes it first too.
    await deleteLink(c.exec, hostIface);
    const podMac = await buildPodNetwork(c.exec, { hostIface, ifname: req.ifname, netns: req.netns, mtu: req.conf.mtu, ip });
    // The shared builder takes the simulator's argument type; it reads only these fields.
    const who = { node: c.node, namespace: req.namespace, pod: req.pod, containerId: req.containerId, labels: info.labels, serviceAccount: info.serviceAccount, ports: info.ports } as Pick<CniAddArgs, 'node' | 'namespace' | 'pod' | 'containerId' | 'labels' | 'serviceAccount' | 'ports'>;
    await c.ds.put(wepKey(c), workloadEndpointResource(who as CniAddArgs, hostIface, ip, podMac));
    return addResult(req.conf.cniVersion, { hostIface, hostMac: HOST_VETH_MAC, ifname: req.ifname, podMac, sandbox: req.netns, ip });
  } catch (e) {
    // CNI's contract: a failed ADD leaves nothing behind.
    await ipam.releaseByHandle(handle).catch(() => undefined);
    await deleteLink(c.exec, hostIface).catch(() => undefined);
    await c.ds.delete(wepKey(c)).catch(() => undefined);
    throw e instanceof CniFailure ? e : new CniFailure(CNI_ERR.internal, (e as Error).message);
  }
}

function wepSpec(v: JsonValue | undefined): { containerID?: string; ipNetworks?: string[]; interfaceName?: string; mac?: string } {
  const spec = (v as { spec?: unknown } | null | undefined)?.spec;
  return typeof spec === 'object' && spec !== null ? spec : {};
}

async function releaseHandle(ipam: IpamClient, handle: string): Promise<void> {
  try {
    await ipam.releaseByHandle(handle);
  } catch (e) {
    // Already released (a repeated DEL) is success; a datastore outage is not.
    if (!(e instanceof IpamError && e.code === 'NotFound')) throw e;
  }
}

async function del(c: Ctx): Promise<void> {
  const { req } = c;
  const ipam = ipamOf(c);
  const key = wepKey(c);
  const wep = await c.ds.get(key);
  const owner = wepSpec(wep?.value).containerID;
  const podNsOpens = req.netns !== '' && (await netnsProblem(c.exec, req.netns)) === undefined;
  if (wep && owner && owner !== req.containerId) {
    // The endpoint (and the host veth, named after the pod) belong to a newer sandbox.
    await releaseHandle(ipam, podHandle(req.containerId));
    if (podNsOpens) await deleteLink(c.exec, req.ifname, req.netns);
    return;
  }
  await deleteLink(c.exec, vethName(req.namespace, req.pod));
  if (podNsOpens) await deleteLink(c.exec, req.ifname, req.netns);
  await releaseHandle(ipam, podHandle(req.containerId));
  if (wep) {
    await c.ds.delete(key).catch((e: unknown) => {
      if (!(e instanceof NotFound)) throw e;
    });
  }
}

async function check(c: Ctx): Promise<void> {
  const { req } = c;
  await requireNetns(c);
  const bad = (why: string): CniFailure => new CniFailure(CNI_ERR.internal, `CHECK of ${req.namespace}/${req.pod} failed: ${why}`);
  const wep = await c.ds.get(wepKey(c));
  if (!wep) throw bad(`WorkloadEndpoint ${workloadEndpointName(c.node, req.pod)} does not exist`);
  const spec = wepSpec(wep.value);
  if (spec.containerID !== req.containerId) throw bad(`WorkloadEndpoint belongs to container ${spec.containerID ?? '(none)'}`);
  const ipNet = spec.ipNetworks?.[0];
  const hostIface = vethName(req.namespace, req.pod);
  if (!ipNet) throw bad('WorkloadEndpoint has no ipNetworks');
  const ip = ipNet.split('/')[0]!;
  const prev = (req.conf.prevResult as { ips?: { address?: string }[] } | undefined)?.ips?.map((x) => x.address);
  if (prev && !prev.includes(ipNet)) throw bad(`prevResult has ${prev.join(', ')}, the WorkloadEndpoint ${ipNet}`);
  const s = await readPodNetwork(c.exec, { hostIface, ifname: req.ifname, netns: req.netns, ip });
  if (!s.host) throw bad(`host veth ${hostIface} does not exist`);
  if (s.host.address !== HOST_VETH_MAC) throw bad(`host veth ${hostIface} has MAC ${s.host.address}, expected ${HOST_VETH_MAC}`);
  if (!s.host.flags?.includes('UP')) throw bad(`host veth ${hostIface} is down`);
  if (!s.pod) throw bad(`${req.ifname} does not exist in ${req.netns}`);
  if (spec.mac && s.pod.address !== spec.mac) throw bad(`${req.ifname} has MAC ${s.pod.address}, the WorkloadEndpoint ${spec.mac}`);
  if (!s.podAddrs.includes(ipNet)) throw bad(`${req.ifname} lacks ${ipNet} (has ${s.podAddrs.join(', ') || 'none'})`);
  if (!s.podRoutes.includes('default via 169.254.1.1')) throw bad(`${req.ifname} lacks the default route via 169.254.1.1`);
  if (!s.hostRoute) throw bad(`the host lacks the route ${ip} dev ${hostIface}`);
}

/**
 * An unexpected error as a CNI failure. A datastore that cannot be reached is transient
 * (the lab's etcd restarting): code 11 tells the runtime to retry, and the text names it.
 */
function asFailure(e: unknown, env: Record<string, string | undefined>, stdin: string): CniFailure {
  const msg = (e as Error).message ?? String(e);
  // gRPC's status names, as the etcd client reports an unreachable or stalled server.
  if (/\b(UNAVAILABLE|DEADLINE_EXCEEDED)\b|No connection established/.test(msg)) {
    let where = 'etcd';
    try {
      where = `etcd at ${String((JSON.parse(stdin) as { etcd_endpoints?: unknown }).etcd_endpoints)}`;
    } catch { /* keep the generic name */ }
    return new CniFailure(CNI_ERR.tryAgain, `error talking to the datastore (${where}) during ${env.CNI_COMMAND}: is the lab's etcd running?`, msg.trim());
  }
  return new CniFailure(CNI_ERR.internal, msg);
}

/** Runs one CNI command: env + stdin in, the document to print and the exit code out. */
export async function cniMain(env: Record<string, string | undefined>, stdin: string, deps: CniDeps): Promise<CniOutput> {
  if (env.CNI_COMMAND === 'VERSION') return { stdout: `${JSON.stringify(versionResult())}\n`, code: 0 };
  const declared = declaredVersion(stdin);
  let version = declared && (SUPPORTED_VERSIONS as readonly string[]).includes(declared) ? declared : CURRENT_VERSION;
  let opened: Datastore | undefined;
  try {
    const req = parseRequest(env, stdin);
    version = req.conf.cniVersion;
    const node = req.conf.nodename ?? (deps.hostname ?? osHostname)();
    const nodeProblem = dnsSubdomainProblem(node);
    if (nodeProblem) throw new CniFailure(CNI_ERR.invalidConfig, `node name '${node}' ${nodeProblem}: set "nodename" in the netconf`);
    let ds = deps.ds;
    if (!ds) {
      if (!deps.openDatastore) throw new CniFailure(CNI_ERR.internal, 'no datastore: the plugin needs etcd_endpoints and a way to connect');
      ds = opened = deps.openDatastore(req.conf.etcdEndpoints);
    }
    const c: Ctx = { req, node, ds, exec: deps.exec, now: deps.now ?? (() => new Date()) };
    if (req.command === 'ADD') return { stdout: `${JSON.stringify(await add(c))}\n`, code: 0 };
    if (req.command === 'DEL') await del(c);
    else await check(c);
    return { stdout: '', code: 0 };
  } catch (e) {
    const f = e instanceof CniFailure ? e : asFailure(e, env, stdin);
    return { stdout: `${JSON.stringify(errorResult(version, f))}\n`, code: 1 };
  } finally {
    await opened?.close().catch(() => undefined);
  }
}
