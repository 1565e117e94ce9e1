/**
 * The reference for bench/sim/hops.ts: Linux's own forwarding through the same shape —
 * host A, ROUTERS routers, host B, each a network namespace, cabled by veth pairs with the
 * same /30 addressing and /32 routes as the simulated chain — and `ping -f` from A to B
 * (iputils' flood mode: the next echo leaves as soon as the reply arrives, so the rate is
 * bounded by the kernel's path, not by a timer). Root only; everything it creates carries
 * a per-process prefix and is deleted in `finally`, even when a step fails.
 */
import { execFileSync } from 'node:child_process';

/** What the kernel did: pings answered, wall time of the flood, and hops/s (a hop = one frame transmitted). */
export interface KernelChainResult {
  readonly routers: number;
  readonly transmitted: number;
  readonly received: number;
  readonly wallMs: number;
  readonly hops: number;
  readonly hopsPerSec: number;
  readonly rttAvgMs: number;
}

function ip4(off: number): string {
  const a = ((172 << 24) | (16 << 16)) + off;
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

const run = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Builds the namespace chain, floods it with `pings` echo requests, tears it down. */
export function kernelChain(routers: number, pings: number): KernelChainResult {
  const tag = `plh${process.pid % 100000}`;
  const names = ['A', ...Array.from({ length: routers }, (_, i) => `r${i + 1}`), 'B'].map((n) => `${tag}-${n}`);
  const created: string[] = [];
  try {
    for (const ns of names) {
      run(['ip', 'netns', 'add', ns]);
      created.push(ns);
    }
    // One `ip -batch` per namespace after the veths exist keeps the setup to a few seconds.
    for (let i = 0; i + 1 < names.length; i++) {
      run(['ip', 'link', 'add', `${tag}a${i}`, 'netns', names[i]!, 'type', 'veth', 'peer', 'name', `${tag}b${i}`, 'netns', names[i + 1]!]);
    }
    const a = ip4(1);
    const b = ip4(4 * (names.length - 2) + 2);
    for (let i = 0; i < names.length; i++) {
      const cmds = ['link set lo up'];
      if (i > 0) cmds.push(`link set ${tag}b${i - 1} name eth0`, `addr add ${ip4(4 * (i - 1) + 2)}/30 dev eth0`, 'link set eth0 up');
      if (i + 1 < names.length) cmds.push(`link set ${tag}a${i} name eth1`, `addr add ${ip4(4 * i + 1)}/30 dev eth1`, 'link set eth1 up');
      if (i === 0) cmds.push(`route add ${b}/32 via ${ip4(2)}`);
      else if (i === names.length - 1) cmds.push(`route add ${a}/32 via ${ip4(4 * (i - 1) + 1)}`);
      else {
        if (i > 1) cmds.push(`route add ${a}/32 via ${ip4(4 * (i - 1) + 1)}`);
        if (i + 2 < names.length) cmds.push(`route add ${b}/32 via ${ip4(4 * i + 2)}`);
      }
      execFileSync('ip', ['-n', names[i]!, '-batch', '-'], { input: `${cmds.join('\n')}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
      if (i > 0 && i + 1 < names.length) run(['ip', 'netns', 'exec', names[i]!, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    }
    run(['ip', 'netns', 'exec', names[0]!, 'ping', '-c', '3', '-i', '0.2', '-q', b]); // neighbours resolved, as in the simulator's warm-up
    const out = run(['ip', 'netns', 'exec', names[0]!, 'ping', '-f', '-q', '-c', String(pings), b]);
    const stats = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/.exec(out);
    const rtt = /rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//.exec(out);
    if (!stats) throw new Error(`unexpected ping output: ${out}`);
    const received = Number(stats[2]);
    const wallMs = Number(stats[3]);
    // Echo request and reply each cross every cable once: 2 × (routers + 1) transmissions.
    const hops = received * 2 * (routers + 1);
    return { routers, transmitted: Number(stats[1]), received, wallMs, hops, hopsPerSec: Math.round(hops / (wallMs / 1000)), rttAvgMs: Number(rtt?.[1] ?? NaN) };
  } finally {
    for (const ns of created) {
      try { run(['ip', 'netns', 'del', ns]); } catch { /* already gone */ }
    }
  }
}
