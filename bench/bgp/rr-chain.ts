/**
 * Bench: routes per second through a three-speaker route-reflector chain on the in-memory
 * transport (client A → reflector → client B), real clock, full codec both ways.
 * `cpuMs` (user + system of this process over the same span) is the figure to compare on a
 * shared machine: `ms` also counts the time other processes held the cores.
 * Run: npx tsx bench/bgp/rr-chain.ts [PREFIXES]
 */
import { realClock } from '../../engine/bgp/clock-real.ts';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import type { SpeakerConfig } from '../../engine/bgp/config.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import { MemoryNetwork } from '../../engine/bgp/transport-memory.ts';

const N = Number(process.argv[2] ?? 100_000);
const clock = realClock();
const net = new MemoryNetwork({ defer: (fn) => setImmediate(fn) });
const mk = (cfg: SpeakerConfig): Speaker => new Speaker(cfg, { clock, transport: net, codec: wireCodec, prefixEvents: false });
const rr = mk({ routerId: '10.0.1.1', localAS: 64512, localAddress: '10.0.1.1', peers: [
  { address: '10.0.1.2', as: 64512, routeReflectorClient: true, passive: true },
  { address: '10.0.1.3', as: 64512, routeReflectorClient: true, passive: true },
] });
const a = mk({ routerId: '10.0.1.2', localAS: 64512, localAddress: '10.0.1.2', listen: false, peers: [{ address: '10.0.1.1', as: 64512 }] });
const b = mk({ routerId: '10.0.1.3', localAS: 64512, localAddress: '10.0.1.3', listen: false, peers: [{ address: '10.0.1.1', as: 64512 }] });
for (const s of [rr, a, b]) s.start();

const established = (): boolean => [...rr.peers.values()].every((p) => p.session.isEstablished) && a.peer('10.0.1.1')!.session.isEstablished && b.peer('10.0.1.1')!.session.isEstablished;
const wait = (pred: () => boolean): Promise<void> => new Promise((res) => { const t = setInterval(() => { if (pred()) { clearInterval(t); res(); } }, 1); });

await wait(established);
const heap0 = process.memoryUsage().heapUsed;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 1000);
};
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const x = (16 << 24) + i * 256;
  a.announce({ prefix: `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.0/24`, nextHop: '10.0.1.2' });
}
await wait(() => b.rib.size >= N);
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ bench: 'rr-chain', prefixes: N, hops: 2, ms: +ms.toFixed(1), cpuMs: cpuMs(c0), routesPerSec: Math.round(N / (ms / 1000)), heapMBAllThree: +((process.memoryUsage().heapUsed - heap0) / 2 ** 20).toFixed(1) })}\n`);
// Withdraw everything and time the propagation too.
const cw = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < N; i++) {
  const x = (16 << 24) + i * 256;
  a.withdrawLocal(`${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.0/24`);
}
await wait(() => b.rib.size === 0);
const wms = performance.now() - w0;
process.stdout.write(`${JSON.stringify({ bench: 'rr-chain-withdraw', prefixes: N, ms: +wms.toFixed(1), cpuMs: cpuMs(cw), routesPerSec: Math.round(N / (wms / 1000)) })}\n`);
for (const s of [rr, a, b]) s.stop();
setTimeout(() => process.exit(0), 50);
