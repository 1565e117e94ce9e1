/**
 * Bench: the receive path of route-reflector clients, in process — issue 11's converge phase
 * in miniature. K client speakers (ours) each receive the same P one-prefix UPDATEs (a node's
 * block: its own next hop, ORIGINATOR_ID and CLUSTER_LIST, as a Calico reflector sends them)
 * from two hand-driven reflectors, in TCP-segment-sized chunks, client after client: the
 * shape of a 1,000-node fabric's two million reflected UPDATEs, without the simulated network.
 *
 * Reports CPU (user + system of this process while the UPDATEs are fed; the figure to compare
 * on a shared machine) and ns per received UPDATE; fails when a client's Loc-RIB is short.
 * Run: npx tsx bench/bgp/rr-client.ts [K=300] [P=1000]
 */
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import { buildOpen } from '../../engine/bgp/open.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import type { Clock } from '../../engine/bgp/clock.ts';
import type { ByteStream } from '../../engine/bgp/transport.ts';
import { MemoryNetwork } from '../../engine/bgp/transport-memory.ts';
import { toWireUpdates } from '../../engine/bgp/wire-map.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';

const K = Number(process.argv[2] ?? 300);
const P = Number(process.argv[3] ?? 1000);
const MSS = 1448;

// A run-to-completion clock: deferred work in order; the hold, keepalive and retry timers
// (seconds) never fall due within a bench that takes no virtual time.
const queue: (() => void)[] = [];
const clock: Clock = {
  now: () => 0,
  setTimer: (ms, fn) => {
    if (ms > 0) return () => {};
    let live = true;
    queue.push(() => { if (live) fn(); });
    return () => { live = false; };
  },
};
function drain(): void {
  for (let i = 0; i < queue.length; i++) queue[i]!();
  queue.length = 0;
}

const net = new MemoryNetwork({ defer: (fn) => { queue.push(fn); } });
const reflectors = ['10.255.0.1', '10.255.0.2'];
const clients: Speaker[] = [];
const feeds: ByteStream[][] = [[], []];
for (let i = 0; i < K; i++) {
  const addr = formatIPv4((10 << 24) + (1 << 16) + i + 1);
  const sp = new Speaker({ routerId: addr, localAS: 64512, localAddress: addr, peers: reflectors.map((a) => ({ address: a, as: 64512, passive: true })) }, { clock, transport: net, codec: wireCodec, wireEvents: false });
  sp.start();
  clients.push(sp);
  reflectors.forEach((rr, r) => net.connect({ address: addr, port: 179 }, rr, (err, s) => {
    if (err || !s) throw new Error(`client ${addr}: ${err?.message}`);
    s.onData(() => {});
    s.onClose(() => {});
    s.write(wireCodec.encode(buildOpen({ localAs: 64512, routerId: r + 1, holdTime: 90, peerAs: 64512, families: ['ipv4'] }), { as4: true }));
    s.write(wireCodec.encode({ type: 'keepalive' }, { as4: true }));
    feeds[r]!.push(s);
  }));
}
drain();

// One reflector flush: P UPDATEs of one /26 block each, as one buffer.
const parts: Uint8Array[] = [];
for (let i = 0; i < P; i++) {
  const id = (10 << 24) + (2 << 16) + i + 1;
  const node = formatIPv4(id);
  const block = `${formatIPv4((192 << 24) + (168 << 16) + i * 64)}/26`;
  for (const m of toWireUpdates({ afi: 'ipv4', withdrawn: [], attrs: { origin: 0, asPath: [], nextHop: node, localPref: 100, originatorId: id, clusterList: [0xe0000001] }, nlri: [block] }, true, () => 40)) {
    parts.push(wireCodec.encode(m, { as4: true }));
  }
}
const flush = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
parts.reduce((at, p) => { flush.set(p, at); return at + p.length; }, 0);

const c0 = process.cpuUsage();
const t0 = performance.now();
for (const streams of feeds) {
  for (const s of streams) {
    for (let at = 0; at < flush.length; at += MSS) s.write(flush.subarray(at, Math.min(flush.length, at + MSS)));
    drain();
  }
}
const u = process.cpuUsage(c0);
const ms = performance.now() - t0;
const short = clients.filter((sp) => sp.rib.size !== P).length;
const cpuMs = (u.user + u.system) / 1000;
process.stdout.write(`${JSON.stringify({ bench: 'rr-client', clients: K, prefixes: P, updates: 2 * K * P, ms: Math.round(ms), cpuMs: Math.round(cpuMs), nsPerUpdate: Math.round((cpuMs * 1e6) / (2 * K * P)), clientsShort: short })}\n`);
if (short > 0) process.exitCode = 1;
