/**
 * Bench helper, run inside a namespace: our speaker on real TCP with per-prefix events off.
 * argv: CONFIG_JSON EXPECTED_PREFIXES. Prints JSON lines: {"ready"} once listening, then
 * {"done", wallMs, heapDelta, rssDelta, rss} when the Loc-RIB holds the expected count.
 */
import { realClock } from '../../engine/bgp/clock-real.ts';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import type { SpeakerConfig } from '../../engine/bgp/config.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import { tcpTransport } from '../../engine/bgp/transport-tcp.ts';

const cfg = JSON.parse(process.argv[2]!) as SpeakerConfig;
const expected = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const rss0 = process.memoryUsage().rss;
const sp = new Speaker(cfg, { clock: realClock(), transport: tcpTransport(), codec: wireCodec, prefixEvents: false });
let established = 0;
sp.on((e) => { if (e.type === 'session' && e.to === 'Established') established = Date.now(); });
sp.start();
process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
let firstRoute = 0;
let cpuAtFirst: NodeJS.CpuUsage | undefined;
const timer = setInterval(() => {
  if (!firstRoute && sp.rib.size > 0) { firstRoute = Date.now(); cpuAtFirst = process.cpuUsage(); }
  if (sp.rib.size < expected) return;
  const wallMs = Date.now();
  const cpu = process.cpuUsage(cpuAtFirst);
  clearInterval(timer);
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ type: 'done', wallMs, established, firstRoute, cpuMs: (cpu.user + cpu.system) / 1000, heapDelta: m.heapUsed - heap0, rssDelta: m.rss - rss0, rss: m.rss })}\n`);
}, 2);
process.on('SIGTERM', () => { sp.stop(); setTimeout(() => process.exit(0), 200); });
