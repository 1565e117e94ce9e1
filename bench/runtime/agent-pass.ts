/**
 * Bench: what one pass of the real calico-node (`podlab agent`, LinuxNodeAgent) costs as the
 * cluster grows. For each size N, a real etcd holds a leaf-spine cluster of N nodes × P
 * endpoints (seeded and IPAM-assigned by the real components, test/support/real-agent-lab.ts);
 * one agent runs for the first node in its own network namespace with real BIRD. Measured:
 *
 * - `start`: agent start → first in-sync (its listing + the first pass), datastore reads;
 * - `local`: a pod added on the agent's node (IPAM through etcd, its veth, its endpoint) → the
 *   agent in sync with the endpoint's revision and the pod's route programmed; per pod: wall
 *   from the endpoint's write, the bench process's CPU in that window (the agent runs in it;
 *   the commands it runs are child processes, not in that figure), datastore lists and
 *   key/values read by the agent, and the commands it ran (`commands`, of which `kernelReads`
 *   only read the kernel);
 * - `remote`: the same for a pod added on another node (the agent only has to be in sync).
 *
 * Reference: the first size of the same run (default 100 nodes) — `ratio*` fields divide by
 * its figures; `nodeRatio` is how much larger the cluster is. Incremental means the per-pod
 * figures stay flat as N grows (reads stay 0).
 *
 * `agentHeapMB`: the live heap the agent added (its caches), measured after a full GC when
 * node runs with --expose-gc (NODE_OPTIONS=--expose-gc), else null.
 *
 * Needs root, `etcd`, `ip` and BIRD. Run: sudo npx tsx bench/runtime/agent-pass.ts [--pods P] [--rounds R] [N ...]
 */
import { performance } from 'node:perf_hooks';
import { EtcdDatastore } from '../../engine/calico/datastore/index.ts';
import { buildCluster, copyInto, startAgentUnderTest } from '../../test/support/real-agent-lab.ts';
import type { AgentUnderTest } from '../../test/support/real-agent-lab.ts';
import type { Exec } from '../../engine/runtime/linux/exec.ts';
import { startEtcd } from '../../test/calico/datastore/etcd-server.ts';

interface PassFigures { wallMs: number; cpuMs: number; lists: number; kvsRead: number; commands: number; kernelReads: number }

/** Commands the agent runs (through its Exec), and how many of them only read the kernel. */
interface CommandCount { commands: number; reads: number }

/** A command that only reads the kernel: `ip -j …`, `bridge -j …`, `sysctl -e|-n`, `ipset save|list`, `iptables-save`. */
function isKernelRead(argv: readonly string[]): boolean {
  const i = argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' ? 4 : 0;
  const [p, a] = [argv[i], argv[i + 1]];
  if (p === 'ip' || p === 'bridge') return a === '-j';
  if (p === 'sysctl') return a === '-e' || a === '-n';
  if (p === 'ipset') return a === 'save' || a === 'list';
  return p === 'iptables-save';
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** Adds `rounds` pods on `node` one at a time; per pod, the agent's work until it is in sync (and, locally, the route is in). */
async function measurePods(a: AgentUnderTest, count: CommandCount, node: string, rounds: number, tag: string): Promise<PassFigures> {
  const walls: number[] = [];
  const cpus: number[] = [];
  const lists: number[] = [];
  const kvs: number[] = [];
  const cmds: number[] = [];
  const kreads: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const from = a.events.length;
    let t0 = 0;
    let c0 = process.cpuUsage();
    const pod = await a.addPod(node, `${tag}-${i}`, () => {
      // Just before the endpoint's write: everything after is the agent's.
      a.counting.reset();
      count.commands = count.reads = 0;
      t0 = performance.now();
      c0 = process.cpuUsage();
    });
    await a.inSync(pod.revision);
    if (node === a.node) await a.waitEvent(from, (e) => e.type === 'felix' && e.changes.some((c) => c.object.includes(pod.ip)));
    const c = process.cpuUsage(c0);
    walls.push(performance.now() - t0);
    cpus.push((c.user + c.system) / 1000);
    lists.push(a.counting.lists);
    kvs.push(a.counting.kvsRead);
    cmds.push(count.commands);
    kreads.push(count.reads);
  }
  return { wallMs: median(walls), cpuMs: median(cpus), lists: median(lists), kvsRead: median(kvs), commands: median(cmds), kernelReads: median(kreads) };
}

const round = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    return v;
  };
  const pods = opt('--pods', 10);
  const rounds = opt('--rounds', 5);
  const sizes = args.length ? args.map(Number) : [100, 250, 500, 1000];
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('sizes must be whole numbers of nodes ≥ 2');
  const etcd = await startEtcd('agent-pass');
  let ref: { local: PassFigures; remote: PassFigures; startMs: number; n: number } | undefined;
  try {
    for (const n of sizes) {
      const root = `/bench-${n}`;
      const writer = new EtcdDatastore({ endpoints: [etcd.clientUrl], root });
      const cluster = await buildCluster(n, pods);
      await copyInto(writer, cluster.kvs);
      const node = cluster.nodeNames[0]!;
      const gc = (globalThis as { gc?: () => void }).gc;
      const liveHeap = (): number => { gc!(); gc!(); return process.memoryUsage().heapUsed; };
      const heap0 = gc ? liveHeap() : 0;
      const t0 = performance.now();
      const count: CommandCount = { commands: 0, reads: 0 };
      const wrapExec = (exec: Exec): Exec => (argv, opts) => {
        count.commands++;
        if (isKernelRead(argv)) count.reads++;
        return exec(argv, opts);
      };
      const a = await startAgentUnderTest({ etcdUrl: etcd.clientUrl, root, node, address: cluster.nodeAddress(node), writer, tag: `b${n}`, wrapExec });
      try {
        await a.inSync(await writer.revision(), 300_000);
        const startMs = performance.now() - t0;
        const start = { lists: a.counting.lists, kvsRead: a.counting.kvsRead };
        const agentHeapMB = gc ? round((liveHeap() - heap0) / 1048576) : null;
        // Warm-up pod (first endpoint of a fresh path through the JIT), not counted.
        await measurePods(a, count, node, 1, 'warm');
        const local = await measurePods(a, count, node, rounds, 'local');
        const remote = await measurePods(a, count, cluster.nodeNames[n - 1]!, rounds, 'remote');
        const errors = a.events.filter((e) => e.type === 'error');
        if (errors.length) throw new Error(`agent errors: ${JSON.stringify(errors.slice(0, 3))}`);
        ref ??= { local, remote, startMs, n };
        const r = (x: number, y: number): number | null => (y > 0 ? round(x / y) : null);
        process.stdout.write(`${JSON.stringify({
          nodes: n, endpoints: n * pods, nodeRatio: round(n / ref.n),
          startMs: Math.round(startMs), startLists: start.lists, startKvsRead: start.kvsRead, ratioStart: r(startMs, ref.startMs), agentHeapMB,
          local: { ...local, wallMs: round(local.wallMs), cpuMs: round(local.cpuMs) }, ratioLocalCpu: r(local.cpuMs, ref.local.cpuMs), ratioLocalWall: r(local.wallMs, ref.local.wallMs),
          remote: { ...remote, wallMs: round(remote.wallMs), cpuMs: round(remote.cpuMs) }, ratioRemoteCpu: r(remote.cpuMs, ref.remote.cpuMs),
        })}\n`);
      } finally {
        await a.stop();
        await writer.close();
      }
    }
  } finally {
    await etcd.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`agent-pass: ${(e as Error).message}\n`);
  process.exit(1);
});
