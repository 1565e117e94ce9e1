/**
 * The real CNI plugin, run the way kubelet runs it: a separate process started inside the
 * node's network namespace (`ip netns exec NODE …`), CNI_* env, the netconf on stdin, against
 * a real lab etcd on its unix socket. Checks the result document, both ends of the veth in
 * the kernel, the WorkloadEndpoint and the IPAM block in etcd, a ping through proxy ARP,
 * CHECK, idempotent DEL, and failed ADDs that leave nothing behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vethName, workloadEndpointName } from '../../engine/calico/cni/index.ts';
import { EtcdDatastore, blockKey, handleKey, resourceKey } from '../../engine/calico/datastore/index.ts';
import { IpamClient, putPool } from '../../engine/calico/ipam/index.ts';
import { podManifestKey } from '../../engine/runtime/linux/cni-plugin.ts';
import { startLabEtcd, type LabEtcd } from '../../engine/runtime/linux/etcd.ts';
import { haveCommands, haveRoot } from '../support/system.ts';

const ok = haveRoot() && haveCommands('etcd', 'ip', 'nsenter', 'sysctl', 'ping');
const root = join(import.meta.dirname, '..', '..');
const tag = process.pid.toString(36);
const NODE = `pl-cn-${tag}`;
const POD = `pl-cp-${tag}`;
const POD2 = `pl-cq-${tag}`;
const NODE_NAME = 'node-1';
const POOL = '10.66.0.0/28';

interface Run { code: number; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

/** Starts the plugin as kubelet does: a process in the node's netns, env + stdin. */
function plugin(env: Record<string, string>, stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', NODE, process.execPath, '--import', 'tsx', 'test/runtime/helpers/cni-entry.ts'], {
      cwd: root, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try { json = stdout.trim() ? JSON.parse(stdout) as Record<string, unknown> : undefined; } catch { json = undefined; }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(stdin);
  });
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function ipJson<T>(...args: string[]): T {
  return JSON.parse(ip('-j', ...args)) as T;
}
function hasLink(ns: string, dev: string): boolean {
  try {
    ip('-n', ns, 'link', 'show', 'dev', dev);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(ok)('CNI plugin on a real kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-cni-'));
  let etcd: LabEtcd;
  let ds: EtcdDatastore;
  let netconf: string;
  const cniEnv = (command: string, containerId: string, pod: string, netns: string, ifname = 'eth0'): Record<string, string> => ({
    CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: ifname,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${containerId}`,
    CNI_PATH: '/opt/cni/bin',
  });

  beforeAll(async () => {
    etcd = await startLabEtcd(dir, { lab: 'cnitest' });
    ds = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    await putPool(ds, { name: 'default-ipv4-ippool', spec: { cidr: POOL, blockSize: 28 } });
    netconf = JSON.stringify({
      cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', log_level: 'info', datastore_type: 'etcdv3',
      etcd_endpoints: etcd.endpoint, nodename: NODE_NAME, mtu: 1440, ipam: { type: 'calico-ipam' },
      policy: { type: 'k8s' }, kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig' },
    });
    for (const ns of [NODE, POD, POD2]) ip('netns', 'add', ns);
    // The node's uplink: 169.254.1.1 must be routable off the pod's veth for proxy ARP to answer.
    ip('-n', NODE, 'link', 'set', 'lo', 'up');
    // (This kernel has no dummy module: a veth pair with both ends in the node stands in.)
    ip('-n', NODE, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
    ip('-n', NODE, 'link', 'set', 'uplink1', 'up');
    ip('-n', NODE, 'addr', 'add', '10.0.0.11/24', 'dev', 'uplink0');
    ip('-n', NODE, 'link', 'set', 'uplink0', 'up');
    ip('-n', NODE, 'route', 'add', 'default', 'via', '10.0.0.1', 'dev', 'uplink0');
  });

  afterAll(async () => {
    await ds?.close();
    await etcd?.stop();
    for (const ns of [NODE, POD, POD2]) {
      try { ip('netns', 'del', ns); } catch { /* not created */ }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('VERSION lists what the plugin speaks', async () => {
    const r = await plugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.1', '0.4.0', '1.0.0'] });
  });

  it('ADD builds the pod network Calico builds and records it in etcd; CHECK agrees; DEL twice leaves nothing', async () => {
    await ds.put(podManifestKey('default', 'web-0'), {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
      spec: { serviceAccountName: 'web-sa', nodeName: NODE_NAME },
    });
    const cid = 'c0ffee01';
    const add = await plugin(cniEnv('ADD', cid, 'web-0', `/run/netns/${POD}`), netconf);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const host = vethName('default', 'web-0');
    const res = add.json as { cniVersion: string; interfaces: { name: string; mac: string; sandbox?: string }[]; ips: { address: string; interface: number }[]; dns: object };
    expect(res.cniVersion).toBe('1.0.0');
    expect(res.interfaces[0]).toEqual({ name: host, mac: 'ee:ee:ee:ee:ee:ee' });
    expect(res.interfaces[1]).toMatchObject({ name: 'eth0', sandbox: `/run/netns/${POD}` });
    expect(res.interfaces[1]!.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(res.ips).toEqual([{ address: '10.66.0.0/32', interface: 1 }]);
    const podIp = '10.66.0.0';

    // Pod side: the /32 and Calico's two routes.
    const addrs = ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>('-n', POD, '-4', 'addr', 'show', 'dev', 'eth0');
    expect(addrs[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${podIp}/32`]);
    const eth0 = ipJson<{ mtu: number; address: string; flags: string[] }[]>('-n', POD, 'link', 'show', 'dev', 'eth0')[0]!;
    expect(eth0).toMatchObject({ mtu: 1440, address: res.interfaces[1]!.mac });
    expect(eth0.flags).toContain('UP');
    expect(ip('-n', POD, 'route')).toBe('default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n');

    // Host side: the cali veth, its sysctls, the /32 route.
    const link = ipJson<{ address: string; mtu: number; flags: string[] }[]>('-n', NODE, 'link', 'show', 'dev', host)[0]!;
    expect(link).toMatchObject({ address: 'ee:ee:ee:ee:ee:ee', mtu: 1440 });
    expect(link.flags).toContain('UP');
    expect(ip('-n', NODE, 'route')).toContain(`${podIp} dev ${host} scope link \n`);
    for (const [key, want] of [[`net.ipv4.conf.${host}.proxy_arp`, '1'], [`net.ipv4.conf.${host}.forwarding`, '1'], [`net.ipv4.conf.${host}.route_localnet`, '1'], [`net.ipv4.neigh.${host}.proxy_delay`, '0']] as const) {
      expect(execFileSync('ip', ['netns', 'exec', NODE, 'sysctl', '-n', key], { encoding: 'utf8' }).trim(), key).toBe(want);
    }
    // The pod reaches the node: its gateway 169.254.1.1 is answered by proxy ARP with ee:ee:….
    execFileSync('ip', ['netns', 'exec', POD, 'ping', '-c', '1', '-W', '2', '10.0.0.11'], { encoding: 'utf8' });
    expect(ip('-n', POD, 'neigh', 'show', '169.254.1.1')).toContain('lladdr ee:ee:ee:ee:ee:ee');

    // etcd: the WorkloadEndpoint exactly as the simulator writes it, the IPAM block and handle.
    const wep = (await ds.get(resourceKey('WorkloadEndpoint', workloadEndpointName(NODE_NAME, 'web-0'), 'default')))!.value as { metadata: { name: string; labels: Record<string, string> }; spec: Record<string, unknown> };
    expect(wep.metadata).toMatchObject({ name: 'node--1-k8s-web--0-eth0', labels: { app: 'web', 'projectcalico.org/namespace': 'default', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'web-sa' } });
    expect(wep.spec).toEqual({
      orchestrator: 'k8s', node: NODE_NAME, containerID: cid, pod: 'web-0', endpoint: 'eth0', serviceAccountName: 'web-sa',
      ipNetworks: [`${podIp}/32`], profiles: ['kns.default', 'ksa.default.web-sa'], interfaceName: host, mac: res.interfaces[1]!.mac,
    });
    const block = (await ds.get(blockKey(POOL)))!.value as { affinity: string; allocations: (number | null)[]; attributes: { handle_id: string; secondary: Record<string, string> }[] };
    expect(block.affinity).toBe(`host:${NODE_NAME}`);
    expect(block.allocations[0]).toBe(0);
    expect(block.attributes[0]).toMatchObject({ handle_id: `k8s-pod-network.${cid}`, secondary: { namespace: 'default', pod: 'web-0', node: NODE_NAME } });
    expect(await ds.get(handleKey(`k8s-pod-network.${cid}`))).toBeDefined();

    const check = await plugin(cniEnv('CHECK', cid, 'web-0', `/run/netns/${POD}`), JSON.stringify({ ...JSON.parse(netconf), prevResult: res }));
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toBe('');

    for (let i = 0; i < 2; i++) {
      const del = await plugin(cniEnv('DEL', cid, 'web-0', `/run/netns/${POD}`), netconf);
      expect(del.code, `DEL #${i + 1}: ${del.stdout}${del.stderr}`).toBe(0);
      expect(del.stdout).toBe('');
    }
    expect(hasLink(NODE, host)).toBe(false);
    expect(hasLink(POD, 'eth0')).toBe(false);
    expect(ip('-n', NODE, 'route')).not.toContain(podIp);
    expect(await ds.get(resourceKey('WorkloadEndpoint', 'node--1-k8s-web--0-eth0', 'default'))).toBeUndefined();
    expect(await ds.get(handleKey(`k8s-pod-network.${cid}`))).toBeUndefined();
    const after = (await ds.get(blockKey(POOL)))!.value as { affinity: string; allocations: (number | null)[] };
    expect(after.allocations.every((a) => a === null)).toBe(true);
    expect(after.affinity).toBe(`host:${NODE_NAME}`);
    // And with the sandbox gone entirely (CNI_NETNS empty), DEL is still fine.
    const late = await plugin(cniEnv('DEL', cid, 'web-0', ''), netconf);
    expect(late.code, late.stdout).toBe(0);

    const stale = await plugin(cniEnv('CHECK', cid, 'web-0', `/run/netns/${POD}`), netconf);
    expect(stale.code).toBe(1);
    expect(stale.json).toMatchObject({ cniVersion: '1.0.0', code: 999 });
    expect(String(stale.json!.msg)).toContain('does not exist');
  });

  it('the ipAddrs annotation pins the address; a 0.3.1 netconf gets a 0.3.1 result', async () => {
    await ds.put(podManifestKey('default', 'pinned'), {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned', namespace: 'default', annotations: { 'cni.projectcalico.org/ipAddrs': '["10.66.0.9"]' } }, spec: {},
    });
    const add = await plugin(cniEnv('ADD', 'pin1', 'pinned', `/run/netns/${POD2}`), JSON.stringify({ ...JSON.parse(netconf), cniVersion: '0.3.1' }));
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json).toMatchObject({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.66.0.9/32', interface: 1 }] });
    expect(ip('-n', POD2, 'addr', 'show', 'dev', 'eth0')).toContain('inet 10.66.0.9/32 scope global eth0');
    const del = await plugin(cniEnv('DEL', 'pin1', 'pinned', `/run/netns/${POD2}`), netconf);
    expect(del.code, del.stdout).toBe(0);
    expect(hasLink(POD2, 'eth0')).toBe(false);
  });

  it('a failed ADD leaves nothing: missing netns, exhausted pool, a kernel refusal after the address was taken', async () => {
    // Releases reorder the free list and bump sequence numbers; what must not change is who holds what.
    const allocations = async (): Promise<string> => JSON.stringify(((await ds.get(blockKey(POOL)))!.value as { allocations: unknown[] }).allocations);
    const before = await allocations();
    const host = vethName('default', 'broken');
    const assertNothing = async (cid: string): Promise<void> => {
      expect(hasLink(NODE, host)).toBe(false);
      expect(await ds.get(handleKey(`k8s-pod-network.${cid}`))).toBeUndefined();
      expect(await ds.get(resourceKey('WorkloadEndpoint', workloadEndpointName(NODE_NAME, 'broken'), 'default'))).toBeUndefined();
      expect(await allocations()).toBe(before);
    };

    const noNs = await plugin(cniEnv('ADD', 'bad1', 'broken', `/run/netns/pl-missing-${tag}`), netconf);
    expect(noNs.code).toBe(1);
    expect(noNs.json).toMatchObject({ cniVersion: '1.0.0', code: 3, msg: `failed to open netns "/run/netns/pl-missing-${tag}"` });
    await assertNothing('bad1');

    // The sandbox already has an eth0: the address is assigned first, then the veth fails.
    ip('-n', POD2, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    const clash = await plugin(cniEnv('ADD', 'bad2', 'broken', `/run/netns/${POD2}`), netconf);
    ip('-n', POD2, 'link', 'del', 'eth0');
    expect(clash.code).toBe(1);
    expect(clash.json).toMatchObject({ code: 999 });
    expect(String(clash.json!.msg)).toMatch(/^creating veth .* File exists/);
    await assertNothing('bad2');

    // Exhaustion: every address of the pool is taken (strict affinity off, nothing to borrow).
    const ipam = new IpamClient(ds);
    const filled = await ipam.autoAssign({ num4: 16, handleId: 'filler', hostname: NODE_NAME, attrs: {}, intendedUse: 'Workload' });
    expect(filled.ips).toHaveLength(16);
    const full = await plugin(cniEnv('ADD', 'bad3', 'broken', `/run/netns/${POD2}`), netconf);
    expect(full.code).toBe(1);
    expect(full.json).toMatchObject({ cniVersion: '1.0.0', code: 999 });
    expect(String(full.json!.msg)).toMatch(/^failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses/);
    expect(hasLink(NODE, host)).toBe(false);
    expect(hasLink(POD2, 'eth0')).toBe(false);
    expect(await ds.get(handleKey('k8s-pod-network.bad3'))).toBeUndefined();
    await ipam.releaseByHandle('filler');
    expect(await allocations()).toBe(before);
  });

  it('reports a bad environment as the CNI error document, before touching anything', async () => {
    const r = await plugin({ ...cniEnv('ADD', 'x1', 'broken', `/run/netns/${POD2}`), CNI_IFNAME: 'eth0;reboot' }, netconf);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ cniVersion: '1.0.0', code: 4 });
    expect(String(r.json!.msg)).toContain("CNI_IFNAME 'eth0;reboot'");
    // An etcd that is not there is transient for the runtime (code 11: try again later).
    const gone = await plugin(cniEnv('ADD', 'x2', 'broken', `/run/netns/${POD2}`), JSON.stringify({ ...JSON.parse(netconf), etcd_endpoints: `unix://${dir}/absent:2379` }));
    expect(gone.code).toBe(1);
    expect(gone.json).toMatchObject({ code: 11, msg: `error talking to the datastore (etcd at unix://${dir}/absent:2379) during ADD: is the lab's etcd running?` });
    expect(hasLink(NODE, vethName('default', 'broken'))).toBe(false);
  });
});
