/**
 * The kernel edge of the CNI plugin: the pod's veth and addresses, with `ip`, `sysctl` and
 * `nsenter`, through an Exec that runs in the NODE's network namespace (where kubelet runs
 * the plugin). The pod side is reached by the sandbox's netns path (`nsenter --net=PATH`),
 * which works for `/run/netns/NAME` and for `/proc/PID/ns/net` alike.
 *
 * Shape (Calico's dataplane_linux.go): host `cali…` with MAC ee:ee:ee:ee:ee:ee, no address,
 * proxy_arp=1, neigh proxy_delay=0, forwarding=1, route_localnet=1; pod `eth0` with the /32,
 * `169.254.1.1 dev eth0 scope link` and `default via 169.254.1.1 dev eth0`; on the host
 * `<ip> dev cali… scope link` (protocol boot, which `ip route` does not print).
 *
 * Every name here was validated by cni-spec.ts before it arrives.
 */
import type { Exec, ExecResult } from './exec.ts';
import { HOST_VETH_MAC, POD_GATEWAY } from '../../calico/cni/index.ts';

/** The parts of one pod's network the plugin builds. */
export interface PodNet {
  readonly hostIface: string;
  readonly ifname: string;
  readonly netns: string;
  readonly mtu: number;
  readonly ip: string;
}

function fail(what: string, r: ExecResult): Error {
  return new Error(`${what}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
}

async function must(exec: Exec, what: string, argv: string[], stdin?: string): Promise<string> {
  const r = await exec(argv, stdin === undefined ? undefined : { stdin });
  if (r.code !== 0) throw fail(what, r);
  return r.stdout;
}

/** argv run inside the pod's namespace. */
function inPod(netns: string, argv: string[]): string[] {
  return ['nsenter', `--net=${netns}`, '--', ...argv];
}

/** Undefined when the netns path opens as a network namespace, else why not. */
export async function netnsProblem(exec: Exec, netns: string): Promise<string | undefined> {
  const r = await exec(inPod(netns, ['true']));
  return r.code === 0 ? undefined : (r.stderr.trim() || `nsenter exit ${r.code}`);
}

interface JsonLink { ifname: string; address?: string; mtu?: number; flags?: string[]; operstate?: string }

/** The link as `ip -j link show` reports it, or undefined when there is no such device. */
export async function showLink(exec: Exec, name: string, netns?: string): Promise<JsonLink | undefined> {
  const argv = ['ip', '-j', 'link', 'show', 'dev', name];
  const r = await exec(netns ? inPod(netns, argv) : argv);
  if (r.code !== 0) {
    if (/does not exist|Cannot find device/.test(r.stderr)) return undefined;
    throw fail(`reading link ${name}`, r);
  }
  return (JSON.parse(r.stdout) as JsonLink[])[0];
}

/** Deletes a link if it exists (with a veth, its peer goes too); absent is fine. */
export async function deleteLink(exec: Exec, name: string, netns?: string): Promise<boolean> {
  if (!(await showLink(exec, name, netns).catch(() => undefined))) return false;
  const argv = ['ip', 'link', 'del', 'dev', name];
  const r = await exec(netns ? inPod(netns, argv) : argv);
  if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) throw fail(`deleting link ${name}`, r);
  return true;
}

/**
 * Builds the veth pair and programs both ends; returns the pod interface's MAC. On error
 * it throws after whatever it built (the caller deletes the host veth, which takes the
 * pod end with it).
 */
export async function buildPodNetwork(exec: Exec, p: PodNet): Promise<string> {
  const h = p.hostIface;
  // The peer is created straight inside the sandbox: no window where eth0 sits in the node.
  await must(exec, `creating veth ${h} with peer ${p.ifname} in ${p.netns}`, [
    'ip', 'link', 'add', h, 'mtu', String(p.mtu), 'address', HOST_VETH_MAC,
    'type', 'veth', 'peer', 'name', p.ifname, 'mtu', String(p.mtu), 'netns', p.netns,
  ]);
  await must(exec, `setting sysctls of ${h}`, [
    'sysctl', '-q', '-w',
    `net.ipv4.conf.${h}.route_localnet=1`, `net.ipv4.neigh.${h}.proxy_delay=0`,
    `net.ipv4.conf.${h}.proxy_arp=1`, `net.ipv4.conf.${h}.forwarding=1`,
  ]);
  await must(exec, `setting ${h} up`, ['ip', 'link', 'set', 'dev', h, 'up']);
  // One ip process for the pod side; batch lines are split on blanks, never by a shell.
  const podSide = [
    `link set dev ${p.ifname} up`,
    `addr add ${p.ip}/32 dev ${p.ifname}`,
    `route add ${POD_GATEWAY} dev ${p.ifname} scope link`,
    `route add default via ${POD_GATEWAY} dev ${p.ifname}`,
  ].join('\n') + '\n';
  await must(exec, `configuring ${p.ifname} in ${p.netns}`, inPod(p.netns, ['ip', '-batch', '-']), podSide);
  await must(exec, `adding route ${p.ip}/32 dev ${h}`, ['ip', 'route', 'replace', `${p.ip}/32`, 'dev', h, 'scope', 'link']);
  const link = await showLink(exec, p.ifname, p.netns);
  if (!link?.address) throw new Error(`${p.ifname} in ${p.netns} has no MAC address after creation`);
  return link.address;
}

/** What CHECK compares with the WorkloadEndpoint. */
export interface PodNetState {
  readonly host?: JsonLink;
  readonly pod?: JsonLink;
  readonly podAddrs: string[];
  readonly podRoutes: string[];
  readonly hostRoute: boolean;
}

/** Reads both ends of a pod's network (missing pieces are empty/undefined). */
export async function readPodNetwork(exec: Exec, p: Omit<PodNet, 'mtu'>): Promise<PodNetState> {
  const host = await showLink(exec, p.hostIface);
  const pod = await showLink(exec, p.ifname, p.netns).catch(() => undefined);
  const addrs = await exec(inPod(p.netns, ['ip', '-j', '-4', 'addr', 'show', 'dev', p.ifname]));
  const podAddrs = addrs.code === 0
    ? (JSON.parse(addrs.stdout) as { addr_info?: { local: string; prefixlen: number }[] }[]).flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`))
    : [];
  const routes = await exec(inPod(p.netns, ['ip', '-j', '-4', 'route', 'show', 'dev', p.ifname]));
  const podRoutes = routes.code === 0
    ? (JSON.parse(routes.stdout) as { dst: string; gateway?: string }[]).map((r) => (r.gateway ? `${r.dst} via ${r.gateway}` : r.dst))
    : [];
  const hr = await exec(['ip', '-j', '-4', 'route', 'show', 'exact', `${p.ip}/32`, 'dev', p.hostIface]);
  const hostRoute = hr.code === 0 && (JSON.parse(hr.stdout) as unknown[]).length > 0;
  return { ...(host ? { host } : {}), ...(pod ? { pod } : {}), podAddrs, podRoutes, hostRoute };
}
