/**
 * One real calico-node (`LinuxNodeAgent`) in a private network namespace, against a real etcd
 * that holds a whole cluster: a generated leaf-spine fabric (no encapsulation: what this kernel
 * runs) seeded as the engine seeds a lab, with P pods per node given their addresses by IPAM
 * and their WorkloadEndpoints as the CNI plugin writes them. The cluster is built in memory
 * with the real components, then copied key by key into etcd (much faster than IPAM round
 * trips through etcd for thousands of pods). The agent's datastore counts its reads, so a test
 * or bench can see what one pass costs. Shared by test/runtime/agent-incremental.test.ts and
 * bench/runtime/agent-pass.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdDatastore, MemoryDatastore, resourceKey } from '../../engine/calico/datastore/index.ts';
import type { CancelWatch, Datastore, DeleteOptions, JsonValue, KeyValue, ListResult, PutOptions, WatchEvent } from '../../engine/calico/datastore/index.ts';
import { IpamClient, assignPodAddress } from '../../engine/calico/ipam/index.ts';
import { calicoCompileSelector } from '../../engine/calico/node/allocateip.ts';
import { seedCluster } from '../../engine/calico/cluster/seed.ts';
import { workloadEndpointResource } from '../../engine/calico/cni/cni.ts';
import type { CniAddArgs } from '../../engine/calico/cni/cni.ts';
import { vethName, workloadEndpointName } from '../../engine/calico/cni/names.ts';
import { LinuxNodeAgent } from '../../engine/runtime/linux/agent.ts';
import { AGENT_ETCD_CLIENT } from '../../engine/runtime/linux/agent-inputs.ts';
import type { AgentEvent } from '../../engine/runtime/linux/agent.ts';
import { findBird } from '../../engine/runtime/linux/bird.ts';
import { netnsExec } from '../../engine/runtime/linux/exec.ts';
import type { Exec } from '../../engine/runtime/linux/exec.ts';
import { generateFabric, fabricNodeName } from '../../bench/scale/fabric.ts';

/** A Datastore that counts the reads made through it (the agent's), passing everything to `inner`. */
export class CountingDatastore implements Datastore {
  readonly kind: string;
  lists = 0;
  gets = 0;
  /** Key/values returned by lists and gets. */
  kvsRead = 0;
  /** The prefixes listed, in order. */
  listed: string[] = [];

  constructor(private readonly inner: Datastore) {
    this.kind = inner.kind;
  }

  reset(): void {
    this.lists = this.gets = this.kvsRead = 0;
    this.listed = [];
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.gets++;
    const kv = await this.inner.get(key);
    if (kv) this.kvsRead++;
    return kv;
  }

  async list(prefix: string): Promise<ListResult> {
    this.lists++;
    this.listed.push(prefix);
    const r = await this.inner.list(prefix);
    this.kvsRead += r.kvs.length;
    return r;
  }

  put(key: string, value: JsonValue, opts?: PutOptions): Promise<KeyValue> { return this.inner.put(key, value, opts); }
  delete(key: string, opts?: DeleteOptions): Promise<number> { return this.inner.delete(key, opts); }
  watch(prefix: string, from: number | undefined, onEvent: (e: WatchEvent) => void): Promise<CancelWatch> { return this.inner.watch(prefix, from, onEvent); }
  revision(): Promise<number> { return this.inner.revision(); }
  grantLease(ttl: number): Promise<string> { return this.inner.grantLease(ttl); }
  revokeLease(id: string): Promise<void> { return this.inner.revokeLease(id); }
  close(): Promise<void> { return this.inner.close(); }
}

const NAMESPACE = 'default';

/** The WorkloadEndpoint the CNI plugin writes for a pod (the fields the resource reads). */
function endpointOf(node: string, pod: string, ip: string, i: number): { key: string; value: JsonValue; iface: string } {
  const args = { node, pod, namespace: NAMESPACE, containerId: `c-${node}-${pod}`, labels: { app: 'bench' } } as unknown as CniAddArgs;
  const iface = vethName(NAMESPACE, pod);
  const mac = `ee:ee:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  return { key: resourceKey('WorkloadEndpoint', workloadEndpointName(node, pod), NAMESPACE), value: workloadEndpointResource(args, iface, ip, mac), iface };
}

/** Builds the cluster in memory with the real seeding and IPAM; returns its keys and the node names. */
export async function buildCluster(nodes: number, podsPerNode: number): Promise<{ kvs: readonly KeyValue[]; nodeNames: string[]; nodeAddress: (n: string) => string }> {
  const topology = generateFabric('leaf-spine', nodes);
  const mem = new MemoryDatastore();
  await seedCluster(mem, topology);
  const ipam = new IpamClient(mem, { compileSelector: calicoCompileSelector() });
  const nodeNames = Array.from({ length: nodes }, (_, i) => fabricNodeName('leaf-spine', i));
  let seq = 0;
  for (const node of nodeNames) {
    for (let p = 0; p < podsPerNode; p++) {
      const pod = `pod-${node}-${p}`;
      const ip = await assignPodAddress(ipam, { containerId: `c-${node}-${pod}`, namespace: NAMESPACE, pod, node, now: new Date(0) });
      const e = endpointOf(node, pod, ip, seq++);
      mem.putSync(e.key, e.value);
    }
  }
  // The address calico-node's startup wrote into the Node (bgp.ipv4Address, with its prefix length).
  const nodeAddress = (n: string): string => String((mem.getSync(resourceKey('Node', n))?.value as { spec?: { bgp?: { ipv4Address?: string } } } | undefined)?.spec?.bgp?.ipv4Address ?? '');
  return { kvs: mem.listSync('/').kvs, nodeNames, nodeAddress };
}

/** Copies key/values into a store, `parallel` writes at a time. */
export async function copyInto(ds: Datastore, kvs: readonly KeyValue[], parallel = 64): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < kvs.length) {
      const kv = kvs[next++]!;
      await ds.put(kv.key, kv.value);
    }
  }));
}

/** A running agent in its own namespace, with what it emitted. */
export interface AgentUnderTest {
  readonly agent: LinuxNodeAgent;
  readonly counting: CountingDatastore;
  readonly events: AgentEvent[];
  readonly ns: string;
  readonly node: string;
  /** The agent's directory (BIRD's files). */
  readonly dir: string;
  /** Resolves once the agent reported in-sync at `revision` or later. */
  inSync(revision: number, maxMs?: number): Promise<void>;
  /** Resolves with the first event after `from` (an index into `events`) that `pred` accepts. */
  waitEvent(from: number, pred: (e: AgentEvent) => boolean, maxMs?: number): Promise<AgentEvent>;
  /** A pod on `node` as the CNI plugin makes it: IPAM through etcd, the host veth in the agent's namespace when local, the endpoint. Returns its revision and address. */
  addPod(node: string, pod: string, beforeWrite?: () => void): Promise<{ revision: number; ip: string; iface: string }>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `LinuxNodeAgent` for `node` inside a new network namespace (a dummy eth0 with the
 * node's address), BIRD too, against `etcdUrl` under `root`; `writer` is a separate client for
 * the test's own writes (not counted).
 */
export async function startAgentUnderTest(o: {
  etcdUrl: string; root: string; node: string; address: string; writer: Datastore; tag: string;
  /** Wraps the agent's Exec (a bench counts the commands a pass runs). */
  wrapExec?: (exec: Exec) => Exec;
  /** The agent's resync period (default an hour: tests trigger what they need). */
  resyncMs?: number;
}): Promise<AgentUnderTest> {
  const bird = findBird('bird1') ?? findBird('bird2');
  if (!bird) throw new Error('no BIRD installed (apt-get install bird2)');
  const ns = `pl-agent-${o.tag}-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  const ip = (...a: string[]): void => { execFileSync('ip', ['-n', ns, ...a]); };
  try {
    ip('link', 'set', 'lo', 'up');
    // The node's uplink: one end of a veth pair (this kernel has no dummy module), the other end up beside it.
    ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'uplink');
    ip('addr', 'add', o.address, 'dev', 'eth0');
    ip('link', 'set', 'uplink', 'up');
    ip('link', 'set', 'eth0', 'up');
  } catch (e) {
    execFileSync('ip', ['netns', 'del', ns]);
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), `pl-agent-${o.tag}-`));
  const etcd = new EtcdDatastore({ endpoints: [o.etcdUrl], root: o.root, client: AGENT_ETCD_CLIENT });
  const counting = new CountingDatastore(etcd);
  const events: AgentEvent[] = [];
  let synced = -1;
  const agent = new LinuxNodeAgent({
    node: o.node, dir, ds: counting, bird, exec: o.wrapExec ? o.wrapExec(netnsExec(ns)) : netnsExec(ns),
    emit: (e) => { events.push(e); if (e.type === 'in-sync') synced = Math.max(synced, e.revision); },
    startDaemon: (argv) => {
      const c = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: 'ignore' });
      c.unref();
      return c;
    },
    pollMs: 60_000, resyncMs: o.resyncMs ?? 3_600_000,
  });
  const ipam = new IpamClient(o.writer, { compileSelector: calicoCompileSelector() });
  let seq = 1 << 20;
  const self: AgentUnderTest = {
    agent, counting, events, ns, node: o.node, dir,
    async inSync(revision, maxMs = 60_000) {
      const deadline = Date.now() + maxMs;
      while (synced < revision) {
        if (Date.now() > deadline) throw new Error(`${o.node}: agent not in sync with revision ${revision} (at ${synced}); errors: ${events.filter((e) => e.type === 'error').map((e) => JSON.stringify(e)).join('; ')}`);
        await sleep(5);
      }
    },
    async waitEvent(from, pred, maxMs = 60_000) {
      const deadline = Date.now() + maxMs;
      for (;;) {
        const e = events.slice(from).find(pred);
        if (e) return e;
        if (Date.now() > deadline) throw new Error(`${o.node}: no such agent event within ${maxMs} ms`);
        await sleep(5);
      }
    },
    async addPod(node, pod, beforeWrite) {
      const addr = await assignPodAddress(ipam, { containerId: `c-${node}-${pod}`, namespace: NAMESPACE, pod, node, now: new Date() });
      const e = endpointOf(node, pod, addr, seq++);
      if (node === o.node) {
        // The host side of the pod's veth, as the CNI plugin leaves it (the pod side stays here too: enough for Felix's route).
        ip('link', 'add', e.iface, 'type', 'veth', 'peer', 'name', `p${e.iface.slice(4, 14)}`);
        ip('link', 'set', e.iface, 'up');
      }
      beforeWrite?.();
      const kv = await o.writer.put(e.key, e.value);
      return { revision: kv.modRevision, ip: addr, iface: e.iface };
    },
    async stop() {
      await agent.stop();
      await etcd.close();
      try { execFileSync('ip', ['netns', 'pids', ns]).toString().trim().split('\n').filter(Boolean).forEach((p) => process.kill(Number(p), 'SIGKILL')); } catch { /* none */ }
      try { execFileSync('ip', ['netns', 'del', ns]); } catch { /* gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await agent.start();
  } catch (e) {
    await self.stop();
    throw e;
  }
  return self;
}
