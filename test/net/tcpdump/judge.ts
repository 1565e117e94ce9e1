/**
 * Runs the real tcpdump on a pcap the test writes, with a fixed time zone, and returns its
 * stdout lines. argv arrays only; the pcap lives in a per-process temp directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../../engine/net/pcap.ts';
import type { EthernetFrame } from '../../../engine/net/packet.ts';
import { encodeFrame } from '../../../engine/net/codec/index.ts';

/** Writes the packets to a fresh pcap and returns its path plus a cleanup function. */
export function writeCorpusPcap(packets: readonly { tsMs: number; frame: EthernetFrame }[]): { path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pl-tcpdump-'));
  const w = new PcapWriter();
  // add(encodeFrame()) rather than addFrame(): addFrame writes into the buffer it held before
  // growing it (reported to the pcap owner), which loses packets once the file passes 4 KiB.
  for (const p of packets) w.add(p.tsMs, encodeFrame(p.frame));
  const path = join(dir, 'corpus.pcap');
  writeFileSync(path, w.bytes());
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Real `tcpdump -r FILE ARGS...` (TZ=UTC); stdout split into lines, stderr and exit code kept. */
export function realTcpdump(path: string, args: readonly string[]): { lines: string[]; stderr: string; code: number } {
  try {
    const out = execFileSync('tcpdump', ['-r', path, ...args], {
      env: { ...process.env, TZ: 'UTC' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { lines: out.split('\n').filter((l) => l !== ''), stderr: '', code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    return { lines: (err.stdout ?? '').split('\n').filter((l) => l !== ''), stderr: err.stderr ?? '', code: err.status ?? 1 };
  }
}
