/**
 * Bench: the simulator's Calico control plane at scale. Each size (N k8s nodes, P pods) is
 * deployed in its own child process on a generated route-reflector fabric (fabric.ts):
 * SimLab.deploy, startCalico, P pods through CNI (round robin), converge (every session
 * Established, every node learned every other node's block). Reports wall time (deploy →
 * converged), peak RSS and the virtual convergence time.
 *
 * Reference, measured in the same child right after: the work any control plane must do for
 * that run — replaying the run's datastore writes (every put/delete, same keys and values)
 * into a fresh MemoryDatastore, plus decoding as many BGP UPDATE messages as the speakers
 * received. `ratio` = wall / reference: how far the engine is from that floor.
 *
 * Run: npx tsx bench/calico/scale.ts [N:P ...] [--limit SECONDS]
 * (default sizes 100:0 250:0 20:200 40:400 100:1000 500:0; a size that exceeds the limit,
 * default 300 s, is killed and reported as such, and the next sizes are still tried).
 */
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { MemoryDatastore } from '../../engine/calico/datastore/index.ts';
import type { WatchEvent } from '../../engine/calico/datastore/index.ts';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import { toWireUpdates } from '../../engine/bgp/wire-map.ts';
import type { Speaker } from '../../engine/bgp/index.ts';
import { generateRrFabric, podPlacement } from '../scale/fabric.ts';

// Sizes that finish in a few minutes on 2 cores today; pass 1000:0 1000:10000 to try larger.
const DEFAULT_SIZES = ['100:0', '250:0', '20:200', '40:400', '100:1000', '500:0'];

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** The reference: the run's datastore writes into a fresh store, plus `updates` UPDATE decodes. */
function reference(writes: readonly WatchEvent[], updates: number): { ms: number; dsMs: number; decodeMs: number } {
  const t0 = performance.now();
  const ds = new MemoryDatastore();
  for (const e of writes) {
    if (e.type === 'put') ds.putSync(e.kv.key, e.kv.value);
    else if (ds.getSync(e.key)) ds.deleteSync(e.key);
  }
  const t1 = performance.now();
  // An IPIP block route as a reflector relays it: iBGP, next hop the originating node.
  const [msg] = toWireUpdates({ afi: 'ipv4', withdrawn: [], attrs: { origin: 0, asPath: [], nextHop: '10.30.1.11', localPref: 100, originatorId: 0x0a1e010b, clusterList: [0xf4000001] }, nlri: ['172.16.0.0/26'] }, true, () => 30);
  const bytes = wireCodec.encode(msg!, { as4: true });
  let sink = 0;
  for (let i = 0; i < updates; i++) {
    const r = wireCodec.decode(bytes, { as4: true }) as { ok?: boolean };
    if (r.ok !== false) sink++;
  }
  const t2 = performance.now();
  if (sink < 0) throw new Error('unreachable');
  return { ms: t2 - t0, dsMs: t1 - t0, decodeMs: t2 - t1 };
}

/** One size, in this process. */
async function one(n: number, p: number): Promise<void> {
  const t0 = performance.now();
  const lab = SimLab.deploy(generateRrFabric(n), { captureAll: false });
  const tDeploy = performance.now();
  const c = await startCalico(lab);
  const tStart = performance.now();
  let updates = 0;
  const hooked = new WeakSet<Speaker>();
  const hook = (): void => {
    for (const sp of [...[...c.agents.values()].map((a) => a.speaker), ...[...c.routers.values()].map((r) => r.speaker)]) {
      if (!sp || hooked.has(sp)) continue;
      hooked.add(sp);
      sp.on((e) => { if (e.type === 'update-received') updates++; });
    }
  };
  hook();
  for (const [node, pod] of podPlacement(n, p)) {
    await c.addPod(node, 'default', pod, { app: pod });
    hook();
  }
  const tPods = performance.now();
  const conv = c.converge(600_000);
  const t1 = performance.now();
  const wallMs = t1 - t0;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const writes: WatchEvent[] = [];
  await c.ds.watch('/', 1, (e) => writes.push(e));
  const ref = reference(writes, updates);
  emit({
    bench: 'calico-scale', nodes: n, pods: p, converged: conv.converged, virtualMs: conv.virtualMs,
    wallMs: Math.round(wallMs), deployMs: Math.round(tDeploy - t0), startMs: Math.round(tStart - tDeploy), podsMs: Math.round(tPods - tStart), convergeMs: Math.round(t1 - tPods),
    peakRssMB: Math.round(maxRssMB), dsWrites: writes.length, updates,
    refMs: Math.round(ref.ms), refDsMs: Math.round(ref.dsMs), refDecodeMs: Math.round(ref.decodeMs), ratio: +(wallMs / Math.max(1, ref.ms)).toFixed(1),
  });
  process.exit(0);
}

/** Every size in its own child process (peak RSS per size, a time limit per size). */
async function all(sizes: readonly string[], limitS: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const rev = (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return '?'; } })();
  emit({ bench: 'calico-scale', commit: rev, limitS, sizes });
  for (const s of sizes) {
    const [n, p] = s.split(':').map(Number) as [number, number];
    const line = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, self, '--one', String(n), String(p)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        resolve(out.trim() || JSON.stringify({ bench: 'calico-scale', nodes: n, pods: p, error: sig === 'SIGKILL' ? `> ${limitS} s (killed)` : `exit ${code}` }));
      });
    });
    process.stdout.write(`${line}\n`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--one') await one(Number(args[1]), Number(args[2]));
else {
  const li = args.indexOf('--limit');
  const limitS = li >= 0 ? Number(args[li + 1]) : 300;
  const sizes = args.filter((a, i) => /^\d+:\d+$/.test(a) && (li < 0 || i !== li + 1));
  await all(sizes.length ? sizes : DEFAULT_SIZES, limitS);
}
