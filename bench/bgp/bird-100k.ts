/**
 * Bench: bird2 sends 100,000 IPv4 /24 prefixes over veth; time until our speaker has them
 * all vs. until gobgpd has them all, in the same run (alternating rounds, same bird feed).
 * Prints one JSON line per measurement and a summary line with the ratio and memory per route.
 * Run as root: npx tsx bench/bgp/bird-100k.ts [ROUNDS]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetLab, waitFor } from '../../test/bgp/interop/lab.ts';

const N = 100_000;
const ROUNDS = Number(process.argv[2] ?? 3);
const REPO = resolve(import.meta.dirname, '../..');
const lab = new NetLab('bn');

function routesFile(): string {
  const lines: string[] = [];
  // 16.0.0.0/24, 16.0.1.0/24, ...: 100k distinct /24s with one attribute set, like bgperf.
  for (let i = 0; i < N; i++) {
    const a = (16 << 24) + i * 256;
    lines.push(`  route ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24 blackhole;`);
  }
  return `protocol static bulk4 {\n  ipv4;\n${lines.join('\n')}\n}\n`;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  lab.addNs('h', 'a', 'o', 'g');
  lab.bridge('h', [['a', '10.0.0.1'], ['o', '10.0.0.2'], ['g', '10.0.0.3']]);
  lab.file('bulk.conf', routesFile());
  const birdc = await lab.bird('a', `
router id 10.0.0.1;
protocol device { scan time 10; }
include "${join(lab.dir, 'bulk.conf')}";
protocol bgp to_ours { local 10.0.0.1 as 64512; neighbor 10.0.0.2 as 64513; disabled; hold time 90; ipv4 { import none; export all; }; }
protocol bgp to_gobgp { local 10.0.0.1 as 64512; neighbor 10.0.0.3 as 64514; disabled; hold time 90; ipv4 { import none; export all; }; }
`);
  await waitFor('bird loaded the static routes', async () => /100000 of 100000 routes|100000 routes/.test(await birdc('show route count')), 60_000);
  const gobgp = await lab.gobgp('g', `
[global.config]
  as = 64514
  router-id = "10.0.0.3"
  local-address-list = ["10.0.0.3"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.1"
    peer-as = 64512
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`);
  const gobgpPid = Number(execFileSync('ip', ['netns', 'pids', lab.ns('g')]).toString().split('\n').filter(Boolean).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'gobgpd'));
  const ours: number[] = [];
  const theirs: number[] = [];
  let mem: { heapPerRoute: number; rssPerRoute: number; rssMB: number } | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    // --- ours ---
    const cfg = { routerId: '10.0.0.2', localAS: 64513, localAddress: '10.0.0.2', peers: [{ address: '10.0.0.1', as: 64512, passive: true }] };
    const child = spawn('ip', ['netns', 'exec', lab.ns('o'), process.execPath, '--expose-gc', '--import', 'tsx', join(REPO, 'bench/bgp/speaker-child.ts'), JSON.stringify(cfg), String(N)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Record<string, number | string>[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); }
    });
    await waitFor('speaker ready', () => lines.some((l) => l.type === 'ready'), 20_000, 20);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await birdc('enable to_ours');
    const done = await waitFor('speaker has 100k', () => lines.find((l) => l.type === 'done'), 120_000, 20);
    const oursMs = (done.wallMs as number) - t0;
    ours.push((done.wallMs as number) - (done.established as number));
    mem = { heapPerRoute: (done.heapDelta as number) / N, rssPerRoute: (done.rssDelta as number) / N, rssMB: (done.rss as number) / 2 ** 20 };
    process.stdout.write(`${JSON.stringify({ bench: 'bird-100k', round, receiver: 'podlab', ms: oursMs, afterEstablishedMs: (done.wallMs as number) - (done.established as number), sessionSetupMs: (done.established as number) - t0, firstRouteMs: (done.firstRoute as number) - t0, cpuMsDuringTransfer: done.cpuMs, ...mem })}\n`);
    await birdc('disable to_ours');
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    // --- gobgpd ---
    const g0 = Date.now();
    await birdc('enable to_gobgp');
    let gEst = 0;
    let gFirst = 0;
    await waitFor('gobgpd has 100k', async () => {
      const j = JSON.parse(await gobgp(['neighbor', '10.0.0.1', '-j'])) as { state?: { session_state?: number | string }; afi_safis?: { state?: { accepted?: number } }[] };
      const st = j.state?.session_state;
      if (!gEst && (st === 6 || st === 'established' || st === 'ESTABLISHED')) gEst = Date.now();
      const acc = j.afi_safis?.[0]?.state?.accepted ?? 0;
      if (!gFirst && acc > 0) gFirst = Date.now();
      return acc >= N;
    }, 120_000, 100);
    const gMs = Date.now() - g0;
    theirs.push(gMs - (gEst ? gEst - g0 : 0));
    process.stdout.write(`${JSON.stringify({ bench: 'bird-100k', round, receiver: 'gobgpd', ms: gMs, sessionSetupMs: gEst ? gEst - g0 : null, firstRouteMs: gFirst ? gFirst - g0 : null, afterEstablishedMs: gEst ? Date.now() - gEst : null, rssMB: rssKb(gobgpPid) / 1024 })}\n`);
    await birdc('disable to_gobgp');
    await waitFor('gobgpd dropped the routes', async () => !(await gobgp(['global', 'rib', 'summary', '-a', 'ipv4'])).includes(`${N}`), 60_000, 200).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const o = median(ours);
  const g = median(theirs);
  process.stdout.write(`${JSON.stringify({ bench: 'bird-100k', summary: true, prefixes: N, measure: 'ms from Established until all prefixes accepted (median of rounds)', oursMedianMs: o, gobgpdMedianMs: g, ratioOursOverGobgpd: +(o / g).toFixed(3), oursFaster: o < g, ...mem })}\n`);
}

try {
  await main();
} finally {
  lab.cleanup();
}
