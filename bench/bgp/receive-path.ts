/**
 * Bench: the receive path alone, in process. A hand-driven peer on the in-memory transport
 * pushes 100,000 /24 prefixes (UPDATEs packed as bird2 does, ~1000 per message) into our
 * speaker; reports ms and prefixes/s. Separates our CPU cost from sockets and daemons.
 * `cpuMs` (user + system of this process from the first UPDATE written) is the figure to
 * compare on a shared machine: `ms` also counts the time other processes held the cores.
 * Run: npx tsx bench/bgp/receive-path.ts
 */
import { realClock } from '../../engine/bgp/clock-real.ts';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import { buildOpen } from '../../engine/bgp/open.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import { MemoryNetwork } from '../../engine/bgp/transport-memory.ts';
import { toWireUpdates } from '../../engine/bgp/wire-map.ts';

const N = Number(process.argv[2] ?? 100_000);
const net = new MemoryNetwork({ defer: (fn) => setImmediate(fn) });
const sp = new Speaker({ routerId: '10.0.0.2', localAS: 64513, localAddress: '10.0.0.2', listenPort: 179, peers: [{ address: '10.0.0.1', as: 64512, passive: true }] }, { clock: realClock(), transport: net, codec: wireCodec, prefixEvents: false });
sp.start();
const nlri: string[] = [];
for (let i = 0; i < N; i++) {
  const a = (16 << 24) + i * 256;
  nlri.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`);
}
const msgs = toWireUpdates({ afi: 'ipv4', withdrawn: [], attrs: { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: '10.0.0.1' }, nlri }, true, () => 30);
const bytes = msgs.map((m) => wireCodec.encode(m, { as4: true }));
let t0 = 0;
sp.on((e) => {
  if (e.type === 'session' && e.to === 'Established') t0 = performance.now();
});
net.connect({ address: '10.0.0.2', port: 179 }, '10.0.0.1', (_err, s) => {
  s!.onData(() => {});
  s!.onClose(() => {});
  s!.write(wireCodec.encode(buildOpen({ localAs: 64512, routerId: 0x0a000001, holdTime: 90, peerAs: 64513, families: ['ipv4'] }), { as4: true }));
  s!.write(wireCodec.encode({ type: 'keepalive' }, { as4: true }));
  const start = performance.now();
  const c0 = process.cpuUsage();
  for (const b of bytes) s!.write(b);
  const timer = setInterval(() => {
    if (sp.rib.size < N) return;
    clearInterval(timer);
    const ms = performance.now() - Math.max(t0, start);
    process.stdout.write(`${JSON.stringify({ bench: 'receive-path', prefixes: N, updates: bytes.length, ms: +ms.toFixed(1), cpuMs: Math.round((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000), prefixesPerSec: Math.round(N / (ms / 1000)) })}\n`);
    sp.stop();
    setTimeout(() => process.exit(0), 50);
  }, 1);
});
